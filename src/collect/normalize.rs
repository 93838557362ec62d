//! Metadata documents → normalized records, applying Salesforce's documented defaults for
//! absent elements (see `shared/reference/salesforce-api.md` §2).

use std::collections::BTreeMap;

use super::CollectError;
use super::xml::{Element, MetadataDocument};
use crate::model::cert::parse_certificate;
use crate::model::{
    AppRecord, ConnectedAppSettings, EvaluationDate, Flows, IpRelaxation, JwtTimeout, JwtTimeoutType, OAuth,
    OauthOidcSettings, Origin, PermittedUsers, Policy, RefreshToken, RefreshTokenPolicy, ResourceKind, SourceControl,
    SourceKind, TimeUnit,
};

/// The metadata types sfaudit reads, with their file suffixes and root elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetadataType {
    ConnectedApp,
    ExternalClientApplication,
    ExtlClntAppOauthSettings,
    ExtlClntAppGlobalOauthSettings,
    ExtlClntAppOauthConfigurablePolicies,
    ExtlClntAppConfigurablePolicies,
    OauthOidcSettings,
    ConnectedAppSettings,
}

impl MetadataType {
    pub const ALL: [MetadataType; 8] = [
        Self::ConnectedApp,
        Self::ExternalClientApplication,
        Self::ExtlClntAppOauthSettings,
        Self::ExtlClntAppGlobalOauthSettings,
        Self::ExtlClntAppOauthConfigurablePolicies,
        Self::ExtlClntAppConfigurablePolicies,
        Self::OauthOidcSettings,
        Self::ConnectedAppSettings,
    ];

    /// Root element name, which is also the Metadata API type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::ConnectedApp => "ConnectedApp",
            Self::ExternalClientApplication => "ExternalClientApplication",
            Self::ExtlClntAppOauthSettings => "ExtlClntAppOauthSettings",
            Self::ExtlClntAppGlobalOauthSettings => "ExtlClntAppGlobalOauthSettings",
            Self::ExtlClntAppOauthConfigurablePolicies => "ExtlClntAppOauthConfigurablePolicies",
            Self::ExtlClntAppConfigurablePolicies => "ExtlClntAppConfigurablePolicies",
            Self::OauthOidcSettings => "OauthOidcSettings",
            Self::ConnectedAppSettings => "ConnectedAppSettings",
        }
    }

    /// Metadata API format suffix; source format appends `-meta.xml`. Settings match a whole name.
    fn suffix(self) -> &'static str {
        match self {
            Self::ConnectedApp => ".connectedApp",
            Self::ExternalClientApplication => ".eca",
            Self::ExtlClntAppOauthSettings => ".ecaOauth",
            Self::ExtlClntAppGlobalOauthSettings => ".ecaGlblOauth",
            Self::ExtlClntAppOauthConfigurablePolicies => ".ecaOauthPlcy",
            Self::ExtlClntAppConfigurablePolicies => ".ecaPlcy",
            Self::OauthOidcSettings => "OauthOidc.settings",
            Self::ConnectedAppSettings => "ConnectedApp.settings",
        }
    }

    fn is_settings(self) -> bool {
        matches!(self, Self::OauthOidcSettings | Self::ConnectedAppSettings)
    }

    /// Classifies a file name; returns the type and the component name (file stem).
    pub fn classify(file_name: &str) -> Option<(Self, String)> {
        let bare = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
        Self::ALL.into_iter().find_map(|kind| {
            if kind.is_settings() {
                (bare == kind.suffix()).then(|| (kind, kind.suffix().trim_end_matches(".settings").to_string()))
            } else {
                let stem = bare.strip_suffix(kind.suffix())?;
                (!stem.is_empty()).then(|| (kind, stem.to_string()))
            }
        })
    }
}

/// Typed reads of one document, each failure naming the file, line and element.
#[derive(Debug)]
pub struct Reader<'a> {
    pub document: &'a MetadataDocument,
}

