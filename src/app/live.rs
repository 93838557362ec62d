//! Live-org commands: `sfaudit login`, `sfaudit collect --org`, and the `--org` source of
//! `sfaudit scan`.

use std::sync::Arc;

use secrecy::SecretString;

use super::console::{print_stderr, print_stdout, write_text};
use crate::cli::{CollectArgs, LoginArgs, OrgArgs};
use crate::error::{Error, exit};
use crate::gate::incomplete;
use crate::logging;
use crate::model::{EvaluationDate, Inventory};
use crate::salesforce::auth::{self, AuthError, OrgSettings};
use crate::salesforce::{Client, SfError};

/// The settings layer from the command line and environment; the PEM text of `SFAUDIT_JWT_KEY`
/// (or a profile's `jwt_key_env`) and the URL in `SFAUDIT_SFDX_URL` are read here, straight into
/// secret wrappers.
fn settings(args: &OrgArgs) -> OrgSettings {
    let key_variable = args.jwt_key_env.as_deref().unwrap_or("SFAUDIT_JWT_KEY");
    let jwt_key = std::env::var(key_variable).ok().filter(|pem| !pem.trim().is_empty()).map(SecretString::from);
    let sfdx_url = std::env::var("SFAUDIT_SFDX_URL").ok().filter(|url| !url.trim().is_empty()).map(SecretString::from);
    OrgSettings {
        target_org: args.target_org.clone(),
        sf_program: None,
        sfdx_url,
        sfdx_url_file: args.sfdx_url_file.clone(),
        client_id: args.client_id.clone(),
        username: args.username.clone(),
        jwt_key_file: args.jwt_key_file.clone(),
        jwt_key,
        instance_url: args.instance_url.clone(),
        audience: args.audience.clone(),
        api_version: args.api_version.clone(),
        concurrency: args.concurrency,
        timeout_seconds: args.timeout,
    }
}

/// Whether the login flags name an org by themselves (`--target-org`, `--sfdx-url-file`), so
/// `scan` needs no `--org`.
pub(crate) fn names_an_org(args: &OrgArgs) -> bool {
    args.target_org.is_some() || args.sfdx_url_file.is_some()
}

