//! Fixed REST answers a test puts in place of what the fake org would serve: servers that page
//! for ever, or answer in shapes sfaudit does not know.

use super::http::{Request, Response};

/// A REST answer for every `GET` whose path contains `path_contains` and whose SOQL (`q`)
/// contains `soql_contains` (empty: any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestAnswer {
    pub path_contains: String,
    pub soql_contains: String,
    pub status: u16,
    pub body: String,
}

impl RestAnswer {
    pub fn new(path_contains: &str, soql_contains: &str, body: serde_json::Value) -> Self {
        Self {
            path_contains: path_contains.to_string(),
            soql_contains: soql_contains.to_string(),
            status: 200,
            body: body.to_string(),
        }
    }

    fn matches(&self, request: &Request) -> bool {
        request.path.contains(&self.path_contains)
            && request.query.get("q").map_or(self.soql_contains.is_empty(), |soql| soql.contains(&self.soql_contains))
    }
}

/// The first of `answers` for `request`.
pub fn answer(answers: &[RestAnswer], request: &Request) -> Option<Response> {
    answers
        .iter()
        .find(|answer| answer.matches(request))
        .map(|answer| Response::new(answer.status, "application/json", answer.body.clone()))
}
