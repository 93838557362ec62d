//! Live collector: an org, through the Metadata API and REST, to the same normalized records the
//! project collector builds (a `readMetadata` record has the children of the metadata file, so
//! [`normalize`] does the work), plus what only an org knows: its identity, OAuth token usage,
//! profile and permission set assignments, and apps users authorized that nobody installed.
//!
//! Calls run concurrently under the client's bound: the `listMetadata` calls and the settings
//! reads start at once, each `readMetadata` batch starts as soon as its type is listed, and the
//! REST queries (whose pages form sequential chains) run beside them at high priority.
//!
//! What makes a scan incomplete: only data a built-in rule reads. Such data the user may not
//! read becomes `missing` (rules give `unknown`) and an entry in `collection.incomplete` (exit 3
//! unless `--allow-incomplete`). The other ECA settings and policies types ([`EXTRA_ECA_TYPES`])
//! are collected as evidence (`raw` and `files` of their app) but no rule reads them, and some
//! may not exist in a given org or API version: when one cannot be listed or read (a permission,
//! or `INVALID_TYPE`), it becomes an entry in `collection.notes` and `missing` under
//! `raw.<Type>` of every External Client App (a custom rule reading it gives `unknown`), and the
//! scan stays complete. Any other failure (retries exhausted, API limit, login) ends the
//! collection.

mod assemble;
mod metadata;
mod tokens;

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

pub use tokens::{TokenRow, parse_datetime};

use metadata::MetadataResult;
use tokens::TokenScan;

use super::normalize::MetadataType;
use crate::logging;
use crate::model::{Collection, EvaluationDate, Inventory};
use crate::salesforce::{Client, Priority, SfError, rest};

/// Types listed and then read, in `listMetadata` order (two calls of three).
pub const LISTED_TYPES: [MetadataType; 6] = [
    MetadataType::ConnectedApp,
    MetadataType::ExternalClientApplication,
    MetadataType::ExtlClntAppOauthSettings,
    MetadataType::ExtlClntAppGlobalOauthSettings,
    MetadataType::ExtlClntAppOauthConfigurablePolicies,
    MetadataType::ExtlClntAppConfigurablePolicies,
];

/// The ECA settings and policies types no rule reads, listed and read as evidence (reference
/// §2.1: the SDR registry's types; some are UNCONFIRMED in the Metadata API guide, so an org may
/// answer `INVALID_TYPE`). Each record joins its app through `<externalClientApplication>` and is
/// kept in the app's `raw` and `files` under its type name. Listed apart from
/// [`LISTED_TYPES`] (three calls of at most three), so a type an org does not know never makes the
/// types rules need be listed again one by one. The registry's `ExtlClntAppSampleSettings` /
/// `ExtlClntAppSampleConfigurablePolicies` are left out: a plugin template whose public sObject
/// stubs hold only placeholder fields (`Policy1`, `Policy2`), no app's security settings.
pub const EXTRA_ECA_TYPES: [&str; 8] = [
    "ExtlClntAppOauthSecuritySettings",
    "ExtlClntAppMobileSettings",
    "ExtlClntAppMobileConfigurablePolicies",
    "ExtlClntAppNotificationSettings",
    "ExtlClntAppPushSettings",
    "ExtlClntAppPushConfigurablePolicies",
    "ExtlClntAppCanvasSettings",
    "ExtlClntAppSamlConfigurablePolicies",
];

/// Settings read directly by name (no listing needed): (type, fullName, Metadata API path).
pub const SETTINGS: [(MetadataType, &str, &str); 2] = [
    (MetadataType::OauthOidcSettings, "OauthOidc", "settings/OauthOidc.settings"),
    (MetadataType::ConnectedAppSettings, "ConnectedApp", "settings/ConnectedApp.settings"),
];

/// `OauthToken` queries return at most this many rows per query locator: page around it.
pub const OAUTH_TOKEN_WINDOW: usize = 2500;

const METADATA_PERMISSION: &str = "the integration user needs Metadata API read access: \"Modify Metadata Through \
                                   Metadata API Functions\" (or \"Modify All Data\") and \"View Setup and \
                                   Configuration\"";
const TOKEN_PERMISSION: &str = "the integration user needs \"Customize Application\" (and \"View Setup and \
                                Configuration\") to read every user's OauthToken records";
const SETUP_PERMISSION: &str = "the integration user needs \"View Setup and Configuration\"";

