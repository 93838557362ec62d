//! The groups' outcomes → the inventory. A problem with one file stays with that file's app (or the
//! org): the app's affected data is declared missing, so its rules give `unknown`, and the
//! problem is listed; every other app is evaluated as usual.

use std::collections::BTreeMap;

use super::group::{self, AppOutcome, GroupKey, GroupOutcome, Leftover, Records, problem, unreadable};
use super::parse::{ParseProblem, ParsedFile};
use super::source_only::Facts;
use super::walk::FoundFile;
use crate::collect::normalize::{self, MetadataType};
use crate::diag::Diagnostic;
use crate::model::{
    AppRecord, EvaluationDate, InputProblem, OrgRecord, Origin, ResourceKind, ResourceName, SourceKind,
};
use crate::xml::MetadataDocument;

/// What the files gave: records and the problems met on the way.
pub(super) struct Assembled {
    pub apps: Vec<AppRecord>,
    pub org: OrgRecord,
    pub problems: Vec<InputProblem>,
    /// Source-control facts of second copies of a component, in walk order: not used for the
    /// record, but read for committed secrets.
    pub second_copies: Vec<Facts>,
}

/// The app a file names by itself (a Connected App or an ECA header), if any.
fn owner_of(file: &FoundFile) -> Option<ResourceName> {
    let kind = match file.kind {
        MetadataType::ConnectedApp => ResourceKind::ConnectedApp,
        MetadataType::ExternalClientApplication => ResourceKind::ExternalClientApp,
        _ => return None,
    };
    Some(ResourceName { kind, name: file.stem().to_string() })
}

/// Org record path an org settings type fills.
fn org_field(kind: MetadataType) -> &'static str {
    match kind {
        MetadataType::OauthOidcSettings => "oauth_oidc",
        MetadataType::ConnectedAppSettings => "connected_app_settings",
        _ => "external_client_app_settings",
    }
}

pub(super) fn assemble(files: &[FoundFile], mut org: OrgRecord, as_of: &EvaluationDate) -> Assembled {
    let (mut apps, gathered) = read_apps(files, as_of);
    let Gathered { mut unusable, mut org_settings_files, mut problems, outcomes } = gathered;
    unusable.sort_by_key(|(index, _)| *index);
    let unreadable_apps = note_unusable(files, unusable, &mut org, &mut problems);
    // Ahead of the others: the list is sorted by name later, and a file that cannot be read
    // stays listed before the record of the same name.
    if !unreadable_apps.is_empty() {
        apps.reserve_exact(unreadable_apps.len());
        apps.splice(0..0, unreadable_apps);
    }
    org_settings_files.sort_by_key(|file| file.0);
    for file in &org_settings_files {
        org_settings(&mut org, &file.1, file.1.kind, &mut problems);
    }
    drop(org_settings_files);

    let mut second_copies: Vec<(usize, Facts)> = Vec::new();
    for outcome in outcomes.into_values() {
        problems.extend(outcome.problems);
        second_copies.extend(outcome.second_copies);
    }
    second_copies.sort_by_key(|(index, _)| *index);
    note_missing_org_settings(&mut org);
    Assembled { apps, org, problems, second_copies: second_copies.into_iter().map(|(_, facts)| facts).collect() }
}

/// What the groups gave besides their records, to be applied in walk order.
#[derive(Default)]
struct Gathered {
    unusable: Vec<(usize, ParseProblem)>,
    org_settings_files: Vec<(usize, ParsedFile)>,
    problems: Vec<InputProblem>,
    outcomes: BTreeMap<ResourceName, AppOutcome>,
}

impl Gathered {
    /// Takes in one group's outcome; returns the parts it found to name another app.
    fn take(&mut self, outcome: GroupOutcome) -> Vec<Leftover> {
        self.unusable.extend(outcome.unusable);
        self.org_settings_files.extend(outcome.org_settings.map(|file| *file));
        self.problems.extend(outcome.problems);
        if let Some(app) = outcome.app {
            self.outcomes.insert(app.resource.clone(), app);
        }
        outcome.leftovers
    }
}

