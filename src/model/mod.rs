//! The normalized inventory: what collectors produce and what rules see.
//!
//! Field names are part of the public rule interface (documented in `rules/README.md`):
//! rename nothing without a rule-pack migration.

mod access;
pub mod cert;
mod evidence;
mod kind;
mod raw;
mod severity;
mod small_map;
mod tokens;
pub mod when;

use serde::{Deserialize, Serialize};

pub use access::{
    AppLogins, FlowUse, HealthCheckRisk, Holder, Holders, LoginGroup, LoginHistorySummary, PermissionHolders,
    RunAsUser, SalesforceHealthCheck,
};
pub use cert::Certificate;
pub use evidence::{
    Coverage, ExternalClientAppSettings, InputProblem, Integration, IntegrationKind, ResourceName, Saml, SkippedPath,
    UnknownScope, UnusedFile,
};
pub use kind::{ResourceKind, SourceKind};
pub use raw::RawDocument;
pub use severity::{Confidence, Severity, Status};
pub use small_map::{RecordText, SmallMap, SmallSet};
pub use tokens::{AppTokens, TokenInventory, UserTokens};
pub use when::EvaluationDate;

/// Shared immutable text: results repeat a rule's and a resource's strings hundreds of thousands
/// of times on a large org, so they share one allocation.
pub type Text = std::sync::Arc<str>;

/// Version of the inventory layout written into JSON results and snapshots.
pub const INVENTORY_SCHEMA_VERSION: u32 = 1;

/// Where a record came from; `path` is relative to the scanned folder so reports are stable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    pub source: SourceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inventory {
    pub schema_version: u32,
    pub source: ScanSource,
    pub apps: Vec<AppRecord>,
    pub org: OrgRecord,
    /// Problems with single input files; the scan went on without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<InputProblem>,
    #[serde(default)]
    pub coverage: Coverage,
}

/// What was scanned, for run metadata in every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSource {
    pub kind: SourceKind,
    /// Project folder (as given on the command line) or org instance.
    pub location: String,
    /// Number of metadata files read (project scans) or components read (org scans).
    pub files_read: usize,
    /// How a live collection went (org scans and their snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<Collection>,
}

/// Evidence about a live collection: where, when, with how many API calls, and what could not
/// be read. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub collected_at: String,
    pub instance_url: String,
    pub org_id: String,
    pub username: String,
    pub api_version: String,
    pub concurrency: usize,
    /// API requests sent (SOAP and REST, retries included; logins not).
    pub api_calls: u64,
    pub retries: u64,
    pub logins: u64,
    /// The org's daily API usage from the last `Sforce-Limit-Info` header.
    pub api_usage: Option<ApiUsage>,
    /// Data that could not be collected, each with the reason and the permission to grant.
    /// Not empty ⇒ the scan is incomplete (exit 3 unless `--allow-incomplete`).
    pub incomplete: Vec<String>,
    /// Data no built-in rule reads that could not be collected (an ECA settings or policies type
    /// the org does not know or the user may not read), or could not be joined to its app. The
    /// scan stays complete: only data rules need makes it incomplete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    pub kind: ResourceKind,
    pub name: String,
    pub label: String,
    pub namespace: String,
    pub origin: Origin,
    /// Every metadata file that contributed to the record, keyed by metadata type.
    pub files: SmallMap<RecordText, Origin>,
    /// Known only from files the Salesforce CLI would not deploy (ignored, outside the package
    /// directories): only its source-control findings apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undeployed: bool,
    /// The app is switched on (an ECA's `isEnabled`; a Connected App always).
    pub enabled: bool,
    /// It can issue OAuth tokens: an ECA whose `isEnabled` and `isOauthPluginEnabled` are both not
    /// false; a Connected App with an `oauthConfig`.
    #[serde(default = "enabled_by_default")]
    pub oauth_enabled: bool,
    /// Whether it is a server integration, with the evidence.
    #[serde(default)]
    pub integration: Integration,
    pub oauth: Option<OAuth>,
    pub certificate: Option<Certificate>,
    /// SAML configuration (Connected Apps with `samlConfig`).
    #[serde(default)]
    pub saml: Option<Box<Saml>>,
    pub policy: Option<Policy>,
    /// Secrets and secret-bearing files found in source control (project scans only).
    pub source_control: Option<SourceControl>,
    pub usage: Option<Box<Usage>>,
    /// Live scans: the client-credentials run-as user and what it may do.
    #[serde(default)]
    pub run_as_user: Option<Box<RunAsUser>>,
    /// Trusted IP ranges of the app (`ipRanges` of a Connected App, `trustedIpRanges` of an ECA's
    /// OAuth settings) as `start-end`; empty when none; `None` when not known.
    #[serde(default)]
    pub trusted_ip_ranges: Option<Vec<String>>,
    /// Data that could not be collected, keyed by record path (`policy`, `oauth.flows`, …) with
    /// the reason; rules touching these paths are `unknown`, never `pass`.
    pub missing: SmallMap<RecordText, RecordText>,
    /// Record paths whose value is Salesforce's documented default because no file said
    /// otherwise; reports show "(default)" beside such a value.
    #[serde(default, skip_serializing_if = "SmallSet::is_empty")]
    pub defaults: SmallSet<RecordText>,
    pub raw: SmallMap<RecordText, RawDocument>,
}