/// Fills what the command line left open from a config profile (`--profile NAME`, or the
/// config's `default_org`); the command line and `SFAUDIT_*` variables win.
pub(crate) fn with_profile(
    args: &OrgArgs,
    config: &crate::config::Config,
    profile: Option<&str>,
) -> Result<OrgArgs, Error> {
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
pub(crate) fn sf_error(error: SfError, api_calls: Option<u64>) -> Error {
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
        SfError::SessionRefused { call, jwt_token } => Error::Incomplete {
            message: format!(
                "the scan stopped: Salesforce refused every session right after a successful login (INVALID_SESSION_ID \
                 on {call}, with a fresh token, before any call worked){used}"
            ),
            hint: if jwt_token {
                "the access token is a JWT: the app issues JWT-based access tokens, which the Metadata API refuses. \
                 Turn off \"Issue JSON Web Token (JWT)-based access tokens for named users\" in the app's OAuth \
                 settings (External Client App Manager → the app → Settings → OAuth Settings)"
                    .into()
            } else {
                "the most likely cause is JWT-based access tokens, which the Metadata API refuses: turn off \"Issue \
                 JSON Web Token (JWT)-based access tokens for named users\" in the app's OAuth settings. Next, check \
                 the org's session settings (\"Lock sessions to the IP address from which they originated\") and the \
                 integration user's Login IP Ranges"
                    .into()
            },
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
    let connection = settings(args).resolve().map_err(auth_error)?;
    Client::connect(connection).await.map_err(|error| sf_error(error, None))
}

/// A live collection under way on its own runtime: started before the rest of a scan is set up,
/// so the login and the first calls overlap loading the rules.
#[derive(Debug)]
pub(crate) struct Collecting {
    runtime: tokio::runtime::Runtime,
    task: tokio::task::JoinHandle<Result<(Inventory, crate::model::TokenInventory), Error>>,
}

impl Collecting {
    /// Logs in and collects `args`'s org on the runtime's threads; dropping the result stops it.
    pub(crate) fn start(args: &OrgArgs, as_of: EvaluationDate) -> Result<Self, Error> {
        let runtime = runtime()?;
        let args = args.clone();
        let task = runtime.spawn(async move { collect_on(&args, &as_of).await });
        Ok(Self { runtime, task })
    }

    /// Waits for the collection.
    pub(crate) fn finish(self) -> Result<Inventory, Error> {
        let Self { runtime, task } = self;
        let joined = runtime.block_on(task).map_err(|error| {
            Error::usage(format!("the collection stopped unexpectedly: {error}"), "report this as a bug")
        })?;
        Ok(joined?.0)
    }
}

/// Logs in and collects the org's inventory and its token inventory (`sfaudit tokens`).
pub(crate) fn collect_with_tokens(
    args: &OrgArgs,
    as_of: &EvaluationDate,
) -> Result<(Inventory, crate::model::TokenInventory), Error> {
    runtime()?.block_on(collect_on(args, as_of))
}

async fn collect_on(
    args: &OrgArgs,
    as_of: &EvaluationDate,
) -> Result<(Inventory, crate::model::TokenInventory), Error> {
    let client = Arc::new(connect(args).await?);
    let result = crate::collect::org::collect_with_tokens(Arc::clone(&client), as_of).await;
    let calls = client.stats.api_calls.load(std::sync::atomic::Ordering::Relaxed);
    let (inventory, tokens) = result.map_err(|error| sf_error(error, Some(calls)))?;
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
    Ok((inventory, tokens))
}

/// `sfaudit login`: proves the set-up and prints the method, who and where, never the token.
pub(crate) fn login_command(args: &LoginArgs) -> Result<u8, Error> {
    let (method, token) = runtime()?.block_on(async {
        let connection = settings(&args.connection).resolve().map_err(auth_error)?;
        let http =
            crate::salesforce::http::http_client(connection.timeout, 1).map_err(|error| sf_error(error, None))?;
        let token = auth::login(&http, &connection).await.map_err(auth_error)?;
        Ok::<_, Error>((connection.method, token))
    })?;
    // Each value came from the command line or the token endpoint: one line each, escaped.
    let line = crate::escape::terminal_line;
    let user = match (token.username.as_str(), token.user_id.as_str()) {
        ("", "") => "(not named by this login method)".to_string(),
        (username, "") => line(username),
        ("", user_id) => format!("{} (the refresh-token flow names only the user id)", line(user_id)),
        (username, user_id) => format!("{} ({})", line(username), line(user_id)),
    };
    let mut text = format!(
        "Logged in with {}.\n  org id:   {}\n  user:     {user}\n  instance: {}\n",
        method.describe(),
        line(&token.org_id),
        line(&token.instance_url)
    );
    if !token.audience.is_empty() {
        text.push_str(&format!("  audience: {}\n", line(&token.audience)));
    }
    if !matches!(method, auth::LoginMethod::Jwt(_)) {
        text.push_str("  for scheduled scans use the JWT bearer flow: a key does not expire with a person's session\n");
    }
    print_stdout(&text)?;
    Ok(exit::OK)
}

/// `sfaudit collect --org … -o snapshot.json`: the inventory with collection metadata, no rules.
pub(crate) fn collect_command(args: &CollectArgs) -> Result<u8, Error> {
    let inventory = Collecting::start(&args.connection, EvaluationDate::now())?.finish()?;
    let mut text = crate::document::pretty::to_string(&inventory)
        .map_err(|error| Error::usage(format!("cannot write the snapshot: {error}"), "report this as a bug"))?;
    text.push('\n');
    write_text(args.output.as_deref(), &text)?;
    let verdict = incomplete::judge(inventory.source.collection.as_ref(), args.allow_incomplete, exit::OK);
    print_stderr(&verdict.lines);
    Ok(verdict.code)
}

/// Logs in and collects one org of a fleet, its calls counted against the fleet's global bound.
pub(crate) async fn collect_sharing(
    args: &OrgArgs,
    as_of: &EvaluationDate,
    permits: Arc<crate::salesforce::permits::Permits>,
) -> Result<Inventory, Error> {
    let connection = settings(args).resolve().map_err(auth_error)?;
    let client = Arc::new(Client::connect_sharing(connection, permits).await.map_err(|error| sf_error(error, None))?);
    let result = crate::collect::org::collect(Arc::clone(&client), as_of).await;
    let calls = client.stats.api_calls.load(std::sync::atomic::Ordering::Relaxed);
    result.map_err(|error| sf_error(error, Some(calls)))
}
