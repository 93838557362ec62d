//! Who holds the permissions that let apps in, through a profile or a permission set (group):
//! one `PermissionSetAssignment` query over the permission columns of the assigned
//! `PermissionSet`. A profile's permissions live in its profile-owned permission set, which every
//! user of the profile is assigned, and a permission set group's in its aggregate permission set,
//! so one query sees every way a user holds a permission.
//!
//! Permission columns exist only where the org has the permission (`PermissionsUseAnyApiClient`
//! only with API Access Control; `PermissionsCanApproveUninstalledApps` is missing from some
//! orgs): a column the org refuses (`INVALID_FIELD: No such column 'X' on entity
//! 'PermissionSet'`) is dropped and the query sent again, and the permissions needing it become
//! `unknown`, never "nobody holds it".
//!
//! The same rows tell what a client-credentials run-as user may do, and what the scanning user
//! itself may see (its own rows are asked for too): without "Customize Application" Salesforce
//! silently returns only the user's own `OauthToken` rows, and without "Manage Users" or "Monitor
//! Login History" only its own `LoginHistory`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{Holder, Holders, PermissionHolders, RunAsUser};
use crate::salesforce::{Client, Priority, SfError, rest};

/// Permission columns read, by API name. Those in [`OPTIONAL`] may be missing from an org.
pub(crate) const COLUMNS: [&str; 11] = [
    "PermissionsCanApproveUninstalledApps",
    "PermissionsUseAnyApiClient",
    "PermissionsViewClientSecret",
    "PermissionsClientSecretRotation",
    "PermissionsCustomizeApplication",
    "PermissionsModifyAllData",
    "PermissionsViewAllData",
    "PermissionsApiUserOnly",
    "PermissionsApiEnabled",
    "PermissionsManageUsers",
    "PermissionsMonitorLoginHistory",
];

const OPTIONAL: [&str; 5] = [
    "PermissionsCanApproveUninstalledApps",
    "PermissionsUseAnyApiClient",
    "PermissionsViewClientSecret",
    "PermissionsClientSecretRotation",
    "PermissionsMonitorLoginHistory",
];

/// Columns a row is returned for: holding any of them makes the user interesting. `ApiEnabled`,
/// `ManageUsers` and `MonitorLoginHistory` are read but not filtered on (nearly every user has API
/// Enabled); the scanning user's own rows come through their own condition.
const FILTERED: [&str; 8] = [
    "PermissionsCanApproveUninstalledApps",
    "PermissionsUseAnyApiClient",
    "PermissionsViewClientSecret",
    "PermissionsClientSecretRotation",
    "PermissionsCustomizeApplication",
    "PermissionsModifyAllData",
    "PermissionsViewAllData",
    "PermissionsApiUserOnly",
];

pub(crate) const PERMISSION_SOURCE: &str = "PermissionSetAssignment";

/// One assignment row: a user, how it holds the permission set, and its permission values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssignmentRow {
    pub user_id: String,
    pub username: String,
    pub active: bool,
    /// `profile NAME`, `permission set group NAME` or `permission set NAME`.
    pub via: String,
    pub permissions: BTreeSet<&'static str>,
}

/// What the query gave: the rows, and the permission columns the org does not have.
#[derive(Debug, Clone, Default)]
pub(crate) struct PermissionScan {
    pub rows: Vec<AssignmentRow>,
    /// Column → the org's words.
    pub missing_columns: BTreeMap<&'static str, String>,
    /// The scanning user's own id or username, as the query asked for it.
    pub scanner: Option<String>,
}

