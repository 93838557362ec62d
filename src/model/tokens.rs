//! The OAuth token inventory of a live org, per app and per user: who holds tokens of which app,
//! how many, first and last use. Connected Apps' from `OauthToken`, External Client Apps' from the
//! Connect REST OAuth usage resources. Never a token value.

use serde::{Deserialize, Serialize};

use super::kind::ResourceKind;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInventory {
    /// Apps holding tokens, sorted by kind and name.
    pub apps: Vec<AppTokens>,
    /// Why some counts are lower bounds, or some usage could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppTokens {
    pub kind: ResourceKind,
    /// API name when the org knows the app, else the name the tokens carry.
    pub name: String,
    pub label: String,
    /// `OauthToken` or `Connect REST /apps/oauth/usage`.
    pub source: String,
    /// The app is installed (a Connected App in `ConnectedApplication`, or any External Client App).
    pub installed: bool,
    /// The app is switched on (an ECA's policies); Connected Apps always.
    pub enabled: bool,
    /// External Client Apps: the identifier the usage resources take (for revocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Tokens from `OauthToken`: the `AppName` they carry, exactly (what names their rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_token_app_name: Option<String>,
    pub token_count: i64,
    pub user_count: i64,
    pub use_count: i64,
    pub first_used: Option<String>,
    pub last_used: Option<String>,
    /// Whole days from the last use to the evaluation date; `None` when never used.
    pub days_since_last_used: Option<i64>,
    pub users: Vec<UserTokens>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTokens {
    pub user_id: String,
    /// Empty when the source names only the id (`OauthToken`).
    pub username: String,
    pub tokens: i64,
    pub use_count: i64,
    pub first_used: Option<String>,
    pub last_used: Option<String>,
}
