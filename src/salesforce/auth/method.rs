//! The three ways sfaudit logs in: the JWT bearer flow (the documented way for scheduled scans),
//! the login a person already has in the Salesforce CLI (`--target-org`), and the `force://` SFDX
//! auth URL CI systems store (`--sfdx-url-file`, `SFAUDIT_SFDX_URL`). The URL is parsed here and
//! its parts are held as secrets; nothing can print them.
//!
//! The URL's shape is sfdx-core's (`AuthInfo.parseSfdxAuthUrl`, repo forcedotcom/sfdx-core,
//! `src/org/authInfo.ts`): `force://<clientId>:<clientSecret>:<refreshToken>@<host>`, the secret
//! possibly empty (`force://PlatformCLI::<refreshToken>@<host>`), the host without a scheme and
//! possibly with a port; the CLI always logs in over `https://<host>`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use secrecy::{ExposeSecret as _, SecretString};

use super::error::AuthError;
use super::key::SigningKey;

/// How this run logs in.
#[derive(Debug)]
pub enum LoginMethod {
    Jwt(JwtLogin),
    SalesforceCli(CliLogin),
    SfdxUrl(SfdxUrl),
}

impl LoginMethod {
    /// How `sfaudit login` and `-v` name the method.
    pub fn describe(&self) -> String {
        match self {
            Self::Jwt(_) => "the JWT bearer flow".to_string(),
            Self::SalesforceCli(cli) => format!(
                "the Salesforce CLI's login for {} (sf org display, sf org auth show-access-token)",
                cli.target_org
            ),
            Self::SfdxUrl(url) => {
                format!("the refresh-token flow of the SFDX auth URL in {} (app {})", url.source, url.client_id)
            }
        }
    }
}

/// The settings of the JWT bearer flow.
#[derive(Debug)]
pub struct JwtLogin {
    pub client_id: String,
    pub username: String,
    pub key: SigningKey,
    /// Explicit `aud`; `None` derives it from the login host and tries the other host once.
    pub audience: Option<String>,
}

/// A login the Salesforce CLI already holds.
#[derive(Debug, Clone)]
pub struct CliLogin {
    /// Alias or username, as `sf --target-org` takes it.
    pub target_org: String,
    /// The `sf` executable.
    pub program: PathBuf,
}

/// A parsed SFDX auth URL. The refresh token is replaced when the app rotates refresh tokens,
/// so a re-login in the same run uses the one Salesforce issued last.
pub struct SfdxUrl {
    pub(crate) client_id: String,
    client_secret: SecretString,
    refresh_token: Mutex<SecretString>,
    host: String,
    /// Where it came from (a file path or `SFAUDIT_SFDX_URL`): the only thing messages show.
    pub(crate) source: String,
}

impl fmt::Debug for SfdxUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SfdxUrl")
            .field("client_id", &self.client_id)
            .field("host", &self.host)
            .field("source", &self.source)
            .field("secrets", &"[redacted]")
            .finish()
    }
}

const URL_SHAPE: &str = "force://CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN@HOST (the secret may be empty)";
const URL_HINT: &str = "print the URL of an org the Salesforce CLI is logged in to with `sf org auth show-sfdx-auth-url \
                        --target-org ALIAS` (orgs logged in with `sf org login web`); store it in a secret store";

