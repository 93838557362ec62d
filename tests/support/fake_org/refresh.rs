//! The refresh-token grant of the fake org's token endpoint (what an SFDX auth URL is exchanged
//! through), with Salesforce's error bodies, optional refresh-token rotation, and access tokens a
//! stand-in `sf` executable can print.

use std::collections::BTreeMap;

use serde_json::json;

use super::http::Response;
use super::{FakeOrg, LOGIN_AUDIENCE, State, USER_ID, oauth_error, random_hex};

/// The app an SFDX auth URL names, and the refresh tokens the org honours for it.
#[derive(Debug, Clone)]
pub struct RefreshConfig {
    pub client_id: String,
    /// Empty: the app does not require a secret for the refresh-token flow (the CLI's own app).
    pub client_secret: String,
    pub refresh_tokens: Vec<String>,
    /// Every refresh returns a new refresh token and invalidates the one used.
    pub rotate: bool,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self {
            client_id: "PlatformCLI".into(),
            client_secret: String::new(),
            refresh_tokens: Vec::new(),
            rotate: false,
        }
    }
}

/// `grant_type=refresh_token`.
pub(super) fn grant(state: &mut State, url: &str, form: &BTreeMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let config = state.config.refresh.clone();
    if field("client_id") != config.client_id {
        return oauth_error(400, "invalid_client_id", "client identifier invalid");
    }
    if !config.client_secret.is_empty() && field("client_secret") != config.client_secret {
        return oauth_error(400, "invalid_client", "invalid client credentials");
    }
    let presented = field("refresh_token");
    if presented.is_empty() || !config.refresh_tokens.contains(&presented) {
        return oauth_error(400, "invalid_grant", "expired access/refresh token");
    }
    state.stats.successful_logins += 1;
    state.stats.refresh_logins += 1;
    let token = format!("{}!AR{}", state.data.org_id, random_hex(state.stats.logins));
    state.valid_tokens.insert(token.clone());
    let mut body = json!({
        "access_token": token,
        "signature": "c2lnbmF0dXJl",
        "scope": "refresh_token web api id",
        "instance_url": url,
        "id": format!("{LOGIN_AUDIENCE}/id/{}/{USER_ID}", state.data.org_id),
        "token_type": "Bearer",
        "issued_at": "1767261600000",
    });
    if config.rotate {
        let next = format!("5Aep861ROTATED{}", random_hex(state.stats.logins + 7).get(..24).unwrap_or_default());
        state.config.refresh.refresh_tokens.retain(|known| *known != presented);
        state.config.refresh.refresh_tokens.push(next.clone());
        body["refresh_token"] = json!(next);
    }
    Response::json(200, &body)
}

impl FakeOrg {
    /// An access token the org accepts, as a Salesforce CLI that logged in to it would hold.
    pub fn issue_access_token(&self) -> String {
        let mut state = self.state.lock().expect("state");
        let token = format!("{}!AC{}", state.data.org_id, random_hex(state.valid_tokens.len() as u64 + 99));
        state.valid_tokens.insert(token.clone());
        token
    }

    /// The refresh tokens the org currently honours (after any rotation).
    pub fn refresh_tokens(&self) -> Vec<String> {
        self.state.lock().expect("state").config.refresh.refresh_tokens.clone()
    }
}
