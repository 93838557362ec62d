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

mod access;
mod assemble;
mod eca_usage;
mod health_check;
mod login_history;
mod metadata;
mod permissions;
mod sources;
mod token_inventory;
mod tokens;

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

pub use sources::{EXTRA_ECA_TYPES, LISTED_TYPES, OAUTH_TOKEN_WINDOW, SETTINGS};

use crate::logging;
use crate::model::{Collection, EvaluationDate, Inventory, TokenInventory};
use crate::salesforce::{Client, Priority, SfError, rest};
use assemble::OrgData;
use sources::unreadable;

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

/// A query of fields an org may not have (added in a later API version): a refusal of any kind
/// is data, recorded as the reason the fields are missing.
async fn optional_fields_query(
    client: Arc<Client>,
    object: &'static str,
    soql: String,
) -> Result<Result<Vec<Value>, String>, SfError> {
    match rest::query(&client, object, &soql, Priority::High).await {
        Ok(result) => Ok(Ok(result.records)),
        Err(error @ SfError::Refused { .. }) => Ok(Err(unreadable(object, &error))),
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
    Ok(collect_with_tokens(client, as_of).await?.0)
}

/// [`collect`], with the token inventory per app and user (`sfaudit tokens`).
pub async fn collect_with_tokens(
    client: Arc<Client>,
    as_of: &EvaluationDate,
) -> Result<(Inventory, TokenInventory), SfError> {
    let metadata = tokio::spawn(metadata::collect_metadata(Arc::clone(&client), *as_of));
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
    // The JWT-based access token timeouts of Connected Apps are not in their metadata.
    let jwt_timeouts = tokio::spawn(optional_fields_query(
        Arc::clone(&client),
        "ConnectedApplication",
        "SELECT Id, NamedUserUvidTimeout, UvidTimeout FROM ConnectedApplication".into(),
    ));
    let access = tokio::spawn(access::collect_access(Arc::clone(&client)));
    let (metadata, tokens, organization, applications, assignments, jwt_timeouts, access) =
        tokio::join!(metadata, tokens, organization, applications, assignments, jwt_timeouts, access);
    let data = OrgData {
        metadata: flatten(metadata)?,
        tokens: flatten(tokens)?,
        organization: flatten(organization)?,
        applications: flatten(applications)?,
        assignments: flatten(assignments)?,
        jwt_timeouts: flatten(jwt_timeouts)?,
        access: flatten(access)?,
    };
    let (instance_url, org_id, _) = client.identity();
    let stats = &client.stats;
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
    let collection = Collection {
        collected_at: crate::model::when::rfc3339(OffsetDateTime::now_utc()),
        instance_url: instance_url.clone(),
        org_id,
        username: client.username(),
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
    let assembled = assemble::assemble(data, collection, as_of);
    logging::log(2, format_args!("inventory assembled in {} ms", started.elapsed().as_millis()));
    Ok(assembled)
}