impl SfdxUrl {
    /// Reads the URL from a file: the URL itself, or the JSON of `sf org display --verbose --json`
    /// (or `sf org auth show-sfdx-auth-url --json`), where it is `sfdxAuthUrl`.
    pub(crate) fn from_file(path: &Path) -> Result<Self, AuthError> {
        let shown = path.display().to_string();
        let text = crate::input::read_text(path, crate::limits::MAX_KEY_FILE_BYTES)
            .map_err(|error| AuthError::config(format!("--sfdx-url-file {shown} {error}"), URL_HINT))?;
        let text = SecretString::from(text);
        let trimmed = text.expose_secret().trim_start();
        if trimmed.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(trimmed)
                .map_err(|_| AuthError::config(format!("{shown} starts like JSON but is not JSON"), URL_HINT))?;
            let found = value
                .get("sfdxAuthUrl")
                .or_else(|| value.get("result").and_then(|result| result.get("sfdxAuthUrl")))
                .and_then(serde_json::Value::as_str)
                .map(|url| SecretString::from(url.to_string()));
            return match found {
                Some(url) => Self::parse(&url, &shown),
                None => Err(AuthError::config(
                    format!("{shown} is JSON without an sfdxAuthUrl (or result.sfdxAuthUrl) member"),
                    URL_HINT,
                )),
            };
        }
        Self::parse(&text, &shown)
    }

    /// Parses `force://…`; messages name `source`, never the text.
    pub(crate) fn parse(text: &SecretString, source: &str) -> Result<Self, AuthError> {
        let text = text.expose_secret().trim();
        let refuse = |what: &str| AuthError::config(format!("{source} {what}; expected {URL_SHAPE}"), URL_HINT);
        if text.to_ascii_uppercase().contains("REDACTED") {
            return Err(AuthError::config(
                format!("{source} holds a redacted SFDX auth URL, not the URL"),
                "newer Salesforce CLIs hide it in `sf org display`; print it with `sf org auth show-sfdx-auth-url \
                 --target-org ALIAS --json`",
            ));
        }
        let Some(rest) = text.strip_prefix("force://") else {
            return Err(refuse("does not hold a force:// SFDX auth URL"));
        };
        // The host is after the last `@`: tokens never contain one (sfdx-core's character classes).
        let Some((credentials, host)) = rest.rsplit_once('@') else {
            return Err(refuse("has no @HOST"));
        };
        let parts: Vec<&str> = credentials.splitn(3, ':').collect();
        let [client_id, client_secret, refresh_token] = parts[..] else {
            return Err(refuse("does not have three parts before the @"));
        };
        let token_chars = |text: &str| {
            let body = text.trim_end_matches('=');
            text.len() - body.len() <= 2
                && body.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if client_id.is_empty() || !token_chars(client_id) {
            return Err(refuse("has no valid client id"));
        }
        if !token_chars(client_secret) {
            return Err(refuse("has a client secret with characters an SFDX auth URL cannot hold"));
        }
        if refresh_token.is_empty() || !token_chars(refresh_token) {
            return Err(refuse("has no valid refresh token"));
        }
        let host = host.trim_end_matches('/');
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')) {
            return Err(refuse("has no valid host"));
        }
        // The CLI ignores a port in the URL and always uses https.
        let host = host.split(':').next().unwrap_or_default().to_ascii_lowercase();
        Ok(Self {
            client_id: client_id.to_string(),
            client_secret: SecretString::from(client_secret.to_string()),
            refresh_token: Mutex::new(SecretString::from(refresh_token.to_string())),
            host,
            source: source.to_string(),
        })
    }

    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }

    pub(crate) fn refresh_token(&self) -> SecretString {
        self.refresh_token.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Keeps the refresh token Salesforce issued in place of the one used (rotation).
    pub(crate) fn rotate(&self, token: SecretString) {
        *self.refresh_token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = token;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SfdxUrl, AuthError> {
        SfdxUrl::parse(&SecretString::from(text), "url.txt")
    }

    #[test]
    fn the_cli_shape_parses_and_never_shows_its_secrets() {
        let url = parse("force://PlatformCLI::5Aep861Ab.c_d-e==@Acme.my.salesforce.com:8443").expect("parses");
        assert_eq!((url.client_id.as_str(), url.host()), ("PlatformCLI", "acme.my.salesforce.com"));
        assert_eq!(url.refresh_token().expose_secret(), "5Aep861Ab.c_d-e==");
        assert!(url.client_secret().expose_secret().is_empty());
        assert!(!format!("{url:?}").contains("5Aep861"), "Debug shows no token");
        let with_secret = parse("force://3MVG9key:SECRET123:5Aep861x@login.salesforce.com").expect("parses");
        assert_eq!(with_secret.client_secret().expose_secret(), "SECRET123");
    }

    #[test]
    fn malformed_urls_are_refused_without_echoing_them() {
        for (text, expected) in [
            ("https://acme.my.salesforce.com", "does not hold a force://"),
            ("force://PlatformCLI::5Aep861TOKEN", "no @HOST"),
            ("force://PlatformCLI:5Aep861TOKEN@host", "three parts"),
            ("force://:x:5Aep861TOKEN@host", "client id"),
            ("force://PlatformCLI:::@host", "refresh token"),
            ("force://PlatformCLI::5Aep861TOKEN@", "host"),
            ("force://PlatformCLI::5Aep 861TOKEN@host", "refresh token"),
            ("[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view", "redacted"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.message.contains(expected), "{text}: {}", error.message);
            assert!(!error.message.contains("5Aep861"), "{text}: the message echoes the token");
            assert!(error.config);
        }
    }

    #[test]
    fn a_file_may_hold_the_cli_json() {
        let folder = tempfile_dir();
        let path = folder.join("auth.json");
        std::fs::write(
            &path,
            r#"{"status":0,"result":{"sfdxAuthUrl":"force://PlatformCLI::5Aep861T@a.my.salesforce.com"}}"#,
        )
        .expect("write");
        assert_eq!(SfdxUrl::from_file(&path).expect("json").host(), "a.my.salesforce.com");
        std::fs::write(&path, "{\"result\":{}}").expect("write");
        assert!(SfdxUrl::from_file(&path).expect_err("no url").message.contains("without an sfdxAuthUrl"));
        std::fs::remove_dir_all(folder).ok();
    }

    fn tempfile_dir() -> PathBuf {
        let folder = std::env::temp_dir().join(format!("sfaudit-sfdx-url-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("temp dir");
        folder
    }
}
