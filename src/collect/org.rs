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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::normalize::{self, EcaParts, MetadataType};
use super::xml::{self, Element, MetadataDocument};
use crate::logging;
use crate::model::{
    AppRecord, Collection, EvaluationDate, Inventory, OrgIdentity, OrgRecord, Origin, ResourceKind, ScanSource,
    SourceKind, Usage,
};
use crate::salesforce::soap::{self, FileProperties, LIST_TYPES_PER_CALL, READ_NAMES_PER_CALL};
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

/// The note (`collection.notes`, and `missing` under `raw.<Type>`) for one of
/// [`EXTRA_ECA_TYPES`] that could not be collected.
fn not_collected(type_name: &str, error: &SfError) -> String {
    let why = match error {
        SfError::Refused { code, .. } if code == "INVALID_TYPE" => {
            "the org does not know this type at this API version (it is not in every org)".to_string()
        }
        _ => permission_for(type_name).to_string(),
    };
    format!(
        "{type_name} was not collected ({}); {why}. No built-in rule reads it, so the scan is complete without it",
        said(error)
    )
}

/// A type the collector lists: one rules read, or one of [`EXTRA_ECA_TYPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Rule(MetadataType),
    Extra(&'static str),
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Self::Rule(kind) => kind.type_name(),
            Self::Extra(name) => name,
        }
    }
}

fn kind_of(name: &str) -> Option<Kind> {
    MetadataType::ALL
        .into_iter()
        .find(|kind| kind.type_name() == name)
        .map(Kind::Rule)
        .or_else(|| EXTRA_ECA_TYPES.into_iter().find(|extra| *extra == name).map(Kind::Extra))
}

/// Whether a failed call leaves the collection going: a permission (or a type the org does not
/// have) on data rules read, and any refusal for types no rule reads.
fn tolerated(kinds: &[Kind], error: &SfError) -> bool {
    error.is_permission()
        || (matches!(error, SfError::Refused { .. }) && kinds.iter().all(|kind| matches!(kind, Kind::Extra(_))))
}

/// Everything the Metadata API gave.
#[derive(Debug, Default)]
struct MetadataResult {
    /// Records read, by type: (what listMetadata said, the record).
    records: BTreeMap<MetadataType, Vec<(FileProperties, Element)>>,
    /// Types the user may not list or read, with the reason.
    unreadable: BTreeMap<MetadataType, String>,
    /// Components listed whose read returned nothing.
    not_returned: Vec<String>,
    /// Records of [`EXTRA_ECA_TYPES`], by type.
    extra: BTreeMap<&'static str, Vec<(FileProperties, Element)>>,
    /// Extra types that could not be listed or read, with the note saying why.
    extra_unreadable: BTreeMap<&'static str, String>,
    /// Extra components listed whose read returned nothing.
    extra_not_returned: Vec<String>,
}

impl MetadataResult {
    fn record_unreadable(&mut self, kind: Kind, error: &SfError) {
        match kind {
            Kind::Rule(kind) => {
                self.unreadable.insert(kind, unreadable(kind.type_name(), error));
            }
            Kind::Extra(name) => {
                self.extra_unreadable.insert(name, not_collected(name, error));
            }
        }
    }
}

enum MetadataTask {
    Listed(Vec<Kind>, Result<Vec<FileProperties>, SfError>),
    Read(Kind, Vec<FileProperties>, Result<Vec<Element>, SfError>),
}