/// Reads every group, then, whole and again, each app that a part filed under another app's name
/// belongs to; the record read first for such an app is dropped.
fn read_apps(files: &[FoundFile], as_of: &EvaluationDate) -> (Vec<AppRecord>, Gathered) {
    let groups = group::groups(files);
    let records = Records::with_capacity(groups.len());
    let mut gathered = Gathered::default();
    let mut leftovers: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for outcome in read_groups(files, groups, as_of, &records) {
        for leftover in gathered.take(outcome) {
            leftovers.entry(leftover.app).or_default().push(leftover.index);
        }
    }
    let mut superseded = Vec::new();
    let reread: Vec<(GroupKey, Vec<usize>)> = leftovers
        .into_iter()
        .filter_map(|(app, mut members)| {
            let resource = ResourceName { kind: ResourceKind::ExternalClientApp, name: app.clone() };
            if let Some(first) = gathered.outcomes.get(&resource) {
                // A worker that failed on the app already made the scan fail, naming the app; its
                // files cannot be read again.
                if first.problems.iter().any(|problem| problem.fatal) {
                    return None;
                }
                superseded.push(first.position);
                members.extend(gathered.outcomes.remove(&resource).into_iter().flat_map(|first| first.members));
            }
            members.sort_unstable();
            Some((GroupKey::ExternalClientApp(app), members))
        })
        .collect();
    records.reserve(reread.len());
    for outcome in read_groups(files, reread, as_of, &records) {
        for leftover in gathered.take(outcome) {
            gathered.problems.push(problem(changed_while_read(&files[leftover.index]), None, true));
        }
    }
    let mut apps = records.into_inner();
    if !superseded.is_empty() {
        superseded.sort_unstable();
        let mut position = 0;
        apps.retain(|_| {
            position += 1;
            superseded.binary_search(&(position - 1)).is_err()
        });
    }
    (apps, gathered)
}

/// Lists the files that could not be used, in walk order: an app's own file gives an unreadable
/// record of it (returned), an org settings file leaves its field missing.
fn note_unusable(
    files: &[FoundFile],
    unusable: Vec<(usize, ParseProblem)>,
    org: &mut OrgRecord,
    problems: &mut Vec<InputProblem>,
) -> Vec<AppRecord> {
    let mut unreadable_apps = Vec::new();
    for (index, unusable) in unusable {
        let file = &files[index];
        match unusable {
            ParseProblem::Unparsable(diagnostic) => {
                let owner = owner_of(file);
                if let Some(owner) = &owner {
                    unreadable_apps.push(unreadable(owner, &file.relative, &diagnostic.message));
                }
                problems.push(problem(diagnostic, owner, true));
            }
            ParseProblem::WrongRoot(diagnostic) => {
                let owner = owner_of(file);
                let settings = matches!(
                    file.kind,
                    MetadataType::OauthOidcSettings
                        | MetadataType::ConnectedAppSettings
                        | MetadataType::ExternalClientAppSettings
                );
                if let Some(owner) = &owner {
                    unreadable_apps.push(unreadable(owner, &file.relative, &diagnostic.message));
                } else if settings {
                    org.missing.insert(org_field(file.kind), diagnostic.message.clone());
                }
                let resource = if settings { org_resource(org) } else { owner.clone() };
                // An ECA settings file that cannot be read cannot be joined to its app either.
                let fatal = owner.is_none() && !settings;
                problems.push(problem(diagnostic, resource, fatal));
            }
        }
    }
    unreadable_apps
}

/// Reads `groups` on every core, each record into `records`. A worker that panicked leaves its
/// app unread (a fatal problem, never an app left out), or its org settings file unparsable.
fn read_groups(
    files: &[FoundFile],
    groups: Vec<(GroupKey, Vec<usize>)>,
    as_of: &EvaluationDate,
    records: &Records,
) -> Vec<GroupOutcome> {
    let fallbacks: Vec<(Option<ResourceName>, usize)> =
        groups.iter().map(|(key, members)| (key.resource(), members.first().copied().unwrap_or_default())).collect();
    let outcomes = super::super::parallel_map_owned(groups, |(key, members)| {
        group::read_group(files, &key, &members, as_of, records)
    });
    outcomes
        .into_iter()
        .zip(fallbacks)
        .map(|(outcome, (resource, first))| {
            outcome.unwrap_or_else(|panic| {
                let diagnostic = panic.diagnostic(&files[first].relative);
                match resource {
                    Some(resource) => GroupOutcome {
                        app: Some(AppOutcome::failed(records, resource, diagnostic)),
                        ..Default::default()
                    },
                    None => GroupOutcome {
                        unusable: vec![(first, ParseProblem::Unparsable(diagnostic))],
                        ..Default::default()
                    },
                }
            })
        })
        .collect()
}

