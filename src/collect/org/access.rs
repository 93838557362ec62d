//! The reads of a live scan beyond the apps' settings, run concurrently beside the metadata:
//! who holds the permissions that let apps in (and what client-credentials run-as users may
//! do), OAuth logins by flow, Salesforce's Health Check, External Client App token usage, and the
//! org's External Client App settings; and how their answers join the inventory.
//!
//! A read the user may not make (or one the org does not offer) becomes `missing` on the records
//! that need it (rules give `unknown`) and an entry in `collection.incomplete` (exit 3). A
//! permission column the org does not have is not a failed read: the permission does not exist
//! there, so the rules needing it are `unknown` with that reason and a note says so.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::eca_usage::{self, EcaUsageApp};
use super::permissions::{self, PermissionScan};
use super::sources::{lower, said};
use super::{health_check, login_history};
use crate::model::{
    AppRecord, EvaluationDate, LoginGroup, OrgRecord, RawDocument, RecordText, ResourceKind, SmallMap, Usage,
    UserTokens,
};
use crate::salesforce::{Client, SfError};

const SETUP: &str = "the integration user needs \"View Setup and Configuration\" (and \"View All Users\" to see every \
                     user's assignments)";
const LOGIN_HISTORY: &str = "the integration user needs \"Manage Users\" or \"Monitor Login History\"";
const HEALTH_CHECK: &str = "the integration user needs \"View Setup and Configuration\" (some orgs also ask for \"View \
                            Health Check\")";
const ECA_USAGE: &str = "the integration user needs \"View all External Client Apps, view their settings, and edit \
                         their policies\"; the resources exist from API 59.0";

/// What the reads gave; `Err(reason)` for a read that could not be made.
#[derive(Debug)]
pub(super) struct AccessData {
    pub(super) permissions: Result<PermissionScan, String>,
    pub(super) login_history: Result<Vec<LoginGroup>, String>,
    pub(super) health_check: Result<(Vec<Value>, Vec<Value>), String>,
    pub(super) eca_usage: Result<Vec<EcaUsageApp>, String>,
}

fn unreadable(source: &str, error: &SfError, permission: &str) -> String {
    format!("{source} could not be read from the org ({}); {permission}", said(error))
}

/// A permission refusal is data; anything else ends the collection.
fn optional<T>(result: Result<T, SfError>, source: &str, permission: &str) -> Result<Result<T, String>, SfError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(error) if error.is_permission() => Ok(Err(unreadable(source, &error, permission))),
        Err(error) => Err(error),
    }
}

/// Any refusal is data: the resources are recent and their permission checks undocumented.
fn tolerated<T>(result: Result<T, SfError>, source: &str, permission: &str) -> Result<Result<T, String>, SfError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(error @ SfError::Refused { .. }) => Ok(Err(unreadable(source, &error, permission))),
        Err(error) => Err(error),
    }
}

pub(super) async fn collect_access(client: Arc<Client>) -> Result<AccessData, SfError> {
    let (_, _, user_id) = client.identity();
    let scanner = if user_id.is_empty() { (client.username(), false) } else { (user_id, true) };
    let scanner = Some(scanner).filter(|(who, _)| !who.is_empty());
    let (permissions, login_history, health_check, eca_usage) = tokio::join!(
        permissions::read(&client, scanner),
        login_history::read(&client),
        health_check::read(&client),
        eca_usage::read(Arc::clone(&client)),
    );
    Ok(AccessData {
        permissions: optional(permissions, permissions::PERMISSION_SOURCE, SETUP)?,
        login_history: optional(login_history, login_history::SOURCE, LOGIN_HISTORY)?,
        health_check: optional(health_check, health_check::SOURCE, HEALTH_CHECK)?,
        eca_usage: tolerated(eca_usage, eca_usage::SOURCE, ECA_USAGE)?,
    })
}

/// Where the reads' answers go, and what could not be had.
pub(super) struct Sink<'a> {
    pub(super) incomplete: &'a mut Vec<String>,
    pub(super) notes: &'a mut Vec<String>,
}

impl Sink<'_> {
    fn lost(&mut self, missing: &mut SmallMap<RecordText, RecordText>, path: &str, reason: &str) {
        missing.insert(path.to_string(), reason.to_string());
        self.incomplete.push(reason.to_string());
    }
}

/// External Client Apps' token holders by app name: the usage identifier and the users.
pub(super) type EcaHolders = BTreeMap<String, (String, Vec<UserTokens>)>;