impl<'a> Reader<'a> {
    pub fn new(document: &'a MetadataDocument) -> Self {
        Self { document }
    }

    fn error(&self, element: &Element, message: String, hint: &str) -> CollectError {
        CollectError::at(&self.document.path, Some(element.line), message, hint)
    }

    pub fn bool_or(&self, parent: &Element, name: &str, default: bool) -> Result<bool, CollectError> {
        Ok(self.bool_opt(parent, name)?.unwrap_or(default))
    }

    pub fn bool_opt(&self, parent: &Element, name: &str) -> Result<Option<bool>, CollectError> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        match element.text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(self.error(element, format!("<{name}> is '{other}', not a boolean"), "use true or false")),
        }
    }

    pub fn int_opt(&self, parent: &Element, name: &str) -> Result<Option<i64>, CollectError> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        let text = element.text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| self.error(element, format!("<{name}> is '{text}', not a whole number"), "use an integer"))
    }

    /// An enum element compared case-insensitively against its documented values.
    pub fn enum_opt<T: Copy>(
        &self,
        parent: &Element,
        name: &str,
        values: &[(&str, T)],
    ) -> Result<Option<T>, CollectError> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        let text = element.text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        values.iter().find(|(known, _)| known.eq_ignore_ascii_case(text)).map(|(_, value)| Some(*value)).ok_or_else(
            || {
                let allowed: Vec<&str> = values.iter().map(|(known, _)| *known).collect();
                self.error(
                    element,
                    format!("<{name}> has the unknown value '{text}'; known values: {}", allowed.join(", ")),
                    "fix the value; if Salesforce documents it, report it to sfaudit so the scanner learns it",
                )
            },
        )
    }

    pub fn certificate(
        &self,
        parent: &Element,
        name: &str,
        as_of: &EvaluationDate,
    ) -> Result<Option<crate::model::Certificate>, CollectError> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        if element.text.trim().is_empty() {
            return Ok(None);
        }
        parse_certificate(&element.text, as_of).map(Some).map_err(|error| {
            self.error(
                element,
                format!("<{name}> cannot be read: {error}"),
                "paste the whole certificate (PEM or its base64 body); re-export it with `openssl x509 -in cert.crt -outform PEM`",
            )
        })
    }

    pub fn origin_of(&self, element: &Element) -> Origin {
        Origin { source: SourceKind::Project, path: Some(self.document.path.clone()), line: Some(element.line) }
    }

    /// The `externalClientApplication` element that links an ECA settings file to its app.
    pub fn linked_app(&self) -> Result<String, CollectError> {
        self.document.root.text_of("externalClientApplication").map(str::to_string).ok_or_else(|| {
            self.error(
                &self.document.root,
                "<externalClientApplication> is missing; it names the External Client App this file belongs to"
                    .to_string(),
                "add <externalClientApplication>AppApiName</externalClientApplication>",
            )
        })
    }
}

const CONNECTED_APP_IP_RELAXATION: &[(&str, IpRelaxation)] = &[
    ("ENFORCE", IpRelaxation::Enforce),
    ("ENFORCE_RELAXREFRESH", IpRelaxation::EnforceRelaxRefresh),
    ("BYPASS_2FACTOR", IpRelaxation::Bypass2fa),
    ("BYPASS", IpRelaxation::Bypass),
];

const ECA_IP_RELAXATION: &[(&str, IpRelaxation)] = &[
    ("Enforce", IpRelaxation::Enforce),
    ("Enforce_RelaxRefresh", IpRelaxation::EnforceRelaxRefresh),
    ("Bypass_2factor", IpRelaxation::Bypass2fa),
    ("Bypass", IpRelaxation::Bypass),
];

const PERMITTED_USERS: &[(&str, PermittedUsers)] = &[
    ("AdminApprovedPreAuthorized", PermittedUsers::AdminApproved),
    ("AllSelfAuthorized", PermittedUsers::AllSelfAuthorized),
];

