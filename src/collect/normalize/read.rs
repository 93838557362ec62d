//! Typed reads of metadata elements, with Salesforce's documented values and defaults, and the
//! pieces of a record every kind of app shares.

use std::cell::RefCell;

use super::placeholder::is_placeholder;
use crate::diag::Diagnostic;
use crate::model::cert::parse_certificate;
use crate::model::{
    AppRecord, Certificate, EvaluationDate, Integration, Origin, RawDocument, RecordText, RefreshToken,
    RefreshTokenPolicy, ResourceKind, SmallMap, SmallSet, SourceControl, SourceKind, TimeUnit,
};
use crate::xml::{Element, MetadataDocument, holds_private_key};

/// Typed reads of one document, each failure naming the file, line and element. Every value
/// taken from a documented default, because the element is absent (or commented out, which
/// the parser drops), is noted under its record path for the record's `defaults`.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    pub document: &'a MetadataDocument,
    defaults: RefCell<SmallSet<RecordText>>,
}

/// A record and the problems local to it that did not stop it from being built (an unreadable
/// certificate): those parts are in the record's `missing`, and the problems go to the report's
/// input problems.
#[derive(Debug)]
pub(crate) struct Normalized {
    pub record: AppRecord,
    pub problems: Vec<Diagnostic>,
}

/// What a `<certificate>` element holds.
#[derive(Debug)]
pub(crate) enum CertificateField {
    Absent,
    Read(Box<Certificate>),
    /// A template value filled in at deploy time: an unknown certificate, not an input error.
    Placeholder(String),
    /// Text that is neither a certificate nor a placeholder: a problem local to the app.
    Unreadable(Diagnostic),
}

impl<'a> Reader<'a> {
    pub(crate) fn new(document: &'a MetadataDocument) -> Self {
        Self { document, defaults: RefCell::new(SmallSet::new()) }
    }

    pub(super) fn error(&self, element: &Element, message: String, hint: &str) -> Diagnostic {
        Diagnostic::at(&self.document.path, Some(element.line), message, hint)
    }

    /// The record paths that took a default so far.
    pub(crate) fn take_defaults(&self) -> SmallSet<RecordText> {
        std::mem::take(&mut *self.defaults.borrow_mut())
    }

    /// Notes that `path` holds a documented default.
    pub(crate) fn defaulted(&self, path: &'static str) {
        self.defaults.borrow_mut().insert(path);
    }

