//! What the fake org serves beyond metadata and the first queries: `PermissionSetAssignment`
//! (permission columns the org may lack, answered with Salesforce's `INVALID_FIELD` body),
//! `LoginHistory` (grouped, or raw rows when grouping is refused), the Tooling API's Health Check
//! objects, and the Connect REST OAuth usage resources (paged). Objects in `Config::unreadable`
//! are refused as Salesforce refuses a user without the permission.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Value, json};

use super::http::{Request, Response};
use super::{Cursor, State, USER_ID, USERNAME, attributes, page, rest_error};

/// One user's assignment of a profile's or a permission set's permissions.
#[derive(Debug, Clone)]
pub struct PermissionAssignment {
    pub user_id: String,
    pub username: String,
    pub active: bool,
    /// The profile's name when `by_profile`, else the permission set's.
    pub name: String,
    pub by_profile: bool,
    /// Permission columns set to true (`PermissionsModifyAllData`, …).
    pub permissions: Vec<String>,
}

impl PermissionAssignment {
    pub fn new(username: &str, name: &str, by_profile: bool, permissions: &[&str]) -> Self {
        let id = format!("005DEMO{:08}", username.bytes().map(u64::from).sum::<u64>());
        Self {
            user_id: id,
            username: username.to_string(),
            active: true,
            name: name.to_string(),
            by_profile,
            permissions: permissions.iter().map(|permission| (*permission).to_string()).collect(),
        }
    }
}

/// One login (`LoginHistory` row).
#[derive(Debug, Clone)]
pub struct Login {
    pub application: String,
    pub login_subtype: String,
    pub status: String,
    pub user_id: String,
    pub login_time: String,
}

/// One setting of Salesforce's Health Check.
#[derive(Debug, Clone)]
pub struct Risk {
    pub risk_type: String,
    pub group: String,
    pub setting: String,
    pub org_value: String,
    pub standard_value: String,
}

