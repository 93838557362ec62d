//! Files the Salesforce CLI would not deploy (ignored, outside the package directories, or a
//! second copy of a component) still sit in the repository: a consumer secret in them is as
//! exposed as one in a deployed file. They are read for the source-control facts only, and
//! those are joined to the app the file names.

use super::parse::{ParseProblem, ParsedFile, parse_one};
use super::walk::FoundFile;
use crate::collect::normalize::{self, MetadataType};
use crate::model::{AppRecord, InputProblem, Origin, Placeholder, ResourceKind, SourceKind};

/// The source-control facts of one file.
pub(super) struct Facts {
    kind: ResourceKind,
    app: String,
    secret: bool,
    /// The same file enables the client credentials flow.
    client_credentials: bool,
    private_key: bool,
    global_oauth: bool,
    placeholders: Vec<Placeholder>,
    path: String,
}

/// The facts of `files` on every core, in their order. A file that cannot be parsed is an input
/// problem (not fatal: it is not deployed): a secret in it cannot be ruled out, and passing over
/// it in silence would let a broken copy hide one from the gate.
pub(super) fn read_facts(files: &[FoundFile]) -> (Vec<Facts>, Vec<InputProblem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let reads = super::super::parallel_map(files, |file| parse_one(file).map(|parsed| facts(&parsed)));
    for (file, read) in files.iter().zip(reads) {
        match read {
            Ok(Ok(Some(facts))) => found.push(facts),
            Ok(Ok(None)) => {}
            Ok(Err(ParseProblem::Unparsable(diagnostic) | ParseProblem::WrongRoot(diagnostic))) => {
                let mut diagnostic = diagnostic;
                diagnostic.message = format!(
                    "{} (the CLI would not deploy this file, but it cannot be checked for committed secrets)",
                    diagnostic.message
                );
                problems.push(super::group::problem(diagnostic, None, false));
            }
            Err(panic) => problems.push(super::group::problem(panic.diagnostic(&file.relative), None, true)),
        }
    }
    (found, problems)
}

pub(super) fn facts(parsed: &ParsedFile) -> Option<Facts> {
    let document = &parsed.document;
    let (kind, app) = match parsed.kind {
        MetadataType::ConnectedApp => (ResourceKind::ConnectedApp, parsed.stem.clone()),
        MetadataType::ExternalClientApplication => (ResourceKind::ExternalClientApp, parsed.stem.clone()),
        kind if kind.is_eca_part() => {
            (ResourceKind::ExternalClientApp, normalize::Reader::new(document).linked_app().ok()?)
        }
        _ => return None,
    };
    let secret_parent = match parsed.kind {
        MetadataType::ConnectedApp => document.root.child("oauthConfig"),
        MetadataType::ExtlClntAppGlobalOauthSettings => Some(&document.root),
        _ => None,
    };
    let secret = secret_parent
        .and_then(|parent| parent.text_of("consumerSecret"))
        .is_some_and(|secret| !normalize::is_placeholder(secret))
        || document.comments.iter().any(|comment| normalize::commented_secret(comment));
    let client_credentials = secret_parent.is_some_and(|parent| {
        ["isClientCredentialEnabled", "isClientCredentialsFlowEnabled"]
            .into_iter()
            .any(|name| parent.text_of(name).is_some_and(|value| value.eq_ignore_ascii_case("true")))
    });
    Some(Facts {
        kind,
        app,
        secret,
        client_credentials,
        private_key: normalize::holds_committed_private_key(document),
        global_oauth: parsed.kind == MetadataType::ExtlClntAppGlobalOauthSettings,
        placeholders: normalize::placeholders(document),
        path: document.path.to_string(),
    })
}

/// Adds what `files` show to the records of the apps they name; an app known only from such
/// files gets a record of its own when there is something to report.
pub(super) fn attach(apps: &mut Vec<AppRecord>, files: Vec<Facts>) {
    for facts in files {
        if !facts.secret && !facts.private_key && !facts.global_oauth && facts.placeholders.is_empty() {
            continue;
        }
        let position = apps.iter().position(|app| app.kind == facts.kind && app.name == facts.app);
        let app = match position {
            Some(position) => &mut apps[position],
            None => {
                let origin = Origin { source: SourceKind::Project, path: Some(facts.path.as_str().into()), line: None };
                apps.push(normalize::new_app(facts.kind, &facts.app, origin));
                let app = apps.last_mut().expect("just pushed");
                app.oauth_enabled = false;
                app.undeployed = true;
                app
            }
        };
        let source_control = app.source_control.get_or_insert_with(normalize::empty_source_control);
        if facts.secret {
            if source_control.consumer_secret_file.is_none() {
                source_control.consumer_secret_file = Some(facts.path.clone());
            }
            source_control.consumer_secret_client_credentials |= facts.client_credentials;
        }
        if facts.private_key && source_control.private_key_file.is_none() {
            source_control.private_key_file = Some(facts.path.clone());
        }
        if facts.global_oauth && source_control.global_oauth_settings_file.is_none() {
            source_control.global_oauth_settings_file = Some(facts.path.clone());
        }
        source_control.placeholders.extend(facts.placeholders);
    }
}