fn enabled_by_default() -> bool {
    true
}

/// OAuth configuration. A `None` field was not available (an External Client App's global OAuth
/// settings are normally kept out of source control); its reason is in the record's `missing`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OAuth {
    pub consumer_key: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub callback_urls: Option<Vec<String>>,
    pub flows: Option<Flows>,
    pub pkce_required: Option<bool>,
    pub consumer_secret_optional: Option<bool>,
    pub secret_required_for_refresh_token: Option<bool>,
    pub secret_required_for_token_exchange: Option<bool>,
    pub refresh_token_rotation: Option<bool>,
    pub introspect_all_tokens: Option<bool>,
    pub jwt_access_tokens: Option<bool>,
    pub client_credentials_user: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flows {
    /// A certificate is configured, which is what enables the JWT bearer flow.
    pub jwt_bearer: bool,
    pub client_credentials: bool,
    pub token_exchange: bool,
    /// `null` for Connected Apps: their metadata has no device-flow field (declared `missing`).
    pub device: Option<bool>,
    pub code_credential: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub permitted_users: PermittedUsers,
    pub profiles: Vec<String>,
    /// The standard profiles among `profiles`, by their language-independent API name (`Admin`,
    /// `Standard`, `ReadOnly`, …), recognised under the label of any language in
    /// `rules/README.md`'s table.
    #[serde(default)]
    pub standard_profiles: Vec<String>,
    pub permission_sets: Vec<String>,
    pub ip_relaxation: IpRelaxation,
    pub refresh_token: RefreshToken,
    pub session_level: Option<String>,
    pub session_timeout_minutes: Option<i64>,
    pub policy_action: Option<String>,
    pub named_user_jwt_timeout: Option<JwtTimeout>,
    pub guest_jwt_timeout: Option<JwtTimeout>,
    pub client_credentials_enabled: bool,
    pub token_exchange_enabled: bool,
    /// ECA policy `isGuestCodeCredFlowEnabled`: guest users may use the Authorization Code and
    /// Credentials flow; always false for Connected Apps (not in their metadata).
    #[serde(default)]
    pub guest_code_credential_enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermittedUsers {
    AdminApproved,
    AllSelfAuthorized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpRelaxation {
    Enforce,
    EnforceRelaxRefresh,
    #[serde(rename = "bypass_2fa")]
    Bypass2fa,
    Bypass,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshToken {
    pub policy: RefreshTokenPolicy,
    pub period: Option<i64>,
    pub unit: Option<TimeUnit>,
    /// The period converted to days (a month is 365/12 days, rounded up; hours round up to a day).
    pub max_days: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokenPolicy {
    Zero,
    Infinite,
    SpecificLifetime,
    SpecificInactivity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Hours,
    Days,
    Months,
}

impl TimeUnit {
    /// The period in whole days, rounded up; `None` when the arithmetic would overflow.
    pub fn to_days(self, period: i64) -> Option<i64> {
        match self {
            Self::Hours => Some(period.checked_add(23)? / 24),
            Self::Days => Some(period),
            Self::Months => Some(period.checked_mul(365)?.checked_add(11)? / 12),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwtTimeout {
    #[serde(rename = "type")]
    pub timeout_type: JwtTimeoutType,
    pub minutes: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JwtTimeoutType {
    UserSession,
    Custom,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceControl {
    /// Path of a committed ExtlClntAppGlobalOauthSettings file, which must stay out of source.
    pub global_oauth_settings_file: Option<String>,
    /// Path of a file holding a non-empty consumer secret; the secret itself is never kept.
    pub consumer_secret_file: Option<String>,
    /// The file holding the secret also enables the client credentials flow, so the secret alone
    /// mints tokens as the run-as user.
    #[serde(default)]
    pub consumer_secret_client_credentials: bool,
    /// Path of a file holding private-key material (a key pasted into `<certificate>`, say); the
    /// key itself is never kept.
    #[serde(default)]
    pub private_key_file: Option<String>,
    /// Template values (`${CONSUMER_SECRET}`, `REPLACE_ME`, `__CERTIFICATE_PEM__`, …) where a
    /// credential or endpoint belongs: filled in at deploy time, so not a committed secret.
    #[serde(default)]
    pub placeholders: Vec<Placeholder>,
}

/// One template value found in a metadata file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placeholder {
    /// The element holding it (`consumerSecret`, `certificate`, `callbackUrl`, …).
    pub element: String,
    pub path: String,
    pub line: u32,
    /// The placeholder text; `None` for secret elements, whose text is never kept.
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Usage {
    pub token_count: i64,
    pub user_count: i64,
    /// The oldest token's creation (`OauthToken.CreatedDate`, an ECA user's first connection).
    #[serde(default)]
    pub first_used: Option<String>,
    pub last_used: Option<String>,
    pub use_count: i64,
    pub installed: bool,
    /// Whole days from the last use to the evaluation date; `None` when never used.
    pub days_since_last_used: Option<i64>,
}

impl Usage {
    /// Recomputes `days_since_last_used` against `as_of`.
    pub fn refresh_dates(&mut self, as_of: &EvaluationDate) {
        self.days_since_last_used = self.last_used.as_deref().and_then(|last_used| {
            let last_used =
                time::OffsetDateTime::parse(last_used, &time::format_description::well_known::Rfc3339).ok()?;
            Some((as_of.instant() - last_used).whole_days())
        });
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgRecord {
    pub kind: ResourceKind,
    pub name: String,
    pub origin: Origin,
    pub files: SmallMap<RecordText, Origin>,
    pub oauth_oidc: Option<OauthOidcSettings>,
    pub connected_app_settings: Option<ConnectedAppSettings>,
    #[serde(default)]
    pub external_client_app_settings: Option<ExternalClientAppSettings>,
    pub identity: Option<OrgIdentity>,
    /// Live scans: who holds the permissions that let apps in.
    #[serde(default)]
    pub permission_holders: Option<PermissionHolders>,
    /// Live scans: OAuth logins of the last 30 days by flow (`LoginHistory`).
    #[serde(default)]
    pub login_history: Option<LoginHistorySummary>,
    /// Live scans: Salesforce's own Health Check score and high-risk settings.
    #[serde(default)]
    pub health_check: Option<SalesforceHealthCheck>,
    pub missing: SmallMap<RecordText, RecordText>,
    /// Record paths whose value is Salesforce's documented default (see [`AppRecord::defaults`]).
    #[serde(default, skip_serializing_if = "SmallSet::is_empty")]
    pub defaults: SmallSet<RecordText>,
    pub raw: SmallMap<RecordText, RawDocument>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OauthOidcSettings {
    pub block_username_password_flow: bool,
    pub block_user_agent_flow: bool,
    pub pkce_required: bool,
    pub code_credential_flow_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectedAppSettings {
    /// "API Access Control": only admin-approved apps may call APIs.
    pub admin_approved_apps_only: bool,
    pub admin_approved_apps_only_for_external_users: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgIdentity {
    pub id: String,
    pub name: String,
    pub sandbox: bool,
}

/// A resource as the engine sees it: either an app or the org.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    App(&'a AppRecord),
    Org(&'a OrgRecord),
}

impl<'a> Resource<'a> {
    pub fn kind(self) -> ResourceKind {
        match self {
            Self::App(app) => app.kind,
            Self::Org(org) => org.kind,
        }
    }

    pub fn name(self) -> &'a str {
        match self {
            Self::App(app) => &app.name,
            Self::Org(org) => &org.name,
        }
    }

    pub fn label(self) -> &'a str {
        match self {
            Self::App(app) => &app.label,
            Self::Org(org) => &org.name,
        }
    }

    pub fn origin(self) -> &'a Origin {
        match self {
            Self::App(app) => &app.origin,
            Self::Org(org) => &org.origin,
        }
    }

    pub fn missing(self) -> &'a SmallMap<RecordText, RecordText> {
        match self {
            Self::App(app) => &app.missing,
            Self::Org(org) => &org.missing,
        }
    }

    /// Record paths whose value is Salesforce's default rather than read from a file.
    pub fn defaults(self) -> &'a SmallSet<RecordText> {
        match self {
            Self::App(app) => &app.defaults,
            Self::Org(org) => &org.defaults,
        }
    }

    /// The app's namespace prefix; empty for the org and for unpackaged apps.
    pub fn namespace(self) -> &'a str {
        match self {
            Self::App(app) => &app.namespace,
            Self::Org(_) => "",
        }
    }

    pub fn files(self) -> &'a SmallMap<RecordText, Origin> {
        match self {
            Self::App(app) => &app.files,
            Self::Org(org) => &org.files,
        }
    }

    /// The resource's files a result can name (those of a type [`file_type_for`] gives), in the
    /// record's order. A record read from a snapshot may list other files too; they never take
    /// a place in the results' table of files.
    pub fn located_files(self) -> impl Iterator<Item = (&'a str, &'a Origin)> {
        self.files()
            .iter()
            .map(|(type_name, origin)| (type_name.as_ref(), origin))
            .filter(|(type_name, _)| FIELD_FILES.iter().any(|(_, located)| located == type_name))
    }
}

/// Which metadata type holds the data behind a record path, so a result can point at the file
/// a reviewer has to change. Longest prefix wins; unlisted paths point at the record's origin.
const FIELD_FILES: &[(&str, &str)] = &[
    ("enabled", "ExtlClntAppConfigurablePolicies"),
    ("oauth.scopes", "ExtlClntAppOauthSettings"),
    ("oauth.client_credentials_user", "ExtlClntAppOauthConfigurablePolicies"),
    ("oauth", "ExtlClntAppGlobalOauthSettings"),
    ("certificate", "ExtlClntAppGlobalOauthSettings"),
    ("policy", "ExtlClntAppOauthConfigurablePolicies"),
    ("source_control.global_oauth_settings_file", "ExtlClntAppGlobalOauthSettings"),
    ("source_control.consumer_secret_file", "ExtlClntAppGlobalOauthSettings"),
    ("source_control.private_key_file", "ExtlClntAppGlobalOauthSettings"),
    ("oauth_oidc", "OauthOidcSettings"),
    ("connected_app_settings", "ConnectedAppSettings"),
];

/// The metadata type whose file holds the data behind `path` (a record path without its root,
/// e.g. `policy.permitted_users`); `None` points at the record's origin.
pub fn file_type_for(path: &str) -> Option<&'static str> {
    FIELD_FILES
        .iter()
        .filter(|(prefix, _)| path.strip_prefix(prefix).is_some_and(|tail| tail.is_empty() || tail.starts_with('.')))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, type_name)| *type_name)
}

impl OrgRecord {
    /// An org record with nothing collected yet.
    pub fn empty(name: String, source: SourceKind) -> Self {
        Self {
            kind: ResourceKind::Org,
            name,
            origin: Origin { source, path: None, line: None },
            files: SmallMap::new(),
            oauth_oidc: None,
            connected_app_settings: None,
            external_client_app_settings: None,
            identity: None,
            permission_holders: None,
            login_history: None,
            health_check: None,
            missing: SmallMap::new(),
            defaults: SmallSet::new(),
            raw: SmallMap::new(),
        }
    }
}

impl Inventory {
    /// Whether the scan found anything sfaudit judges: an OAuth app, or org OAuth settings. A
    /// scan that found neither looked in the wrong place (or at an emptied project).
    pub fn holds_oauth_metadata(&self) -> bool {
        let org = &self.org;
        self.apps.iter().any(|app| !app.undeployed)
            || org.oauth_oidc.is_some()
            || org.connected_app_settings.is_some()
            || org.external_client_app_settings.is_some()
    }

    /// Whether the report cannot cover everything: a file that could not be read at all, or org
    /// data rules need that a live collection could not read.
    pub fn is_incomplete(&self) -> bool {
        self.problems.iter().any(|problem| problem.fatal) || !self.unread_org_data().is_empty()
    }

    /// What a live collection could not read, each with the reason.
    pub fn unread_org_data(&self) -> &[String] {
        self.source.collection.as_ref().map_or(&[], |collection| collection.incomplete.as_slice())
    }

    /// Every resource in deterministic order: apps by (kind, name), then the org.
    pub fn resources(&self) -> impl Iterator<Item = Resource<'_>> {
        self.apps.iter().map(Resource::App).chain(std::iter::once(Resource::Org(&self.org)))
    }
}

/// Why a JSON value is not an inventory this sfaudit can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryError {
    Shape(String),
    Version(u32),
}

impl InventoryError {
    pub fn message(&self) -> String {
        match self {
            Self::Shape(error) => format!("not an sfaudit inventory: {error}"),
            Self::Version(version) => format!(
                "inventory schema version {version} is not supported (this sfaudit reads version {INVENTORY_SCHEMA_VERSION})"
            ),
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            Self::Shape(_) => "pass a file written by `sfaudit collect` or `sfaudit scan --format json`",
            Self::Version(_) => "collect the snapshot again with this version of sfaudit",
        }
    }
}

impl Inventory {
    /// The inventory read from a snapshot or a saved result, if this sfaudit reads its schema
    /// version.
    pub(crate) fn checked(self) -> Result<Self, InventoryError> {
        if self.schema_version == INVENTORY_SCHEMA_VERSION {
            Ok(self)
        } else {
            Err(InventoryError::Version(self.schema_version))
        }
    }

    /// Recomputes date-derived numbers for a new evaluation date, so a snapshot collected
    /// months ago is judged as of today (or `--as-of`).
    pub fn refresh_dates(&mut self, as_of: &EvaluationDate) {
        for app in &mut self.apps {
            let saml = app.saml.as_mut().and_then(|saml| saml.certificate.as_mut());
            for certificate in app.certificate.as_mut().into_iter().chain(saml) {
                certificate.refresh_dates(as_of);
            }
            if let Some(usage) = app.usage.as_mut() {
                usage.refresh_dates(as_of);
            }
        }
    }
}
