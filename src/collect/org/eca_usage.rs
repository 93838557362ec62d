//! External Client App token usage from the Connect REST API's OAuth usage resources, which cover
//! External Client Apps only (Connected Apps' tokens are in `OauthToken`):
//! `GET /apps/oauth/usage` lists the apps with usage, `GET /apps/oauth/usage/{app}/users` the users
//! holding tokens of one app. Both page with `page` (from 0) and `pageSize` (default 100), and
//! return a `nextPageUrl` even on the last page, so paging stops at the first short page rather
//! than following it to an empty one.
//!
//! Sources: https://developer.salesforce.com/docs/atlas.en-us.chatterapi.meta/chatterapi/connect_resources_usage.htm ,
//! …/connect_resources_usage_app_id_users.htm , …/connect_responses_app_oauth_usage_user_collection.htm .
//! The property names of one user entry are not in the pages read (UNCONFIRMED): they are read
//! under the names the token resource uses (`userIdentifier`, `username`, `initialConnectionAt`,
//! `lastUsedAt`, `useCount`) and a few likely others; a user without a token count counts as one
//! token, and the app's count is then a lower bound (said in a note).

use std::sync::Arc;

use serde_json::Value;

use super::tokens::parse_datetime;
use crate::limits::MAX_PAGES;
use crate::salesforce::{Client, Priority, SfError, rest};

pub(crate) const SOURCE: &str = "Connect REST /apps/oauth/usage";
pub(crate) const PAGE_SIZE: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EcaUsageApp {
    /// What the resources take in their path.
    pub identifier: String,
    pub developer_name: String,
    pub label: String,
    pub users: Vec<EcaUser>,
    /// Some user entry had no token count: counts are lower bounds.
    pub counts_estimated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EcaUser {
    pub user_id: String,
    pub username: String,
    pub tokens: i64,
    pub first_used: Option<String>,
    pub last_used: Option<String>,
    pub use_count: i64,
}

fn first_text(value: &Value, names: &[&str]) -> String {
    names.iter().find_map(|name| value.get(*name).and_then(Value::as_str)).unwrap_or_default().to_string()
}

fn first_number(value: &Value, names: &[&str]) -> Option<i64> {
    names.iter().find_map(|name| {
        value.get(*name).and_then(|found| found.as_i64().or_else(|| found.as_str().and_then(|text| text.parse().ok())))
    })
}

fn first_time(value: &Value, names: &[&str]) -> Option<String> {
    let text = first_text(value, names);
    parse_datetime(&text).map(crate::model::when::rfc3339)
}

/// One page of a collection resource: its items under `member`.
async fn page(client: &Client, path: &str, member: &str, page: usize) -> Result<Vec<Value>, SfError> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let path = format!("{path}{separator}page={page}&pageSize={PAGE_SIZE}");
    let call = format!("{SOURCE} ({})", path.split("/apps/").nth(1).unwrap_or_default());
    let mut answer = rest::get(client, &call, &path, None, Priority::High).await?;
    // An answer without the member is one whose shape sfaudit does not know (the names are
    // UNCONFIRMED): read as "no usage", it would turn "unused" findings into not-applicable.
    match answer.get_mut(member).map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        Some(Value::Null) => Ok(Vec::new()),
        None => Err(SfError::Failed { call, message: format!("the answer has no {member} member") }),
        Some(_) => Err(SfError::Failed { call, message: format!("the answer's {member} is not a list") }),
    }
}

/// Every item of a paged collection. A full page that repeats the one before means the server
/// ignores `page`: followed, it would page for ever.
async fn all(client: &Client, path: &str, member: &str) -> Result<Vec<Value>, SfError> {
    let mut items: Vec<Value> = Vec::new();
    for number in 0..MAX_PAGES {
        let got = page(client, path, member, number).await?;
        if got.len() < PAGE_SIZE {
            items.extend(got);
            return Ok(items);
        }
        if number > 0 && items.len() >= got.len() && items[items.len() - got.len()..] == got[..] {
            return Err(SfError::Failed {
                call: format!("{SOURCE} ({member})"),
                message: format!("page {number} repeats page {}: the server ignores the page parameter", number - 1),
            });
        }
        items.extend(got);
    }
    Err(SfError::Failed {
        call: format!("{SOURCE} ({member})"),
        message: format!("pages without end (over {MAX_PAGES} full pages)"),
    })
}

/// The apps with usage, each with its users.
pub(crate) async fn read(client: Arc<Client>) -> Result<Vec<EcaUsageApp>, SfError> {
    let base = format!("/services/data/v{}/apps/oauth/usage", client.api_version());
    let apps = all(&client, &base, "apps").await?;
    let mut tasks = tokio::task::JoinSet::new();
    for (position, app) in apps.iter().enumerate() {
        let identifier = first_text(app, &["identifier", "appIdentifier", "id"]);
        let mut entry = EcaUsageApp {
            developer_name: first_text(app, &["developerName", "appDeveloperName", "name"]),
            label: first_text(app, &["label", "name"]),
            identifier,
            ..EcaUsageApp::default()
        };
        let client = Arc::clone(&client);
        let path = format!("{base}/{}/users", encode(&entry.identifier));
        tasks.spawn(async move {
            let users = all(&client, &path, "users").await?;
            for user in &users {
                let tokens = first_number(user, &["tokenCount", "numberOfTokens", "refreshTokenCount", "tokens"]);
                entry.counts_estimated |= tokens.is_none();
                entry.users.push(EcaUser {
                    user_id: first_text(user, &["userIdentifier", "userId", "id", "identifier"]),
                    username: first_text(user, &["username", "userName"]),
                    tokens: tokens.unwrap_or(1),
                    first_used: first_time(
                        user,
                        &["initialConnectionAt", "firstUsedAt", "firstUsedDate", "createdDate"],
                    ),
                    last_used: first_time(user, &["lastUsedAt", "lastUsedDate", "lastUsed"]),
                    use_count: first_number(user, &["useCount", "usageCount"]).unwrap_or_default(),
                });
            }
            Ok::<_, SfError>((position, entry))
        });
    }
    let mut read: Vec<(usize, EcaUsageApp)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let done = joined.map_err(|error| SfError::Failed { call: SOURCE.into(), message: error.to_string() })?;
        read.push(done?);
    }
    read.sort_by_key(|(position, _)| *position);
    Ok(read.into_iter().map(|(_, app)| app).collect())
}

/// An identifier as one path segment.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(byte).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_one_path_segment() {
        assert_eq!(encode("Payments_Gateway"), "Payments_Gateway");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn user_fields_are_read_under_their_likely_names() {
        let user = serde_json::json!({"userIdentifier": "005A", "username": "a@x", "lastUsedAt": "2026-11-30T23:00:00.000Z", "useCount": "4"});
        assert_eq!(first_text(&user, &["userIdentifier", "userId"]), "005A");
        assert_eq!(first_number(&user, &["useCount"]), Some(4));
        assert_eq!(first_time(&user, &["lastUsedAt"]).as_deref(), Some("2026-11-30T23:00:00Z"));
        assert_eq!(first_number(&user, &["tokenCount"]), None);
    }
}
