//! Is an app a server-to-server integration? Decided from evidence in its settings, never from
//! its scopes alone: client credentials, a certificate or a run-as user make it certain; a
//! canvas or mobile configuration, a browser or mobile callback, required PKCE, an optional
//! secret (a public client) or a user-facing flow make it interactive; anything else is
//! uncertain. The evidence is kept so a reviewer sees why.

use crate::model::{AppRecord, Integration, IntegrationKind, RawDocument};

/// Classifies a finished record.
pub(crate) fn classify(record: &AppRecord) -> Integration {
    let mut certain = Vec::new();
    let mut interactive = Vec::new();
    let mut unknown = Vec::new();
    let oauth = record.oauth.as_ref();
    let flows = oauth.and_then(|oauth| oauth.flows.as_ref());
    if let Some(flows) = flows {
        if flows.client_credentials {
            certain.push("client credentials flow enabled".to_string());
        }
        if record.certificate.is_some() {
            certain.push("certificate uploaded (JWT bearer flow)".to_string());
        } else if flows.jwt_bearer {
            certain.push("a <certificate> element (JWT bearer flow), not readable offline".to_string());
        }
        if flows.device == Some(true) {
            interactive.push("device flow enabled (a user approves on a second device)".to_string());
        }
        if flows.code_credential {
            interactive.push("Authorization Code and Credentials flow enabled (a user signs in)".to_string());
        }
    } else if record.missing.contains_key("oauth.flows") {
        unknown.push("global OAuth settings not available: certificate and flows unknown".to_string());
    }
    if record.policy.as_ref().is_some_and(|policy| policy.client_credentials_enabled)
        && !flows.is_some_and(|flows| flows.client_credentials)
    {
        certain.push("client credentials flow enabled in the policies".to_string());
    }
    if let Some(user) = oauth.and_then(|oauth| oauth.client_credentials_user.as_deref()) {
        certain.push(format!("run-as user {user}"));
    }
    if let Some(oauth) = oauth {
        if oauth.pkce_required == Some(true) && !record.defaults.contains("oauth.pkce_required") {
            interactive.push("PKCE required".to_string());
        }
        if oauth.consumer_secret_optional == Some(true) {
            interactive.push("consumer secret optional (a public client)".to_string());
        }
        for url in oauth.callback_urls.iter().flatten() {
            match callback_kind(url) {
                Callback::Device => interactive.push(format!("mobile or desktop callback {url}")),
                Callback::Browser => interactive.push(format!("browser callback {url}")),
                Callback::Placeholder => {}
            }
        }
    }
    let connected_app = record.raw.get("ConnectedApp").map(RawDocument::member_names).unwrap_or_default();
    if connected_app.contains("canvasConfig") {
        interactive.push("canvas app (canvasConfig)".to_string());
    }
    if record.raw.contains_key("ExtlClntAppCanvasSettings") {
        interactive.push("canvas settings (ExtlClntAppCanvasSettings)".to_string());
    }
    if connected_app.contains("mobileAppConfig")
        || connected_app.contains("mobileStartUrl")
        || record.raw.contains_key("ExtlClntAppMobileSettings")
    {
        interactive.push("mobile app settings".to_string());
    }
    if oauth.is_none() && record.saml.is_some() {
        interactive.push("SAML single sign-on, no OAuth".to_string());
    }
    let kind = if !certain.is_empty() {
        IntegrationKind::Certain
    } else if !interactive.is_empty() {
        IntegrationKind::Interactive
    } else {
        IntegrationKind::Uncertain
    };
    let mut evidence: Vec<String> = certain.into_iter().chain(interactive).chain(unknown).collect();
    if evidence.is_empty() {
        evidence.push("no flow, certificate, run-as user or user-facing setting says which".to_string());
    }
    Integration { kind, evidence }
}

enum Callback {
    /// A custom scheme (`sfdc://success`, `com.example.app:/oauth`): a mobile or desktop app.
    Device,
    /// A web address of a real host: a browser app running the web server flow.
    Browser,
    /// A value integrations put in because the field is required and never used: loopback
    /// (`http://localhost:1717/OauthRedirect` is what the Salesforce CLI's JWT setup uses), a
    /// reserved example domain, a host without a dot, or Salesforce's own OAuth endpoints.
    Placeholder,
}

fn callback_kind(url: &str) -> Callback {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once(':') else { return Callback::Placeholder };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Callback::Device;
    }
    let rest = rest.trim_start_matches('/');
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let path = &rest[end..];
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
    let loopback = host == "localhost" || host.starts_with("127.") || host == "::1" || host.is_empty();
    let reserved = ["example.com", "example.org", "example.net"]
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")));
    // Salesforce's own OAuth pages and API paths are what an app without a browser client puts in
    // a required field; its real callbacks (`/services/authcallback/…`, Visualforce pages) are not.
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    let salesforce_host = under("salesforce.com") || under("force.com") || host.ends_with(".my.site.com");
    // `..` would make the path another one than it reads as.
    let plain_path = !path.split(['/', '?', '#']).any(|segment| segment == ".." || segment == ".");
    let salesforce_endpoint = salesforce_host
        && plain_path
        && (path.trim_matches('/').is_empty()
            || path.trim_end_matches('/') == "/services"
            || path.starts_with("/services/oauth2/")
            || path.starts_with("/services/data/"));
    // A host needs at least two labels and no empty one (`https://.` names no host).
    let labels: Vec<&str> = host.strip_suffix('.').unwrap_or(&host).split('.').collect();
    let no_host = labels.len() < 2 || labels.iter().any(|label| label.is_empty());
    if loopback || reserved || no_host || salesforce_endpoint { Callback::Placeholder } else { Callback::Browser }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_say_what_kind_of_client_uses_them() {
        for url in ["sfdc://success", "com.example.app:/oauth2redirect", "myapp://callback"] {
            assert!(matches!(callback_kind(url), Callback::Device), "{url}");
        }
        for url in [
            "https://app.acme.io/oauth/callback",
            "https://openidconnect.herokuapp.com/callback",
            "https://app.acme.io./cb",
            "https://acme.my.salesforce.com/services/authcallback/Google",
            "https://acme.my.salesforce.com/environmenthub/soma-callback.apexp",
            "https://app.notsalesforce.com/services/oauth2/callback",
            "https://acme.my.salesforce.com/services/data/../authcallback/Google",
        ] {
            assert!(matches!(callback_kind(url), Callback::Browser), "{url}");
        }
        for url in [
            "http://localhost:1717/OauthRedirect",
            "https://127.0.0.1:8080/cb",
            "https://callback",
            "https://login.salesforce.com/",
            "https://login.salesforce.com/services/",
            "https://acme.my.salesforce.com/services/data/v49.0/sobjects/Lead/",
            "https://acme--uat.sandbox.my.site.com/services/oauth2/success",
            "https://.",
            "https://..",
            "https://a..b/cb",
            "https://login.salesforce.com/services/oauth2/success",
            "https://test.salesforce.com/services/oauth2/token",
            "https://www.example.com/cb",
            "not a url",
        ] {
            assert!(matches!(callback_kind(url), Callback::Placeholder), "{url}");
        }
    }
}
