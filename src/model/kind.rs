//! What a resource is, and where a scan's data came from.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ConnectedApp,
    ExternalClientApp,
    Org,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 3] = [Self::ConnectedApp, Self::ExternalClientApp, Self::Org];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectedApp => "connected_app",
            Self::ExternalClientApp => "external_client_app",
            Self::Org => "org",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// How reports name the kind to a person.
    pub fn label(self) -> &'static str {
        match self {
            Self::ConnectedApp => "Connected App",
            Self::ExternalClientApp => "External Client App",
            Self::Org => "org",
        }
    }

    /// The Salesforce metadata type name, as shown in reports and logical locations.
    pub fn metadata_type(self) -> &'static str {
        match self {
            Self::ConnectedApp => "ConnectedApp",
            Self::ExternalClientApp => "ExternalClientApplication",
            Self::Org => "Organization",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Org,
    Project,
    Snapshot,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Org => "org",
            Self::Project => "project",
            Self::Snapshot => "snapshot",
        }
    }
}
