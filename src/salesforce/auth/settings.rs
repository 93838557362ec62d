//! Org connection settings: [`OrgSettings`] is the plain, mergeable set of inputs (command line,
//! `SFAUDIT_*` variables, a config profile); [`OrgSettings::resolve`] validates them into an
//! [`OrgConnection`] with its [`LoginMethod`]: the JWT bearer flow with the private key loaded and
//! wrapped, a Salesforce CLI login, or an SFDX auth URL. Every credential stays inside a secret
//! wrapper: nothing in this module can print it.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::error::AuthError;
use super::key::SigningKey;
use super::method::{CliLogin, JwtLogin, LoginMethod, SfdxUrl};
use super::url::{LOGIN_HOST, login_url};

/// Metadata and REST API version used unless `--api-version` says otherwise. 65.0 (Winter '26)
/// is the first to carry every External Client App policy field the rules read.
pub(crate) const DEFAULT_API_VERSION: &str = "65.0";
/// Calls in flight at once when the bound starts adapting (no `--concurrency`). The bound grows
/// from here to [`MAX_CONCURRENCY`] while the org answers well (see `salesforce::adaptive` and
/// `benches/org.rs`); starting lower wastes round trips, starting higher risks the Metadata
/// API's own concurrency limits on the first burst.
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
    /// Reuse the Salesforce CLI's login of this alias or username (`--target-org`).
    pub target_org: Option<String>,
    /// The Salesforce CLI executable (`sf` on the PATH unless a test says otherwise).
    pub sf_program: Option<PathBuf>,
    /// A `force://` SFDX auth URL (`SFAUDIT_SFDX_URL`), wrapped as read.
    pub sfdx_url: Option<SecretString>,
    /// A file holding the SFDX auth URL, or the JSON `sf org display --verbose --json` wrote.
    pub sfdx_url_file: Option<PathBuf>,
}

impl OrgSettings {
    /// Checks the settings and loads what the login method needs. Errors are configuration
    /// errors (exit 2). A Salesforce CLI login wins over an SFDX auth URL, which wins over the
    /// JWT bearer settings (a config profile may fill those in beside a `--target-org`).
    pub fn resolve(self) -> Result<OrgConnection, AuthError> {
        let api_version = self.api_version.clone().unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
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
        let adaptive = self.concurrency.is_none();
        let concurrency = self.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 || concurrency > MAX_CONCURRENCY {
            return Err(AuthError::config(
                format!("--concurrency {concurrency} is out of range"),
                format!("use 1 to {MAX_CONCURRENCY}; the default is {DEFAULT_CONCURRENCY}"),
            ));
        }
        let timeout = Duration::from_secs(self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS).max(1));
        let (method, login_url) = self.login_method()?;
        Ok(OrgConnection { method, login_url, api_version, concurrency, adaptive, timeout })
    }

    fn login_method(self) -> Result<(LoginMethod, String), AuthError> {
        if let Some(target) = self.target_org.map(|target| target.trim().to_string()).filter(|t| !t.is_empty()) {
            let program = self.sf_program.unwrap_or_else(|| PathBuf::from("sf"));
            // The instance comes from `sf org display`; this is only where messages say it is.
            return Ok((LoginMethod::SalesforceCli(CliLogin { target_org: target, program }), String::new()));
        }
        let sfdx_url = match (self.sfdx_url_file, self.sfdx_url) {
            (Some(path), _) => Some(SfdxUrl::from_file(&path)?),
            (None, Some(text)) => Some(SfdxUrl::parse(&text, "SFAUDIT_SFDX_URL")?),
            (None, None) => None,
        };
        if let Some(url) = sfdx_url {
            let login_url = match self.instance_url.as_deref() {
                Some(instance) => login_url(instance)?,
                None => format!("https://{}", url.host()),
            };
            return Ok((LoginMethod::SfdxUrl(url), login_url));
        }
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
                    "no login: pass --jwt-key-file (or SFAUDIT_JWT_KEY_FILE, or the PEM text in SFAUDIT_JWT_KEY) for \
                     the JWT bearer flow, --target-org to reuse a Salesforce CLI login, or --sfdx-url-file (or \
                     SFAUDIT_SFDX_URL) for an SFDX auth URL",
                    "scheduled scans should use the JWT bearer flow with the private key whose certificate is \
                     uploaded to the app (Setup → External Client App Manager → the app → Settings → OAuth Settings \
                     → Use digital signatures)",
                ));
            }
        };
        Ok((LoginMethod::Jwt(JwtLogin { client_id, username, key, audience }), login_url))
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
    pub method: LoginMethod,
    /// Where the token request goes (JWT bearer, SFDX auth URL): scheme and host (and port), no
    /// trailing slash. Empty for a Salesforce CLI login, whose instance the CLI names.
    pub login_url: String,
    pub api_version: String,
    /// Calls in flight at once: the fixed bound, or where an adaptive one starts.
    pub concurrency: usize,
    /// No `--concurrency` was given: the bound adapts to how the org answers, from
    /// `concurrency` up to [`MAX_CONCURRENCY`] (see `salesforce::adaptive`).
    pub adaptive: bool,
    pub timeout: Duration,
}

impl OrgConnection {
    /// The username given up front (JWT bearer `sub`); other methods learn it at login.
    pub fn username(&self) -> Option<&str> {
        match &self.method {
            LoginMethod::Jwt(jwt) => Some(&jwt.username),
            _ => None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_require_the_essentials() {
        let error = OrgSettings::default().resolve().expect_err("no client id");
        assert!(error.message.contains("--client-id"), "{}", error.message);
    }

    #[test]
    fn a_cli_login_wins_over_an_sfdx_url_which_wins_over_jwt() {
        let settings = |target: Option<&str>, url: Option<&str>| OrgSettings {
            client_id: Some("key".into()),
            username: Some("user@example.com".into()),
            target_org: target.map(str::to_string),
            sfdx_url: url.map(SecretString::from),
            ..OrgSettings::default()
        };
        let url = "force://PlatformCLI::5Aep861TOKEN@acme.my.salesforce.com:443";
        let cli = settings(Some("prod"), Some(url)).resolve().expect("cli");
        assert!(matches!(&cli.method, LoginMethod::SalesforceCli(login) if login.target_org == "prod"));
        let sfdx = settings(None, Some(url)).resolve().expect("sfdx url");
        assert!(matches!(sfdx.method, LoginMethod::SfdxUrl(_)));
        assert_eq!(sfdx.login_url, "https://acme.my.salesforce.com", "no port, always https");
        let overridden = OrgSettings { instance_url: Some("http://127.0.0.1:9".into()), ..settings(None, Some(url)) };
        assert_eq!(overridden.resolve().expect("override").login_url, "http://127.0.0.1:9");
        let error = settings(None, None).resolve().expect_err("no key");
        assert!(error.message.contains("--target-org") && error.message.contains("--sfdx-url-file"), "{error}");
    }
}
