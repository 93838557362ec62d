//! The JSON view of an app record that rules read: only the fields they name.

use serde_json::{Map, Value};

use super::reads::ReadTree;
use crate::model::AppRecord;

/// The app record as rules read it: only the top-level fields `reads` names (everything when a
/// rule reads the whole record). Converting every field of every app, and above all its
/// documents (`raw`), cost more than evaluating the rules on it.
pub(crate) fn app_json(app: &AppRecord, reads: &ReadTree) -> Value {
    // Destructured so that a new record field is a compile error here, not a silent omission.
    let AppRecord {
        kind,
        name,
        label,
        namespace,
        origin,
        files,
        undeployed,
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
        raw,
    } = app;
    let mut map = Map::new();
    let mut put = |field: &str, value: &dyn erased::Serialize| {
        if reads.reads_field(field) {
            map.insert(field.to_string(), value.to_json());
        }
    };
    put("kind", kind);
    put("name", name);
    put("label", label);
    put("namespace", namespace);
    put("origin", origin);
    put("files", files);
    put("undeployed", undeployed);
    put("enabled", enabled);
    put("oauth_enabled", oauth_enabled);
    put("integration", integration);
    put("oauth", oauth);
    put("certificate", certificate);
    put("saml", saml);
    put("policy", policy);
    put("source_control", source_control);
    put("usage", usage);
    put("run_as_user", run_as_user);
    put("trusted_ip_ranges", trusted_ip_ranges);
    put("missing", missing);
    put("defaults", defaults);
    put("raw", raw);
    Value::Object(map)
}

mod erased {
    /// A value that can become JSON, behind a reference of one type (serde's trait cannot be).
    pub(super) trait Serialize {
        fn to_json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Serialize for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
