//! The record shape rules are checked against: a sample app and org with every field filled.
//! Rule paths are validated against it at load time (CEL has no type checker), and rule
//! fixtures start from it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Paths below these hold arbitrary keys, so nothing beneath them is checked.
const OPEN_MAPS: [&str; 3] = ["raw", "missing", "files"];

/// A well-configured JWT bearer External Client App: the starting point of every app fixture.
pub(crate) fn sample_app() -> Value {
    json!({
        "kind": "external_client_app",
        "name": "Fixture_App",
        "label": "Fixture App",
        "namespace": "",
        "origin": {"source": "project", "path": "force-app/main/default/externalClientApps/Fixture_App.eca-meta.xml", "line": 2},
        "files": {},
        "enabled": true,
        "oauth_enabled": true,
        "integration": {"kind": "certain", "evidence": ["a certificate is uploaded (JWT bearer flow)"]},
        "oauth": {
            "consumer_key": "3MVG9FIXTUREKEY",
            "scopes": ["api"],
            "callback_urls": ["https://integration.example.com/oauth/callback"],
            "flows": {"jwt_bearer": true, "client_credentials": false, "token_exchange": false, "device": false, "code_credential": false},
            "pkce_required": true,
            "consumer_secret_optional": false,
            "secret_required_for_refresh_token": true,
            "secret_required_for_token_exchange": true,
            "refresh_token_rotation": true,
            "introspect_all_tokens": false,
            "jwt_access_tokens": false,
            "client_credentials_user": null
        },
        "certificate": {
            "subject": "CN=fixture-integration",
            "issuer": "CN=fixture-integration",
            "serial": "01",
            "not_before": "2026-01-01T00:00:00Z",
            "not_after": "2027-01-01T00:00:00Z",
            "days_until_expiry": 300,
            "days_until_valid": -65,
            "validity_days": 365,
            "key_algorithm": "rsa",
            "key_bits": 2048,
            "signature_algorithm": "sha256WithRSAEncryption",
            "self_signed": true,
            "sha256_fingerprint": "00"
        },
        "saml": {
            "entity_id": "https://sp.example.com",
            "acs_url": "https://sp.example.com/acs",
            "signing_algorithm": "sha256",
            "certificate": {
                "subject": "CN=fixture-sp",
                "issuer": "CN=fixture-sp",
                "serial": "02",
                "not_before": "2026-01-01T00:00:00Z",
                "not_after": "2027-01-01T00:00:00Z",
                "days_until_expiry": 300,
                "days_until_valid": -65,
                "validity_days": 365,
                "key_algorithm": "rsa",
                "key_bits": 2048,
                "signature_algorithm": "sha256WithRSAEncryption",
                "self_signed": true,
                "sha256_fingerprint": "01"
            }
        },
        "policy": {
            "permitted_users": "admin_approved",
            "profiles": [],
            "standard_profiles": [],
            "permission_sets": ["Integration_Access"],
            "ip_relaxation": "enforce",
            "refresh_token": {"policy": "specific_lifetime", "period": 30, "unit": "days", "max_days": 30},
            "session_level": "standard",
            "session_timeout_minutes": 15,
            "policy_action": "block",
            "named_user_jwt_timeout": {"type": "custom", "minutes": 30},
            "guest_jwt_timeout": {"type": "custom", "minutes": 15},
            "client_credentials_enabled": false,
            "token_exchange_enabled": false,
            "guest_code_credential_enabled": false
        },
        "undeployed": false,
        "source_control": {
            "global_oauth_settings_file": null,
            "consumer_secret_file": null,
            "consumer_secret_client_credentials": false,
            "private_key_file": null,
            "placeholders": []
        },
        "usage": {"token_count": 1, "user_count": 1, "first_used": "2025-12-01T00:00:00Z", "last_used": "2026-01-01T00:00:00Z", "use_count": 10, "installed": true, "days_since_last_used": 5},
        "run_as_user": {"username": "integration@example.com", "found": true, "api_only": true, "modify_all_data": false, "view_all_data": false, "evidence": "integration@example.com: API-only, without Modify All Data or View All Data"},
        "trusted_ip_ranges": ["203.0.113.10-203.0.113.20"],
        "missing": {},
        "defaults": [],
        "raw": {}
    })
}