const REFRESH_TOKEN_POLICY: &[(&str, RefreshTokenPolicy)] = &[
    ("Zero", RefreshTokenPolicy::Zero),
    ("Infinite", RefreshTokenPolicy::Infinite),
    ("SpecificLifetime", RefreshTokenPolicy::SpecificLifetime),
    ("SpecificInactivity", RefreshTokenPolicy::SpecificInactivity),
];

const TIME_UNITS: &[(&str, TimeUnit)] =
    &[("Hours", TimeUnit::Hours), ("Days", TimeUnit::Days), ("Months", TimeUnit::Months)];

const JWT_TIMEOUT_TYPES: &[(&str, JwtTimeoutType)] =
    &[("UserSession", JwtTimeoutType::UserSession), ("Custom", JwtTimeoutType::Custom)];

const SESSION_LEVELS: &[(&str, &str)] =
    &[("HIGH_ASSURANCE", "high_assurance"), ("STANDARD", "standard"), ("LOW", "low")];

const POLICY_ACTIONS: &[(&str, &str)] = &[("Block", "block"), ("RaiseSessionLevel", "raise_session_level")];

/// Scope names as Salesforce writes them → the canonical snake_case names rules compare with.
const SCOPES: &[(&str, &str)] = &[
    ("Basic", "basic"),
    ("Api", "api"),
    ("Web", "web"),
    ("Full", "full"),
    ("Chatter", "chatter"),
    ("CustomApplications", "custom_applications"),
    ("RefreshToken", "refresh_token"),
    ("OpenID", "openid"),
    ("Profile", "profile"),
    ("Email", "email"),
    ("Address", "address"),
    ("Phone", "phone"),
    ("OfflineAccess", "refresh_token"),
    ("CustomPermissions", "custom_permissions"),
    ("Wave", "wave"),
    ("Eclair", "eclair"),
    ("Pardot", "pardot"),
    ("Lightning", "lightning"),
    ("Content", "content"),
    ("CDPIngest", "cdp_ingest"),
    ("CDPProfile", "cdp_profile"),
    ("CDPQuery", "cdp_query"),
    ("CDPSegment", "cdp_segment"),
    ("CDPIdentityResolution", "cdp_identity_resolution"),
    ("CDPCalculatedInsight", "cdp_calculated_insight"),
    ("Chatbot", "chatbot"),
    ("SFApiPlatform", "sfap_api"),
    ("Interaction", "interaction"),
    ("EinsteinGPT", "einstein_gpt"),
    ("PwdlessLogin", "pwdless_login"),
    ("ForgotPassword", "forgot_password"),
    ("UserRegistration", "user_registration"),
    ("MCP", "mcp"),
    ("SCRT", "scrt"),
];

/// Canonical scope name; scopes Salesforce adds later fall back to a snake_case rendering
/// rather than an error, since new scopes appear every release.
pub fn canonical_scope(scope: &str) -> String {
    let scope = scope.trim();
    if let Some((_, canonical)) = SCOPES.iter().find(|(known, _)| known.eq_ignore_ascii_case(scope)) {
        return (*canonical).to_string();
    }
    let mut out = String::new();
    let mut previous_lower = false;
    for character in scope.chars() {
        if character.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        out.push(character.to_ascii_lowercase());
    }
    out
}

fn canonical_scopes<'s>(scopes: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut canonical: Vec<String> = scopes.filter(|scope| !scope.trim().is_empty()).map(canonical_scope).collect();
    canonical.sort();
    canonical.dedup();
    canonical
}

fn split_list(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators).map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

fn callback_urls(text: Option<&str>) -> Vec<String> {
    text.map(|text| split_list(text, &['\r', '\n', ',', ' ', '\t'])).unwrap_or_default()
}