fn permission_for(source: &str) -> &'static str {
    match source {
        "OauthToken" => TOKEN_PERMISSION,
        "SetupEntityAccess" | "ConnectedApplication" | "Organization" => SETUP_PERMISSION,
        _ => METADATA_PERMISSION,
    }
}

/// What the API said, without the code repeated.
fn said(error: &SfError) -> String {
    match error {
        SfError::Refused { code, message, .. } => {
            // SOAP fault strings repeat the code: `INSUFFICIENT_ACCESS: insufficient access …`.
            let message = message.strip_prefix(&format!("{code}:")).map_or(message.as_str(), str::trim);
            format!("{code}: {message}")
        }
        other => other.to_string(),
    }
}

/// The reason text put into `missing` and `collection.incomplete` for an unreadable source.
fn unreadable(source: &str, error: &SfError) -> String {
    format!("{source} could not be read from the org ({}); {}", said(error), permission_for(source))
}

/// App names are matched without case or surrounding space: the org writes labels and names
/// inconsistently across objects.
fn lower(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A query whose refusal for lack of permission is data, not a failure.
async fn optional_query(
    client: Arc<Client>,
    object: &'static str,
    soql: String,
) -> Result<Result<Vec<Value>, String>, SfError> {
    match rest::query(&client, object, &soql, Priority::High).await {
        Ok(result) => Ok(Ok(result.records)),
        Err(error) if error.is_permission() => Ok(Err(unreadable(object, &error))),
        Err(error) => Err(error),
    }
}

fn flatten<T>(joined: Result<Result<T, SfError>, tokio::task::JoinError>) -> Result<T, SfError> {
    joined.map_err(|error| SfError::Failed { call: "collection".into(), message: error.to_string() })?
}

/// Collects the whole inventory. `Err` only for failures that make any result meaningless
/// (login, API limit, an API error after retries); unreadable data is recorded and collection
/// goes on.
pub async fn collect(client: Arc<Client>, as_of: &EvaluationDate) -> Result<Inventory, SfError> {
    let metadata = tokio::spawn(metadata::collect_metadata(Arc::clone(&client)));
    let tokens = tokio::spawn({
        let client = Arc::clone(&client);
        async move {
            match tokens::oauth_tokens(client).await {
                Ok(scan) => Ok(Ok(scan)),
                Err(error) if error.is_permission() => Ok(Err(unreadable("OauthToken", &error))),
                Err(error) => Err(error),
            }
        }
    });
    let organization = tokio::spawn(optional_query(
        Arc::clone(&client),
        "Organization",
        "SELECT Id, Name, IsSandbox, OrganizationType FROM Organization".into(),
    ));
    let applications = tokio::spawn(optional_query(
        Arc::clone(&client),
        "ConnectedApplication",
        "SELECT Id, Name FROM ConnectedApplication".into(),
    ));
    let assignments = tokio::spawn(optional_query(
        Arc::clone(&client),
        "SetupEntityAccess",
        "SELECT SetupEntityId, Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess \
         WHERE SetupEntityType = 'ConnectedApplication'"
            .into(),
    ));
    let (metadata, tokens, organization, applications, assignments) =
        tokio::join!(metadata, tokens, organization, applications, assignments);
    let data = OrgData {
        metadata: flatten(metadata)?,
        tokens: flatten(tokens)?,
        organization: flatten(organization)?,
        applications: flatten(applications)?,
        assignments: flatten(assignments)?,
    };
    let (instance_url, org_id, _) = client.identity();
    let stats = &client.stats;
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
    let collection = Collection {
        collected_at: crate::model::cert::rfc3339(OffsetDateTime::now_utc()),
        instance_url: instance_url.clone(),
        org_id,
        username: client.connection().username.clone(),
        api_version: client.api_version().to_string(),
        concurrency: client.connection().concurrency,
        api_calls: load(&stats.api_calls),
        retries: load(&stats.retries),
        logins: load(&stats.logins),
        api_usage: client.api_usage(),
        incomplete: Vec::new(),
        notes: Vec::new(),
    };
    let started = std::time::Instant::now();
    let inventory = assemble::assemble(data, collection, as_of);
    logging::log(2, format_args!("inventory assembled in {} ms", started.elapsed().as_millis()));
    Ok(inventory)
}

/// What the calls returned; `Err(reason)` for data the user may not read.
#[derive(Debug)]
struct OrgData {
    metadata: MetadataResult,
    tokens: Result<TokenScan, String>,
    organization: Result<Vec<Value>, String>,
    applications: Result<Vec<Value>, String>,
    assignments: Result<Vec<Value>, String>,
}