/// Joins the answers into the org record and the apps; returns who holds External Client App
/// tokens, for the token inventory.
pub(super) fn apply(
    access: AccessData,
    apps: &mut [AppRecord],
    org: &mut OrgRecord,
    as_of: &EvaluationDate,
    sink: &mut Sink<'_>,
) -> EcaHolders {
    let AccessData { permissions, login_history, health_check, eca_usage } = access;
    let scanner_sees_logins = permissions.as_ref().ok().and_then(|scan| {
        permissions::scanner_holds(scan, &["PermissionsManageUsers", "PermissionsMonitorLoginHistory"])
    });
    let scanner_sees_tokens = permissions
        .as_ref()
        .ok()
        .and_then(|scan| permissions::scanner_holds(scan, &["PermissionsCustomizeApplication"]));
    apply_permissions(&permissions, apps, org, sink);
    match login_history {
        Ok(_) if scanner_sees_logins == Some(false) => {
            let reason = format!(
                "LoginHistory shows only the integration user's own logins: {LOGIN_HISTORY} to see every user's"
            );
            sink.lost(&mut org.missing, "login_history", &reason);
        }
        Ok(groups) => org.login_history = Some(login_history::summarize(groups)),
        Err(reason) => sink.lost(&mut org.missing, "login_history", &reason),
    }
    if scanner_sees_tokens == Some(false) {
        let reason = "OauthToken shows only the integration user's own tokens: the integration user needs \
                      \"Customize Application\" to see every user's; token counts are not known";
        sink.incomplete.push(reason.to_string());
        for app in apps.iter_mut() {
            app.missing.insert("usage", reason.to_string());
        }
    }
    match health_check {
        Ok((score, risks)) => org.health_check = Some(health_check::summarize(&score, &risks)),
        Err(reason) => sink.lost(&mut org.missing, "health_check", &reason),
    }
    apply_eca_usage(eca_usage, apps, as_of, sink)
}

fn apply_permissions(
    permissions: &Result<PermissionScan, String>,
    apps: &mut [AppRecord],
    org: &mut OrgRecord,
    sink: &mut Sink<'_>,
) {
    let run_as_apps = apps.iter_mut().filter_map(|app| {
        let user = app.oauth.as_ref()?.client_credentials_user.clone().filter(|user| !user.trim().is_empty())?;
        Some((app, user))
    });
    match permissions {
        Ok(scan) => {
            let (holders, missing) = permissions::holders(scan);
            for (path, reason) in missing {
                sink.notes.push(format!("{path}: {reason}"));
                org.missing.insert(path, reason);
            }
            org.permission_holders = Some(holders);
            for (app, user) in run_as_apps {
                app.run_as_user = Some(Box::new(permissions::run_as(scan, user.trim())));
            }
        }
        Err(reason) => {
            sink.lost(&mut org.missing, "permission_holders", reason);
            for (app, _) in run_as_apps {
                app.missing.insert("run_as_user", reason.clone());
            }
        }
    }
}

/// External Client Apps' usage comes from the Connect REST resources, which know them, rather
/// than from `OauthToken` name matches.
fn apply_eca_usage(
    usage: Result<Vec<EcaUsageApp>, String>,
    apps: &mut [AppRecord],
    as_of: &EvaluationDate,
    sink: &mut Sink<'_>,
) -> EcaHolders {
    let mut holders = EcaHolders::new();
    let listed = match usage {
        Ok(listed) => listed,
        Err(reason) => {
            sink.incomplete.push(reason.clone());
            for app in apps.iter_mut().filter(|app| app.kind == ResourceKind::ExternalClientApp) {
                app.missing.insert("usage", reason.clone());
            }
            return holders;
        }
    };
    for entry in &listed {
        let found = apps.iter_mut().find(|app| {
            app.kind == ResourceKind::ExternalClientApp
                && [lower(&entry.developer_name), lower(&entry.label)]
                    .iter()
                    .any(|key| !key.is_empty() && (*key == lower(&app.name) || *key == lower(&app.label)))
        });
        let Some(app) = found else {
            sink.notes.push(format!(
                "{}: usage of external client app '{}' ({}) has no app in the org's metadata to join",
                eca_usage::SOURCE,
                entry.developer_name,
                entry.identifier
            ));
            continue;
        };
        if entry.counts_estimated {
            sink.notes.push(format!(
                "{}: the user entries of '{}' name no token count; each user counts as one token, a lower bound",
                eca_usage::SOURCE,
                app.name
            ));
        }
        let users = entry
            .users
            .iter()
            .map(|user| UserTokens {
                user_id: user.user_id.clone(),
                username: user.username.clone(),
                tokens: user.tokens,
                use_count: user.use_count,
                first_used: user.first_used.clone(),
                last_used: user.last_used.clone(),
            })
            .collect();
        holders.insert(app.name.clone(), (entry.identifier.clone(), users));
        if app.missing.contains_key("usage") {
            continue;
        }
        app.usage = Some(Box::new(eca_usage_of(entry, as_of)));
        app.raw.insert(
            "OAuthUsage",
            RawDocument::from_value(&serde_json::json!({"identifier": entry.identifier, "users": entry.users.len()})),
        );
    }
    holders
}

fn eca_usage_of(entry: &EcaUsageApp, as_of: &EvaluationDate) -> Usage {
    let mut usage = Usage {
        token_count: entry.users.iter().map(|user| user.tokens).sum(),
        user_count: i64::try_from(entry.users.len()).unwrap_or(i64::MAX),
        first_used: entry.users.iter().filter_map(|user| user.first_used.clone()).min(),
        last_used: entry.users.iter().filter_map(|user| user.last_used.clone()).max(),
        use_count: entry.users.iter().map(|user| user.use_count).sum(),
        installed: true,
        days_since_last_used: None,
    };
    usage.refresh_dates(as_of);
    usage
}
