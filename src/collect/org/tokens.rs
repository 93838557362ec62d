//! OAuth token usage from `OauthToken`, paged around its 2,500-row cap, reduced per app.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sources::{OAUTH_TOKEN_WINDOW, lower};
use crate::limits::MAX_PAGES;
use crate::model::{EvaluationDate, Usage, UserTokens};
use crate::salesforce::{Client, Priority, SfError, rest};

/// One `OauthToken` row, reduced to what usage needs (never the token values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRow {
    pub user_id: String,
    pub app_name: String,
    pub last_used: Option<OffsetDateTime>,
    pub use_count: i64,
    /// `CreatedDate`: when the user authorized the app (the token's first use).
    pub created: Option<OffsetDateTime>,
}

/// Salesforce writes `2026-01-01T10:00:00.000+0000`; RFC 3339 is accepted too.
pub(crate) fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    if let Ok(parsed) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(parsed);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, format).ok()
}

fn token_row(value: &Value) -> TokenRow {
    TokenRow {
        user_id: value.get("UserId").and_then(Value::as_str).unwrap_or_default().to_string(),
        app_name: value.get("AppName").and_then(Value::as_str).unwrap_or_default().to_string(),
        last_used: value.get("LastUsedDate").and_then(Value::as_str).and_then(parse_datetime),
        use_count: value.get("UseCount").and_then(Value::as_i64).unwrap_or_default(),
        created: value.get("CreatedDate").and_then(Value::as_str).and_then(parse_datetime),
    }
}

/// Token rows and anything that makes them a lower bound.
#[derive(Debug, Default)]
pub(super) struct TokenScan {
    pub(super) rows: Vec<TokenRow>,
    pub(super) notes: Vec<String>,
    /// The org refused `CreatedDate`: first use is unknown.
    pub(super) first_use_unknown: bool,
}

/// `CreatedDate` is in the OauthToken field reference but not in the object reference's field
/// list: when an org refuses it, the rows are read without it and first use is unknown.
const TOKEN_FIELDS: &str = "UserId, AppName, LastUsedDate, UseCount, CreatedDate";
const FIELDS_WITHOUT_CREATED: &str = "UserId, AppName, LastUsedDate, UseCount";

fn refuses_created_date(error: &SfError) -> bool {
    matches!(error, SfError::Refused { code, message, .. } if code == "INVALID_FIELD" && message.contains("CreatedDate"))
}

/// Every `OauthToken` row, in windows of [`OAUTH_TOKEN_WINDOW`] ordered by user: when a window is
/// full, the rows of its last user may be cut, so they are dropped and the next window starts at
/// that user. A user who alone fills a window is read app by app.
pub(super) async fn oauth_tokens(client: Arc<Client>) -> Result<TokenScan, SfError> {
    // The windows and pages form one sequential chain, the longest of the collection: it keeps
    // one concurrency slot for itself instead of queueing behind metadata reads at every page.
    let _lane = client.hold().await;
    let mut scan = TokenScan::default();
    let mut fields = TOKEN_FIELDS;
    let mut lower: Option<(String, bool)> = None; // (user id, inclusive)
    let mut windows = Windows::default();
    loop {
        let filter = match &lower {
            None => String::new(),
            Some((user, inclusive)) => {
                format!(" WHERE UserId {} {}", if *inclusive { ">=" } else { ">" }, rest::soql_string(user))
            }
        };
        let soql = format!("SELECT {fields} FROM OauthToken{filter} ORDER BY UserId LIMIT {OAUTH_TOKEN_WINDOW}");
        let page = match rest::query(&client, "OauthToken", &soql, Priority::Held).await {
            Err(error) if fields == TOKEN_FIELDS && refuses_created_date(&error) => {
                fields = FIELDS_WITHOUT_CREATED;
                scan.first_use_unknown = true;
                continue;
            }
            Err(SfError::Refused { code, .. }) if lower.is_none() && !is_permission_code(&code) => {
                // The org refused the ordered query: read what one plain query gives.
                return plain_tokens(&client, fields, scan.first_use_unknown).await;
            }
            other => other?,
        };
        let rows: Vec<TokenRow> = page.records.iter().map(token_row).collect();
        let full = rows.len() >= OAUTH_TOKEN_WINDOW || (page.total_size as usize) > rows.len();
        if !full {
            scan.rows.extend(rows);
            return Ok(scan);
        }
        let last_user = rows.last().map(|row| row.user_id.clone()).unwrap_or_default();
        if rows.first().map(|row| row.user_id.as_str()) == Some(last_user.as_str()) {
            user_tokens(&client, fields, &last_user, &mut scan).await?;
            lower = Some((last_user, false));
        } else {
            scan.rows.extend(rows.into_iter().filter(|row| row.user_id != last_user));
            lower = Some((last_user, true));
        }
        windows.move_on(lower.as_ref())?;
    }
}

/// The window bounds one chain of `OauthToken` queries has used. A window that starts where an
/// earlier one did means the org's answers ignore the bound (the same rows again): followed, the
/// chain would never end.
#[derive(Default)]
struct Windows {
    seen: std::collections::HashSet<(String, bool)>,
}

impl Windows {
    fn move_on(&mut self, lower: Option<&(String, bool)>) -> Result<(), SfError> {
        let Some(lower) = lower else { return Ok(()) };
        let failed = |message: String| SfError::Failed { call: "REST query OauthToken".to_string(), message };
        if !self.seen.insert(lower.clone()) {
            return Err(failed(format!(
                "the answers do not move past '{}': the same window came back, so the org ignores the query's bound",
                lower.0
            )));
        }
        if self.seen.len() >= MAX_PAGES {
            return Err(failed(format!("windows without end (over {MAX_PAGES})")));
        }
        Ok(())
    }
}