/// A part that named its app when it was first read and another when it was read again.
fn changed_while_read(file: &FoundFile) -> Diagnostic {
    Diagnostic::at(
        &file.relative,
        None,
        "the file changed while sfaudit read it: it named another External Client App the second time".to_string(),
        "scan again once nothing is writing to the project",
    )
}

fn org_resource(org: &OrgRecord) -> Option<ResourceName> {
    Some(ResourceName { kind: ResourceKind::Org, name: org.name.clone() })
}

/// Reads one org settings file into the org record; a second copy or a value that cannot be
/// interpreted leaves the field missing, with the problem listed.
fn org_settings(org: &mut OrgRecord, parsed: &ParsedFile, kind: MetadataType, problems: &mut Vec<InputProblem>) {
    let document = &parsed.document;
    let field = org_field(kind);
    if let Some(first) = org.files.get(kind.type_name()).and_then(|origin| origin.path.clone()) {
        let diagnostic = normalize::duplicate(document, kind.type_name(), &parsed.stem, &first);
        org.missing.insert(field.to_string(), diagnostic.message.clone());
        clear_org_field(org, kind);
        problems.push(problem(diagnostic, org_resource(org), false));
        return;
    }
    note_org_file(org, kind, document);
    let read = match kind {
        MetadataType::OauthOidcSettings => normalize::oauth_oidc_settings(document).map(|(settings, defaults)| {
            org.oauth_oidc = Some(settings);
            defaults
        }),
        MetadataType::ConnectedAppSettings => {
            normalize::connected_app_settings(document).map(|(settings, defaults)| {
                org.connected_app_settings = Some(settings);
                defaults
            })
        }
        _ => normalize::external_client_app_settings(document).map(|(settings, defaults)| {
            org.external_client_app_settings = Some(settings);
            defaults
        }),
    };
    match read {
        Ok(mut defaults) => org.defaults.append(&mut defaults),
        Err(diagnostic) => {
            org.missing.insert(field.to_string(), format!("{} cannot be used: {}", document.path, diagnostic.message));
            problems.push(problem(diagnostic, org_resource(org), false));
        }
    }
}

fn clear_org_field(org: &mut OrgRecord, kind: MetadataType) {
    match kind {
        MetadataType::OauthOidcSettings => org.oauth_oidc = None,
        MetadataType::ConnectedAppSettings => org.connected_app_settings = None,
        _ => org.external_client_app_settings = None,
    }
    org.defaults.retain(|path| !path.starts_with(org_field(kind)));
}

fn note_org_file(org: &mut OrgRecord, kind: MetadataType, document: &MetadataDocument) {
    let type_name = kind.type_name();
    let origin =
        Origin { source: SourceKind::Project, path: Some(document.path.clone()), line: Some(document.root.line) };
    if org.origin.path.is_none() {
        org.origin = origin.clone();
    }
    org.files.insert(type_name, origin);
    org.raw.insert(type_name, document.root.to_raw_document());
}

fn note_missing_org_settings(org: &mut OrgRecord) {
    let absent = [
        ("oauth_oidc", org.oauth_oidc.is_none(), "OauthOidc"),
        ("connected_app_settings", org.connected_app_settings.is_none(), "ConnectedApp"),
        ("external_client_app_settings", org.external_client_app_settings.is_none(), "ExternalClientApp"),
    ];
    for (field, is_absent, settings) in absent {
        if is_absent {
            org.missing.get_or_insert_with(field.to_string(), || {
                format!(
                    "no settings/{settings}.settings-meta.xml (settings/{settings}.settings in Metadata API format) in \
                     the project; retrieve the {settings} settings or scan the org"
                )
                .into()
            });
        }
    }
}
