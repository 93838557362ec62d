//! Parsed files → the inventory. A problem with one file stays with that file's app (or the
//! org): the app's affected data is declared missing, so its rules give `unknown`, and the
//! problem is listed; every other app is evaluated as usual.

use std::collections::BTreeMap;

use super::parse::{ParseProblem, ParsedFile};
use super::walk::FoundFile;
use crate::collect::normalize::{self, EcaParts, MetadataType, Normalized};
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
    /// Second copies of a component: not used for the record, but read for committed secrets.
    pub second_copies: Vec<ParsedFile>,
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

fn app_name(kind: ResourceKind, name: &str) -> Option<ResourceName> {
    Some(ResourceName { kind, name: name.to_string() })
}

/// The app a file names by itself (a Connected App or an ECA header), if any.
fn owner_of(file: &FoundFile) -> Option<ResourceName> {
    match file.kind {
        MetadataType::ConnectedApp => app_name(ResourceKind::ConnectedApp, &file.stem),
        MetadataType::ExternalClientApplication => app_name(ResourceKind::ExternalClientApp, &file.stem),
        _ => None,
    }
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

/// Org record path an org settings type fills.
fn org_field(kind: MetadataType) -> &'static str {
    match kind {
        MetadataType::OauthOidcSettings => "oauth_oidc",
        MetadataType::ConnectedAppSettings => "connected_app_settings",
        _ => "external_client_app_settings",
    }
}

