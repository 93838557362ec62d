//! REST SOQL queries, following `nextRecordsUrl` until `done`.

use reqwest::StatusCode;
use serde_json::Value;

use secrecy::ExposeSecret as _;

use super::client::{Api, Client, Verdict};
use super::error::SfError;
use super::permits::Priority;
use crate::escape::redact_secrets;
pub(crate) use crate::escape::soql_string;
use crate::limits::{MAX_JSON_DEPTH, MAX_PAGES};
use crate::logging;

/// What a REST answer means. Errors are a JSON array of `{errorCode, message}`. An answer nested
/// deeper than [`MAX_JSON_DEPTH`] is refused before parsing: what sfaudit keeps of it must be
/// readable again from the documents it writes.
pub fn classify(status: StatusCode, body: &[u8]) -> Verdict<Value> {
    if let Err(line) = crate::input::check_json_depth(body, MAX_JSON_DEPTH) {
        return Verdict::Refused {
            code: "ANSWER_TOO_DEEP".into(),
            message: format!("the answer nests more than {MAX_JSON_DEPTH} levels deep (line {line})"),
        };
    }
    if status.is_success() {
        return match serde_json::from_slice(body) {
            Ok(value) => Verdict::Done(value),
            Err(error) => Verdict::Retry(format!("HTTP {}: malformed JSON: {error}", status.as_u16())),
        };
    }
    let (code, message) = error_of(body).unwrap_or_else(|| (format!("HTTP_{}", status.as_u16()), String::new()));
    let message = reason_of(&code, &message);
    match status.as_u16() {
        401 => Verdict::SessionInvalid,
        403 if code == "REQUEST_LIMIT_EXCEEDED" => Verdict::LimitExceeded(message),
        429 | 500..=599 => Verdict::Retry(format!("HTTP {} {code} {message}", status.as_u16()).trim().to_string()),
        _ => Verdict::Refused { code, message },
    }
}

fn error_of(body: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let first = value.as_array().and_then(|items| items.first()).unwrap_or(&value);
    let code = first.get("errorCode").and_then(Value::as_str)?.to_string();
    let message = first.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
    Some((code, message))
}

/// The reason in an error message. SOQL errors span lines: an empty line, a slice of the query,
/// a caret, `ERROR at Row:1:Column:35`, then the reason (in the user's language). The reason is
/// what the user needs; the whole text is logged at `-vv`.
fn reason_of(code: &str, message: &str) -> String {
    if !message.contains('\n') {
        return message.to_string();
    }
    logging::log(2, format_args!("{code}: the whole message: {}", redact_secrets(message)));
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let after_position = lines.iter().position(|line| line.starts_with("ERROR at Row")).map(|at| &lines[at + 1..]);
    match after_position {
        Some(reason) if !reason.is_empty() => reason.join(" "),
        _ => lines.join(" "),
    }
}

/// Every record of a query, and what the server said about its size.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryResult {
    pub records: Vec<Value>,
    /// `totalSize` of the first page: may exceed `records.len()` when the server capped the result.
    pub total_size: u64,
    /// Pages fetched (API calls, retries not counted).
    pub pages: usize,
}

/// `GET` a REST resource: a path under the instance (`/services/data/…`), with an optional SOQL
/// query string.
pub(crate) async fn get(
    client: &Client,
    call: &str,
    path: &str,
    soql: Option<&str>,
    priority: Priority,
) -> Result<Value, SfError> {
    client
        .execute(
            call,
            Api::Rest,
            priority,
            |http, token| {
                let request = http
                    .get(format!("{}{path}", token.instance_url))
                    .bearer_auth(token.access_token.expose_secret())
                    .header(reqwest::header::ACCEPT, "application/json");
                match soql {
                    Some(soql) => request.query(&[("q", soql)]),
                    None => request,
                }
            },
            classify,
        )
        .await
}

/// Runs `soql` and follows `nextRecordsUrl` until `done`.
pub(crate) async fn query(
    client: &Client,
    object: &str,
    soql: &str,
    priority: Priority,
) -> Result<QueryResult, SfError> {
    query_at(client, "query", &format!("REST query {object}"), soql, priority).await
}

/// A Tooling API query (`/tooling/query`), paged the same way.
pub(crate) async fn tooling_query(
    client: &Client,
    object: &str,
    soql: &str,
    priority: Priority,
) -> Result<QueryResult, SfError> {
    query_at(client, "tooling/query", &format!("Tooling query {object}"), soql, priority).await
}

