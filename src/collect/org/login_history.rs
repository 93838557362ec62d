//! Which OAuth flows people logged in with over the last 30 days (`LoginHistory`), by application
//! and login subtype: the evidence an admin needs before blocking a flow ("blocking the
//! username-password flow breaks App X (123 logins, 4 users)").
//!
//! `LoginSubType`, `Application` and `Status` cannot be filtered on in SOQL (LoginHistory's usage
//! note lists the filterable fields), so the query filters only on `LoginTime` and groups by the
//! three; the flows are told apart here. Should the org refuse the grouped query, the rows are
//! read and grouped here instead. Subtype values are Salesforce's, spelled `Oauth…`
//! (https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::tokens::parse_datetime;
use crate::model::{AppLogins, FlowUse, LoginGroup, LoginHistorySummary};
use crate::salesforce::{Client, Priority, SfError, rest};

pub(crate) const WINDOW_DAYS: i64 = 30;
pub(crate) const SOURCE: &str = "LoginHistory";

const USERNAME_PASSWORD: [&str; 1] = ["OauthUsernamePassword"];
const USER_AGENT: [&str; 3] = ["OauthUserAgent", "OauthHybridUserAgent", "OauthUserAgentIdToken"];
const WEB_SERVER: [&str; 2] = ["OauthWebServer", "OauthHybridWebServer"];

fn grouped_soql() -> String {
    format!(
        "SELECT Application, LoginSubType, Status, COUNT(Id) logins, COUNT_DISTINCT(UserId) users, MAX(LoginTime) \
         lastLogin FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:{WINDOW_DAYS} GROUP BY Application, LoginSubType, \
         Status"
    )
}

fn rows_soql() -> String {
    format!(
        "SELECT Application, LoginSubType, Status, UserId, LoginTime FROM LoginHistory WHERE LoginTime = \
         LAST_N_DAYS:{WINDOW_DAYS}"
    )
}

/// Reads the groups: one aggregate query, or the rows when the org refuses it.
pub(crate) async fn read(client: &Client) -> Result<Vec<LoginGroup>, SfError> {
    match rest::query(client, SOURCE, &grouped_soql(), Priority::High).await {
        Ok(result) => Ok(result.records.iter().map(group).collect()),
        Err(SfError::Refused { code, .. }) if code == "MALFORMED_QUERY" || code == "INVALID_FIELD" => {
            let result = rest::query(client, SOURCE, &rows_soql(), Priority::High).await?;
            Ok(group_rows(&result.records))
        }
        Err(other) => Err(other),
    }
}

