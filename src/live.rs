//! Live-org commands: `sfaudit login`, `sfaudit collect --org`, and the `--org` source of
//! `sfaudit scan`, with their flags (named like the Salesforce CLI's `org login jwt`).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use secrecy::SecretString;

use crate::auth::{self, AuthError, OrgSettings};
use crate::error::{Error, exit};
use crate::logging;
use crate::model::{EvaluationDate, Inventory};
use crate::salesforce::{Client, SfError};

/// How to log in to the org (`sfaudit login --help` lists them all).
#[derive(Debug, Clone, Default, Args)]
pub struct OrgArgs {
    /// Consumer key of the External Client App or Connected App used to log in (JWT `iss`)
    #[arg(long, env = "SFAUDIT_CLIENT_ID", value_name = "CONSUMER_KEY")]
    pub client_id: Option<String>,
    /// Username of the integration user (JWT `sub`)
    #[arg(long, env = "SFAUDIT_USERNAME", value_name = "USERNAME")]
    pub username: Option<String>,
    /// PEM private key whose certificate is uploaded to the app; or put the PEM text in SFAUDIT_JWT_KEY
    #[arg(long, env = "SFAUDIT_JWT_KEY_FILE", value_name = "FILE")]
    pub jwt_key_file: Option<PathBuf>,
    /// Login host: https://login.salesforce.com (default), https://test.salesforce.com or a My Domain URL
    #[arg(long, env = "SFAUDIT_INSTANCE_URL", value_name = "URL")]
    pub instance_url: Option<String>,
    /// JWT audience (`aud`); default follows the login host, and the other host is tried once
    #[arg(long, env = "SFAUDIT_AUDIENCE", value_name = "URL")]
    pub audience: Option<String>,
    /// Salesforce API version for Metadata and REST calls [default: 65.0]
    #[arg(long, env = "SFAUDIT_API_VERSION", value_name = "VERSION")]
    pub api_version: Option<String>,
    /// API calls in flight at once (1-64) [default: 16]
    #[arg(long, env = "SFAUDIT_CONCURRENCY", value_name = "N")]
    pub concurrency: Option<usize>,
    /// Time limit of one HTTP request, in seconds [default: 120]
    #[arg(long, env = "SFAUDIT_TIMEOUT", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// The environment variable holding the PEM key; set from a config profile's `jwt_key_env`.
    #[arg(skip)]
    pub jwt_key_env: Option<String>,
}

impl OrgArgs {
    /// The settings layer from the command line and environment; the PEM text of
    /// `SFAUDIT_JWT_KEY` is read here, straight into a secret wrapper.
    pub fn settings(&self) -> OrgSettings {
        let key_variable = self.jwt_key_env.as_deref().unwrap_or("SFAUDIT_JWT_KEY");
        let jwt_key = std::env::var(key_variable).ok().filter(|pem| !pem.trim().is_empty()).map(SecretString::from);
        OrgSettings {
            client_id: self.client_id.clone(),
            username: self.username.clone(),
            jwt_key_file: self.jwt_key_file.clone(),
            jwt_key,
            instance_url: self.instance_url.clone(),
            audience: self.audience.clone(),
            api_version: self.api_version.clone(),
            concurrency: self.concurrency,
            timeout_seconds: self.timeout,
        }
    }
}

/// Fills what the command line left open from a config profile (`--profile NAME`, or the
/// config's `default_org`); the command line and `SFAUDIT_*` variables win.
pub fn with_profile(args: &OrgArgs, config: &crate::config::Config, profile: Option<&str>) -> Result<OrgArgs, Error> {
    let Some(name) = profile.or(config.default_org.as_deref()) else { return Ok(args.clone()) };
    let Some(found) = config.orgs.get(name) else {
        let known: Vec<&str> = config.orgs.keys().map(String::as_str).collect();
        return Err(Error::usage(
            format!("no org profile '{name}' in the config"),
            if known.is_empty() {
                "add an [orgs.NAME] table to sfaudit.toml (see `sfaudit init`)".to_string()
            } else {
                format!("known profiles: {}", known.join(", "))
            },
        ));
    };
    let mut merged = args.clone();
    merged.client_id = merged.client_id.or_else(|| found.client_id.clone());
    merged.username = merged.username.or_else(|| found.username.clone());
    merged.instance_url = merged.instance_url.or_else(|| found.instance_url.clone());
    merged.api_version = merged.api_version.or_else(|| found.api_version.clone());
    merged.jwt_key_file = merged.jwt_key_file.or_else(|| found.jwt_key_file.clone());
    if std::env::var_os("SFAUDIT_JWT_KEY").is_none() {
        merged.jwt_key_env = found.jwt_key_env.clone();
    }
    Ok(merged)
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub connection: OrgArgs,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Collect from the org given by the login flags (the only source `collect` has; optional)
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub connection: OrgArgs,
    /// Write the snapshot to this file instead of standard output
    #[arg(long, short = 'o', env = "SFAUDIT_OUTPUT", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when some data could not be read (it is recorded in the snapshot)
    #[arg(long, env = "SFAUDIT_ALLOW_INCOMPLETE")]
    pub allow_incomplete: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::usage(format!("cannot start the async runtime: {error}"), "report this as a bug"))
}