pub(super) fn assemble(
    files: &[FoundFile],
    parsed: Vec<Result<ParsedFile, ParseProblem>>,
    mut org: OrgRecord,
    as_of: &EvaluationDate,
) -> Assembled {
    let mut problems = Vec::new();
    let mut apps = Vec::new();
    let mut documents = Vec::new();
    for (file, result) in files.iter().zip(parsed) {
        match result {
            Ok(parsed) => documents.push(parsed),
            Err(ParseProblem::Unparsable(diagnostic)) => {
                let owner = owner_of(file);
                if let Some(owner) = &owner {
                    apps.push(unreadable(owner, &file.relative, &diagnostic.message));
                }
                problems.push(problem(diagnostic, owner, true));
            }
            Err(ParseProblem::WrongRoot(diagnostic)) => {
                let owner = owner_of(file);
                let settings = matches!(
                    file.kind,
                    MetadataType::OauthOidcSettings
                        | MetadataType::ConnectedAppSettings
                        | MetadataType::ExternalClientAppSettings
                );
                if let Some(owner) = &owner {
                    apps.push(unreadable(owner, &file.relative, &diagnostic.message));
                } else if settings {
                    org.missing.insert(org_field(file.kind).to_string(), diagnostic.message.clone());
                }
                let resource = if settings { org_resource(&org) } else { owner.clone() };
                // An ECA settings file that cannot be read cannot be joined to its app either.
                let fatal = owner.is_none() && !settings;
                problems.push(problem(diagnostic, resource, fatal));
            }
        }
    }

    // Files are grouped by their index in `documents`, so that each app's files can then be
    // moved into the worker that normalizes it and freed there.
    let mut connected_apps: BTreeMap<String, usize> = BTreeMap::new();
    let mut doubted_apps: BTreeMap<ResourceName, String> = BTreeMap::new();
    let mut second_copies: Vec<usize> = Vec::new();
    let mut eca_parts: BTreeMap<String, EcaParts<'_>> = BTreeMap::new();
    let mut eca_files: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut doubted_paths: BTreeMap<String, Vec<(&'static str, String)>> = BTreeMap::new();
    for (index, parsed) in documents.iter().enumerate() {
        let document = &parsed.document;
        match parsed.kind {
            MetadataType::ConnectedApp => match connected_apps.get(&parsed.stem) {
                Some(&first) => {
                    let first = &documents[first].document.path;
                    let diagnostic = normalize::duplicate(document, "Connected App", &parsed.stem, first);
                    let owner = ResourceName { kind: ResourceKind::ConnectedApp, name: parsed.stem.clone() };
                    doubted_apps.insert(owner.clone(), diagnostic.message.clone());
                    problems.push(problem(diagnostic, Some(owner), false));
                    second_copies.push(index);
                }
                None => {
                    connected_apps.insert(parsed.stem.clone(), index);
                }
            },
            kind if kind == MetadataType::ExternalClientApplication || kind.is_eca_part() => {
                let app = if kind == MetadataType::ExternalClientApplication {
                    parsed.stem.clone()
                } else {
                    match normalize::Reader::new(document).linked_app() {
                        Ok(app) => app,
                        Err(diagnostic) => {
                            // Nothing says which app this file configures.
                            problems.push(problem(diagnostic, None, true));
                            continue;
                        }
                    }
                };
                match eca_parts.entry(app.clone()).or_default().place(kind, document, &app) {
                    Ok(()) => eca_files.entry(app).or_default().push(index),
                    Err(diagnostic) => {
                        let doubted = doubted_paths.entry(app.clone()).or_default();
                        for path in eca_paths(kind) {
                            doubted.push((path, diagnostic.message.clone()));
                        }
                        problems.push(problem(diagnostic, app_name(ResourceKind::ExternalClientApp, &app), false));
                        second_copies.push(index);
                    }
                }
            }
            kind => org_settings(&mut org, parsed, kind, &mut problems),
        }
    }
    let external_paths: BTreeMap<String, String> = eca_parts
        .iter()
        .map(|(name, parts)| {
            let path = parts.documents().next().map_or_else(|| name.clone(), |document| document.path.to_string());
            (name.clone(), path)
        })
        .collect();
    drop(eca_parts);

    let mut files_of: Vec<Option<ParsedFile>> = documents.into_iter().map(Some).collect();
    let mut take = |index: usize| files_of[index].take();
    let connected: Vec<ParsedFile> = connected_apps.values().filter_map(|&index| take(index)).collect();
    let external: Vec<(String, Vec<ParsedFile>)> = eca_files
        .into_iter()
        .map(|(name, indexes)| (name, indexes.into_iter().filter_map(&mut take).collect()))
        .collect();
    let second_copies: Vec<ParsedFile> = second_copies.into_iter().filter_map(&mut take).collect();
    drop(files_of);

    let connected_names: Vec<(ResourceName, String)> = connected
        .iter()
        .map(|parsed| {
            let name = ResourceName { kind: ResourceKind::ConnectedApp, name: parsed.stem.clone() };
            (name, parsed.document.path.to_string())
        })
        .collect();
    let external_names: Vec<(ResourceName, String)> = external
        .iter()
        .map(|(name, _)| {
            let path = external_paths.get(name).cloned().unwrap_or_else(|| name.clone());
            (ResourceName { kind: ResourceKind::ExternalClientApp, name: name.clone() }, path)
        })
        .collect();
    let normalized = super::super::parallel_map_owned(connected, |parsed| {
        normalize::connected_app(&parsed.document, &parsed.stem, SourceKind::Project, as_of)
    });
    let external = super::super::parallel_map_owned(external, |(name, files)| {
        let mut parts = EcaParts::default();
        for parsed in &files {
            parts.place(parsed.kind, &parsed.document, &name)?;
        }
        normalize::external_client_app(&name, &parts, SourceKind::Project, as_of)
    });
    // Exactly sized: the list lives until the report is written, and growing it by doubling
    // would leave up to half of it unused.
    apps.reserve_exact(normalized.len() + external.len());
    for ((resource, path), outcome) in
        connected_names.into_iter().chain(external_names).zip(normalized.into_iter().chain(external))
    {
        // A worker that panicked leaves the app unread: a fatal problem, never an app left out.
        let (outcome, fatal) = match outcome {
            Ok(outcome) => (outcome, false),
            Err(panic) => (Err(panic.diagnostic(&path)), true),
        };
        match outcome {
            Ok(Normalized { mut record, problems: local }) => {
                if let Some(reason) = doubted_apps.get(&resource) {
                    for path in ["enabled", "oauth_enabled", "oauth", "certificate", "saml", "policy"] {
                        record.missing.insert(path.to_string(), reason.clone());
                    }
                }
                for (path, reason) in doubted_paths.get(&resource.name).into_iter().flatten() {
                    if resource.kind == ResourceKind::ExternalClientApp {
                        record.missing.insert((*path).to_string(), reason.clone());
                    }
                }
                problems.extend(local.into_iter().map(|diagnostic| problem(diagnostic, Some(resource.clone()), false)));
                apps.push(record);
            }
            Err(diagnostic) => {
                let path = diagnostic.location.path.clone();
                apps.push(unreadable(&resource, &path, &diagnostic.message));
                problems.push(problem(diagnostic, Some(resource), fatal));
            }
        }
    }
    note_missing_org_settings(&mut org);
    Assembled { apps, org, problems, second_copies }
}

fn org_resource(org: &OrgRecord) -> Option<ResourceName> {
    Some(ResourceName { kind: ResourceKind::Org, name: org.name.clone() })
}

fn unreadable(owner: &ResourceName, path: &str, message: &str) -> AppRecord {
    let origin = Origin { source: SourceKind::Project, path: Some(path.into()), line: None };
    normalize::unreadable_app(owner.kind, &owner.name, origin, &format!("{path} cannot be used: {message}"))
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
    let type_name = kind.type_name().to_string();
    let origin =
        Origin { source: SourceKind::Project, path: Some(document.path.clone()), line: Some(document.root.line) };
    if org.origin.path.is_none() {
        org.origin = origin.clone();
    }
    org.files.insert(type_name.clone(), origin);
    org.raw.insert(type_name, document.root.to_raw_document());
}

fn note_missing_org_settings(org: &mut OrgRecord) {
    let absent = [
        ("oauth_oidc", org.oauth_oidc.is_none(), "settings/OauthOidc.settings-meta.xml", "OauthOidc"),
        (
            "connected_app_settings",
            org.connected_app_settings.is_none(),
            "settings/ConnectedApp.settings-meta.xml",
            "ConnectedApp",
        ),
        (
            "external_client_app_settings",
            org.external_client_app_settings.is_none(),
            "settings/ExternalClientApp.settings-meta.xml",
            "ExternalClientApp",
        ),
    ];
    for (field, is_absent, file, settings) in absent {
        if is_absent {
            org.missing.get_or_insert_with(field.to_string(), || {
                format!("no {file} in the project; retrieve the {settings} settings or scan the org")
            });
        }
    }
}