/// An org with the recommended OAuth settings: the starting point of every org fixture.
pub(crate) fn sample_org() -> Value {
    json!({
        "kind": "org",
        "name": "fixture-org",
        "origin": {"source": "project"},
        "files": {},
        "oauth_oidc": {
            "block_username_password_flow": true,
            "block_user_agent_flow": true,
            "pkce_required": true,
            "code_credential_flow_enabled": false
        },
        "connected_app_settings": {
            "admin_approved_apps_only": true,
            "admin_approved_apps_only_for_external_users": true
        },
        "external_client_app_settings": {"consumer_secret_api_access": false, "client_secret_rest_api_access": false},
        "identity": {"id": "00D000000000001", "name": "Fixture Org", "sandbox": false},
        "permission_holders": {
            "approve_uninstalled_apps": {"count": 1, "users": [{"username": "admin@example.com", "via": ["profile System Administrator"]}], "evidence": "1 user: admin@example.com (profile System Administrator)"},
            "use_any_api_client": {"count": 0, "users": [], "evidence": "nobody"},
            "consumer_secret_access": {"count": 1, "users": [{"username": "admin@example.com", "via": ["permission set ECA_Secrets"]}], "evidence": "1 user: admin@example.com (permission set ECA_Secrets)"},
            "app_admins_with_api": {"count": 1, "users": [{"username": "admin@example.com", "via": ["profile System Administrator"]}], "evidence": "1 user: admin@example.com (profile System Administrator)"}
        },
        "login_history": {
            "window_days": 30,
            "username_password": {"logins": 0, "users": 0, "apps": [], "evidence": "no successful logins with the OAuth username-password flow in the last 30 days (LoginHistory)"},
            "user_agent": {"logins": 0, "users": 0, "apps": [], "evidence": "no successful logins with the OAuth user-agent flow in the last 30 days (LoginHistory)"},
            "web_server": {"logins": 0, "users": 0, "apps": [], "evidence": "no successful logins with the OAuth web server flow in the last 30 days (LoginHistory)"},
            "groups": []
        },
        "health_check": {"score": 92, "baseline": "", "high_risk": [], "medium_risk_count": 0, "evidence": "Salesforce Health Check score 92/100; no high-risk settings"},
        "missing": {},
        "defaults": [],
        "raw": {}
    })
}

/// Checks that a path a rule reads exists in the record shape; the message lists the fields
/// available where the path went wrong, so a typo is easy to fix.
pub(crate) fn check_path(path: &str, org_rule: bool, params: &BTreeMap<String, Value>) -> Result<(), String> {
    let mut segments = path.split('.');
    let root = segments.next().unwrap_or_default();
    let mut current = match root {
        "app" if org_rule => return Err(format!("'{path}': org rules read org and params, not app")),
        "app" => sample_app(),
        "org" => sample_org(),
        "params" => {
            return match segments.next() {
                None => Ok(()),
                Some(name) if params.contains_key(name) => Ok(()),
                Some(name) => Err(format!("'{path}': params.{name} is not declared in this rule's [params] table")),
            };
        }
        other => return Err(format!("'{path}': unknown root '{other}'")),
    };
    let mut walked = root.to_string();
    for segment in segments {
        if OPEN_MAPS.contains(&segment) && walked.matches('.').count() == 0 {
            return Ok(());
        }
        match current {
            Value::Object(mut map) => match map.remove(segment) {
                Some(next) => current = next,
                None => {
                    let known: Vec<String> = map.keys().cloned().collect();
                    return Err(format!("unknown field '{path}'; fields of {walked}: {}", known.join(", ")));
                }
            },
            Value::Array(_) => return Ok(()),
            _ => return Err(format!("'{path}': {walked} has no fields")),
        }
        walked = format!("{walked}.{segment}");
    }
    Ok(())
}

/// Deep-merges `patch` into `target`: objects merge key by key, anything else replaces.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// Sets the value at a dotted path (without its root) to null.
pub(crate) fn set_null(target: &mut Value, path: &str) {
    let mut current = target;
    let segments: Vec<&str> = path.split('.').collect();
    for (index, segment) in segments.iter().enumerate() {
        let Value::Object(map) = current else { return };
        if index + 1 == segments.len() {
            map.insert((*segment).to_string(), Value::Null);
            return;
        }
        match map.get_mut(*segment) {
            Some(next) => current = next,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_paths_and_names_the_fields_of_a_typo() {
        let params = BTreeMap::from([("days".to_string(), json!(30))]);
        assert!(check_path("app.policy.permitted_users", false, &params).is_ok());
        assert!(check_path("app.raw.ConnectedApp.oauthConfig", false, &params).is_ok());
        assert!(check_path("app.oauth.scopes", false, &params).is_ok());
        assert!(check_path("params.days", false, &params).is_ok());
        let typo = check_path("app.policy.permited_users", false, &params).expect_err("typo");
        assert!(typo.contains("permitted_users"), "{typo}");
        assert!(check_path("params.weeks", false, &params).is_err());
        assert!(check_path("app.name", true, &params).is_err());
        assert!(check_path("app.name.first", false, &params).is_err());
    }

    #[test]
    fn merge_and_set_null_edit_nested_values() {
        let mut value = json!({"a": {"b": 1, "c": 2}});
        merge(&mut value, &json!({"a": {"b": 5}}));
        set_null(&mut value, "a.c");
        assert_eq!(value, json!({"a": {"b": 5, "c": null}}));
    }
}
