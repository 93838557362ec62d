//! What only a live org knows about who can let apps in and how they are used: the users who
//! hold the permissions that open the door to apps, the OAuth flows people log in with
//! (`LoginHistory`), Salesforce's own Health Check, and an app's client-credentials run-as user.
//!
//! Each piece is `None` offline; in a live scan a piece the user may not read (or a permission
//! column the org does not have) is `None` with the reason under the record's `missing`, so the
//! rules reading it are `unknown`, never `pass`.

use serde::{Deserialize, Serialize};

/// The users who hold the permissions that decide which apps get in, through a profile or a
/// permission set (group). Each is `None`, with a `missing` entry, when the org lacks a
/// permission column it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionHolders {
    /// `PermissionsCanApproveUninstalledApps`: may use (and let users use) connected apps nobody installed.
    pub approve_uninstalled_apps: Option<Holders>,
    /// `PermissionsUseAnyApiClient`: API access with any client, past API Access Control.
    pub use_any_api_client: Option<Holders>,
    /// `PermissionsViewClientSecret` or `PermissionsClientSecretRotation`: see or rotate consumer secrets.
    pub consumer_secret_access: Option<Holders>,
    /// `PermissionsCustomizeApplication` and `PermissionsModifyAllData` and `PermissionsApiEnabled`.
    pub app_admins_with_api: Option<Holders>,
}

/// Active users holding one permission (or combination).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holders {
    pub count: i64,
    /// Sorted by username.
    pub users: Vec<Holder>,
    /// One line naming every holder and how they hold it, for the "your value" column.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub username: String,
    /// `profile System Administrator`, `permission set Integration_Admin`, … (sorted).
    pub via: Vec<String>,
}

/// OAuth logins of the last days (`LoginHistory`), grouped by application and login subtype.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginHistorySummary {
    /// The window, ending when the org was read (`LoginTime = LAST_N_DAYS:30`).
    pub window_days: i64,
    /// Successful logins with the OAuth 2.0 username-password flow (`OauthUsernamePassword`).
    pub username_password: FlowUse,
    /// Successful logins with the user-agent flow (`OauthUserAgent`, `OauthHybridUserAgent`,
    /// `OauthUserAgentIdToken`).
    pub user_agent: FlowUse,
    /// Successful logins with the web server flow (`OauthWebServer`, `OauthHybridWebServer`).
    pub web_server: FlowUse,
    /// Every (application, subtype, status) group read, for the evidence.
    pub groups: Vec<LoginGroup>,
}

/// How one flow was used in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowUse {
    pub logins: i64,
    /// Users per application, summed: a user of two apps counts twice.
    pub users: i64,
    /// By logins, most first.
    pub apps: Vec<AppLogins>,
    /// "App X (123 logins, 4 users), …", or that nobody used it.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppLogins {
    pub application: String,
    pub logins: i64,
    pub users: i64,
    pub last_login: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginGroup {
    pub application: String,
    pub login_subtype: String,
    pub status: String,
    pub logins: i64,
    pub users: i64,
    pub last_login: Option<String>,
}

/// Salesforce's own Health Check (Tooling API `SecurityHealthCheck`, `SecurityHealthCheckRisks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceHealthCheck {
    /// 0–100; `None` when Salesforce gave no number.
    pub score: Option<i64>,
    /// `CustomBaselineId`: the baseline the score is measured against (empty: Salesforce's).
    pub baseline: String,
    /// Settings that do not meet the baseline and that Salesforce rates high risk
    /// (`RiskType = HIGH_RISK`), sorted by group and setting.
    pub high_risk: Vec<HealthCheckRisk>,
    /// Settings that do not meet the baseline at medium risk.
    pub medium_risk_count: i64,
    /// "score 62/100; 2 high-risk settings: Password Policies: Minimum password length (8; standard 12), …".
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckRisk {
    pub group: String,
    pub setting: String,
    pub org_value: String,
    pub standard_value: String,
}

/// The user a client-credentials app runs as, and what that user may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunAsUser {
    pub username: String,
    /// An active user of that username was found.
    pub found: bool,
    pub api_only: bool,
    pub modify_all_data: bool,
    pub view_all_data: bool,
    /// "not API-only; Modify All Data through profile System Administrator", or that it is safe.
    pub evidence: String,
}