async fn collect_metadata(client: Arc<Client>) -> Result<MetadataResult, SfError> {
    let mut result = MetadataResult::default();
    let mut tasks: tokio::task::JoinSet<MetadataTask> = tokio::task::JoinSet::new();
    let spawn_list = |tasks: &mut tokio::task::JoinSet<MetadataTask>, types: Vec<Kind>| {
        let client = Arc::clone(&client);
        tasks.spawn(async move {
            let names: Vec<&str> = types.iter().map(|kind| kind.type_name()).collect();
            let listed = soap::list_metadata(&client, &names).await;
            MetadataTask::Listed(types, listed)
        });
    };
    let spawn_read = |tasks: &mut tokio::task::JoinSet<MetadataTask>, kind: Kind, batch: Vec<FileProperties>| {
        let client = Arc::clone(&client);
        tasks.spawn(async move {
            let names: Vec<String> = batch.iter().map(|properties| properties.full_name.clone()).collect();
            let read = soap::read_metadata(&client, kind.type_name(), &names).await;
            MetadataTask::Read(kind, batch, read)
        });
    };
    let rule_types: Vec<Kind> = LISTED_TYPES.into_iter().map(Kind::Rule).collect();
    let extra_types: Vec<Kind> = EXTRA_ECA_TYPES.into_iter().map(Kind::Extra).collect();
    for chunk in rule_types.chunks(LIST_TYPES_PER_CALL).chain(extra_types.chunks(LIST_TYPES_PER_CALL)) {
        spawn_list(&mut tasks, chunk.to_vec());
    }
    for (kind, name, path) in SETTINGS {
        let properties = FileProperties {
            full_name: name.to_string(),
            type_name: kind.type_name().to_string(),
            file_name: path.to_string(),
            namespace_prefix: String::new(),
            id: String::new(),
            manageable_state: String::new(),
        };
        spawn_read(&mut tasks, Kind::Rule(kind), vec![properties]);
    }
    while let Some(joined) = tasks.join_next().await {
        let task = joined
            .map_err(|error| SfError::Failed { call: "metadata collection".into(), message: error.to_string() })?;
        match task {
            MetadataTask::Listed(types, Ok(listed)) => {
                let mut by_type: BTreeMap<Kind, Vec<FileProperties>> = BTreeMap::new();
                for properties in listed {
                    // A server may answer with types we did not ask for; keep only ours.
                    if let Some(kind) = kind_of(&properties.type_name).filter(|kind| types.contains(kind)) {
                        by_type.entry(kind).or_default().push(properties);
                    }
                }
                for kind in types {
                    let mut listed = by_type.remove(&kind).unwrap_or_default();
                    listed.sort_by(|a, b| a.full_name.cmp(&b.full_name));
                    listed.dedup_by(|a, b| a.full_name == b.full_name);
                    logging::log(2, format_args!("{}: {} listed", kind.type_name(), listed.len()));
                    match kind {
                        Kind::Rule(kind) => {
                            result.records.entry(kind).or_default();
                        }
                        Kind::Extra(name) => {
                            result.extra.entry(name).or_default();
                        }
                    }
                    for batch in listed.chunks(READ_NAMES_PER_CALL) {
                        spawn_read(&mut tasks, kind, batch.to_vec());
                    }
                }
            }
            MetadataTask::Listed(types, Err(error)) if tolerated(&types, &error) && types.len() > 1 => {
                // One unreadable (or unknown) type fails the whole call: ask again type by type.
                for kind in types {
                    spawn_list(&mut tasks, vec![kind]);
                }
            }
            MetadataTask::Listed(types, Err(error)) if tolerated(&types, &error) => {
                for kind in types {
                    result.record_unreadable(kind, &error);
                }
            }
            MetadataTask::Read(kind, _, Err(error)) if tolerated(&[kind], &error) => {
                result.record_unreadable(kind, &error);
            }
            MetadataTask::Listed(_, Err(error)) | MetadataTask::Read(_, _, Err(error)) => return Err(error),
            MetadataTask::Read(kind, batch, Ok(records)) => {
                let mut by_name: BTreeMap<String, Element> = records
                    .into_iter()
                    .filter_map(|record| Some((record.text_of("fullName")?.to_string(), record)))
                    .collect();
                let (read, not_returned) = match kind {
                    Kind::Rule(kind) => (result.records.entry(kind).or_default(), &mut result.not_returned),
                    Kind::Extra(name) => (result.extra.entry(name).or_default(), &mut result.extra_not_returned),
                };
                for properties in batch {
                    match by_name.remove(&properties.full_name) {
                        Some(record) => read.push((properties, record)),
                        None => not_returned.push(format!("{} {}", kind.type_name(), properties.full_name)),
                    }
                }
            }
        }
    }
    for records in result.records.values_mut().chain(result.extra.values_mut()) {
        records.sort_by(|a, b| a.0.full_name.cmp(&b.0.full_name));
    }
    Ok(result)
}

/// One `OauthToken` row, reduced to what usage needs (never the token values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub user_id: String,
    pub app_name: String,
    pub last_used: Option<OffsetDateTime>,
    pub use_count: i64,
}

/// Salesforce writes `2026-01-01T10:00:00.000+0000`; RFC 3339 is accepted too.
pub fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    if let Ok(parsed) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(parsed);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, format).ok()
}

