//! What a scan knows beyond the settings themselves: whether an app is a server integration, its
//! SAML configuration, the org's External Client App settings, problems with single input files,
//! and what was read, skipped or not understood.

use serde::{Deserialize, Serialize};

use super::cert::Certificate;
use super::kind::ResourceKind;

/// How sure sfaudit is that an app is a server-to-server integration, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub kind: IntegrationKind,
    /// The settings that decided it, as a reviewer would name them (`client credentials flow
    /// enabled`, `canvas app`, `PKCE required`, …).
    pub evidence: Vec<String>,
}

impl Default for Integration {
    fn default() -> Self {
        Self { kind: IntegrationKind::Uncertain, evidence: Vec::new() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationKind {
    /// Client credentials, a certificate or a run-as user: a server integration.
    Certain,
    /// A canvas app, a mobile or browser callback, or PKCE: people use it interactively.
    Interactive,
    /// Nothing says either way.
    Uncertain,
}

/// A Connected App's SAML configuration (`samlConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saml {
    pub entity_id: Option<String>,
    pub acs_url: Option<String>,
    /// `sha1` or `sha256`, as `samlSigningAlgoType` says.
    pub signing_algorithm: Option<String>,
    /// The service provider's certificate (`samlConfig/certificate`).
    pub certificate: Option<Certificate>,
}

/// `ExternalClientAppSettings`: whether consumer secrets can be read through the APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalClientAppSettings {
    /// `enableConsumerSecretApiAccess`: consumer secrets through the Metadata API.
    pub consumer_secret_api_access: bool,
    /// `enableClientSecretInRestApiAccess`: client secrets through the REST API.
    pub client_secret_rest_api_access: bool,
}

/// A problem with one input file that does not stop the scan: the rest of the report stands,
/// and the affected app's rules that need the file are `unknown`. `fatal` problems (a file that
/// is not well-formed XML) still end the run with exit 2, after any report file is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputProblem {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
    pub hint: String,
    /// The app the file belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceName>,
    #[serde(default)]
    pub fatal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceName {
    pub kind: ResourceKind,
    pub name: String,
}

/// What a scan read and what it did not, for the coverage section of every report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Paths not scanned, with why (`.forceignore`, the CLI's default ignore rules, a symlink
    /// leaving the project, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedPath>,
    /// Metadata files sfaudit recognises but no rule uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused: Vec<UnusedFile>,
    /// Scope names that are not in sfaudit's table, kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_scopes: Vec<UnknownScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkippedPath {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnusedFile {
    pub path: String,
    pub type_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnknownScope {
    pub app: ResourceName,
    pub scope: String,
}
