//! A project scan from folder to inventory.

use std::collections::BTreeSet;
use std::path::Path;

use super::super::forceignore::ProjectIgnores;
use super::super::normalize::{self, canonical_scope};
use super::assemble::assemble;
use super::walk::{layout, walk};
use crate::diag::Diagnostic;
use crate::model::{
    AppRecord, Coverage, EvaluationDate, Inventory, OrgRecord, ResourceName, ScanSource, SkippedPath, SourceKind,
    UnknownScope,
};

/// Reads every metadata file the Salesforce CLI would deploy from `root` and builds the
/// inventory. `Err` only when the folder itself cannot be scanned (it does not exist, its
/// `sfdx-project.json` or `.forceignore` cannot be read); a problem with one file is in the
/// inventory's `problems` (`fatal` for a file that is not well-formed XML), and every other
/// file is still read.
pub fn collect_project(root: &Path, as_of: &EvaluationDate) -> Result<Inventory, Vec<Diagnostic>> {
    let shown_root = root.display().to_string();
    if !root.is_dir() {
        return Err(vec![Diagnostic::at(
            &shown_root,
            None,
            "is not a folder".to_string(),
            "pass the folder of a Salesforce DX project (the one holding sfdx-project.json) or of retrieved metadata",
        )]);
    }
    let layout = layout(root).map_err(|error| vec![error])?;
    let ignore = ProjectIgnores::load(root, &layout.packages).map_err(|error| vec![error])?;
    let found = walk(root, &layout, &ignore).map_err(|error| vec![error])?;
    let files_read = found.deployed.len();
    let mut assembled = assemble(&found.deployed, empty_org(root), as_of);
    let (not_deployed, unreadable) = super::source_only::read_facts(&found.not_deployed);
    super::source_only::attach(&mut assembled.apps, not_deployed);
    super::source_only::attach(&mut assembled.apps, assembled.second_copies);
    let mut apps = assembled.apps;
    for app in &mut apps {
        app.namespace = namespace(app, layout.namespace.as_deref());
    }
    apps.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let mut problems = assembled.problems;
    problems.extend(unreadable);
    problems.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
    let mut skipped = found.skipped;
    skipped.extend(
        ignore.not_applied().map(|(origin, why)| SkippedPath { path: origin.to_string(), reason: why.to_string() }),
    );
    let coverage = Coverage { skipped, unused: found.unused, unknown_scopes: unknown_scopes(&apps) };
    Ok(Inventory {
        schema_version: crate::model::INVENTORY_SCHEMA_VERSION,
        source: ScanSource { kind: SourceKind::Project, location: shown_root, files_read, collection: None },
        apps,
        org: assembled.org,
        problems,
        coverage,
    })
}

/// `acme__Partner_App` is in namespace `acme`; an unprefixed component of a project whose
/// `sfdx-project.json` declares a namespace is packaged under it.
fn namespace(app: &AppRecord, project: Option<&str>) -> String {
    normalize::namespace_of(&app.name).or(project).unwrap_or_default().to_string()
}

/// Scopes sfaudit has no canonical name for, kept verbatim in the record and listed here.
fn unknown_scopes(apps: &[AppRecord]) -> Vec<UnknownScope> {
    let mut unknown = BTreeSet::new();
    for app in apps {
        let scopes = app.oauth.as_ref().and_then(|oauth| oauth.scopes.as_ref());
        for scope in scopes.into_iter().flatten().filter(|scope| canonical_scope(scope).is_none()) {
            unknown.insert(UnknownScope {
                app: ResourceName { kind: app.kind, name: app.name.clone() },
                scope: scope.clone(),
            });
        }
    }
    unknown.into_iter().collect()
}

fn empty_org(root: &Path) -> OrgRecord {
    let name = std::fs::canonicalize(root)
        .ok()
        .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_string());
    OrgRecord::empty(name, SourceKind::Project)
}