fn token_row(value: &Value) -> TokenRow {
    TokenRow {
        user_id: value.get("UserId").and_then(Value::as_str).unwrap_or_default().to_string(),
        app_name: value.get("AppName").and_then(Value::as_str).unwrap_or_default().to_string(),
        last_used: value.get("LastUsedDate").and_then(Value::as_str).and_then(parse_datetime),
        use_count: value.get("UseCount").and_then(Value::as_i64).unwrap_or_default(),
    }
}

/// Token rows and anything that makes them a lower bound.
#[derive(Debug, Default)]
struct TokenScan {
    rows: Vec<TokenRow>,
    notes: Vec<String>,
}

const TOKEN_FIELDS: &str = "UserId, AppName, LastUsedDate, UseCount";

/// Every `OauthToken` row, in windows of [`OAUTH_TOKEN_WINDOW`] ordered by user: when a window is
/// full, the rows of its last user may be cut, so they are dropped and the next window starts at
/// that user. A user who alone fills a window is read app by app.
async fn oauth_tokens(client: Arc<Client>) -> Result<TokenScan, SfError> {
    // The windows and pages form one sequential chain, the longest of the collection: it keeps
    // one concurrency slot for itself instead of queueing behind metadata reads at every page.
    let _lane = client.hold().await;
    let mut scan = TokenScan::default();
    let mut lower: Option<(String, bool)> = None; // (user id, inclusive)
    loop {
        let filter = match &lower {
            None => String::new(),
            Some((user, inclusive)) => {
                format!(" WHERE UserId {} {}", if *inclusive { ">=" } else { ">" }, rest::soql_string(user))
            }
        };
        let soql = format!("SELECT {TOKEN_FIELDS} FROM OauthToken{filter} ORDER BY UserId LIMIT {OAUTH_TOKEN_WINDOW}");
        let page = match rest::query(&client, "OauthToken", &soql, Priority::Held).await {
            Err(SfError::Refused { code, .. }) if lower.is_none() && !is_permission_code(&code) => {
                // The org refused the ordered query: read what one plain query gives.
                return plain_tokens(&client).await;
            }
            other => other?,
        };
        let rows: Vec<TokenRow> = page.records.iter().map(token_row).collect();
        let full = rows.len() >= OAUTH_TOKEN_WINDOW || (page.total_size as usize) > rows.len();
        if !full {
            scan.rows.extend(rows);
            return Ok(scan);
        }
        let last_user = rows.last().map(|row| row.user_id.clone()).unwrap_or_default();
        if rows.first().map(|row| row.user_id.as_str()) == Some(last_user.as_str()) {
            user_tokens(&client, &last_user, &mut scan).await?;
            lower = Some((last_user, false));
        } else {
            scan.rows.extend(rows.into_iter().filter(|row| row.user_id != last_user));
            lower = Some((last_user, true));
        }
    }
}

fn is_permission_code(code: &str) -> bool {
    SfError::Refused { call: String::new(), code: code.to_string(), message: String::new() }.is_permission()
}

async fn plain_tokens(client: &Client) -> Result<TokenScan, SfError> {
    let page =
        rest::query(client, "OauthToken", &format!("SELECT {TOKEN_FIELDS} FROM OauthToken"), Priority::Held).await?;
    let mut scan = TokenScan { rows: page.records.iter().map(token_row).collect(), notes: Vec::new() };
    if (page.total_size as usize) > scan.rows.len() {
        scan.notes.push(format!(
            "OauthToken: the org returned {} of {} tokens (its per-query cap) and refused the ordered query that \
             pages around the cap; token counts are lower bounds",
            scan.rows.len(),
            page.total_size
        ));
    }
    Ok(scan)
}

