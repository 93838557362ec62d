//! The Metadata API part of a live collection: list the types, read every listed component in
//! batches as soon as its type is listed, and keep what could not be read with the reason.
//! Connected Apps are normalized, and External Client App parts turned into metadata files
//! joined to their app by name, as each batch arrives (on the task that read it), so that work
//! overlaps the calls still in flight instead of following the last one.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::sources::{EXTRA_ECA_TYPES, LISTED_TYPES, SETTINGS, permission_for, said, unreadable};
use crate::collect::normalize::{self, MetadataType};
use crate::logging;
use crate::model::{AppRecord, EvaluationDate, Origin, ResourceKind, SourceKind};
use crate::salesforce::soap::{self, FileProperties, LIST_TYPES_PER_CALL, READ_NAMES_PER_CALL};
use crate::salesforce::{Client, SfError};
use crate::xml::{self, Element, MetadataDocument};

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
    // The types rules read; the other ECA types sfaudit knows are evidence here, as in `raw`.
    LISTED_TYPES
        .into_iter()
        .chain(SETTINGS.map(|(kind, _, _)| kind))
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

/// A Connected App, normalized as its batch arrived.
#[derive(Debug)]
pub(super) struct ReadConnectedApp {
    pub(super) properties: FileProperties,
    /// Where the record is shown (its file name).
    pub(super) path: String,
    /// The record, or why it cannot be interpreted.
    pub(super) normalized: Result<normalize::Normalized, String>,
}

/// An External Client App settings or policies record as a metadata file, with the app it names
/// (or why it names none).
#[derive(Debug)]
pub(super) struct ReadEcaPart {
    pub(super) kind: MetadataType,
    pub(super) full_name: String,
    pub(super) document: MetadataDocument,
    pub(super) app: Result<String, String>,
}

/// Everything the Metadata API gave.
#[derive(Debug, Default)]
pub(super) struct MetadataResult {
    /// Connected Apps read, sorted by name.
    pub(super) connected_apps: Vec<ReadConnectedApp>,
    /// External Client App records read (the types of [`LISTED_TYPES`] but `ConnectedApp`),
    /// sorted by type and name.
    pub(super) eca_parts: Vec<ReadEcaPart>,
    /// Other records read (the settings), by type: (what listMetadata said, the record).
    pub(super) records: BTreeMap<MetadataType, Vec<(FileProperties, Element)>>,
    /// Types the user may not list or read, with the reason.
    pub(super) unreadable: BTreeMap<MetadataType, String>,
    /// Components listed (or, for settings, asked for by name) whose read returned no record.
    pub(super) not_returned: Vec<(MetadataType, String)>,
    /// Records of [`EXTRA_ECA_TYPES`], by type.
    pub(super) extra: BTreeMap<&'static str, Vec<(FileProperties, Element)>>,
    /// Extra types that could not be listed or read, with the note saying why.
    pub(super) extra_unreadable: BTreeMap<&'static str, String>,
    /// Extra components listed whose read returned nothing.
    pub(super) extra_not_returned: Vec<String>,
}

impl MetadataResult {
    pub(super) fn records_of(&self, kind: MetadataType) -> &[(FileProperties, Element)] {
        self.records.get(&kind).map_or(&[], Vec::as_slice)
    }

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
    Read(Kind, Result<Vec<Arrived>, SfError>),
}

/// One listed component of a batch, made ready on the task that read it.
enum Arrived {
    ConnectedApp(Box<ReadConnectedApp>),
    EcaPart(ReadEcaPart),
    Record(FileProperties, Element),
    NotReturned(FileProperties),
}

/// Matches a batch's records to what was asked for, and normalizes what can be on its own.
fn arrived(kind: Kind, batch: Vec<FileProperties>, records: Vec<Element>, as_of: &EvaluationDate) -> Vec<Arrived> {
    let mut by_name: BTreeMap<String, Element> =
        records.into_iter().filter_map(|record| Some((record.text_of("fullName")?.to_string(), record))).collect();
    batch
        .into_iter()
        .map(|properties| {
            let Some(record) = by_name.remove(&properties.full_name) else { return Arrived::NotReturned(properties) };
            match kind {
                Kind::Rule(MetadataType::ConnectedApp) => {
                    let document = document(MetadataType::ConnectedApp.type_name(), &properties, &record);
                    let normalized = normalize::connected_app(&document, &properties.full_name, SourceKind::Org, as_of)
                        .map_err(|error| error.message);
                    Arrived::ConnectedApp(Box::new(ReadConnectedApp {
                        path: document.path.to_string(),
                        properties,
                        normalized,
                    }))
                }
                Kind::Rule(kind) if LISTED_TYPES.contains(&kind) => {
                    let document = document(kind.type_name(), &properties, &record);
                    let app = if kind == MetadataType::ExternalClientApplication {
                        Ok(properties.full_name.clone())
                    } else {
                        normalize::Reader::new(&document).linked_app().map_err(|error| error.message)
                    };
                    Arrived::EcaPart(ReadEcaPart { kind, full_name: properties.full_name, document, app })
                }
                _ => Arrived::Record(properties, record),
            }
        })
        .collect()
}

