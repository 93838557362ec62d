//! Typed reads of metadata elements, with Salesforce's documented values and defaults, and the
//! pieces of a record every kind of app shares.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::model::cert::parse_certificate;
use crate::model::{
    AppRecord, EvaluationDate, Integration, Origin, RefreshToken, RefreshTokenPolicy, ResourceKind, SourceControl,
    SourceKind, TimeUnit,
};
use crate::xml::{Element, MetadataDocument};

/// Typed reads of one document, each failure naming the file, line and element.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    pub document: &'a MetadataDocument,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(document: &'a MetadataDocument) -> Self {
        Self { document }
    }

    pub(super) fn error(&self, element: &Element, message: String, hint: &str) -> Diagnostic {
        Diagnostic::at(&self.document.path, Some(element.line), message, hint)
    }

    pub(crate) fn bool_or(&self, parent: &Element, name: &str, default: bool) -> Result<bool, Diagnostic> {
        Ok(self.bool_opt(parent, name)?.unwrap_or(default))
    }

    pub(crate) fn bool_opt(&self, parent: &Element, name: &str) -> Result<Option<bool>, Diagnostic> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        match element.text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(self.error(element, format!("<{name}> is '{other}', not a boolean"), "use true or false")),
        }
    }

    /// A count, period or timeout: a whole number of zero or more.
    pub(crate) fn int_opt(&self, parent: &Element, name: &str) -> Result<Option<i64>, Diagnostic> {
        let Some(element) = parent.child(name) else { return Ok(None) };
        let text = element.text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<i64>() {
            Ok(number) if number >= 0 => Ok(Some(number)),
            Ok(_) => Err(self.error(
                element,
                format!("<{name}> is '{text}'; it must be zero or more"),
                "use 0 or a positive number",
            )),
            Err(_) => Err(self.error(
                element,
                format!("<{name}> is '{text}', not a whole number within range"),
                "use an integer",
            )),
        }
    }

    /// An enum element compared case-insensitively against its documented values.
    pub(crate) fn enum_opt<T: Copy>(
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

    pub(crate) fn certificate(
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

    pub(crate) fn origin_of(&self, element: &Element) -> Origin {
        Origin { source: SourceKind::Project, path: Some(self.document.path.clone()), line: Some(element.line) }
    }

    /// The `externalClientApplication` element that links an ECA settings file to its app.
    pub(crate) fn linked_app(&self) -> Result<String, Diagnostic> {
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

pub(super) const TIME_UNITS: &[(&str, TimeUnit)] =
    &[("Hours", TimeUnit::Hours), ("Days", TimeUnit::Days), ("Months", TimeUnit::Months)];

pub(super) const SESSION_LEVELS: &[(&str, &str)] =
    &[("HIGH_ASSURANCE", "high_assurance"), ("STANDARD", "standard"), ("LOW", "low")];

pub(super) const POLICY_ACTIONS: &[(&str, &str)] = &[("Block", "block"), ("RaiseSessionLevel", "raise_session_level")];

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
pub(crate) fn canonical_scope(scope: &str) -> String {
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

pub(super) fn canonical_scopes<'s>(scopes: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut canonical: Vec<String> = scopes.filter(|scope| !scope.trim().is_empty()).map(canonical_scope).collect();
    canonical.sort();
    canonical.dedup();
    canonical
}

pub(super) fn split_list(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators).map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

pub(super) fn callback_urls(text: Option<&str>) -> Vec<String> {
    text.map(|text| split_list(text, &['\r', '\n', ',', ' ', '\t'])).unwrap_or_default()
}

/// An app record with nothing collected yet: every field at its empty value.
pub(crate) fn new_app(kind: ResourceKind, name: &str, origin: Origin) -> AppRecord {
    AppRecord {
        kind,
        name: name.to_string(),
        label: name.to_string(),
        namespace: String::new(),
        origin,
        files: BTreeMap::new(),
        enabled: true,
        oauth_enabled: true,
        integration: Integration::default(),
        oauth: None,
        certificate: None,
        saml: None,
        policy: None,
        source_control: None,
        usage: None,
        missing: BTreeMap::new(),
        defaults: BTreeSet::new(),
        raw: BTreeMap::new(),
    }
}

/// Notes a consumer secret with a value anywhere in the document, however deep or wrapped
/// (`<consumerSecret><value>…</value></consumerSecret>`): a secret the rule cannot see is one it
/// passes.
pub(super) fn note_secret(record: &mut AppRecord, reader: &Reader<'_>) {
    if reader.document.root.contains_filled("consumerSecret") {
        record.source_control.get_or_insert_with(empty_source_control).consumer_secret_file =
            Some(reader.document.path.to_string());
    }
}

pub(super) fn empty_source_control() -> SourceControl {
    SourceControl { global_oauth_settings_file: None, consumer_secret_file: None }
}

/// The refresh-token policy with its period in days. A negative period, or one whose day count
/// does not fit, is an error at `element` (a wrapped count would make a lifetime look short).
pub(super) fn refresh_token(
    reader: &Reader<'_>,
    element: &Element,
    policy: RefreshTokenPolicy,
    period: Option<i64>,
    unit: Option<TimeUnit>,
) -> Result<RefreshToken, Diagnostic> {
    let max_days = match (policy, period, unit) {
        (RefreshTokenPolicy::Zero, _, _) => Some(0),
        (RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity, Some(period), Some(unit)) => {
            let days = (period >= 0).then(|| unit.to_days(period)).flatten().ok_or_else(|| {
                reader.error(
                    element,
                    format!("the refresh token period {period} is out of range"),
                    "use a period of zero or more, as Setup offers",
                )
            })?;
            Some(days)
        }
        _ => None,
    };
    Ok(RefreshToken { policy, period, unit, max_days })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_canonical_sorted_and_unique() {
        assert_eq!(
            canonical_scopes(["Api", " Full", "RefreshToken", "OfflineAccess", "NewThing"].into_iter()),
            vec!["api", "full", "new_thing", "refresh_token"]
        );
    }
}
