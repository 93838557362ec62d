//! Org connection settings: [`OrgSettings`] is the plain, mergeable set of inputs (command line,
//! `SFAUDIT_*` variables, a config profile); [`OrgSettings::resolve`] validates them into an
//! [`OrgConnection`] with the private key loaded and wrapped. The private key stays inside a
//! secret wrapper: nothing in this module can print it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

/// Production login host, the default.
pub(crate) const LOGIN_HOST: &str = "https://login.salesforce.com";
/// Sandbox login host.
pub(crate) const TEST_HOST: &str = "https://test.salesforce.com";
/// Metadata and REST API version used unless `--api-version` says otherwise. 65.0 (Winter '26)
/// is the first to carry every External Client App policy field the rules read.
pub(crate) const DEFAULT_API_VERSION: &str = "65.0";
/// Calls in flight at once unless `--concurrency` says otherwise; chosen with `benches/org.rs`
/// (see the README): beyond 16 the wall time no longer drops at realistic latencies, and the
/// Metadata API's own concurrency limits make more a risk.
pub(crate) const DEFAULT_CONCURRENCY: usize = 16;
pub(crate) const MAX_CONCURRENCY: usize = 64;
/// Per-request time limit unless `--timeout` says otherwise.
pub(crate) const DEFAULT_TIMEOUT_SECONDS: u64 = 120;

/// How to reach and log in to an org, as the user gave it. Every field is optional so that
/// layers can be merged (`command_line.or(config_file)`); [`OrgSettings::resolve`] checks the
/// result. The key is either a file (`jwt_key_file`) or PEM text (`jwt_key`, from
/// `SFAUDIT_JWT_KEY`); the text is wrapped so it cannot be printed.
#[derive(Debug, Clone, Default)]
pub struct OrgSettings {
    /// Consumer key of the External Client App or Connected App used to log in (`iss`).
    pub client_id: Option<String>,
    /// Username of the integration user (`sub`).
    pub username: Option<String>,
    pub jwt_key_file: Option<PathBuf>,
    pub jwt_key: Option<SecretString>,
    /// Login host: `https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain.
    pub instance_url: Option<String>,
    /// The `aud` claim; derived from the login host when absent.
    pub audience: Option<String>,
    pub api_version: Option<String>,
    pub concurrency: Option<usize>,
    pub timeout_seconds: Option<u64>,
}

impl OrgSettings {
    /// Checks the settings and loads the key. Errors are configuration errors (exit 2).
    pub fn resolve(self) -> Result<OrgConnection, AuthError> {
        let client_id = required(self.client_id, "--client-id", "SFAUDIT_CLIENT_ID", "the Consumer Key of the app")?;
        let username = required(self.username, "--username", "SFAUDIT_USERNAME", "the integration user's username")?;
        let login_url = login_url(self.instance_url.as_deref().unwrap_or(LOGIN_HOST))?;
        let audience = match self.audience {
            Some(audience) => Some(normalize_audience(&audience)?),
            None => None,
        };
        let key = match (self.jwt_key_file, self.jwt_key) {
            (Some(path), _) => {
                let shown = path.display().to_string();
                let text = crate::input::read_text(&path, crate::limits::MAX_KEY_FILE_BYTES).map_err(|error| {
                    AuthError::config(
                        format!("--jwt-key-file {shown} {error}"),
                        "pass the path of the PEM private key whose certificate is uploaded to the app",
                    )
                })?;
                SigningKey::from_pem(&SecretString::from(text), &shown)?
            }
            (None, Some(pem)) => SigningKey::from_pem(&pem, "SFAUDIT_JWT_KEY")?,
            (None, None) => {
                return Err(AuthError::config(
                    "no private key: pass --jwt-key-file (or SFAUDIT_JWT_KEY_FILE), or the PEM text in SFAUDIT_JWT_KEY",
                    "use the private key whose certificate is uploaded to the app (Setup → External Client App \
                     Manager → the app → Settings → OAuth Settings → Use digital signatures)",
                ));
            }
        };
        let api_version = self.api_version.unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
        let api_version = api_version.trim().trim_start_matches(['v', 'V']).to_string();
        let valid_version = api_version
            .split_once('.')
            .is_some_and(|(major, minor)| major.parse::<u32>().is_ok_and(|major| major >= 59) && minor == "0");
        if !valid_version {
            return Err(AuthError::config(
                format!("--api-version '{api_version}' is not a Salesforce API version of 59.0 or later"),
                format!("use a version such as {DEFAULT_API_VERSION}; External Client Apps need 59.0 or later"),
            ));
        }
        let concurrency = self.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 || concurrency > MAX_CONCURRENCY {
            return Err(AuthError::config(
                format!("--concurrency {concurrency} is out of range"),
                format!("use 1 to {MAX_CONCURRENCY}; the default is {DEFAULT_CONCURRENCY}"),
            ));
        }
        let timeout = Duration::from_secs(self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS).max(1));
        Ok(OrgConnection { client_id, username, key, login_url, audience, api_version, concurrency, timeout })
    }
}

fn required(value: Option<String>, flag: &str, variable: &str, what: &str) -> Result<String, AuthError> {
    value.map(|value| value.trim().to_string()).filter(|value| !value.is_empty()).ok_or_else(|| {
        AuthError::config(
            format!("{flag} is required for an org scan ({what})"),
            format!("pass {flag} or set {variable}; see `sfaudit login --help`"),
        )
    })
}

