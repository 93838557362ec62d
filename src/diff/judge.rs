//! How a setting's change is judged: weaker, stronger or just changed, field by field.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    Weaker,
    Stronger,
    Changed,
}

impl Direction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Weaker => "weaker",
            Self::Stronger => "stronger",
            Self::Changed => "changed",
        }
    }
}

/// Booleans where `true` is the safer value.
const SAFER_WHEN_TRUE: &[&str] = &[
    "oauth.pkce_required",
    "oauth.secret_required_for_refresh_token",
    "oauth.secret_required_for_token_exchange",
    "oauth.refresh_token_rotation",
    "oauth.flows.jwt_bearer",
    "oauth_oidc.block_username_password_flow",
    "oauth_oidc.block_user_agent_flow",
    "oauth_oidc.pkce_required",
    "connected_app_settings.admin_approved_apps_only",
    "connected_app_settings.admin_approved_apps_only_for_external_users",
];

/// Booleans where `true` opens something up.
const RISKIER_WHEN_TRUE: &[&str] = &[
    "oauth.flows.client_credentials",
    "oauth.flows.token_exchange",
    "oauth.flows.device",
    "oauth.flows.code_credential",
    "oauth.consumer_secret_optional",
    "oauth.introspect_all_tokens",
    "policy.client_credentials_enabled",
    "policy.token_exchange_enabled",
    "policy.guest_code_credential_enabled",
    "oauth_oidc.code_credential_flow_enabled",
    "external_client_app_settings.consumer_secret_api_access",
    "external_client_app_settings.client_secret_rest_api_access",
    "source_control.consumer_secret_client_credentials",
    "certificate.self_signed",
];

/// Fields whose value, when there is one, is a problem found in source control (a file holding a
/// committed secret or key): one appearing is weaker, one going away stronger.
const SOURCE_CONTROL_PROBLEMS: &[&str] =
    &["source_control.consumer_secret_file", "source_control.private_key_file", "source_control.eca_global_oauth_file"];

fn rank(field: &str, value: &Value) -> Option<i64> {
    let text = value.as_str();
    match field {
        "policy.permitted_users" => match text? {
            "admin_approved" => Some(0),
            _ => Some(1),
        },
        "policy.ip_relaxation" => ["enforce", "enforce_relax_refresh", "bypass_2fa", "bypass"]
            .iter()
            .position(|known| Some(*known) == text)
            .and_then(|position| i64::try_from(position).ok()),
        // Longer-lived tokens are weaker. An inactivity limit lets a token in use live forever,
        // so any is weaker than any fixed lifetime; "infinite" is the longest.
        "policy.refresh_token" => {
            const INACTIVITY: i64 = 1 << 40;
            let days = || value.get("max_days").and_then(Value::as_i64).map(|days| days.clamp(0, INACTIVITY - 1));
            match value.get("policy").and_then(Value::as_str)? {
                "zero" => Some(0),
                "specific_lifetime" => days(),
                "specific_inactivity" => days().map(|days| INACTIVITY + days),
                _ => Some(i64::MAX),
            }
        }
        // Fewer bits is a weaker key.
        field if field.ends_with("key_bits") => value.as_i64().map(|bits| -bits),
        "policy.named_user_jwt_timeout" | "policy.guest_jwt_timeout" => {
            match value.get("type").and_then(Value::as_str)? {
                "custom" => value.get("minutes").and_then(Value::as_i64),
                _ => Some(i64::MAX),
            }
        }
        "policy.session_timeout_minutes" => value.as_i64(),
        _ => None,
    }
}