    /// The one child named `name`. A single-valued element given twice is refused, naming both
    /// lines: which of the two Salesforce would use is not documented.
    pub(crate) fn single<'e>(&self, parent: &'e Element, name: &str) -> Result<Option<&'e Element>, Diagnostic> {
        let mut found = parent.children.iter().filter(|child| child.name == name);
        let first = found.next();
        if let (Some(first), Some(second)) = (first, found.next()) {
            return Err(self.error(
                second,
                format!(
                    "<{name}> is given twice (lines {} and {}); which one Salesforce would use is not documented",
                    first.line, second.line
                ),
                "keep one element: the value a reviewer sees must be the value that is deployed",
            ));
        }
        Ok(first)
    }

    /// Trimmed text of a single-valued child; `None` when absent or empty.
    pub(crate) fn text<'e>(&self, parent: &'e Element, name: &str) -> Result<Option<&'e str>, Diagnostic> {
        Ok(self.single(parent, name)?.map(|element| element.text.trim()).filter(|text| !text.is_empty()))
    }

    /// A boolean element, or `default` (noted under `path`) when it is absent or empty.
    pub(crate) fn bool_or(
        &self,
        parent: &Element,
        name: &str,
        default: bool,
        path: &'static str,
    ) -> Result<bool, Diagnostic> {
        Ok(self.bool_opt(parent, name)?.unwrap_or_else(|| {
            self.defaulted(path);
            default
        }))
    }

    pub(crate) fn bool_opt(&self, parent: &Element, name: &str) -> Result<Option<bool>, Diagnostic> {
        let Some(element) = self.single(parent, name)? else { return Ok(None) };
        match element.text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(self.error(element, format!("<{name}> is '{other}', not a boolean"), "use true or false")),
        }
    }

    /// A count, period or timeout: a whole number of zero or more.
    pub(crate) fn int_opt(&self, parent: &Element, name: &str) -> Result<Option<i64>, Diagnostic> {
        let Some(element) = self.single(parent, name)? else { return Ok(None) };
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
        let Some(element) = self.single(parent, name)? else { return Ok(None) };
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

    /// An enum element, or `default` (noted under `path`) when it is absent or empty.
    pub(crate) fn enum_or<T: Copy>(
        &self,
        parent: &Element,
        name: &str,
        values: &[(&str, T)],
        default: T,
        path: &'static str,
    ) -> Result<T, Diagnostic> {
        Ok(self.enum_opt(parent, name, values)?.unwrap_or_else(|| {
            self.defaulted(path);
            default
        }))
    }

    /// A certificate element: read, a placeholder, or unreadable (never an error for the whole
    /// file: the problem is local to the app's certificate).
    pub(crate) fn certificate(
        &self,
        parent: &Element,
        name: &str,
        as_of: &EvaluationDate,
    ) -> Result<CertificateField, Diagnostic> {
        let Some(element) = self.single(parent, name)? else { return Ok(CertificateField::Absent) };
        let text = element.text.trim();
        if text.is_empty() {
            return Ok(CertificateField::Absent);
        }
        Ok(match parse_certificate(text, as_of) {
            Ok(certificate) => CertificateField::Read(Box::new(certificate)),
            Err(_) if is_placeholder(text) => CertificateField::Placeholder(text.to_string()),
            Err(error) => CertificateField::Unreadable(self.error(
                element,
                format!("<{name}> cannot be read: {error}"),
                "paste the whole certificate (PEM or its base64 body); re-export it with `openssl x509 -in cert.crt -outform PEM`",
            )),
        })
    }

    pub(crate) fn origin_of(&self, element: &Element) -> Origin {
        Origin { source: SourceKind::Project, path: Some(self.document.path.clone()), line: Some(element.line) }
    }

    /// The `externalClientApplication` element that links an ECA settings file to its app.
    pub(crate) fn linked_app(&self) -> Result<String, Diagnostic> {
        self.text(&self.document.root, "externalClientApplication")?.map(str::to_string).ok_or_else(|| {
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
        files: SmallMap::new(),
        undeployed: false,
        enabled: true,
        oauth_enabled: true,
        integration: Integration::default(),
        oauth: None,
        certificate: None,
        saml: None,
        policy: None,
        source_control: None,
        usage: None,
        run_as_user: None,
        trusted_ip_ranges: None,
        missing: SmallMap::new(),
        defaults: SmallSet::new(),
        raw: SmallMap::new(),
    }
}

/// A record for an app whose files could not be read or interpreted: everything rules read is
/// declared missing with `reason`, so they give `unknown`, never `pass`, and the app stays in the
/// report.
pub(crate) fn unreadable_app(kind: ResourceKind, name: &str, origin: Origin, reason: &str) -> AppRecord {
    let mut app = new_app(kind, name, origin);
    for field in ["enabled", "oauth_enabled", "oauth", "certificate", "saml", "policy", "source_control"] {
        app.missing.insert(field.to_string(), reason.to_string());
    }
    app
}

/// Notes a committed consumer secret anywhere in the document, however deep or wrapped
/// (`<consumerSecret><value>…</value></consumerSecret>`): a secret the rule cannot see is one it
/// passes. A placeholder is not one (it is listed with the record's placeholders instead).
/// `parent` holds the flow flags that make the secret enough to get a token on its own.
pub(super) fn note_secret(record: &mut AppRecord, reader: &Reader<'_>, parent: &Element) {
    if !has_committed_secret(reader.document) {
        return;
    }
    let client_credentials = ["isClientCredentialEnabled", "isClientCredentialsFlowEnabled"]
        .into_iter()
        .any(|name| parent.text_of(name).is_some_and(|value| value.eq_ignore_ascii_case("true")));
    let source_control = record.source_control.get_or_insert_with(empty_source_control);
    source_control.consumer_secret_file = Some(reader.document.path.to_string());
    source_control.consumer_secret_client_credentials |= client_credentials;
}

/// Whether any `consumerSecret` element holds something other than a placeholder, in the tree or
/// commented out.
fn has_committed_secret(document: &MetadataDocument) -> bool {
    document
        .root
        .filled_named("consumerSecret")
        .any(|secret| !(secret.children.is_empty() && is_placeholder(secret.text.trim())))
        || document.comments.iter().any(|comment| commented_secret(comment))
}

/// A `<consumerSecret>` written inside a comment with a value that is not a placeholder.
pub(crate) fn commented_secret(comment: &str) -> bool {
    const OPEN: &str = "<consumersecret>";
    let lowered = comment.to_ascii_lowercase();
    lowered.match_indices(OPEN).any(|(start, _)| {
        let value = &comment[start + OPEN.len()..];
        let value = value.split('<').next().unwrap_or_default().trim();
        !value.is_empty() && !is_placeholder(value)
    })
}

pub(crate) fn empty_source_control() -> SourceControl {
    SourceControl {
        global_oauth_settings_file: None,
        consumer_secret_file: None,
        consumer_secret_client_credentials: false,
        private_key_file: None,
        placeholders: Vec::new(),
    }
}

/// The raw document of `document`, noting the file as holding private-key material when a text
/// in it held some (found while the raw document is written) or it has a filled `privateKey`.
pub(super) fn raw_noting_private_key(
    document: &MetadataDocument,
    source_control: Option<&mut SourceControl>,
) -> RawDocument {
    let (raw, text_held_key) = document.root.to_raw_document_noting_keys();
    if let Some(source_control) = source_control {
        if source_control.private_key_file.is_none()
            && (text_held_key || has_private_key_element(&document.root) || commented_private_key(document))
        {
            source_control.private_key_file = Some(document.path.to_string());
        }
    }
    raw
}

/// Whether any element holds private-key material (a key in any text, or a filled `privateKey`),
/// or a comment does.
pub(crate) fn holds_committed_private_key(document: &MetadataDocument) -> bool {
    let root = &document.root;
    has_private_key_element(root)
        || root.descendants().any(|element| holds_private_key(element.text.trim()))
        || commented_private_key(document)
}

fn commented_private_key(document: &MetadataDocument) -> bool {
    document.comments.iter().any(|comment| holds_private_key(comment))
}

/// A filled `privateKey` element anywhere that is not a template value.
fn has_private_key_element(root: &Element) -> bool {
    root.descendants().any(|element| {
        element.name.eq_ignore_ascii_case("privateKey")
            && element.has_content()
            && !(element.children.is_empty() && is_placeholder(element.text.trim()))
    })
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
    let max_days = refresh_token_days(policy, period, unit).map_err(|period| {
        reader.error(
            element,
            format!("the refresh token period {period} is out of range"),
            "use a period of zero or more, as Setup offers",
        )
    })?;
    Ok(RefreshToken { policy, period, unit, max_days })
}

/// The refresh token's lifetime in days: 0 for `zero`, the period converted for a lifetime or an
/// inactivity limit, `None` otherwise; `Err(period)` when the period is negative or its day count
/// does not fit (a wrapped count would make a lifetime look short).
pub(crate) fn refresh_token_days(
    policy: RefreshTokenPolicy,
    period: Option<i64>,
    unit: Option<TimeUnit>,
) -> Result<Option<i64>, i64> {
    match (policy, period, unit) {
        (RefreshTokenPolicy::Zero, _, _) => Ok(Some(0)),
        (RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity, Some(period), Some(unit)) => {
            (period >= 0).then(|| unit.to_days(period)).flatten().map(Some).ok_or(period)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(xml: &str) -> MetadataDocument {
        crate::xml::parse_metadata("x.connectedApp-meta.xml", xml.as_bytes()).expect("valid xml")
    }

    #[test]
    fn a_single_valued_element_given_twice_is_refused_naming_both_lines() {
        let document =
            document("<A>\n<isPkceRequired>true</isPkceRequired>\n<isPkceRequired>false</isPkceRequired>\n</A>");
        let reader = Reader::new(&document);
        let error = reader.bool_opt(&document.root, "isPkceRequired").expect_err("duplicate");
        assert_eq!(error.location.line, Some(3));
        assert!(error.message.contains("lines 2 and 3"), "{}", error.message);
    }

    #[test]
    fn absent_and_commented_out_elements_take_the_default_and_say_so() {
        let document = document(
            "<A>\n<!-- <isPkceRequired>true</isPkceRequired> -->\n<isAdminApproved>false</isAdminApproved>\n</A>",
        );
        let reader = Reader::new(&document);
        assert!(!reader.bool_or(&document.root, "isPkceRequired", false, "oauth.pkce_required").expect("read"));
        assert!(!reader.bool_or(&document.root, "isAdminApproved", true, "policy.permitted_users").expect("read"));
        assert_eq!(reader.take_defaults().into_iter().collect::<Vec<_>>(), vec!["oauth.pkce_required"]);
    }
}