/// An app record with nothing collected yet: every field at its empty value.
pub fn new_app(kind: ResourceKind, name: &str, origin: Origin) -> AppRecord {
    AppRecord {
        kind,
        name: name.to_string(),
        label: name.to_string(),
        namespace: String::new(),
        origin,
        files: BTreeMap::new(),
        enabled: true,
        oauth: None,
        certificate: None,
        policy: None,
        source_control: None,
        usage: None,
        missing: BTreeMap::new(),
        raw: BTreeMap::new(),
    }
}

fn note_secret(record: &mut AppRecord, reader: &Reader<'_>, parent: &Element) {
    if parent.text_of("consumerSecret").is_some() {
        record.source_control.get_or_insert_with(empty_source_control).consumer_secret_file =
            Some(reader.document.path.to_string());
    }
}

fn empty_source_control() -> SourceControl {
    SourceControl { global_oauth_settings_file: None, consumer_secret_file: None }
}

/// A Connected App file becomes one record: OAuth settings, certificate and policy all live in it.
pub fn connected_app(
    document: &MetadataDocument,
    name: &str,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<AppRecord, CollectError> {
    let reader = Reader::new(document);
    let root = &document.root;
    let mut origin = reader.origin_of(root);
    origin.source = source;
    let mut record = new_app(ResourceKind::ConnectedApp, name, origin.clone());
    record.label = root.text_of("label").unwrap_or(name).to_string();
    record.files.insert(MetadataType::ConnectedApp.type_name().to_string(), origin);
    record.raw.insert(MetadataType::ConnectedApp.type_name().to_string(), root.to_json());
    if source == SourceKind::Project {
        record.source_control = Some(empty_source_control());
    }

    let Some(config) = root.child("oauthConfig") else {
        return Ok(record);
    };
    note_secret(&mut record, &reader, config);
    record.certificate = reader.certificate(config, "certificate", as_of)?;
    let client_credentials = reader.bool_or(config, "isClientCredentialEnabled", false)?;
    let token_exchange = reader.bool_or(config, "isTokenExchangeEnabled", false)?;
    record.oauth = Some(OAuth {
        consumer_key: config.text_of("consumerKey").map(str::to_string),
        scopes: Some(canonical_scopes(config.children_named("scopes").map(|scope| scope.text.as_str()))),
        callback_urls: Some(callback_urls(config.text_of("callbackUrl"))),
        flows: Some(Flows {
            jwt_bearer: record.certificate.is_some(),
            client_credentials,
            token_exchange,
            device: false,
            code_credential: reader.bool_or(config, "isCodeCredentialEnabled", false)?,
        }),
        pkce_required: Some(reader.bool_or(config, "isPkceRequired", false)?),
        consumer_secret_optional: Some(reader.bool_or(config, "isConsumerSecretOptional", false)?),
        secret_required_for_refresh_token: Some(reader.bool_or(config, "isSecretRequiredForRefreshToken", true)?),
        secret_required_for_token_exchange: Some(reader.bool_or(config, "isSecretRequiredForTokenExchange", false)?),
        refresh_token_rotation: Some(reader.bool_or(config, "isRefreshTokenRotationEnabled", false)?),
        introspect_all_tokens: Some(reader.bool_or(config, "isIntrospectAllTokens", false)?),
        jwt_access_tokens: Some(reader.bool_or(config, "isNamedUserJwtEnabled", false)?),
        client_credentials_user: config.text_of("oauthClientCredentialUser").map(str::to_string),
    });

    let oauth_policy = root.child("oauthPolicy");
    let session_policy = root.child("sessionPolicy");
    let ip_relaxation = match oauth_policy {
        Some(policy) => reader.enum_opt(policy, "ipRelaxation", CONNECTED_APP_IP_RELAXATION)?,
        None => None,
    };
    let refresh_token = match oauth_policy.and_then(|policy| policy.child("refreshTokenPolicy")) {
        Some(element) => connected_app_refresh_token(&reader, element)?,
        None => RefreshToken { policy: RefreshTokenPolicy::Infinite, period: None, unit: None, max_days: None },
    };
    let admin_approved = reader.bool_or(config, "isAdminApproved", false)?;
    let token_exchange_flow = match oauth_policy {
        Some(policy) => reader.bool_or(policy, "isTokenExchangeFlowEnabled", token_exchange)?,
        None => token_exchange,
    };
    record.policy = Some(Policy {
        permitted_users: if admin_approved { PermittedUsers::AdminApproved } else { PermittedUsers::AllSelfAuthorized },
        profiles: root.children_named("profileName").map(|element| element.text.trim().to_string()).collect(),
        permission_sets: root
            .children_named("permissionSetName")
            .map(|element| element.text.trim().to_string())
            .collect(),
        ip_relaxation: ip_relaxation.unwrap_or(IpRelaxation::Enforce),
        refresh_token,
        session_level: match session_policy {
            Some(policy) => reader.enum_opt(policy, "sessionLevel", SESSION_LEVELS)?.map(str::to_string),
            None => None,
        },
        session_timeout_minutes: match session_policy {
            Some(policy) => reader.int_opt(policy, "sessionTimeout")?,
            None => None,
        },
        policy_action: match session_policy {
            Some(policy) => reader.enum_opt(policy, "policyAction", POLICY_ACTIONS)?.map(str::to_string),
            None => None,
        },
        named_user_jwt_timeout: None,
        guest_jwt_timeout: None,
        client_credentials_enabled: client_credentials,
        token_exchange_enabled: token_exchange_flow,
    });
    let jwt_timeouts_reason = "Connected App JWT token timeouts are not in Metadata API files (the org's \
                               ConnectedApplication.NamedUserUvidTimeout field holds them); scan the org to check them";
    for path in ["policy.named_user_jwt_timeout", "policy.guest_jwt_timeout"] {
        record.missing.insert(path.to_string(), jwt_timeouts_reason.to_string());
    }
    Ok(record)
}

/// `zero`, `infinite`, `specific_lifetime:3:MONTHS` or `specific_inactivity:12:HOURS`.
fn connected_app_refresh_token(reader: &Reader<'_>, element: &Element) -> Result<RefreshToken, CollectError> {
    let text = element.text.trim();
    let invalid = || {
        reader.error(
            element,
            format!(
                "<refreshTokenPolicy> is '{text}'; expected zero, infinite, specific_lifetime:N:UNIT or \
                 specific_inactivity:N:UNIT with UNIT HOURS, DAYS or MONTHS"
            ),
            "fix the value as Setup writes it, for example specific_lifetime:3:MONTHS",
        )
    };
    let mut parts = text.split(':');
    let policy = match parts.next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "zero" => RefreshTokenPolicy::Zero,
        "infinite" | "" => RefreshTokenPolicy::Infinite,
        "specific_lifetime" => RefreshTokenPolicy::SpecificLifetime,
        "specific_inactivity" => RefreshTokenPolicy::SpecificInactivity,
        _ => return Err(invalid()),
    };
    let (period, unit) = match (parts.next(), parts.next(), parts.next()) {
        (None, None, None) => (None, None),
        (Some(period), Some(unit), None) => {
            let period: i64 = period.trim().parse().map_err(|_| invalid())?;
            let unit = TIME_UNITS
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(unit.trim()))
                .map(|(_, unit)| *unit)
                .ok_or_else(invalid)?;
            (Some(period), Some(unit))
        }
        _ => return Err(invalid()),
    };
    let specific = matches!(policy, RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity);
    if specific != period.is_some() {
        return Err(invalid());
    }
    Ok(refresh_token(policy, period, unit))
}