pub(super) fn judge(field: &str, old: &Value, new: &Value) -> Direction {
    let flag = |value: &Value| value.as_bool();
    if SAFER_WHEN_TRUE.contains(&field) {
        return match (flag(old), flag(new)) {
            (Some(true), Some(false)) => Direction::Weaker,
            (Some(false), Some(true)) => Direction::Stronger,
            _ => Direction::Changed,
        };
    }
    if RISKIER_WHEN_TRUE.contains(&field) {
        return match (flag(old), flag(new)) {
            (Some(false), Some(true)) => Direction::Weaker,
            (Some(true), Some(false)) => Direction::Stronger,
            _ => Direction::Changed,
        };
    }
    if let (Some(before), Some(after)) = (rank(field, old), rank(field, new)) {
        return match after.cmp(&before) {
            std::cmp::Ordering::Greater => Direction::Weaker,
            std::cmp::Ordering::Less => Direction::Stronger,
            std::cmp::Ordering::Equal => Direction::Changed,
        };
    }
    if SOURCE_CONTROL_PROBLEMS.contains(&field) {
        return match (old.is_null(), new.is_null()) {
            (true, false) => Direction::Weaker,
            (false, true) => Direction::Stronger,
            _ => Direction::Changed,
        };
    }
    match field {
        // No trusted range at all lets the app be used from anywhere; within a list, a range
        // added widens it.
        "trusted_ip_ranges" if listed(old) != listed(new) => {
            if listed(old) {
                Direction::Weaker
            } else {
                Direction::Stronger
            }
        }
        "oauth.scopes" | "policy.profiles" | "policy.permission_sets" | "trusted_ip_ranges" => {
            let set = |value| -> BTreeSet<&str> { strings(value).collect() };
            let (before, after) = (set(old), set(new));
            match (after.difference(&before).next().is_some(), before.difference(&after).next().is_some()) {
                (true, _) => Direction::Weaker,
                (false, true) => Direction::Stronger,
                _ => Direction::Changed,
            }
        }
        "oauth.callback_urls" => {
            let insecure = |value| -> BTreeSet<&str> { strings(value).filter(|url| is_insecure_http(url)).collect() };
            // A new host receives authorization codes: a widened or moved callback is weaker.
            let hosts = |value: &Value| -> BTreeSet<String> { strings(value).map(callback_host).collect() };
            // This machine's own callbacks (a CLI's, a desktop app's) send codes nowhere else.
            let remote = |host: &String| {
                let authority = host.split_once("://").map_or(host.as_str(), |(_, authority)| authority);
                is_insecure_http(&format!("http://{authority}"))
            };
            let remote_hosts =
                |value: &Value| -> BTreeSet<String> { hosts(value).into_iter().filter(remote).collect() };
            if insecure(new).difference(&insecure(old)).next().is_some()
                || remote_hosts(new).difference(&remote_hosts(old)).next().is_some()
            {
                Direction::Weaker
            } else {
                Direction::Changed
            }
        }
        "certificate" => match (old.is_null(), new.is_null()) {
            (false, true) => Direction::Weaker,
            (true, false) => Direction::Stronger,
            _ => {
                let bits = |value: &Value| value.get("key_bits").and_then(Value::as_i64).unwrap_or(0);
                if bits(new) < bits(old) { Direction::Weaker } else { Direction::Changed }
            }
        },
        "enabled" => match (flag(old), flag(new)) {
            (Some(true), Some(false)) => Direction::Stronger,
            _ => Direction::Changed,
        },
        _ => Direction::Changed,
    }
}

/// The scheme and authority of a callback URL, in lower case (`https://*.example.com`).
fn callback_host(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |start| start + 3);
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |end| after_scheme + end);
    url[..end].to_ascii_lowercase()
}

/// The strings of a list setting (none when it is not a list).
fn strings(value: &Value) -> impl Iterator<Item = &str> {
    value.as_array().into_iter().flatten().filter_map(Value::as_str)
}

fn listed(value: &Value) -> bool {
    value.as_array().is_some_and(|items| !items.is_empty())
}