fn soql(columns: &[&'static str], scanner: Option<&(String, bool)>) -> String {
    let selected: Vec<String> = columns.iter().map(|column| format!("PermissionSet.{column}")).collect();
    let mut conditions: Vec<String> = FILTERED
        .iter()
        .filter(|column| columns.contains(column))
        .map(|column| format!("PermissionSet.{column} = true"))
        .collect();
    match scanner {
        Some((id, true)) => conditions.push(format!("AssigneeId = {}", rest::soql_string(id))),
        Some((username, false)) => conditions.push(format!("Assignee.Username = {}", rest::soql_string(username))),
        None => {}
    }
    format!(
        "SELECT AssigneeId, Assignee.Username, Assignee.IsActive, PermissionSet.Name, PermissionSet.Label, \
         PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name, PermissionSetGroupId, {} FROM \
         PermissionSetAssignment WHERE {}",
        selected.join(", "),
        conditions.join(" OR ")
    )
}

/// The column an `INVALID_FIELD` refusal names, when it is one of ours.
fn refused_column(error: &SfError) -> Option<&'static str> {
    let SfError::Refused { code, message, .. } = error else { return None };
    if code != "INVALID_FIELD" {
        return None;
    }
    OPTIONAL.into_iter().find(|column| message.contains(&format!("'{column}'")))
}

/// Reads the assignments, dropping each optional column the org refuses. `scanner` is the
/// scanning user's id (`true`) or username (`false`).
pub(crate) async fn read(client: &Client, scanner: Option<(String, bool)>) -> Result<PermissionScan, SfError> {
    let mut columns: Vec<&'static str> = COLUMNS.to_vec();
    let mut scan =
        PermissionScan { scanner: scanner.as_ref().map(|(who, _)| who.clone()), ..PermissionScan::default() };
    loop {
        match rest::query(client, PERMISSION_SOURCE, &soql(&columns, scanner.as_ref()), Priority::High).await {
            Ok(result) => {
                scan.rows = result.records.iter().filter_map(|record| row(record, &columns)).collect();
                api_enabled_elsewhere(client, &mut scan).await?;
                return Ok(scan);
            }
            Err(error) => {
                let Some(column) = refused_column(&error).filter(|column| columns.contains(column)) else {
                    return Err(error);
                };
                let said = match &error {
                    SfError::Refused { code, message, .. } => format!("{code}: {}", first_line(message)),
                    other => other.to_string(),
                };
                scan.missing_columns.insert(column, said);
                columns.retain(|known| *known != column);
            }
        }
    }
}

/// Users holding Customize Application and Modify All Data whose returned rows do not grant API
/// Enabled may hold it through a profile or permission set that grants nothing else of interest
/// (and so was not returned): ask for those rows, in batches that keep the query short.
async fn api_enabled_elsewhere(client: &Client, scan: &mut PermissionScan) -> Result<(), SfError> {
    let mut grants: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in scan.rows.iter().filter(|row| row.active) {
        grants.entry(row.user_id.as_str()).or_default().extend(row.permissions.iter().copied());
    }
    let candidates: Vec<String> = grants
        .into_iter()
        .filter(|(_, held)| {
            held.contains("PermissionsCustomizeApplication")
                && held.contains("PermissionsModifyAllData")
                && !held.contains("PermissionsApiEnabled")
        })
        .map(|(user, _)| user.to_string())
        .collect();
    for batch in candidates.chunks(API_ENABLED_BATCH) {
        let ids: Vec<String> = batch.iter().map(|id| rest::soql_string(id)).collect();
        let soql = format!(
            "SELECT AssigneeId, Assignee.Username, Assignee.IsActive, PermissionSet.Name, PermissionSet.Label, \
             PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name, PermissionSetGroupId, \
             PermissionSet.PermissionsApiEnabled FROM PermissionSetAssignment WHERE \
             PermissionSet.PermissionsApiEnabled = true AND AssigneeId IN ({})",
            ids.join(", ")
        );
        let result = rest::query(client, PERMISSION_SOURCE, &soql, Priority::High).await?;
        scan.rows.extend(result.records.iter().filter_map(|record| row(record, &["PermissionsApiEnabled"])));
    }
    Ok(())
}

/// Ids per follow-up query: 18-character ids keep 200 of them far below SOQL's length limit.
const API_ENABLED_BATCH: usize = 200;

