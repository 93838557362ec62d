//! Login hosts and instance URLs: the well-known hosts, and the one rule that a token only ever
//! travels over https (plain http is allowed to loopback only, for the fake org).

use super::error::AuthError;

/// Production login host, the default.
pub(crate) const LOGIN_HOST: &str = "https://login.salesforce.com";
/// Sandbox login host.
pub(crate) const TEST_HOST: &str = "https://test.salesforce.com";

/// Whether a host is this machine: only there may plain `http://` be used (the fake org).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
}

/// Normalizes a login host or instance URL to `scheme://host[:port]`, refusing plain `http://`
/// to anything but loopback, so a token can never travel unencrypted.
pub(crate) fn login_url(text: &str) -> Result<String, AuthError> {
    let text = text.trim();
    let with_scheme = if text.contains("://") { text.to_string() } else { format!("https://{text}") };
    let url = reqwest::Url::parse(&with_scheme).map_err(|error| {
        AuthError::config(
            format!("--instance-url '{text}' is not a URL: {error}"),
            "use https://login.salesforce.com, https://test.salesforce.com or your My Domain URL",
        )
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => {
            return Err(AuthError::config(
                format!("--instance-url '{text}' uses plain http://; sfaudit refuses to send credentials unencrypted"),
                "use the https:// URL of the login host",
            ));
        }
        other => {
            return Err(AuthError::config(
                format!("--instance-url '{text}' has the scheme '{other}'"),
                "use https://login.salesforce.com, https://test.salesforce.com or your My Domain URL",
            ));
        }
    }
    if host.is_empty() {
        return Err(AuthError::config(format!("--instance-url '{text}' has no host"), "use https://HOST"));
    }
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_urls_are_normalized_and_plain_http_is_loopback_only() {
        assert_eq!(login_url("login.salesforce.com").as_deref(), Ok("https://login.salesforce.com"));
        assert_eq!(login_url("https://acme.my.salesforce.com/").as_deref(), Ok("https://acme.my.salesforce.com"));
        assert_eq!(login_url("http://127.0.0.1:8080").as_deref(), Ok("http://127.0.0.1:8080"));
        assert_eq!(login_url("http://localhost:1").as_deref(), Ok("http://localhost:1"));
        let refused = login_url("http://login.salesforce.com").expect_err("plain http");
        assert!(refused.message.contains("unencrypted") && refused.config, "{refused:?}");
        assert!(login_url("ftp://x").is_err());
    }
}
