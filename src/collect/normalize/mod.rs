//! Metadata documents → normalized records, applying Salesforce's documented defaults for
//! absent elements (see `shared/reference/salesforce-api.md` §2). One file per kind of record:
//! [`connected_app`], [`eca`] (External Client Apps, joined from their files through
//! [`EcaParts`]) and [`settings`] (org-wide OAuth settings); the typed reads they share are here.

mod connected_app;
mod eca;
mod settings;

use std::collections::BTreeMap;

pub use connected_app::connected_app;
pub use eca::external_client_app;
pub use settings::{connected_app_settings, oauth_oidc_settings};

use crate::diag::Diagnostic;
use crate::model::cert::parse_certificate;
use crate::model::{
    AppRecord, EvaluationDate, Origin, RefreshToken, RefreshTokenPolicy, ResourceKind, SourceControl, SourceKind,
    TimeUnit,
};
use crate::xml::{Element, MetadataDocument};

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

    fn error(&self, element: &Element, message: String, hint: &str) -> Diagnostic {
        Diagnostic::at(&self.document.path, Some(element.line), message, hint)
    }

    pub fn bool_or(&self, parent: &Element, name: &str, default: bool) -> Result<bool, Diagnostic> {
        Ok(self.bool_opt(parent, name)?.unwrap_or(default))
    }

    pub fn bool_opt(&self, parent: &Element, name: &str) -> Result<Option<bool>, Diagnostic> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        match element.text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(self.error(element, format!("<{name}> is '{other}', not a boolean"), "use true or false")),
        }
    }

    pub fn int_opt(&self, parent: &Element, name: &str) -> Result<Option<i64>, Diagnostic> {
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
    ) -> Result<Option<T>, Diagnostic> {
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
    ) -> Result<Option<crate::model::Certificate>, Diagnostic> {
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
    pub fn linked_app(&self) -> Result<String, Diagnostic> {
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

const TIME_UNITS: &[(&str, TimeUnit)] =
    &[("Hours", TimeUnit::Hours), ("Days", TimeUnit::Days), ("Months", TimeUnit::Months)];

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

pub(crate) fn canonical_scopes<'s>(scopes: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut canonical: Vec<String> = scopes.filter(|scope| !scope.trim().is_empty()).map(canonical_scope).collect();
    canonical.sort();
    canonical.dedup();
    canonical
}

pub(crate) fn split_list(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators).map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

pub(crate) fn callback_urls(text: Option<&str>) -> Vec<String> {
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

pub(crate) fn note_secret(record: &mut AppRecord, reader: &Reader<'_>, parent: &Element) {
    if parent.text_of("consumerSecret").is_some() {
        record.source_control.get_or_insert_with(empty_source_control).consumer_secret_file =
            Some(reader.document.path.to_string());
    }
}

pub(crate) fn empty_source_control() -> SourceControl {
    SourceControl { global_oauth_settings_file: None, consumer_secret_file: None }
}

pub(crate) fn refresh_token(policy: RefreshTokenPolicy, period: Option<i64>, unit: Option<TimeUnit>) -> RefreshToken {
    let max_days = match (policy, period, unit) {
        (RefreshTokenPolicy::Zero, _, _) => Some(0),
        (RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity, Some(period), Some(unit)) => {
            Some(unit.to_days(period))
        }
        _ => None,
    };
    RefreshToken { policy, period, unit, max_days }
}

/// A second file for one component: refused, naming both.
pub(crate) fn duplicate(document: &MetadataDocument, what: &str, name: &str, first: &str) -> Diagnostic {
    Diagnostic::at(
        &document.path,
        Some(document.root.line),
        format!("a second {what} for '{name}'; the first is {first}"),
        "keep one file per component: Salesforce would deploy only one of them",
    )
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

impl<'a> EcaParts<'a> {
    /// The slot a document of `kind` fills; `None` for types that are not part of an ECA.
    pub fn slot_mut(&mut self, kind: MetadataType) -> Option<&mut Option<&'a MetadataDocument>> {
        match kind {
            MetadataType::ExternalClientApplication => Some(&mut self.header),
            MetadataType::ExtlClntAppOauthSettings => Some(&mut self.oauth_settings),
            MetadataType::ExtlClntAppGlobalOauthSettings => Some(&mut self.global_oauth),
            MetadataType::ExtlClntAppOauthConfigurablePolicies => Some(&mut self.oauth_policy),
            MetadataType::ExtlClntAppConfigurablePolicies => Some(&mut self.policy),
            MetadataType::ConnectedApp | MetadataType::OauthOidcSettings | MetadataType::ConnectedAppSettings => None,
        }
    }

    /// Files `document` as this app's `kind`. A second document for a filled slot is refused, and
    /// the first stays: which one Salesforce would use is not documented, so neither is trusted
    /// silently. The error names both.
    pub fn place(&mut self, kind: MetadataType, document: &'a MetadataDocument, app: &str) -> Result<(), Diagnostic> {
        let Some(slot) = self.slot_mut(kind) else { return Ok(()) };
        if let Some(first) = slot {
            return Err(duplicate(document, &document.root.name, app, &first.path));
        }
        *slot = Some(document);
        Ok(())
    }

    /// The documents present, in slot order.
    pub fn documents(&self) -> impl Iterator<Item = &'a MetadataDocument> {
        [self.header, self.oauth_settings, self.global_oauth, self.oauth_policy, self.policy].into_iter().flatten()
    }
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
