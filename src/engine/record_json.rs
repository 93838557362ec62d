//! The JSON view of a record that rules read, with the parsed documents (`raw`) left out unless
//! a rule reads them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Origin, Resource, ResourceKind};

/// The JSON view of a resource that rules read, with `raw` left out unless a rule needs it.
pub(crate) fn resource_json(resource: Resource<'_>, include_raw: bool) -> Value {
    let value = match (resource, include_raw) {
        (Resource::App(app), true) => serde_json::to_value(app),
        (Resource::App(app), false) => serde_json::to_value(AppWithoutRaw::from(app)),
        (Resource::Org(org), _) => serde_json::to_value(org),
    };
    value.unwrap_or(Value::Null)
}

/// An app record serialized with an empty `raw`: the parsed documents are the bulk of a record
/// and no built-in rule reads them, so they are not converted unless a rule does.
#[derive(Serialize)]
struct AppWithoutRaw<'a> {
    kind: ResourceKind,
    name: &'a str,
    label: &'a str,
    namespace: &'a str,
    origin: &'a Origin,
    files: &'a BTreeMap<String, Origin>,
    enabled: bool,
    oauth_enabled: bool,
    integration: &'a crate::model::Integration,
    oauth: &'a Option<crate::model::OAuth>,
    certificate: &'a Option<crate::model::Certificate>,
    saml: &'a Option<crate::model::Saml>,
    policy: &'a Option<crate::model::Policy>,
    source_control: &'a Option<crate::model::SourceControl>,
    usage: &'a Option<crate::model::Usage>,
    run_as_user: &'a Option<crate::model::RunAsUser>,
    trusted_ip_ranges: &'a Option<Vec<String>>,
    missing: &'a BTreeMap<String, String>,
    defaults: &'a std::collections::BTreeSet<String>,
    raw: BTreeMap<String, Value>,
}

impl<'a> From<&'a crate::model::AppRecord> for AppWithoutRaw<'a> {
    fn from(app: &'a crate::model::AppRecord) -> Self {
        // Destructured so that a new record field is a compile error here, not a silent omission.
        let crate::model::AppRecord {
            kind,
            name,
            label,
            namespace,
            origin,
            files,
            enabled,
            oauth_enabled,
            integration,
            oauth,
            certificate,
            saml,
            policy,
            source_control,
            usage,
            run_as_user,
            trusted_ip_ranges,
            missing,
            defaults,
            raw: _,
        } = app;
        Self {
            kind: *kind,
            name,
            label,
            namespace,
            origin,
            files,
            enabled: *enabled,
            oauth_enabled: *oauth_enabled,
            integration,
            oauth,
            certificate,
            saml,
            policy,
            source_control,
            usage,
            run_as_user,
            trusted_ip_ranges,
            missing,
            defaults,
            raw: BTreeMap::new(),
        }
    }
}