/// Validated settings of one org connection.
#[derive(Debug)]
pub struct OrgConnection {
    pub client_id: String,
    pub username: String,
    pub key: SigningKey,
    /// Where the token request goes: scheme and host (and port), no trailing slash.
    pub login_url: String,
    /// Explicit `aud`; `None` derives it from the login host and tries the other host once.
    pub audience: Option<String>,
    pub api_version: String,
    pub concurrency: usize,
    pub timeout: Duration,
}

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

fn normalize_audience(text: &str) -> Result<String, AuthError> {
    let text = text.trim().trim_end_matches('/');
    if text.starts_with("https://") || text.starts_with("http://") {
        Ok(text.to_string())
    } else {
        Err(AuthError::config(
            format!("--audience '{text}' is not a URL"),
            "use https://login.salesforce.com (production), https://test.salesforce.com (sandbox) or the Experience \
             Cloud site URL",
        ))
    }
}

/// The RSA private key that signs assertions. Its `Debug` shows where it came from, never the key.
pub struct SigningKey {
    key: jsonwebtoken::EncodingKey,
    source: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("SigningKey").field("source", &self.source).field("key", &"[redacted]").finish()
    }
}

pub(super) const NEW_KEY_HINT: &str = "create a key and certificate with `openssl req -x509 -sha256 -nodes -days 365 -newkey \
                            rsa:2048 -keyout server.key -out server.crt -subj /CN=sfaudit`, upload server.crt to the \
                            app (Use digital signatures) and pass --jwt-key-file server.key";

impl SigningKey {
    /// Loads a PEM private key; `source` (a path or a variable name) is the only thing messages show.
    pub(crate) fn from_pem(pem: &SecretString, source: &str) -> Result<Self, AuthError> {
        let text = pem.expose_secret();
        let labels: Vec<&str> =
            text.lines().filter_map(|line| line.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----")).collect();
        let refuse = |message: String, hint: &str| Err(AuthError::config(message, hint));
        if labels.contains(&"ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return refuse(
                format!("the private key in {source} is encrypted with a passphrase"),
                "sfaudit needs the key unencrypted: `openssl pkey -in encrypted.key -out server.key` (then restrict \
                 the file to the scanning account, or keep it in a secret store and pass it in SFAUDIT_JWT_KEY)",
            );
        }
        let Some(label) = labels.first() else {
            return refuse(
                format!("{source} is not a PEM private key (no -----BEGIN … PRIVATE KEY----- line)"),
                NEW_KEY_HINT,
            );
        };
        match *label {
            "RSA PRIVATE KEY" | "PRIVATE KEY" => {}
            "CERTIFICATE" => {
                return refuse(
                    format!("{source} holds a certificate, not the private key"),
                    "the certificate is what you upload to the app in Salesforce; pass the private key that goes \
                     with it (the file with -----BEGIN PRIVATE KEY-----)",
                );
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return refuse(
                    format!("{source} holds a public key, not the private key"),
                    "pass the private key whose certificate is uploaded to the app",
                );
            }
            other => {
                return refuse(
                    format!(
                        "{source} holds a '{}', not an RSA private key; Salesforce's JWT bearer flow only accepts RS256",
                        crate::escape::clip(other, 60)
                    ),
                    NEW_KEY_HINT,
                );
            }
        }
        let invalid = |detail: String| {
            AuthError::config(format!("{source} is not a valid RSA private key ({detail})"), NEW_KEY_HINT)
        };
        let key =
            jsonwebtoken::EncodingKey::from_rsa_pem(text.as_bytes()).map_err(|error| invalid(error.to_string()))?;
        // aws-lc parses the key when it first signs: sign once now, so a broken key is a
        // configuration error before any network call.
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::encode(&header, &serde_json::json!({"probe": true}), &key)
            .map_err(|error| invalid(error.to_string()))?;
        Ok(Self { key, source: source.to_string() })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn encoding_key(&self) -> &jsonwebtoken::EncodingKey {
        &self.key
    }
}

/// A login problem with what to do about it. `config` errors are the user's input (exit 2);
/// the others are Salesforce refusing or failing the login (exit 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub message: String,
    pub hint: String,
    pub config: bool,
}

impl AuthError {
    pub(crate) fn config(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: hint.into(), config: true }
    }

    pub(crate) fn refused(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: hint.into(), config: false }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {}

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

    #[test]
    fn keys_that_cannot_sign_are_refused_with_a_reason() {
        let check = |pem: &str, expected: &str| {
            let error = SigningKey::from_pem(&SecretString::from(pem), "key.pem").expect_err("refused");
            assert!(error.message.contains(expected), "{}", error.message);
            assert!(error.config);
        };
        check("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted");
        check(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            "encrypted",
        );
        check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate");
        check("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "RS256");
        check("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", "not a valid RSA private key");
        check("hello", "not a PEM");
    }

    #[test]
    fn settings_require_the_essentials() {
        let error = OrgSettings::default().resolve().expect_err("no client id");
        assert!(error.message.contains("--client-id"), "{}", error.message);
    }
}