/// An External Client App with OAuth usage: the `apps` entry and its `users` entries as served.
#[derive(Debug, Clone)]
pub struct EcaUsage {
    pub app: Value,
    pub users: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct AccessConfig {
    pub assignments: Vec<PermissionAssignment>,
    /// Permission columns this org's `PermissionSet` does not have.
    pub missing_columns: HashSet<String>,
    pub logins: Vec<Login>,
    /// Refuse `GROUP BY` on `LoginHistory` (`MALFORMED_QUERY`), as an org might.
    pub refuse_grouping: bool,
    pub health_score: Option<String>,
    pub risks: Vec<Risk>,
    pub eca_usage: Vec<EcaUsage>,
}

impl Default for AccessConfig {
    /// The scanning user is a System Administrator, who may see everything; nothing else.
    fn default() -> Self {
        let scanner = PermissionAssignment {
            user_id: USER_ID.to_string(),
            username: USERNAME.to_string(),
            active: true,
            name: "System Administrator".to_string(),
            by_profile: true,
            permissions: [
                "PermissionsCustomizeApplication",
                "PermissionsModifyAllData",
                "PermissionsViewAllData",
                "PermissionsApiEnabled",
                "PermissionsManageUsers",
                "PermissionsViewSetup",
            ]
            .iter()
            .map(|permission| (*permission).to_string())
            .collect(),
        };
        Self {
            assignments: vec![scanner],
            missing_columns: HashSet::new(),
            logins: Vec::new(),
            refuse_grouping: false,
            health_score: Some("80".to_string()),
            risks: Vec::new(),
            eca_usage: Vec::new(),
        }
    }
}

/// Answers the requests this module serves; `None` for the others.
pub(super) fn route(state: &mut State, request: &Request, version: &str) -> Option<Response> {
    if let Some(rest) = request.path.split("/apps/oauth/usage").nth(1) {
        state.stats.connect_calls += 1;
        return Some(usage(state, request, rest));
    }
    let tooling = request.path.ends_with("/tooling/query");
    if !tooling && !request.path.ends_with("/query") {
        return None;
    }
    let soql = request.query.get("q")?.clone();
    let upper = soql.to_ascii_uppercase();
    let object =
        upper.find(" FROM ").map(|at| soql[at + 6..].split_whitespace().next().unwrap_or_default().to_string())?;
    let response = match (tooling, object.as_str()) {
        (true, "SecurityHealthCheck" | "SecurityHealthCheckRisks") => {
            state.stats.tooling_calls += 1;
            health_check(state, &object, version)
        }
        (false, "PermissionSetAssignment") => {
            state.stats.query_calls += 1;
            assignments(state, &soql, version)
        }
        (false, "LoginHistory") => {
            state.stats.query_calls += 1;
            login_history(state, &soql, version)
        }
        (true, _) => rest_error(400, "INVALID_TYPE", &format!("sObject type '{object}' is not supported.")),
        _ => return None,
    };
    Some(response)
}

fn not_supported(object: &str) -> Response {
    rest_error(
        400,
        "INVALID_TYPE",
        &format!(
            "sObject type '{object}' is not supported. If you are attempting to use a custom object, be sure to \
             append the '__c' after the entity name. Please reference your WSDL or the describe call for the \
             appropriate names."
        ),
    )
}

/// Serves `rows` of `object` through the usual cursor (2,000 a page, `nextRecordsUrl`).
fn serve(state: &mut State, object: &str, rows: Vec<Value>, version: &str) -> Response {
    let id = format!("01gFAKE{:010}", state.next_cursor);
    state.next_cursor += 1;
    let total = rows.len();
    let batch = state.config.query_batch;
    state.cursors.insert(id.clone(), Cursor { rows, served: 0, batch, object: object.to_string() });
    page(state, version, &id, Some(total))
}

fn assignments(state: &mut State, soql: &str, version: &str) -> Response {
    if state.config.unreadable.contains("PermissionSetAssignment") {
        return not_supported("PermissionSetAssignment");
    }
    let config = &state.config.access;
    let columns: BTreeSet<String> = soql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .filter_map(|word| word.strip_prefix("PermissionSet."))
        .filter(|column| column.starts_with("Permissions"))
        .map(str::to_string)
        .collect();
    if let Some(column) = columns.iter().find(|column| config.missing_columns.contains(*column)) {
        let at = soql.find(column.as_str()).unwrap_or(0);
        return rest_error(
            400,
            "INVALID_FIELD",
            &format!(
                "\n{}\n^\nERROR at Row:1:Column:{}\nNo such column '{column}' on entity 'PermissionSet'. If you are \
                 attempting to use a custom field, be sure to append the '__c' after the custom field name. Please \
                 reference your WSDL or the describe call for the appropriate names.",
                soql.get(at.saturating_sub(40)..(at + column.len()).min(soql.len())).unwrap_or_default(),
                at + 1
            ),
        );
    }
    let where_clause = soql.split(" WHERE ").nth(1).unwrap_or_default();
    let flags: Vec<String> = where_clause
        .split(['(', ')'])
        .flat_map(|part| part.split(" OR "))
        .flat_map(|part| part.split(" AND "))
        .filter_map(|condition| {
            condition.trim().strip_suffix(" = true")?.trim().strip_prefix("PermissionSet.").map(str::to_string)
        })
        .collect();
    let quoted = |text: &str| -> Vec<String> { text.split('\'').skip(1).step_by(2).map(str::to_string).collect() };
    let restricted: Option<Vec<String>> = where_clause.split(" AND AssigneeId IN ").nth(1).map(&quoted);
    let me_by_id =
        where_clause.split("AssigneeId = ").nth(1).map(|rest| quoted(rest).into_iter().next().unwrap_or_default());
    let me_by_name = where_clause
        .split("Assignee.Username = ")
        .nth(1)
        .map(|rest| quoted(rest).into_iter().next().unwrap_or_default());
    let rows: Vec<Value> = config
        .assignments
        .iter()
        .filter(|assignment| {
            let flagged = flags.iter().any(|flag| assignment.permissions.contains(flag));
            match &restricted {
                Some(users) => flagged && users.contains(&assignment.user_id),
                None => {
                    flagged
                        || me_by_id.as_deref() == Some(assignment.user_id.as_str())
                        || me_by_name.as_deref().is_some_and(|name| name.eq_ignore_ascii_case(&assignment.username))
                }
            }
        })
        .map(|assignment| {
            let mut set = json!({
                "attributes": attributes("PermissionSet", "000FAKE0000000001"),
                "Name": if assignment.by_profile { format!("X00e{}", assignment.name.len()) } else { assignment.name.clone() },
                "Label": assignment.name,
                "IsOwnedByProfile": assignment.by_profile,
                "Profile": if assignment.by_profile { json!({"attributes": attributes("Profile", "000FAKE0000000001"), "Name": assignment.name}) } else { Value::Null },
            });
            for column in &columns {
                set[column] = json!(assignment.permissions.contains(column));
            }
            json!({
                "attributes": attributes("PermissionSetAssignment", "000FAKE0000000001"),
                "AssigneeId": assignment.user_id,
                "Assignee": {"attributes": attributes("User", "000FAKE0000000001"), "Username": assignment.username, "IsActive": assignment.active},
                "PermissionSetGroupId": Value::Null,
                "PermissionSet": set,
            })
        })
        .collect();
    serve(state, "PermissionSetAssignment", rows, version)
}

/// (application, login subtype, status)
type GroupKey = (String, String, String);

fn login_history(state: &mut State, soql: &str, version: &str) -> Response {
    if state.config.unreadable.contains("LoginHistory") {
        return not_supported("LoginHistory");
    }
    let config = &state.config.access;
    if soql.contains(" GROUP BY ") {
        if config.refuse_grouping {
            return rest_error(400, "MALFORMED_QUERY", "field 'LoginSubType' can not be grouped in a query call");
        }
        let mut groups: BTreeMap<GroupKey, (i64, BTreeSet<String>, String)> = BTreeMap::new();
        for login in &config.logins {
            let entry = groups
                .entry((login.application.clone(), login.login_subtype.clone(), login.status.clone()))
                .or_default();
            entry.0 += 1;
            entry.1.insert(login.user_id.clone());
            entry.2 = entry.2.clone().max(login.login_time.clone());
        }
        let rows = groups
            .into_iter()
            .map(|((application, subtype, status), (logins, users, last))| {
                json!({"attributes": {"type": "AggregateResult"}, "Application": application, "LoginSubType": subtype,
                       "Status": status, "logins": logins, "users": users.len(), "lastLogin": last})
            })
            .collect();
        return serve(state, "LoginHistory", rows, version);
    }
    let rows = config
        .logins
        .iter()
        .map(|login| {
            json!({"attributes": attributes("LoginHistory", "000FAKE0000000001"), "Application": login.application,
                   "LoginSubType": login.login_subtype, "Status": login.status, "UserId": login.user_id,
                   "LoginTime": login.login_time})
        })
        .collect();
    serve(state, "LoginHistory", rows, version)
}

fn health_check(state: &mut State, object: &str, version: &str) -> Response {
    if state.config.unreadable.contains("SecurityHealthCheck") {
        return rest_error(
            403,
            "INSUFFICIENT_ACCESS",
            "You don't have permission to view Health Check. Ask your admin for the View Setup and Configuration \
             permission.",
        );
    }
    let config = &state.config.access;
    let rows = if object == "SecurityHealthCheck" {
        vec![json!({"attributes": attributes("SecurityHealthCheck", "000FAKE0000000001"), "Score": config.health_score,
                    "CustomBaselineId": Value::Null, "DurableId": "0Hc000000000001"})]
    } else {
        config
            .risks
            .iter()
            .enumerate()
            .map(|(index, risk)| {
                json!({"attributes": attributes("SecurityHealthCheckRisks", "000FAKE0000000001"), "DurableId": format!("risk{index}"),
                       "RiskType": risk.risk_type, "Setting": risk.setting, "SettingGroup": risk.group,
                       "SettingRiskCategory": risk.risk_type, "OrgValue": risk.org_value,
                       "StandardValue": risk.standard_value})
            })
            .collect()
    };
    serve(state, object, rows, version)
}

/// `/apps/oauth/usage` and `/apps/oauth/usage/{app}/users`, paged by `page` and `pageSize`, with a
/// `nextPageUrl` on every page as Salesforce documents.
fn usage(state: &mut State, request: &Request, rest: &str) -> Response {
    if state.config.unreadable.contains("OAuthUsage") {
        return rest_error(403, "INSUFFICIENT_ACCESS", "You don't have access to External Client App OAuth usage.");
    }
    let number =
        |name: &str, default: usize| request.query.get(name).and_then(|text| text.parse().ok()).unwrap_or(default);
    let (page_number, size) = (number("page", 0), number("pageSize", 100).max(1));
    let config = &state.config.access;
    let (member, items): (&str, Vec<Value>) = match rest.trim_matches('/') {
        "" => ("apps", config.eca_usage.iter().map(|usage| usage.app.clone()).collect()),
        path => {
            let Some(app) = path.strip_suffix("/users") else {
                return rest_error(404, "NOT_FOUND", "The requested resource does not exist");
            };
            let app = super::http::percent_decode(app);
            match config.eca_usage.iter().find(|usage| usage.app["identifier"] == app.as_str()) {
                Some(usage) => ("users", usage.users.clone()),
                None => return rest_error(404, "NOT_FOUND", "The requested resource does not exist"),
            }
        }
    };
    let slice: Vec<Value> = items.into_iter().skip(page_number * size).take(size).collect();
    let base = request.path.clone();
    json_page(member, slice, &base, page_number, size)
}

fn json_page(member: &str, items: Vec<Value>, base: &str, page_number: usize, size: usize) -> Response {
    Response::json(
        200,
        &json!({
            member: items,
            "currentPageUrl": format!("{base}?page={page_number}&pageSize={size}"),
            "nextPageUrl": format!("{base}?page={}&pageSize={size}", page_number + 1),
        }),
    )
}