/// Salesforce's INVALID_FIELD message repeats the query over several lines; its last line says why.
fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .rfind(|line| line.starts_with("No such column") || line.contains("column"))
        .unwrap_or_else(|| message.trim())
        .to_string()
}

fn row(record: &Value, columns: &[&'static str]) -> Option<AssignmentRow> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_string();
    let assignee = record.get("Assignee")?;
    let set = record.get("PermissionSet")?;
    let by_profile = set.get("IsOwnedByProfile").and_then(Value::as_bool).unwrap_or(false);
    let via = if by_profile {
        format!("profile {}", text(set.get("Profile").and_then(|profile| profile.get("Name"))))
    } else if record.get("PermissionSetGroupId").and_then(Value::as_str).is_some_and(|id| !id.is_empty()) {
        let label = text(set.get("Label"));
        format!("permission set group {}", if label.is_empty() { text(set.get("Name")) } else { label })
    } else {
        format!("permission set {}", text(set.get("Name")))
    };
    let permissions =
        columns.iter().copied().filter(|column| set.get(*column).and_then(Value::as_bool) == Some(true)).collect();
    Some(AssignmentRow {
        user_id: text(record.get("AssigneeId")),
        username: text(assignee.get("Username")),
        active: assignee.get("IsActive").and_then(Value::as_bool).unwrap_or(true),
        via,
        permissions,
    })
}

/// Every active user's permissions, with how each was granted.
struct Users<'a> {
    by_user: BTreeMap<&'a str, (&'a str, BTreeMap<&'static str, BTreeSet<&'a str>>)>,
}