fn refresh_token(policy: RefreshTokenPolicy, period: Option<i64>, unit: Option<TimeUnit>) -> RefreshToken {
    let max_days = match (policy, period, unit) {
        (RefreshTokenPolicy::Zero, _, _) => Some(0),
        (RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity, Some(period), Some(unit)) => {
            Some(unit.to_days(period))
        }
        _ => None,
    };
    RefreshToken { policy, period, unit, max_days }
}

/// The files of one External Client App, joined through their `externalClientApplication` element.
#[derive(Debug, Default)]
pub struct EcaParts<'a> {
    pub header: Option<&'a MetadataDocument>,
    pub oauth_settings: Option<&'a MetadataDocument>,
    pub global_oauth: Option<&'a MetadataDocument>,
    pub oauth_policy: Option<&'a MetadataDocument>,
    pub policy: Option<&'a MetadataDocument>,
}

const NO_GLOBAL_OAUTH: &str = "no ExtlClntAppGlobalOauthSettings (.ecaGlblOauth) file for this app; it is normally \
                               kept out of source control, so scan the org to check flows, PKCE and the certificate";

pub fn external_client_app(
    name: &str,
    parts: &EcaParts<'_>,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<AppRecord, CollectError> {
    let primary = [parts.header, parts.oauth_settings, parts.global_oauth, parts.oauth_policy, parts.policy]
        .into_iter()
        .flatten()
        .next();
    let origin = primary
        .map(|document| Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) })
        .unwrap_or(Origin { source, path: None, line: None });
    let mut record = new_app(ResourceKind::ExternalClientApp, name, origin);
    if source == SourceKind::Project {
        record.source_control = Some(empty_source_control());
    }
    for document in
        [parts.header, parts.oauth_settings, parts.global_oauth, parts.oauth_policy, parts.policy].into_iter().flatten()
    {
        record.files.insert(
            document.root.name.clone(),
            Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) },
        );
        record.raw.insert(document.root.name.clone(), document.root.to_json());
    }
    if let Some(header) = parts.header {
        record.label = header.root.text_of("label").unwrap_or(name).to_string();
    }

    if let Some(document) = parts.policy {
        let reader = Reader::new(document);
        record.enabled = reader.bool_or(&document.root, "isEnabled", true)?
            && reader.bool_or(&document.root, "isOauthPluginEnabled", true)?;
    }

    let has_oauth = parts.oauth_settings.is_some() || parts.global_oauth.is_some() || parts.oauth_policy.is_some();
    if has_oauth {
        let mut oauth = OAuth::default();
        match parts.oauth_settings {
            Some(document) => {
                let scopes = document.root.text_of("commaSeparatedOauthScopes").unwrap_or_default();
                oauth.scopes = Some(canonical_scopes(scopes.split(',')));
            }
            None => {
                record.missing.insert(
                    "oauth.scopes".to_string(),
                    "no ExtlClntAppOauthSettings (.ecaOauth) file for this app".to_string(),
                );
            }
        }
        match parts.global_oauth {
            Some(document) => {
                fill_global_oauth(&mut record, &mut oauth, document, source, as_of)?;
            }
            None => {
                for path in [
                    "oauth.consumer_key",
                    "oauth.callback_urls",
                    "oauth.flows",
                    "oauth.pkce_required",
                    "oauth.consumer_secret_optional",
                    "oauth.secret_required_for_refresh_token",
                    "oauth.secret_required_for_token_exchange",
                    "oauth.refresh_token_rotation",
                    "oauth.introspect_all_tokens",
                    "oauth.jwt_access_tokens",
                    "certificate",
                ] {
                    record.missing.insert(path.to_string(), NO_GLOBAL_OAUTH.to_string());
                }
            }
        }
        record.oauth = Some(oauth);
    }

    match parts.oauth_policy {
        Some(document) => {
            let policy = eca_policy(document)?;
            if let Some(oauth) = record.oauth.as_mut() {
                oauth.client_credentials_user = document.root.text_of("clientCredentialsFlowUser").map(str::to_string);
            }
            record.policy = Some(policy);
        }
        None if has_oauth => {
            record.missing.insert(
                "policy".to_string(),
                format!(
                    "no ExtlClntAppOauthConfigurablePolicies (.ecaOauthPlcy) file references external client app \
                     '{name}'; add it to the project or scan the org"
                ),
            );
        }
        None => {}
    }
    Ok(record)
}