fn text(record: &Value, field: &str) -> String {
    record.get(field).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn time(text: &str) -> Option<String> {
    parse_datetime(text).map(crate::model::when::rfc3339)
}

fn group(record: &Value) -> LoginGroup {
    let number = |field: &str| record.get(field).and_then(Value::as_i64).unwrap_or_default();
    LoginGroup {
        application: text(record, "Application"),
        login_subtype: text(record, "LoginSubType"),
        status: text(record, "Status"),
        logins: number("logins"),
        users: number("users"),
        last_login: time(&text(record, "lastLogin")),
    }
}

fn group_rows(records: &[Value]) -> Vec<LoginGroup> {
    type Key = (String, String, String);
    let mut groups: BTreeMap<Key, (i64, BTreeSet<String>, Option<String>)> = BTreeMap::new();
    for record in records {
        let key = (text(record, "Application"), text(record, "LoginSubType"), text(record, "Status"));
        let entry = groups.entry(key).or_default();
        entry.0 += 1;
        entry.1.insert(text(record, "UserId"));
        entry.2 = entry.2.take().max(time(&text(record, "LoginTime")));
    }
    groups
        .into_iter()
        .map(|((application, login_subtype, status), (logins, users, last_login))| LoginGroup {
            application,
            login_subtype,
            status,
            logins,
            users: i64::try_from(users.len()).unwrap_or(i64::MAX),
            last_login,
        })
        .collect()
}

/// The groups summed per flow, successful logins only.
pub(crate) fn summarize(mut groups: Vec<LoginGroup>) -> LoginHistorySummary {
    groups.sort_by(|a, b| {
        (&a.application, &a.login_subtype, &a.status).cmp(&(&b.application, &b.login_subtype, &b.status))
    });
    LoginHistorySummary {
        window_days: WINDOW_DAYS,
        username_password: flow(
            &groups,
            &USERNAME_PASSWORD,
            "the OAuth username-password flow",
            "blocking the OAuth username-password flow breaks",
        ),
        user_agent: flow(
            &groups,
            &USER_AGENT,
            "the OAuth user-agent flow",
            "blocking the OAuth user-agent flow breaks",
        ),
        web_server: flow(
            &groups,
            &WEB_SERVER,
            "the OAuth web server flow",
            "requiring PKCE affects the web server flow logins of",
        ),
        groups,
    }
}

/// How many apps the evidence names before "and N more".
const NAMED_APPS: usize = 5;

/// `lead` introduces the apps in the evidence: what acting on the finding does to them.
fn flow(groups: &[LoginGroup], subtypes: &[&str], name: &str, lead: &str) -> FlowUse {
    let mut by_app: BTreeMap<&str, AppLogins> = BTreeMap::new();
    for group in groups.iter().filter(|group| {
        subtypes.contains(&group.login_subtype.as_str()) && group.status.eq_ignore_ascii_case("Success")
    }) {
        let entry = by_app.entry(group.application.as_str()).or_insert_with(|| AppLogins {
            application: if group.application.is_empty() {
                "(no application)".into()
            } else {
                group.application.clone()
            },
            logins: 0,
            users: 0,
            last_login: None,
        });
        entry.logins += group.logins;
        entry.users += group.users;
        entry.last_login = entry.last_login.take().max(group.last_login.clone());
    }
    let mut apps: Vec<AppLogins> = by_app.into_values().collect();
    apps.sort_by(|a, b| b.logins.cmp(&a.logins).then_with(|| a.application.cmp(&b.application)));
    let logins = apps.iter().map(|app| app.logins).sum();
    let users = apps.iter().map(|app| app.users).sum();
    let evidence = if apps.is_empty() {
        format!("no successful logins with {name} in the last {WINDOW_DAYS} days (LoginHistory)")
    } else {
        let mut named: Vec<String> = apps
            .iter()
            .take(NAMED_APPS)
            .map(|app| {
                format!(
                    "{} ({} login{}, {} user{})",
                    app.application,
                    app.logins,
                    if app.logins == 1 { "" } else { "s" },
                    app.users,
                    if app.users == 1 { "" } else { "s" }
                )
            })
            .collect();
        if apps.len() > NAMED_APPS {
            named.push(format!("and {} more apps", apps.len() - NAMED_APPS));
        }
        format!("{lead} {} (LoginHistory, last {WINDOW_DAYS} days)", named.join(", "))
    };
    FlowUse { logins, users, apps, evidence }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(application: &str, subtype: &str, status: &str, user: &str) -> Value {
        serde_json::json!({"Application": application, "LoginSubType": subtype, "Status": status, "UserId": user,
                           "LoginTime": "2026-11-20T10:00:00.000+0000"})
    }

    #[test]
    fn flows_are_told_apart_and_failed_logins_left_out() {
        let groups = group_rows(&[
            row("Data Loader", "OauthUsernamePassword", "Success", "005A"),
            row("Data Loader", "OauthUsernamePassword", "Success", "005A"),
            row("Data Loader", "OauthUsernamePassword", "Success", "005B"),
            row("Data Loader", "OauthUsernamePassword", "Invalid Password", "005C"),
            row("Mobile", "OauthHybridUserAgent", "Success", "005D"),
            row("Browser", "UsernamePasswordUiLogin", "Success", "005E"),
        ]);
        let summary = summarize(groups);
        assert_eq!((summary.username_password.logins, summary.username_password.users), (3, 2));
        assert_eq!(
            summary.username_password.evidence,
            "blocking the OAuth username-password flow breaks Data Loader (3 logins, 2 users) (LoginHistory, last 30 days)"
        );
        assert_eq!(summary.user_agent.apps[0].application, "Mobile");
        assert!(summary.web_server.evidence.starts_with("no successful logins"));
        assert_eq!(summary.username_password.apps[0].last_login.as_deref(), Some("2026-11-20T10:00:00Z"));
    }
}