fn is_permission_code(code: &str) -> bool {
    SfError::Refused { call: String::new(), code: code.to_string(), message: String::new() }.is_permission()
}

async fn plain_tokens(client: &Client, fields: &str, first_use_unknown: bool) -> Result<TokenScan, SfError> {
    let page = rest::query(client, "OauthToken", &format!("SELECT {fields} FROM OauthToken"), Priority::Held).await?;
    let mut scan =
        TokenScan { rows: page.records.iter().map(token_row).collect(), notes: Vec::new(), first_use_unknown };
    if (page.total_size as usize) > scan.rows.len() {
        scan.notes.push(format!(
            "OauthToken: the org returned {} of {} tokens (its per-query cap) and refused the ordered query that \
             pages around the cap; token counts are lower bounds",
            scan.rows.len(),
            page.total_size
        ));
    }
    Ok(scan)
}

async fn user_tokens(client: &Client, fields: &str, user: &str, scan: &mut TokenScan) -> Result<(), SfError> {
    let mut lower: Option<(String, bool)> = None;
    let mut windows = Windows::default();
    loop {
        let filter = match &lower {
            None => String::new(),
            Some((app, inclusive)) => {
                format!(" AND AppName {} {}", if *inclusive { ">=" } else { ">" }, rest::soql_string(app))
            }
        };
        let soql = format!(
            "SELECT {fields} FROM OauthToken WHERE UserId = {}{filter} ORDER BY AppName LIMIT {OAUTH_TOKEN_WINDOW}",
            rest::soql_string(user)
        );
        let page = rest::query(client, "OauthToken", &soql, Priority::Held).await?;
        let rows: Vec<TokenRow> = page.records.iter().map(token_row).collect();
        let full = rows.len() >= OAUTH_TOKEN_WINDOW || (page.total_size as usize) > rows.len();
        if !full {
            scan.rows.extend(rows);
            return Ok(());
        }
        let last_app = rows.last().map(|row| row.app_name.clone()).unwrap_or_default();
        if rows.first().map(|row| row.app_name.as_str()) == Some(last_app.as_str()) {
            scan.notes.push(format!(
                "OauthToken: user {user} holds {OAUTH_TOKEN_WINDOW} or more tokens of app '{last_app}'; its token \
                 count is a lower bound"
            ));
            scan.rows.extend(rows);
            lower = Some((last_app, false));
        } else {
            scan.rows.extend(rows.into_iter().filter(|row| row.app_name != last_app));
            lower = Some((last_app, true));
        }
        windows.move_on(lower.as_ref())?;
    }
}

/// One user's tokens of one app.
#[derive(Debug, Default)]
struct UserUse {
    tokens: i64,
    use_count: i64,
    first_used: Option<OffsetDateTime>,
    last_used: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
pub(super) struct AppTokens {
    pub(super) tokens: i64,
    users: BTreeMap<String, UserUse>,
    first_used: Option<OffsetDateTime>,
    last_used: Option<OffsetDateTime>,
    use_count: i64,
    /// The name as the org wrote it.
    pub(super) name: String,
}

impl AppTokens {
    /// The rows reduced per app, keyed by the app name as [`lower`] matches it.
    pub(super) fn by_app(rows: &[TokenRow]) -> BTreeMap<String, AppTokens> {
        let mut by_app: BTreeMap<String, AppTokens> = BTreeMap::new();
        for row in rows {
            let entry = by_app.entry(lower(&row.app_name)).or_default();
            if entry.name.is_empty() {
                entry.name = row.app_name.clone();
            }
            entry.tokens += 1;
            let user = entry.users.entry(row.user_id.clone()).or_default();
            user.tokens += 1;
            user.use_count = user.use_count.saturating_add(row.use_count);
            user.last_used = user.last_used.max(row.last_used);
            user.first_used = earliest(user.first_used, row.created);
            entry.first_used = earliest(entry.first_used, row.created);
            entry.last_used = entry.last_used.max(row.last_used);
            entry.use_count = entry.use_count.saturating_add(row.use_count);
        }
        by_app
    }

    pub(super) fn usage(&self, installed: bool, as_of: &EvaluationDate) -> Usage {
        let mut usage = Usage {
            token_count: self.tokens,
            user_count: i64::try_from(self.users.len()).unwrap_or(i64::MAX),
            first_used: self.first_used.map(crate::model::when::rfc3339),
            last_used: self.last_used.map(crate::model::when::rfc3339),
            use_count: self.use_count,
            installed,
            days_since_last_used: None,
        };
        usage.refresh_dates(as_of);
        usage
    }

    /// Per user, by user id (`OauthToken` names no username).
    pub(super) fn users(&self) -> Vec<UserTokens> {
        self.users
            .iter()
            .map(|(user_id, used)| UserTokens {
                user_id: user_id.clone(),
                username: String::new(),
                tokens: used.tokens,
                use_count: used.use_count,
                first_used: used.first_used.map(crate::model::when::rfc3339),
                last_used: used.last_used.map(crate::model::when::rfc3339),
            })
            .collect()
    }
}

fn earliest(a: Option<OffsetDateTime>, b: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_datetimes_parse() {
        let parsed = parse_datetime("2026-01-02T10:00:00.000+0000").expect("salesforce format");
        assert_eq!(crate::model::when::rfc3339(parsed), "2026-01-02T10:00:00Z");
        assert!(parse_datetime("2026-01-02T10:00:00Z").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }
}