impl<'a> Users<'a> {
    fn new(rows: &'a [AssignmentRow]) -> Self {
        let mut by_user: BTreeMap<&str, (&str, BTreeMap<&'static str, BTreeSet<&str>>)> = BTreeMap::new();
        for row in rows.iter().filter(|row| row.active) {
            let entry = by_user.entry(row.user_id.as_str()).or_insert_with(|| (row.username.as_str(), BTreeMap::new()));
            for permission in &row.permissions {
                entry.1.entry(permission).or_default().insert(row.via.as_str());
            }
        }
        Self { by_user }
    }

    /// Users holding every permission of `all` and at least one of `any` (when not empty).
    fn holders(&self, all: &[&str], any: &[&str]) -> Holders {
        let mut users: Vec<Holder> = Vec::new();
        for (username, grants) in self.by_user.values() {
            let holds_all = all.iter().all(|permission| grants.contains_key(permission));
            let holds_any = any.is_empty() || any.iter().any(|permission| grants.contains_key(permission));
            if !(holds_all && holds_any) {
                continue;
            }
            let via: BTreeSet<&str> = all
                .iter()
                .chain(any)
                .filter_map(|permission| grants.get(permission))
                .flat_map(|ways| ways.iter().copied())
                .collect();
            users
                .push(Holder { username: (*username).to_string(), via: via.into_iter().map(str::to_string).collect() });
        }
        users.sort_by(|a, b| a.username.cmp(&b.username));
        let count = i64::try_from(users.len()).unwrap_or(i64::MAX);
        let evidence = match users.len() {
            0 => "nobody".to_string(),
            _ => {
                let named: Vec<String> =
                    users.iter().map(|user| format!("{} ({})", user.username, user.via.join("; "))).collect();
                format!("{count} user{}: {}", if count == 1 { "" } else { "s" }, named.join(", "))
            }
        };
        Holders { count, users, evidence }
    }

    /// The permissions of one user (by username, any case).
    fn of(&self, username: &str) -> Option<&BTreeMap<&'static str, BTreeSet<&'a str>>> {
        self.by_user.values().find(|(name, _)| name.eq_ignore_ascii_case(username)).map(|(_, grants)| grants)
    }
}

/// The holders of each permission; a permission whose column is missing is `None`, with the
/// reason in the returned map (record path → reason).
pub(crate) fn holders(scan: &PermissionScan) -> (PermissionHolders, BTreeMap<String, String>) {
    let users = Users::new(&scan.rows);
    let mut missing = BTreeMap::new();
    let mut pick = |path: &str, needs: &[&'static str], all: &[&str], any: &[&str]| -> Option<Holders> {
        let absent: Vec<String> = needs
            .iter()
            .filter_map(|column| scan.missing_columns.get(column).map(|said| format!("{column} ({said})")))
            .collect();
        if absent.is_empty() {
            return Some(users.holders(all, any));
        }
        missing.insert(
            format!("permission_holders.{path}"),
            format!(
                "the org's PermissionSet has no column {}: the permission does not exist in this org or at this API \
                 version (Use Any API Client exists only once Salesforce Support enables API Access Control), so \
                 who holds it cannot be told",
                absent.join(", ")
            ),
        );
        None
    };
    let approve = ["PermissionsCanApproveUninstalledApps"];
    let any_client = ["PermissionsUseAnyApiClient"];
    let secrets = ["PermissionsViewClientSecret", "PermissionsClientSecretRotation"];
    let admins = ["PermissionsCustomizeApplication", "PermissionsModifyAllData", "PermissionsApiEnabled"];
    let result = PermissionHolders {
        approve_uninstalled_apps: pick("approve_uninstalled_apps", &approve, &approve, &[]),
        use_any_api_client: pick("use_any_api_client", &any_client, &any_client, &[]),
        consumer_secret_access: pick("consumer_secret_access", &secrets, &[], &secrets),
        app_admins_with_api: pick("app_admins_with_api", &admins, &admins, &[]),
    };
    (result, missing)
}

/// What a client-credentials run-as user may do. API-only is a permission (`PermissionsApiUserOnly`,
/// "API Only User"), not a user field.
pub(crate) fn run_as(scan: &PermissionScan, username: &str) -> RunAsUser {
    let users = Users::new(&scan.rows);
    let Some(grants) = users.of(username) else {
        // Rows come back for every user holding API Only, Modify All Data or View All Data: no row
        // means none of them (or no active user of that name).
        return RunAsUser {
            username: username.to_string(),
            found: false,
            api_only: false,
            modify_all_data: false,
            view_all_data: false,
            evidence: format!(
                "{username}: no active user with API Only User, Modify All Data or View All Data (not API-only, or \
                 not an active user)"
            ),
        };
    };
    let holds = |permission: &str| grants.get(permission);
    let ways = |permission: &str| holds(permission).map(|ways| ways.iter().copied().collect::<Vec<_>>().join("; "));
    let mut problems = Vec::new();
    let api_only = holds("PermissionsApiUserOnly").is_some();
    if !api_only {
        problems.push("not API-only".to_string());
    }
    for (permission, label) in
        [("PermissionsModifyAllData", "Modify All Data"), ("PermissionsViewAllData", "View All Data")]
    {
        if let Some(ways) = ways(permission) {
            problems.push(format!("{label} through {ways}"));
        }
    }
    let evidence = if problems.is_empty() {
        format!("{username}: API-only, without Modify All Data or View All Data")
    } else {
        format!("{username}: {}", problems.join("; "))
    };
    RunAsUser {
        username: username.to_string(),
        found: true,
        api_only,
        modify_all_data: holds("PermissionsModifyAllData").is_some(),
        view_all_data: holds("PermissionsViewAllData").is_some(),
        evidence,
    }
}

/// Whether the scanning user holds one of `permissions`; `None` when its rows were not asked for.
pub(crate) fn scanner_holds(scan: &PermissionScan, permissions: &[&str]) -> Option<bool> {
    let scanner = scan.scanner.as_deref()?;
    Some(scan.rows.iter().any(|row| {
        (row.user_id == scanner || row.username.eq_ignore_ascii_case(scanner))
            && permissions.iter().any(|permission| row.permissions.contains(permission))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignment(user: &str, via: &str, permissions: &[&'static str]) -> AssignmentRow {
        AssignmentRow {
            user_id: format!("005{user}"),
            username: format!("{user}@example.com"),
            active: true,
            via: via.to_string(),
            permissions: permissions.iter().copied().collect(),
        }
    }

    #[test]
    fn holders_combine_profile_and_permission_set_grants() {
        let rows = vec![
            assignment(
                "ann",
                "profile System Administrator",
                &["PermissionsCustomizeApplication", "PermissionsApiEnabled"],
            ),
            assignment("ann", "permission set Data_Admin", &["PermissionsModifyAllData"]),
            assignment("bob", "profile Custom Admin", &["PermissionsCustomizeApplication", "PermissionsModifyAllData"]),
            assignment("cat", "permission set Secrets", &["PermissionsClientSecretRotation"]),
            AssignmentRow { active: false, ..assignment("dan", "profile X", &["PermissionsUseAnyApiClient"]) },
        ];
        let scan = PermissionScan { rows, ..PermissionScan::default() };
        let (holders, missing) = holders(&scan);
        assert!(missing.is_empty());
        let admins = holders.app_admins_with_api.expect("known");
        assert_eq!(admins.count, 1, "bob lacks API Enabled: {admins:?}");
        assert_eq!(
            admins.evidence,
            "1 user: ann@example.com (permission set Data_Admin; profile System Administrator)"
        );
        assert_eq!(holders.consumer_secret_access.expect("known").count, 1);
        assert_eq!(holders.use_any_api_client.expect("known").evidence, "nobody", "inactive users do not count");
    }

    #[test]
    fn a_missing_column_is_unknown_not_nobody() {
        let mut scan = PermissionScan::default();
        scan.missing_columns.insert("PermissionsUseAnyApiClient", "INVALID_FIELD: No such column".into());
        let (holders, missing) = holders(&scan);
        assert!(holders.use_any_api_client.is_none());
        assert!(missing["permission_holders.use_any_api_client"].contains("PermissionsUseAnyApiClient"));
        assert!(holders.approve_uninstalled_apps.is_some());
    }

    #[test]
    fn refused_columns_are_recognised_in_salesforce_messages() {
        let error = SfError::Refused {
            call: "q".into(),
            code: "INVALID_FIELD".into(),
            message: "\nPermissionSet.PermissionsUseAnyApiClient FROM\n ^\nERROR at Row:1:Column:120\nNo such column \
                      'PermissionsUseAnyApiClient' on entity 'PermissionSet'. If you are attempting to use a custom \
                      field, be sure to append the '__c' after the custom field name."
                .into(),
        };
        assert_eq!(refused_column(&error), Some("PermissionsUseAnyApiClient"));
        if let SfError::Refused { message, .. } = &error {
            assert!(first_line(message).starts_with("No such column 'PermissionsUseAnyApiClient'"));
        }
        let other = SfError::Refused { call: "q".into(), code: "INVALID_FIELD".into(), message: "'AssigneeId'".into() };
        assert_eq!(refused_column(&other), None, "a core column is not dropped");
    }

    #[test]
    fn run_as_users_are_judged_from_the_same_rows() {
        let rows = vec![
            assignment("svc", "profile Integration", &["PermissionsApiUserOnly", "PermissionsApiEnabled"]),
            assignment(
                "admin",
                "profile System Administrator",
                &["PermissionsModifyAllData", "PermissionsViewAllData"],
            ),
        ];
        let scan = PermissionScan { rows, ..PermissionScan::default() };
        let safe = run_as(&scan, "SVC@example.com");
        assert!(safe.found && safe.api_only && !safe.modify_all_data, "{safe:?}");
        let admin = run_as(&scan, "admin@example.com");
        assert_eq!(
            admin.evidence,
            "admin@example.com: not API-only; Modify All Data through profile System Administrator; View All Data \
             through profile System Administrator"
        );
        assert!(!run_as(&scan, "ghost@example.com").found);
    }
}