/// Plain `http://` (in any letter case) to anything but this machine: the same test as the
/// `insecure-http-callback` rule, so a diff never calls a change harmless that the scan fails.
/// The loopback host must be the whole authority (`http://127.0.0.1:1@evil.example` is not).
fn is_insecure_http(url: &str) -> bool {
    let Some(rest) = url.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case("http://")).map(|_| &url[7..]) else {
        return false;
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]"].iter().any(|host| {
        rest.get(..host.len()).is_some_and(|head| head.eq_ignore_ascii_case(host)) && {
            let after = &rest[host.len()..];
            let after = match after.strip_prefix(':') {
                Some(port) => {
                    let tail = port.trim_start_matches(|c: char| c.is_ascii_digit());
                    if tail.len() == port.len() { after } else { tail }
                }
                None => after,
            };
            after.is_empty() || after.starts_with(['/', '?', '#'])
        }
    });
    !loopback
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn judges_directions() {
        assert_eq!(
            judge("policy.permitted_users", &json!("admin_approved"), &json!("all_self_authorized")),
            Direction::Weaker
        );
        assert_eq!(judge("policy.ip_relaxation", &json!("bypass"), &json!("enforce")), Direction::Stronger);
        assert_eq!(judge("oauth.pkce_required", &json!(true), &json!(false)), Direction::Weaker);
        assert_eq!(judge("oauth.flows.device", &json!(false), &json!(true)), Direction::Weaker);
        assert_eq!(judge("oauth.scopes", &json!(["api"]), &json!(["api", "full"])), Direction::Weaker);
        assert_eq!(judge("oauth.scopes", &json!(["api", "full"]), &json!(["api"])), Direction::Stronger);
        assert_eq!(
            judge("policy.refresh_token", &json!({"policy": "zero"}), &json!({"policy": "infinite"})),
            Direction::Weaker
        );
        assert_eq!(
            judge(
                "policy.refresh_token",
                &json!({"policy": "specific_lifetime", "max_days": 365}),
                &json!({"policy": "specific_lifetime", "max_days": 30})
            ),
            Direction::Stronger
        );
        assert_eq!(judge("oauth.callback_urls", &json!([]), &json!(["http://localhost:1717/x"])), Direction::Changed);
        assert_eq!(judge("oauth.callback_urls", &json!([]), &json!(["http://evil.example.com/x"])), Direction::Weaker);
        // As the insecure-http-callback rule reads them: any letter case, and a loopback name
        // that is not the whole host.
        for url in [
            "HTTP://evil.example/cb",
            "http://127.0.0.1:1@evil.example/cb",
            "http://localhost.evil.example/",
            "http://localhost:/x",
        ] {
            assert_eq!(judge("oauth.callback_urls", &json!([]), &json!([url])), Direction::Weaker, "{url}");
        }
        for url in ["HTTP://LOCALHOST:8080/cb", "http://[::1]/x", "http://127.0.0.1?x"] {
            assert_eq!(judge("oauth.callback_urls", &json!([]), &json!([url])), Direction::Changed, "{url}");
        }
        assert_eq!(judge("label", &json!("a"), &json!("b")), Direction::Changed);
    }

    #[test]
    fn judges_the_changes_an_attack_found_neutral() {
        let weaker = [
            ("policy.guest_code_credential_enabled", json!(false), json!(true)),
            ("external_client_app_settings.consumer_secret_api_access", json!(false), json!(true)),
            ("source_control.private_key_file", json!(null), json!("force-app/x.xml")),
            ("source_control.consumer_secret_file", json!(null), json!("force-app/x.xml")),
            ("saml.certificate.key_bits", json!(2048), json!(512)),
            ("trusted_ip_ranges", json!(["10.0.0.0-10.0.0.255"]), json!([])),
            ("trusted_ip_ranges", json!(["10.0.0.0-10.0.0.255"]), json!(null)),
            (
                "trusted_ip_ranges",
                json!(["10.0.0.0-10.0.0.255"]),
                json!(["10.0.0.0-10.0.0.255", "0.0.0.0-255.255.255.255"]),
            ),
            (
                "policy.refresh_token",
                json!({"policy": "specific_lifetime", "max_days": 61}),
                json!({"policy": "specific_inactivity", "max_days": 61}),
            ),
            (
                "policy.refresh_token",
                json!({"policy": "specific_inactivity", "max_days": 30}),
                json!({"policy": "infinite"}),
            ),
        ];
        for (field, old, new) in weaker {
            assert_eq!(judge(field, &old, &new), Direction::Weaker, "{field}: {old} → {new}");
            assert_eq!(judge(field, &new, &old), Direction::Stronger, "{field}: {new} → {old}");
        }
        // A callback on a new remote host receives authorization codes there.
        let before = json!(["https://app.example.com/cb", "http://localhost:1717/cb"]);
        for after in ["https://*.example.com/cb", "https://app.example.com.evil.net/cb", "sfdc://other"] {
            assert_eq!(judge("oauth.callback_urls", &before, &json!([after])), Direction::Weaker, "{after}");
        }
        for after in ["https://APP.example.com/other", "http://127.0.0.1:9/x"] {
            assert_eq!(judge("oauth.callback_urls", &before, &json!([after])), Direction::Changed, "{after}");
        }
    }
}
