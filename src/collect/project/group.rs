//! One app's files read, parsed and normalized together in one worker, so that the parse trees
//! of a project's files never all exist at once: each tree is freed as soon as its app's record
//! is built, and the next app's trees reuse its memory.
//!
//! Which files belong to an app is known from their names for Connected Apps and External
//! Client App headers. An ECA part names its app only in its `externalClientApplication`
//! element, so its app is guessed from its file name (`App_oauth.ecaOauth-meta.xml` is `App`'s)
//! and checked once it is parsed. A part that names another app is handed back as a
//! [`Leftover`], and `assemble` reads that app again with it: a wrong guess costs a second
//! read, never a wrong record.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use super::parse::{ParseProblem, ParsedFile, parse_one};
use super::source_only::{self, Facts};
use super::walk::FoundFile;
use crate::collect::normalize::{self, EcaParts, MetadataType, Normalized};
use crate::diag::Diagnostic;
use crate::model::{AppRecord, EvaluationDate, InputProblem, Origin, ResourceKind, ResourceName, SourceKind};

/// The file-name endings Salesforce gives an External Client App's part files when it retrieves
/// them; only used to guess which app a part belongs to.
const PART_SUFFIXES: &[&str] =
    &["_oauth", "_glbloauth", "_oauthPlcy", "_plcy", "_canvas", "_oauthSecurity", "_mobile", "_push"];

/// The files read together in one worker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum GroupKey {
    ConnectedApp(String),
    /// The app named by a header's file name, or guessed from a part's.
    ExternalClientApp(String),
    /// An org settings file, by its index in the walk: each is read on its own.
    OrgSettings(usize),
}

impl GroupKey {
    fn of(index: usize, file: &FoundFile) -> Self {
        match file.kind {
            MetadataType::ConnectedApp => Self::ConnectedApp(file.stem().to_string()),
            MetadataType::ExternalClientApplication => Self::ExternalClientApp(file.stem().to_string()),
            kind if kind.is_eca_part() => {
                let guess = PART_SUFFIXES.iter().find_map(|suffix| file.stem().strip_suffix(suffix));
                Self::ExternalClientApp(guess.filter(|app| !app.is_empty()).unwrap_or(file.stem()).to_string())
            }
            _ => Self::OrgSettings(index),
        }
    }

    /// The app a failed worker leaves unread; `None` for an org settings file.
    pub(super) fn resource(&self) -> Option<ResourceName> {
        match self {
            Self::ConnectedApp(name) => Some(ResourceName { kind: ResourceKind::ConnectedApp, name: name.clone() }),
            Self::ExternalClientApp(name) => {
                Some(ResourceName { kind: ResourceKind::ExternalClientApp, name: name.clone() })
            }
            Self::OrgSettings(_) => None,
        }
    }
}

/// The groups of `files`, each with its members' indexes in walk order.
pub(super) fn groups(files: &[FoundFile]) -> Vec<(GroupKey, Vec<usize>)> {
    let mut groups: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        groups.entry(GroupKey::of(index, file)).or_default().push(index);
    }
    groups.into_iter().collect()
}

/// An ECA part that names another app than the one its file name suggested.
pub(super) struct Leftover {
    pub index: usize,
    pub app: String,
}

/// The records the workers build, in one list sized before they start: a record moves into it as
/// soon as it is built, so that a project's records are never held in two places at once.
pub(super) struct Records(Mutex<Vec<AppRecord>>);