async fn user_tokens(client: &Client, user: &str, scan: &mut TokenScan) -> Result<(), SfError> {
    let mut lower: Option<(String, bool)> = None;
    loop {
        let filter = match &lower {
            None => String::new(),
            Some((app, inclusive)) => {
                format!(" AND AppName {} {}", if *inclusive { ">=" } else { ">" }, rest::soql_string(app))
            }
        };
        let soql = format!(
            "SELECT {TOKEN_FIELDS} FROM OauthToken WHERE UserId = {}{filter} ORDER BY AppName LIMIT {OAUTH_TOKEN_WINDOW}",
            rest::soql_string(user)
        );
        let page = rest::query(client, "OauthToken", &soql, Priority::Held).await?;
        let rows: Vec<TokenRow> = page.records.iter().map(token_row).collect();
        let full = rows.len() >= OAUTH_TOKEN_WINDOW || (page.total_size as usize) > rows.len();
        if !full {
            scan.rows.extend(rows);
            return Ok(());
        }
        let last_app = rows.last().map(|row| row.app_name.clone()).unwrap_or_default();
        if rows.first().map(|row| row.app_name.as_str()) == Some(last_app.as_str()) {
            scan.notes.push(format!(
                "OauthToken: user {user} holds {OAUTH_TOKEN_WINDOW} or more tokens of app '{last_app}'; its token \
                 count is a lower bound"
            ));
            scan.rows.extend(rows);
            lower = Some((last_app, false));
        } else {
            scan.rows.extend(rows.into_iter().filter(|row| row.app_name != last_app));
            lower = Some((last_app, true));
        }
    }
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
    let metadata = tokio::spawn(collect_metadata(Arc::clone(&client)));
    let tokens = tokio::spawn({
        let client = Arc::clone(&client);
        async move {
            match oauth_tokens(client).await {
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
    let inventory = assemble(data, collection, as_of);
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

/// A readMetadata record as a metadata file: root named after the type, `fullName` dropped.
fn document(type_name: &str, properties: &FileProperties, record: &Element) -> MetadataDocument {
    let path = if properties.file_name.is_empty() {
        format!("{type_name}/{}", properties.full_name)
    } else {
        properties.file_name.clone()
    };
    let mut root = record.clone();
    root.name = type_name.to_string();
    root.children.retain(|child| child.name != "fullName");
    MetadataDocument { path: path.into(), root }
}

fn org_origins(record: &mut AppRecord) {
    record.origin.source = SourceKind::Org;
    record.origin.line = None;
    for origin in record.files.values_mut() {
        origin.source = SourceKind::Org;
        origin.line = None;
    }
}

/// Beyond [`xml::remove_secrets`]: the field lists of [`EXTRA_ECA_TYPES`] are not documented
/// (push and mobile settings may hold platform credentials), so any element whose name looks like
/// a credential is dropped from their records too.
fn remove_credentials(element: &mut Element) {
    const CREDENTIAL_WORDS: [&str; 5] = ["secret", "password", "privatekey", "apikey", "serverkey"];
    element.children.retain(|child| {
        let name = child.name.to_ascii_lowercase();
        !CREDENTIAL_WORDS.iter().any(|word| name.contains(word))
    });
    for child in &mut element.children {
        remove_credentials(child);
    }
}

/// Joins each record of [`EXTRA_ECA_TYPES`] to its External Client App through
/// `<externalClientApplication>` and keeps it, secrets removed, in the app's `raw` and `files`
/// under its type name. What cannot be joined, and each type that could not be collected, is a
/// note: no built-in rule reads these types. An uncollected type is also `missing` under
/// `raw.<Type>` of every External Client App without it, so a custom rule reading it gives
/// `unknown`. Returns the number of components read.
fn attach_extra_records(metadata: &MetadataResult, apps: &mut [AppRecord], notes: &mut Vec<String>) -> usize {
    let positions: BTreeMap<String, usize> = apps
        .iter()
        .enumerate()
        .filter(|(_, app)| app.kind == ResourceKind::ExternalClientApp)
        .map(|(position, app)| (app.name.clone(), position))
        .collect();
    let mut kept: BTreeMap<(&str, String), &str> = BTreeMap::new();
    let mut read = 0;
    for (type_name, records) in &metadata.extra {
        for (properties, record) in records {
            read += 1;
            let mut document = document(type_name, properties, record);
            xml::remove_secrets(&mut document.root);
            remove_credentials(&mut document.root);
            let full_name = &properties.full_name;
            let linked = match normalize::Reader::new(&document).linked_app() {
                Ok(linked) => linked,
                Err(error) => {
                    notes.push(format!("{type_name} {full_name} was not joined to an app: {}", error.message));
                    continue;
                }
            };
            let Some(app) = positions.get(&linked).and_then(|position| apps.get_mut(*position)) else {
                notes.push(format!(
                    "{type_name} {full_name} names external client app '{linked}', which the org did not list; it \
                     was not joined to an app"
                ));
                continue;
            };
            if let Some(first) = kept.get(&(*type_name, linked.clone())) {
                notes.push(format!(
                    "{type_name} {full_name} is a second {type_name} of external client app '{linked}'; only \
                     {first} is kept"
                ));
                continue;
            }
            kept.insert((type_name, linked), full_name);
            app.files.insert(
                (*type_name).to_string(),
                Origin { source: SourceKind::Org, path: Some(document.path.clone()), line: None },
            );
            app.raw.insert((*type_name).to_string(), document.root.to_json());
        }
    }
    for (type_name, reason) in &metadata.extra_unreadable {
        notes.push(reason.clone());
        for app in apps.iter_mut().filter(|app| app.kind == ResourceKind::ExternalClientApp) {
            if !app.raw.contains_key(*type_name) {
                app.missing.insert(format!("raw.{type_name}"), reason.clone());
            }
        }
    }
    read
}

/// A record for an app whose metadata could not be read or interpreted: everything rules read
/// is declared missing, so they give `unknown`, never `pass`.
fn unreadable_app(kind: ResourceKind, name: &str, path: Option<String>, reason: &str) -> AppRecord {
    let origin = Origin { source: SourceKind::Org, path: path.map(Into::into), line: None };
    let mut app = normalize::new_app(kind, name, origin);
    for field in ["enabled", "oauth", "certificate", "policy"] {
        app.missing.insert(field.to_string(), reason.to_string());
    }
    app
}

/// Which ECA type a record path comes from, to reword `missing` reasons for an org.
fn eca_type_of(path: &str) -> MetadataType {
    if path == "policy" {
        MetadataType::ExtlClntAppOauthConfigurablePolicies
    } else if path == "oauth.scopes" {
        MetadataType::ExtlClntAppOauthSettings
    } else if path == "enabled" {
        MetadataType::ExtlClntAppConfigurablePolicies
    } else {
        MetadataType::ExtlClntAppGlobalOauthSettings
    }
}

fn lower(text: &str) -> String {
    text.trim().to_lowercase()
}

#[derive(Debug, Default)]
struct AppTokens {
    tokens: i64,
    users: BTreeSet<String>,
    last_used: Option<OffsetDateTime>,
    use_count: i64,
    /// The name as the org wrote it.
    name: String,
}

impl AppTokens {
    fn usage(&self, installed: bool, as_of: &EvaluationDate) -> Usage {
        let mut usage = Usage {
            token_count: self.tokens,
            user_count: i64::try_from(self.users.len()).unwrap_or(i64::MAX),
            last_used: self.last_used.map(crate::model::cert::rfc3339),
            use_count: self.use_count,
            installed,
            days_since_last_used: None,
        };
        usage.refresh_dates(as_of);
        usage
    }
}

fn assemble(data: OrgData, mut collection: Collection, as_of: &EvaluationDate) -> Inventory {
    let OrgData { metadata, tokens, organization, applications, assignments } = data;
    let incomplete = &mut collection.incomplete;
    for reason in metadata.unreadable.values() {
        incomplete.push(reason.clone());
    }
    for name in &metadata.not_returned {
        incomplete.push(format!("{name} was listed by the org but readMetadata returned nothing for it"));
    }
    let notes = &mut collection.notes;
    for name in &metadata.extra_not_returned {
        notes.push(format!(
            "{name} was listed by the org but readMetadata returned nothing for it; no built-in rule reads it"
        ));
    }
    let empty = Vec::new();
    let records_of = |kind: MetadataType| metadata.records.get(&kind).unwrap_or(&empty);
    let mut apps: Vec<AppRecord> = Vec::new();
    let mut components_read = 0;

    // Connected Apps.
    for (properties, record) in records_of(MetadataType::ConnectedApp) {
        components_read += 1;
        let document = document(MetadataType::ConnectedApp.type_name(), properties, record);
        match normalize::connected_app(&document, &properties.full_name, SourceKind::Org, as_of) {
            Ok(mut app) => {
                app.namespace = properties.namespace_prefix.clone();
                org_origins(&mut app);
                apps.push(app);
            }
            Err(error) => {
                let reason =
                    format!("the org's ConnectedApp {} cannot be interpreted: {}", properties.full_name, error.message);
                incomplete.push(reason.clone());
                apps.push(unreadable_app(
                    ResourceKind::ConnectedApp,
                    &properties.full_name,
                    Some(document.path.to_string()),
                    &reason,
                ));
            }
        }
    }

    // External Client Apps: join the settings records through `externalClientApplication`.
    let mut documents: Vec<(MetadataType, MetadataDocument, String)> = Vec::new();
    for kind in LISTED_TYPES.into_iter().filter(|kind| *kind != MetadataType::ConnectedApp) {
        for (properties, record) in records_of(kind) {
            components_read += 1;
            let document = document(kind.type_name(), properties, record);
            let app = if kind == MetadataType::ExternalClientApplication {
                properties.full_name.clone()
            } else {
                match normalize::Reader::new(&document).linked_app() {
                    Ok(app) => app,
                    Err(error) => {
                        incomplete.push(format!("{} {}: {}", kind.type_name(), properties.full_name, error.message));
                        continue;
                    }
                }
            };
            documents.push((kind, document, app));
        }
    }
    let mut parts: BTreeMap<&str, EcaParts<'_>> = BTreeMap::new();
    for (kind, document, app) in &documents {
        let entry = parts.entry(app.as_str()).or_default();
        let slot = match kind {
            MetadataType::ExternalClientApplication => &mut entry.header,
            MetadataType::ExtlClntAppOauthSettings => &mut entry.oauth_settings,
            MetadataType::ExtlClntAppGlobalOauthSettings => &mut entry.global_oauth,
            MetadataType::ExtlClntAppOauthConfigurablePolicies => &mut entry.oauth_policy,
            _ => &mut entry.policy,
        };
        if slot.is_none() {
            *slot = Some(document);
        }
    }
    for (name, eca) in &parts {
        let mut app = match normalize::external_client_app(name, eca, SourceKind::Org, as_of) {
            Ok(app) => app,
            Err(error) => {
                let reason = format!("the org's External Client App {name} cannot be interpreted: {}", error.message);
                incomplete.push(reason.clone());
                apps.push(unreadable_app(ResourceKind::ExternalClientApp, name, None, &reason));
                continue;
            }
        };
        org_origins(&mut app);
        for (path, reason) in &mut app.missing {
            let kind = eca_type_of(path);
            *reason = match metadata.unreadable.get(&kind) {
                Some(unreadable) => unreadable.clone(),
                None => format!("the org returned no {} for external client app '{name}'", kind.type_name()),
            };
        }
        if let Some(reason) = metadata.unreadable.get(&MetadataType::ExtlClntAppConfigurablePolicies) {
            app.missing.insert("enabled".into(), reason.clone());
        }
        if eca.oauth_policy.is_none() && eca.oauth_settings.is_none() && eca.global_oauth.is_none() {
            // No OAuth settings readable at all: say why instead of pretending the app has no OAuth.
            for kind in [MetadataType::ExtlClntAppOauthSettings, MetadataType::ExtlClntAppGlobalOauthSettings] {
                if let Some(reason) = metadata.unreadable.get(&kind) {
                    app.missing.insert("oauth".into(), reason.clone());
                }
            }
            if let Some(reason) = metadata.unreadable.get(&MetadataType::ExtlClntAppOauthConfigurablePolicies) {
                app.missing.insert("policy".into(), reason.clone());
            }
        }
        apps.push(app);
    }

    components_read += attach_extra_records(&metadata, &mut apps, notes);

    // ConnectedApplication rows: which apps exist (installed), and their ids for assignments.
    let application_names: Result<BTreeMap<String, String>, String> = applications.map(|rows| {
        rows.iter()
            .filter_map(|row| Some((row.get("Id")?.as_str()?.to_string(), row.get("Name")?.as_str()?.to_string())))
            .collect()
    });
    if let Err(reason) = &application_names {
        incomplete.push(reason.clone());
    }
    // Connected Apps whose metadata could not be read still exist: list them as unknown.
    if let (Some(reason), Ok(names)) = (metadata.unreadable.get(&MetadataType::ConnectedApp), &application_names) {
        let known: BTreeSet<String> = apps.iter().flat_map(|app| [lower(&app.name), lower(&app.label)]).collect();
        let mut seen = BTreeSet::new();
        for name in names.values() {
            if !known.contains(&lower(name)) && seen.insert(lower(name)) {
                apps.push(unreadable_app(ResourceKind::ConnectedApp, name, None, reason));
            }
        }
    }

    // Profile and permission set assignments (SetupEntityAccess), joined by app id → name.
    match (&assignments, &application_names) {
        (Ok(rows), Ok(names)) => {
            // App label and API name (lower case) → positions in `apps`.
            let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (position, app) in apps.iter().enumerate() {
                let (label, name) = (lower(&app.label), lower(&app.name));
                by_name.entry(label.clone()).or_default().push(position);
                if name != label {
                    by_name.entry(name).or_default().push(position);
                }
            }
            for row in rows {
                let Some(app_name) = row.get("SetupEntityId").and_then(Value::as_str).and_then(|id| names.get(id))
                else {
                    continue;
                };
                let parent = row.get("Parent").unwrap_or(&Value::Null);
                let by_profile = parent.get("IsOwnedByProfile").and_then(Value::as_bool).unwrap_or(false);
                let assigned = if by_profile {
                    parent.get("Profile").and_then(|profile| profile.get("Name")).and_then(Value::as_str)
                } else {
                    parent.get("Name").and_then(Value::as_str)
                };
                let Some(assigned) = assigned else { continue };
                let positions = by_name.get(&lower(app_name)).cloned().unwrap_or_default();
                for position in positions {
                    let Some(app) = apps.get_mut(position) else { continue };
                    let field = if by_profile { "profiles" } else { "permission_sets" };
                    let evidence = app.raw.entry("SetupEntityAccess".into()).or_insert_with(|| json!({}));
                    if let Some(map) = evidence.as_object_mut() {
                        let list = map.entry(field).or_insert_with(|| json!([]));
                        if let Some(list) = list.as_array_mut() {
                            list.push(Value::String(assigned.to_string()));
                        }
                    }
                    if let Some(policy) = app.policy.as_mut() {
                        let list = if by_profile { &mut policy.profiles } else { &mut policy.permission_sets };
                        if !list.iter().any(|existing| existing == assigned) {
                            list.push(assigned.to_string());
                        }
                    }
                }
            }
        }
        (Err(reason), _) => {
            incomplete.push(reason.clone());
            for app in &mut apps {
                for path in ["policy.profiles", "policy.permission_sets"] {
                    app.missing.entry(path.into()).or_insert_with(|| reason.clone());
                }
            }
        }
        (Ok(_), Err(reason)) => {
            for app in &mut apps {
                for path in ["policy.profiles", "policy.permission_sets"] {
                    app.missing.entry(path.into()).or_insert_with(|| reason.clone());
                }
            }
        }
    }

    // OAuth token usage, joined by app name (the org writes the app's label, or its name).
    match tokens {
        Ok(scan) => {
            incomplete.extend(scan.notes.iter().cloned());
            let mut by_app: BTreeMap<String, AppTokens> = BTreeMap::new();
            for row in &scan.rows {
                let entry = by_app.entry(lower(&row.app_name)).or_default();
                if entry.name.is_empty() {
                    entry.name = row.app_name.clone();
                }
                entry.tokens += 1;
                entry.users.insert(row.user_id.clone());
                entry.last_used = entry.last_used.max(row.last_used);
                entry.use_count = entry.use_count.saturating_add(row.use_count);
            }
            let none = AppTokens::default();
            let mut claimed: BTreeSet<String> = BTreeSet::new();
            for app in &mut apps {
                let key = [lower(&app.label), lower(&app.name)].into_iter().find(|key| by_app.contains_key(key));
                let tokens = key.as_ref().and_then(|key| by_app.get(key)).unwrap_or(&none);
                if let Some(key) = key {
                    claimed.insert(key);
                }
                app.usage = Some(tokens.usage(true, as_of));
            }
            let installed: Option<BTreeSet<String>> =
                application_names.as_ref().ok().map(|names| names.values().map(|name| lower(name)).collect());
            for (key, tokens) in &by_app {
                if claimed.contains(key) || installed.as_ref().is_some_and(|names| names.contains(key)) {
                    continue;
                }
                let mut app = unreadable_app(ResourceKind::ConnectedApp, &tokens.name, None, "");
                app.missing.clear();
                app.usage = Some(tokens.usage(false, as_of));
                app.raw.insert("OauthToken".into(), json!({"app_name": tokens.name, "token_count": tokens.tokens}));
                if let Err(reason) = &application_names {
                    app.missing.insert("usage.installed".into(), reason.clone());
                }
                apps.push(app);
            }
        }
        Err(reason) => {
            incomplete.push(reason.clone());
            for app in &mut apps {
                app.missing.insert("usage".into(), reason.clone());
            }
        }
    }
    apps.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));

    // The org record.
    let mut org = OrgRecord::empty(String::new(), SourceKind::Org);
    match &organization {
        Ok(rows) => {
            if let Some(row) = rows.first() {
                let text = |field: &str| row.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
                org.identity = Some(OrgIdentity {
                    id: text("Id"),
                    name: text("Name"),
                    sandbox: row.get("IsSandbox").and_then(Value::as_bool).unwrap_or(false),
                });
                let mut evidence = row.clone();
                if let Some(map) = evidence.as_object_mut() {
                    map.remove("attributes");
                }
                org.raw.insert("Organization".into(), evidence);
            }
        }
        Err(reason) => {
            incomplete.push(reason.clone());
            org.missing.insert("identity".into(), reason.clone());
        }
    }
    org.name = org
        .identity
        .as_ref()
        .map(|identity| identity.name.clone())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| collection.org_id.clone());
    for (kind, name, _) in SETTINGS {
        let field = match kind {
            MetadataType::OauthOidcSettings => "oauth_oidc",
            _ => "connected_app_settings",
        };
        let found = records_of(kind).iter().find(|(properties, _)| properties.full_name == name);
        let Some((properties, record)) = found else {
            let reason = metadata
                .unreadable
                .get(&kind)
                .cloned()
                .unwrap_or_else(|| format!("the org returned no {} ({name})", kind.type_name()));
            if !metadata.unreadable.contains_key(&kind) {
                incomplete.push(reason.clone());
            }
            org.missing.insert(field.into(), reason);
            continue;
        };
        components_read += 1;
        let document = document(kind.type_name(), properties, record);
        let parsed = match kind {
            MetadataType::OauthOidcSettings => {
                normalize::oauth_oidc_settings(&document).map(|settings| org.oauth_oidc = Some(settings))
            }
            _ => {
                normalize::connected_app_settings(&document).map(|settings| org.connected_app_settings = Some(settings))
            }
        };
        if let Err(error) = parsed {
            let reason = format!("the org's {} cannot be interpreted: {}", kind.type_name(), error.message);
            incomplete.push(reason.clone());
            org.missing.insert(field.into(), reason);
            continue;
        }
        org.files.insert(
            kind.type_name().into(),
            Origin { source: SourceKind::Org, path: Some(document.path.clone()), line: None },
        );
        org.raw.insert(kind.type_name().into(), document.root.to_json());
    }

    incomplete.sort();
    incomplete.dedup();
    notes.sort();
    notes.dedup();
    Inventory {
        schema_version: crate::model::INVENTORY_SCHEMA_VERSION,
        source: ScanSource {
            kind: SourceKind::Org,
            location: collection.instance_url.clone(),
            files_read: components_read,
            collection: Some(collection),
        },
        apps,
        org,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_datetimes_parse() {
        let parsed = parse_datetime("2026-01-02T10:00:00.000+0000").expect("salesforce format");
        assert_eq!(crate::model::cert::rfc3339(parsed), "2026-01-02T10:00:00Z");
        assert!(parse_datetime("2026-01-02T10:00:00Z").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn only_types_no_rule_reads_shrug_off_any_refusal() {
        let refused = |code: &str| SfError::Refused { call: "c".into(), code: code.into(), message: String::new() };
        let rule = [Kind::Rule(MetadataType::ExtlClntAppOauthSettings)];
        let extra = [Kind::Extra("ExtlClntAppMobileSettings"), Kind::Extra("ExtlClntAppPushSettings")];
        assert!(tolerated(&rule, &refused("INSUFFICIENT_ACCESS")));
        assert!(tolerated(&rule, &refused("INVALID_TYPE")));
        assert!(!tolerated(&rule, &refused("INVALID_OPERATION")));
        assert!(tolerated(&extra, &refused("INVALID_OPERATION")));
        // Broken transport, the API limit or a failed login end the scan whatever the type.
        assert!(!tolerated(&extra, &SfError::Failed { call: "c".into(), message: "gave up".into() }));
        assert!(!tolerated(&extra, &SfError::LimitExceeded { message: "limit".into() }));
        assert_eq!(kind_of("ExtlClntAppCanvasSettings"), Some(Kind::Extra("ExtlClntAppCanvasSettings")));
        assert_eq!(kind_of("ConnectedApp"), Some(Kind::Rule(MetadataType::ConnectedApp)));
        assert_eq!(kind_of("ExtlClntAppSampleSettings"), None);
    }

    #[test]
    fn credential_like_elements_leave_extra_records() {
        let leaf = |name: &str, text: &str| Element { name: name.into(), text: text.into(), line: 1, children: vec![] };
        let mut record = Element {
            name: "ExtlClntAppPushSettings".into(),
            text: String::new(),
            line: 1,
            children: vec![
                leaf("label", "Push"),
                leaf("androidServerKey", "k"),
                leaf("apnsCertificatePassword", "p"),
                Element {
                    name: "platform".into(),
                    text: String::new(),
                    line: 1,
                    children: vec![leaf("fcmApiKey", "k"), leaf("environment", "production")],
                },
            ],
        };
        remove_credentials(&mut record);
        assert_eq!(record.to_json(), json!({"label": "Push", "platform": {"environment": "production"}}));
    }
}