async fn query_at(
    client: &Client,
    resource: &str,
    call: &str,
    soql: &str,
    priority: Priority,
) -> Result<QueryResult, SfError> {
    let path = format!("/services/data/v{}/{resource}", client.api_version());
    let call = call.to_string();
    let mut page = get(client, &call, &path, Some(soql), priority).await?;
    let declared_total = page.get("totalSize").and_then(Value::as_u64);
    let mut result = QueryResult { total_size: declared_total.unwrap_or_default(), ..QueryResult::default() };
    let mut followed = std::collections::HashSet::new();
    loop {
        result.pages += 1;
        let malformed = |what: &str| SfError::Failed { call: call.clone(), message: format!("the answer {what}") };
        let records =
            page.get_mut("records").and_then(Value::as_array_mut).ok_or_else(|| malformed("has no records"))?;
        let page_records = records.len();
        result.records.append(records);
        if declared_total.is_some_and(|total| result.records.len() as u64 > total) {
            return Err(malformed(&format!("holds more records than its totalSize ({})", result.total_size)));
        }
        if page.get("done").and_then(Value::as_bool).unwrap_or(true) {
            return Ok(result);
        }
        // Every page but the last holds records, and no page comes twice: a server that pages
        // for ever would otherwise keep the scan running and spending the org's API allowance.
        if page_records == 0 {
            return Err(malformed("is not done but holds no records"));
        }
        let next = page
            .get("nextRecordsUrl")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("is not done but has no nextRecordsUrl"))?;
        if !next.starts_with("/services/data/") {
            return Err(malformed("points nextRecordsUrl outside /services/data/"));
        }
        if !followed.insert(next.to_string()) || result.pages >= MAX_PAGES {
            return Err(malformed(&format!(
                "pages without end ({} pages; a nextRecordsUrl repeats or the chain is over {MAX_PAGES} pages)",
                result.pages
            )));
        }
        let next = next.to_string();
        page = get(client, &format!("{call} (more)"), &next, None, priority).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_errors_are_classified() {
        let body = br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(matches!(classify(StatusCode::UNAUTHORIZED, body), Verdict::SessionInvalid));
        let body = br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(matches!(classify(StatusCode::FORBIDDEN, body), Verdict::LimitExceeded(_)));
        let body = br#"[{"message":"sObject type 'OauthToken' is not supported.","errorCode":"INVALID_TYPE"}]"#;
        assert!(
            matches!(classify(StatusCode::BAD_REQUEST, body), Verdict::Refused { code, .. } if code == "INVALID_TYPE")
        );
        assert!(matches!(classify(StatusCode::SERVICE_UNAVAILABLE, b""), Verdict::Retry(_)));
        assert!(matches!(classify(StatusCode::OK, b"{\"totalSize\""), Verdict::Retry(_)));
    }

    #[test]
    fn multi_line_soql_errors_give_their_reason_on_one_line() {
        let body = br#"[{"message":"\nselect Id, Company, SF_date__c from\n                   ^\nERROR at Row:1:Column:20\nNo such column 'SF_date__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.","errorCode":"INVALID_FIELD"}]"#;
        let Verdict::Refused { code, message } = classify(StatusCode::BAD_REQUEST, body) else { panic!("refused") };
        assert_eq!(code, "INVALID_FIELD");
        assert!(message.starts_with("No such column 'SF_date__c' on entity 'Lead'."), "{message}");
        assert!(!message.contains('\n') && !message.contains("ERROR at Row") && !message.contains('^'), "{message}");
    }

    #[test]
    fn answers_nested_too_deep_are_refused_before_parsing() {
        let deep = format!("{}1{}", "[".repeat(MAX_JSON_DEPTH + 1), "]".repeat(MAX_JSON_DEPTH + 1));
        assert!(
            matches!(classify(StatusCode::OK, deep.as_bytes()), Verdict::Refused { code, .. } if code == "ANSWER_TOO_DEEP")
        );
        let fits = format!("{}1{}", "[".repeat(MAX_JSON_DEPTH), "]".repeat(MAX_JSON_DEPTH));
        assert!(matches!(classify(StatusCode::OK, fits.as_bytes()), Verdict::Done(_)));
    }
}