pub(super) async fn collect_metadata(client: Arc<Client>, as_of: EvaluationDate) -> Result<MetadataResult, SfError> {
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
            MetadataTask::Read(kind, read.map(|records| arrived(kind, batch, records, &as_of)))
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
            MetadataTask::Read(kind, Err(error)) if tolerated(&[kind], &error) => {
                result.record_unreadable(kind, &error);
            }
            MetadataTask::Listed(_, Err(error)) | MetadataTask::Read(_, Err(error)) => return Err(error),
            MetadataTask::Read(kind, Ok(batch)) => {
                for arrived in batch {
                    match (kind, arrived) {
                        (_, Arrived::ConnectedApp(app)) => result.connected_apps.push(*app),
                        (_, Arrived::EcaPart(part)) => result.eca_parts.push(part),
                        (Kind::Rule(kind), Arrived::Record(properties, record)) => {
                            result.records.entry(kind).or_default().push((properties, record));
                        }
                        (Kind::Rule(kind), Arrived::NotReturned(properties)) => {
                            result.not_returned.push((kind, properties.full_name));
                        }
                        (Kind::Extra(name), Arrived::Record(properties, record)) => {
                            result.extra.entry(name).or_default().push((properties, record));
                        }
                        (Kind::Extra(name), Arrived::NotReturned(properties)) => {
                            result.extra_not_returned.push(format!("{name} {}", properties.full_name));
                        }
                    }
                }
            }
        }
    }
    // Batches arrive in any order; what is built from them must not depend on it.
    result.connected_apps.sort_by(|a, b| a.properties.full_name.cmp(&b.properties.full_name));
    result.eca_parts.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    for records in result.records.values_mut().chain(result.extra.values_mut()) {
        records.sort_by(|a, b| a.0.full_name.cmp(&b.0.full_name));
    }
    Ok(result)
}

/// A readMetadata record as a metadata file: root named after the type, `fullName` dropped.
pub(super) fn document(type_name: &str, properties: &FileProperties, record: &Element) -> MetadataDocument {
    let path = if properties.file_name.is_empty() {
        format!("{type_name}/{}", properties.full_name)
    } else {
        properties.file_name.clone()
    };
    let mut root = record.clone();
    root.name = type_name.into();
    root.retain_children(|child| child.name != "fullName");
    MetadataDocument { path: path.into(), root, comments: Box::default() }
}

/// Beyond [`xml::remove_secrets`]: the field lists of [`EXTRA_ECA_TYPES`] are not documented
/// (push and mobile settings may hold platform credentials), so any element whose name looks like
/// a credential is dropped from their records too.
fn remove_credentials(element: &mut Element) {
    const CREDENTIAL_WORDS: [&str; 5] = ["secret", "password", "privatekey", "apikey", "serverkey"];
    element.retain_children(|child| {
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
pub(super) fn attach_extra_records(
    metadata: &MetadataResult,
    apps: &mut [AppRecord],
    notes: &mut Vec<String>,
) -> usize {
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
                MetadataType::key_of(type_name),
                Origin { source: SourceKind::Org, path: Some(document.path.clone()), line: None },
            );
            app.raw.insert(MetadataType::key_of(type_name), document.root.to_raw_document());
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let leaf = |name: &str, text: &str| Element {
            name: name.into(),
            text: text.into(),
            line: 1,
            children: Box::default(),
        };
        let mut record = Element {
            name: "ExtlClntAppPushSettings".into(),
            text: Box::default(),
            line: 1,
            children: Box::new([
                leaf("label", "Push"),
                leaf("androidServerKey", "k"),
                leaf("apnsCertificatePassword", "p"),
                Element {
                    name: "platform".into(),
                    text: Box::default(),
                    line: 1,
                    children: Box::new([leaf("fcmApiKey", "k"), leaf("environment", "production")]),
                },
            ]),
        };
        remove_credentials(&mut record);
        assert_eq!(record.to_json(), json!({"label": "Push", "platform": {"environment": "production"}}));
    }
}