fn fill_global_oauth(
    record: &mut AppRecord,
    oauth: &mut OAuth,
    document: &MetadataDocument,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<(), CollectError> {
    let reader = Reader::new(document);
    let root = &document.root;
    if source == SourceKind::Project {
        record.source_control.get_or_insert_with(empty_source_control).global_oauth_settings_file =
            Some(document.path.to_string());
    }
    note_secret(record, &reader, root);
    record.certificate = reader.certificate(root, "certificate", as_of)?;
    oauth.consumer_key = root.text_of("consumerKey").map(str::to_string);
    oauth.callback_urls = Some(callback_urls(root.text_of("callbackUrl")));
    oauth.flows = Some(Flows {
        jwt_bearer: record.certificate.is_some(),
        client_credentials: reader.bool_or(root, "isClientCredentialsFlowEnabled", false)?,
        token_exchange: reader.bool_or(root, "isTokenExchangeEnabled", false)?,
        device: reader.bool_or(root, "isDeviceFlowEnabled", false)?,
        code_credential: reader.bool_or(root, "isCodeCredFlowEnabled", false)?,
    });
    oauth.pkce_required = Some(reader.bool_or(root, "isPkceRequired", true)?);
    oauth.consumer_secret_optional = Some(reader.bool_or(root, "isConsumerSecretOptional", false)?);
    oauth.secret_required_for_refresh_token = Some(reader.bool_or(root, "isSecretRequiredForRefreshToken", true)?);
    oauth.secret_required_for_token_exchange = Some(reader.bool_or(root, "isSecretRequiredForTokenExchange", false)?);
    oauth.refresh_token_rotation = Some(reader.bool_or(root, "isRefreshTokenRotationEnabled", false)?);
    oauth.introspect_all_tokens = Some(reader.bool_or(root, "isIntrospectAllTokens", false)?);
    oauth.jwt_access_tokens = Some(reader.bool_or(root, "isNamedUserJwtEnabled", false)?);
    Ok(())
}

fn eca_policy(document: &MetadataDocument) -> Result<Policy, CollectError> {
    let reader = Reader::new(document);
    let root = &document.root;
    let refresh_policy = reader
        .enum_opt(root, "refreshTokenPolicyType", REFRESH_TOKEN_POLICY)?
        .unwrap_or(RefreshTokenPolicy::SpecificLifetime);
    let specific =
        matches!(refresh_policy, RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity);
    let (period, unit) = if specific {
        (
            Some(reader.int_opt(root, "refreshTokenValidityPeriod")?.unwrap_or(365)),
            Some(reader.enum_opt(root, "refreshTokenValidityUnit", TIME_UNITS)?.unwrap_or(TimeUnit::Days)),
        )
    } else {
        (None, None)
    };
    let jwt_timeout = |type_name: &str, minutes_name: &str| -> Result<JwtTimeout, CollectError> {
        let minutes = reader.int_opt(root, minutes_name)?;
        let declared = reader.enum_opt(root, type_name, JWT_TIMEOUT_TYPES)?;
        // Before API 65.0 there was no type element: a minutes value alone meant a custom timeout.
        let timeout_type =
            declared.unwrap_or(if minutes.is_some() { JwtTimeoutType::Custom } else { JwtTimeoutType::UserSession });
        Ok(JwtTimeout { timeout_type, minutes: if timeout_type == JwtTimeoutType::Custom { minutes } else { None } })
    };
    Ok(Policy {
        permitted_users: reader
            .enum_opt(root, "permittedUsersPolicyType", PERMITTED_USERS)?
            .unwrap_or(PermittedUsers::AllSelfAuthorized),
        profiles: split_list(root.text_of("commaSeparatedProfile").unwrap_or_default(), &[',']),
        permission_sets: split_list(root.text_of("commaSeparatedPermissionSet").unwrap_or_default(), &[',']),
        ip_relaxation: reader
            .enum_opt(root, "ipRelaxationPolicyType", ECA_IP_RELAXATION)?
            .unwrap_or(IpRelaxation::Enforce),
        refresh_token: refresh_token(refresh_policy, period, unit),
        session_level: reader.enum_opt(root, "requiredSessionLevel", SESSION_LEVELS)?.map(str::to_string),
        session_timeout_minutes: reader.int_opt(root, "sessionTimeoutInMinutes")?,
        policy_action: reader.enum_opt(root, "policyAction", POLICY_ACTIONS)?.map(str::to_string),
        named_user_jwt_timeout: Some(jwt_timeout("namedUserJwtSessionTimeoutType", "namedUserJwtTimeout")?),
        guest_jwt_timeout: Some(jwt_timeout("guestJwtSessionTimeoutType", "guestJwtTimeout")?),
        client_credentials_enabled: reader.bool_or(root, "isClientCredentialsFlowEnabled", false)?,
        token_exchange_enabled: reader.bool_or(root, "isTokenExchangeFlowEnabled", false)?,
    })
}

pub fn oauth_oidc_settings(document: &MetadataDocument) -> Result<OauthOidcSettings, CollectError> {
    let reader = Reader::new(document);
    let root = &document.root;
    Ok(OauthOidcSettings {
        block_username_password_flow: reader.bool_or(root, "blockOAuthUnPwFlow", false)?,
        block_user_agent_flow: reader.bool_or(root, "blockOAuthUsrAgtFlow", false)?,
        pkce_required: reader.bool_or(root, "isPkceRequired", false)?,
        code_credential_flow_enabled: reader.bool_or(root, "oAuthCdCrdtFlowEnable", false)?,
    })
}

pub fn connected_app_settings(document: &MetadataDocument) -> Result<ConnectedAppSettings, CollectError> {
    let reader = Reader::new(document);
    let root = &document.root;
    Ok(ConnectedAppSettings {
        admin_approved_apps_only: reader.bool_or(root, "enableAdminApprovedAppsOnly", false)?,
        admin_approved_apps_only_for_external_users: reader.bool_or(
            root,
            "enableAdminApprovedAppsOnlyForExternalUser",
            false,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_source_and_metadata_api_names() {
        assert_eq!(
            MetadataType::classify("X.connectedApp-meta.xml"),
            Some((MetadataType::ConnectedApp, "X".to_string()))
        );
        assert_eq!(MetadataType::classify("X.connectedApp"), Some((MetadataType::ConnectedApp, "X".to_string())));
        assert_eq!(
            MetadataType::classify("A_glbloauth.ecaGlblOauth-meta.xml"),
            Some((MetadataType::ExtlClntAppGlobalOauthSettings, "A_glbloauth".to_string()))
        );
        assert_eq!(MetadataType::classify("A.eca"), Some((MetadataType::ExternalClientApplication, "A".to_string())));
        assert_eq!(
            MetadataType::classify("OauthOidc.settings-meta.xml"),
            Some((MetadataType::OauthOidcSettings, "OauthOidc".to_string()))
        );
        assert_eq!(MetadataType::classify("Security.settings-meta.xml"), None);
        assert_eq!(MetadataType::classify(".eca"), None);
        assert_eq!(MetadataType::classify("README.md"), None);
    }

    #[test]
    fn scopes_are_canonical_sorted_and_unique() {
        assert_eq!(
            canonical_scopes(["Api", " Full", "RefreshToken", "OfflineAccess", "NewThing"].into_iter()),
            vec!["api", "full", "new_thing", "refresh_token"]
        );
    }
}