impl Records {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self(Mutex::new(Vec::with_capacity(capacity)))
    }

    /// Adds `record`; returns its position.
    pub(super) fn push(&self, record: AppRecord) -> usize {
        let mut records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        records.push(record);
        records.len() - 1
    }

    pub(super) fn reserve(&self, additional: usize) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).reserve_exact(additional);
    }

    pub(super) fn into_inner(self) -> Vec<AppRecord> {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one group's files gave.
#[derive(Default)]
pub(super) struct GroupOutcome {
    /// Files that could not be used, by walk index.
    pub unusable: Vec<(usize, ParseProblem)>,
    /// A parsed org settings file, by walk index.
    pub org_settings: Option<Box<(usize, ParsedFile)>>,
    pub app: Option<AppOutcome>,
    pub leftovers: Vec<Leftover>,
    /// Problems of files that no app owns (a part naming no app).
    pub problems: Vec<InputProblem>,
}

/// Where one app's record went, and what its files said on the way.
pub(super) struct AppOutcome {
    pub resource: ResourceName,
    /// The record's position in [`Records`].
    pub position: usize,
    pub problems: Vec<InputProblem>,
    /// Source-control facts of second copies, by walk index.
    pub second_copies: Vec<(usize, Facts)>,
    /// The files, by walk index, that are this app's: read again with a leftover that names it.
    pub members: Vec<usize>,
}

impl AppOutcome {
    /// The worker reading the app panicked: the app is unread, and the scan incomplete.
    pub(super) fn failed(records: &Records, resource: ResourceName, diagnostic: Diagnostic) -> Self {
        let position = records.push(unreadable(&resource, &diagnostic.location.path, &diagnostic.message));
        let problems = vec![problem(diagnostic, Some(resource.clone()), true)];
        Self { resource, position, problems, second_copies: Vec::new(), members: Vec::new() }
    }
}

/// What a worker knows about an app once its files are placed, before its record is stored.
struct Read {
    resource: ResourceName,
    normalized: Result<Normalized, Diagnostic>,
    /// Record paths a second copy puts in doubt, with why, applied in order.
    doubted: Vec<(&'static str, String)>,
    problems: Vec<InputProblem>,
    second_copies: Vec<(usize, Facts)>,
    members: Vec<usize>,
}

impl Read {
    /// Stores the record (an unreadable one when normalizing failed) with its doubts applied.
    fn store(self, records: &Records) -> AppOutcome {
        let Self { resource, normalized, doubted, mut problems, second_copies, members } = self;
        let record = match normalized {
            Ok(Normalized { mut record, problems: local }) => {
                for (path, reason) in doubted {
                    record.missing.insert(path, reason);
                }
                problems.extend(local.into_iter().map(|diagnostic| problem(diagnostic, Some(resource.clone()), false)));
                record
            }
            Err(diagnostic) => {
                let record = unreadable(&resource, &diagnostic.location.path, &diagnostic.message);
                problems.push(problem(diagnostic, Some(resource.clone()), false));
                record
            }
        };
        AppOutcome { resource, position: records.push(record), problems, second_copies, members }
    }
}

pub(super) fn problem(diagnostic: Diagnostic, resource: Option<ResourceName>, fatal: bool) -> InputProblem {
    InputProblem {
        path: diagnostic.location.path,
        line: diagnostic.location.line,
        message: diagnostic.message,
        hint: diagnostic.hint.unwrap_or_default(),
        resource,
        fatal,
    }
}

/// The record of an app whose file cannot be used: everything about it is missing.
pub(super) fn unreadable(owner: &ResourceName, path: &str, message: &str) -> AppRecord {
    let origin = Origin { source: SourceKind::Project, path: Some(path.into()), line: None };
    normalize::unreadable_app(owner.kind, &owner.name, origin, &format!("{path} cannot be used: {message}"))
}

/// Record paths an ECA's file of `kind` fills: what becomes unknown when it is in doubt.
fn eca_paths(kind: MetadataType) -> &'static [&'static str] {
    match kind {
        MetadataType::ExtlClntAppOauthSettings => &["oauth.scopes"],
        MetadataType::ExtlClntAppGlobalOauthSettings => &["oauth", "certificate"],
        MetadataType::ExtlClntAppOauthConfigurablePolicies => &["policy", "oauth.client_credentials_user"],
        MetadataType::ExtlClntAppConfigurablePolicies => &["enabled", "oauth_enabled"],
        MetadataType::ExtlClntAppCanvasSettings => &["raw.ExtlClntAppCanvasSettings"],
        MetadataType::ExtlClntAppOauthSecuritySettings => &["raw.ExtlClntAppOauthSecuritySettings"],
        _ => &[],
    }
}

/// Record paths a second Connected App file puts in doubt.
const CONNECTED_APP_PATHS: &[&str] = &["enabled", "oauth_enabled", "oauth", "certificate", "saml", "policy"];

/// Reads the files `members` of group `key` and builds its app's record.
pub(super) fn read_group(
    files: &[FoundFile],
    key: &GroupKey,
    members: &[usize],
    as_of: &EvaluationDate,
    records: &Records,
) -> GroupOutcome {
    let mut outcome = GroupOutcome::default();
    let mut parsed = Vec::with_capacity(members.len());
    for &index in members {
        match parse_one(&files[index]) {
            Ok(file) => parsed.push((index, file)),
            Err(unusable) => outcome.unusable.push((index, unusable)),
        }
    }
    match key {
        GroupKey::ConnectedApp(name) => {
            outcome.app = connected_app(name, &parsed, as_of).map(|read| read.store(records))
        }
        GroupKey::ExternalClientApp(name) => {
            outcome.app = external_client_app(name, &parsed, as_of, &mut outcome).map(|read| read.store(records));
        }
        GroupKey::OrgSettings(_) => outcome.org_settings = parsed.pop().map(Box::new),
    }
    outcome
}

/// The first parsable copy is the record; each later one is a problem that puts the record in
/// doubt, and is still read for committed secrets.
fn connected_app(name: &str, parsed: &[(usize, ParsedFile)], as_of: &EvaluationDate) -> Option<Read> {
    let ((first_index, first), later) = parsed.split_first()?;
    let resource = ResourceName { kind: ResourceKind::ConnectedApp, name: name.to_string() };
    let mut app = Read {
        normalized: normalize::connected_app(&first.document, name, SourceKind::Project, as_of),
        resource,
        doubted: Vec::new(),
        problems: Vec::new(),
        second_copies: Vec::new(),
        members: vec![*first_index],
    };
    for (index, copy) in later {
        let diagnostic = normalize::duplicate(&copy.document, "Connected App", name, &first.document.path);
        app.doubted.extend(CONNECTED_APP_PATHS.iter().map(|path| (*path, diagnostic.message.clone())));
        app.problems.push(problem(diagnostic, Some(app.resource.clone()), false));
        app.second_copies.extend(source_only::facts(copy).map(|facts| (*index, facts)));
    }
    Some(app)
}

/// Joins the parts that name `name` (the first of each kind wins) and builds the record; parts
/// that name another app are left over.
fn external_client_app(
    name: &str,
    parsed: &[(usize, ParsedFile)],
    as_of: &EvaluationDate,
    outcome: &mut GroupOutcome,
) -> Option<Read> {
    let resource = ResourceName { kind: ResourceKind::ExternalClientApp, name: name.to_string() };
    let mut parts = EcaParts::default();
    let (mut doubted, mut problems, mut second_copies, mut members) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (index, file) in parsed {
        let linked = if file.kind == MetadataType::ExternalClientApplication {
            file.stem.clone()
        } else {
            match normalize::Reader::new(&file.document).linked_app() {
                Ok(linked) => linked,
                Err(diagnostic) => {
                    // Nothing says which app this file configures.
                    outcome.problems.push(problem(diagnostic, None, true));
                    continue;
                }
            }
        };
        if linked != name {
            outcome.leftovers.push(Leftover { index: *index, app: linked });
            continue;
        }
        members.push(*index);
        if let Err(diagnostic) = parts.place(file.kind, &file.document, name) {
            doubted.extend(eca_paths(file.kind).iter().map(|path| (*path, diagnostic.message.clone())));
            problems.push(problem(diagnostic, Some(resource.clone()), false));
            second_copies.extend(source_only::facts(file).map(|facts| (*index, facts)));
        }
    }
    parts.documents().next()?;
    Some(Read {
        normalized: normalize::external_client_app(name, &parts, SourceKind::Project, as_of),
        resource,
        doubted,
        problems,
        second_copies,
        members,
    })
}