fn auth_error(error: AuthError) -> Error {
    if error.config {
        Error::usage(error.message, error.hint)
    } else {
        Error::Incomplete { message: format!("login failed: {}", error.message), hint: error.hint }
    }
}

/// Maps a collection failure to the user-facing error (exit 3, or 2 for bad settings).
pub fn sf_error(error: SfError, api_calls: Option<u64>) -> Error {
    let used = api_calls.map(|calls| format!(" (this run made {calls} API calls)")).unwrap_or_default();
    match error {
        SfError::Auth(error) => auth_error(error),
        SfError::LimitExceeded { message } => Error::Incomplete {
            message: format!(
                "the scan stopped: the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED: {message}){used}"
            ),
            hint: "wait until the rolling 24-hour allowance frees up (Setup → Company Information → API Requests, \
                   Last 24 Hours), or ask Salesforce to raise it; no report was written because it would be \
                   incomplete"
                .into(),
        },
        SfError::Refused { call, code, message } => Error::Incomplete {
            message: format!("the scan stopped: {call} was refused: {code}: {message}{used}"),
            hint: "check --api-version and the integration user's permissions; run with -vv to see every call".into(),
        },
        SfError::Failed { call, message } => Error::Incomplete {
            message: format!("the scan stopped: {call}: {message}{used}"),
            hint: "Salesforce or the network failed repeatedly; try again later, or with --concurrency lower, and \
                   -vv to see every call and retry"
                .into(),
        },
    }
}

async fn connect(args: &OrgArgs) -> Result<Client, Error> {
    let connection = args.settings().resolve().map_err(auth_error)?;
    Client::connect(connection).await.map_err(|error| sf_error(error, None))
}

/// Logs in and collects the org's inventory.
pub fn collect_inventory(args: &OrgArgs, as_of: &EvaluationDate) -> Result<Inventory, Error> {
    runtime()?.block_on(async {
        let client = Arc::new(connect(args).await?);
        let result = crate::collect::org::collect(Arc::clone(&client), as_of).await;
        let calls = client.stats.api_calls.load(std::sync::atomic::Ordering::Relaxed);
        let inventory = result.map_err(|error| sf_error(error, Some(calls)))?;
        if let Some(collection) = &inventory.source.collection {
            logging::log(
                1,
                format_args!(
                    "collected {} apps with {} API calls ({} retries, {} logins){}",
                    inventory.apps.len(),
                    collection.api_calls,
                    collection.retries,
                    collection.logins,
                    collection
                        .api_usage
                        .map(|usage| format!("; org API usage {}/{}", usage.used, usage.max))
                        .unwrap_or_default()
                ),
            );
        }
        Ok(inventory)
    })
}

/// Exit 3 when the collection could not read everything rules need, unless the user accepts
/// that; says what is missing on standard error. Notes (data no built-in rule reads) are shown
/// and never change the exit code.
pub fn incomplete_gate(inventory: &Inventory, allow_incomplete: bool, code: u8) -> u8 {
    let Some(collection) = &inventory.source.collection else { return code };
    let mut stderr = std::io::stderr().lock();
    for note in &collection.notes {
        let _ = writeln!(stderr, "note: {note}");
    }
    if collection.incomplete.is_empty() {
        return code;
    }
    let verdict = if allow_incomplete { "warning" } else { "error" };
    let _ = writeln!(stderr, "{verdict}: the scan is incomplete; results that need this data are `unknown`:");
    for item in &collection.incomplete {
        let _ = writeln!(stderr, "  - {item}");
    }
    if allow_incomplete {
        code
    } else {
        let _ = writeln!(
            stderr,
            "  hint: grant the permissions named above, or pass --allow-incomplete to accept (exit 3 otherwise)"
        );
        exit::INCOMPLETE
    }
}

/// `sfaudit login`: proves the set-up and prints who and where, never the token.
pub fn login_command(args: &LoginArgs) -> Result<u8, Error> {
    let (username, instance_url, org_id, user_id, audience) = runtime()?.block_on(async {
        let connection = args.connection.settings().resolve().map_err(auth_error)?;
        let http =
            crate::salesforce::client::http_client(connection.timeout, 1).map_err(|error| sf_error(error, None))?;
        let token = auth::login(&http, &connection).await.map_err(auth_error)?;
        Ok::<_, Error>((connection.username.clone(), token.instance_url, token.org_id, token.user_id, token.audience))
    })?;
    let text = format!(
        "Logged in with the JWT bearer flow.\n  org id:   {org_id}\n  user:     {username} ({user_id})\n  instance: {instance_url}\n  audience: {audience}\n"
    );
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|source| Error::Output { path: "standard output".to_string(), source })?;
    Ok(exit::OK)
}

/// `sfaudit collect --org … -o snapshot.json`: the inventory with collection metadata, no rules.
pub fn collect_command(args: &CollectArgs) -> Result<u8, Error> {
    let inventory = collect_inventory(&args.connection, &EvaluationDate::now())?;
    let mut text = serde_json::to_string_pretty(&inventory)
        .map_err(|error| Error::usage(format!("cannot write the snapshot: {error}"), "report this as a bug"))?;
    text.push('\n');
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Output { path: path.display().to_string(), source })?
        }
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|source| Error::Output { path: "standard output".to_string(), source })?,
    }
    Ok(incomplete_gate(&inventory, args.allow_incomplete, exit::OK))
}
