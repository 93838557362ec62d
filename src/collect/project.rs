//! Offline collector: a Salesforce DX project (source format) or a Metadata API folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::normalize::{self, EcaParts, MetadataType};
use crate::diag::Diagnostic;
use crate::input::{self, ReadError};
use crate::limits::{MAX_JSON_DEPTH, MAX_METADATA_FILE_BYTES, MAX_PROJECT_FILE_BYTES};
use crate::model::{EvaluationDate, Inventory, OrgRecord, Origin, ScanSource, SourceKind};
use crate::xml::{MetadataDocument, parse_metadata};

/// Folders never holding deployable metadata; skipping them keeps scans of real repos fast.
const SKIPPED_DIRECTORIES: &[&str] = &["node_modules", "target"];

/// Reads every metadata file sfaudit understands under `root` and builds the inventory.
/// All file problems are returned together so a user fixes them in one pass.
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
    let files = metadata_files(root).map_err(|error| vec![error])?;
    let files_read = files.len();
    let (documents, mut errors) = parse_all(root, files);
    let inventory = assemble(&shown_root, root, documents, files_read, as_of, &mut errors);
    if errors.is_empty() {
        Ok(inventory)
    } else {
        errors.sort_by(|a, b| a.location.cmp(&b.location));
        Err(errors)
    }
}

/// The package directories of `sfdx-project.json`, or the whole folder when there is none.
fn search_roots(root: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let manifest = root.join("sfdx-project.json");
    if !manifest.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let shown = manifest.display().to_string();
    let text = input::read_text(&manifest, MAX_PROJECT_FILE_BYTES)
        .map_err(|error| Diagnostic::at(&shown, None, error.to_string(), "check the file and its permissions"))?;
    input::check_json_depth(text.as_bytes(), MAX_JSON_DEPTH).map_err(|line| {
        Diagnostic::at(
            &shown,
            Some(line),
            format!("nests more than {MAX_JSON_DEPTH} levels deep (sfaudit's limit)"),
            "fix sfdx-project.json; `sf project generate` writes a valid one",
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        Diagnostic::at(
            &shown,
            Some(u32::try_from(error.line()).unwrap_or(u32::MAX)),
            format!("not valid JSON: {error}"),
            "fix sfdx-project.json; `sf project generate` writes a valid one",
        )
    })?;
    let directories = value.get("packageDirectories").and_then(serde_json::Value::as_array).ok_or_else(|| {
        Diagnostic::at(
            &shown,
            None,
            "has no packageDirectories list".to_string(),
            "add \"packageDirectories\": [{\"path\": \"force-app\", \"default\": true}]",
        )
    })?;
    let inside = canonical_root(root)?;
    let mut roots = Vec::new();
    for directory in directories {
        let Some(path) = directory.get("path").and_then(serde_json::Value::as_str) else {
            return Err(Diagnostic::at(
                &shown,
                None,
                "a packageDirectories entry has no \"path\"".to_string(),
                "give every package directory a path",
            ));
        };
        let full = root.join(path);
        if !full.is_dir() {
            return Err(Diagnostic::at(
                &shown,
                None,
                format!("package directory '{path}' does not exist"),
                "create the folder or remove it from packageDirectories",
            ));
        }
        if !std::fs::canonicalize(&full).is_ok_and(|resolved| resolved.starts_with(&inside)) {
            return Err(Diagnostic::at(
                &shown,
                None,
                format!("package directory '{path}' is outside the project"),
                "package directories are folders inside the project; scan the other project on its own",
            ));
        }
        roots.push(full);
    }
    Ok(roots)
}

/// The project folder with symlinks resolved: what a file must be inside to be read.
fn canonical_root(root: &Path) -> Result<PathBuf, Diagnostic> {
    std::fs::canonicalize(root).map_err(|error| {
        Diagnostic::at(&root.display().to_string(), None, format!("cannot read: {error}"), "check the folder")
    })
}

fn metadata_files(root: &Path) -> Result<Vec<(PathBuf, MetadataType, String)>, Diagnostic> {
    let mut files = Vec::new();
    let inside = canonical_root(root)?;
    for search_root in search_roots(root)? {
        walk(&search_root, &inside, &mut files)?;
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    Ok(files)
}

/// Collects the metadata files under `directory`. Folder symlinks are not followed; a file
/// symlink is read only when it resolves to a file inside the project (`inside`), and is an
/// error otherwise, so a link cannot make sfaudit read what the project does not hold.
fn walk(directory: &Path, inside: &Path, files: &mut Vec<(PathBuf, MetadataType, String)>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(directory).map_err(|error| {
        Diagnostic::at(
            &directory.display().to_string(),
            None,
            format!("cannot list the folder: {error}"),
            "check the folder's permissions",
        )
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRECTORIES.contains(&name.as_str()) {
                walk(&entry.path(), inside, files)?;
            }
        } else if let Some((kind, stem)) = MetadataType::classify(&name) {
            if file_type.is_symlink()
                && !std::fs::canonicalize(entry.path()).is_ok_and(|target| target.starts_with(inside))
            {
                return Err(Diagnostic::at(
                    &entry.path().display().to_string(),
                    None,
                    "is a symbolic link that leads outside the project (or nowhere); sfaudit does not follow it"
                        .to_string(),
                    "copy the file into the project, or scan the folder it points to",
                ));
            }
            files.push((entry.path(), kind, stem));
        }
    }
    Ok(())
}

struct ParsedFile {
    kind: MetadataType,
    stem: String,
    document: MetadataDocument,
}

/// Reads and parses files on every core; results keep the sorted file order.
fn parse_all(root: &Path, files: Vec<(PathBuf, MetadataType, String)>) -> (Vec<ParsedFile>, Vec<Diagnostic>) {
    let mut documents = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for (file, result) in files.iter().zip(super::parallel_map(&files, |file| parse_one(root, file))) {
        match result {
            Ok(Ok(parsed)) => documents.push(parsed),
            Ok(Err(error)) => errors.push(error),
            Err(panic) => errors.push(panic.diagnostic(&relative_path(root, &file.0))),
        }
    }
    (documents, errors)
}

fn parse_one(root: &Path, (path, kind, stem): &(PathBuf, MetadataType, String)) -> Result<ParsedFile, Diagnostic> {
    let relative = relative_path(root, path);
    let bytes = input::read_bytes(path, MAX_METADATA_FILE_BYTES).map_err(|error| {
        let hint = match error {
            ReadError::Io(_) => "check the file's permissions",
            ReadError::NotRegular(_) => "metadata files are regular files; remove or rename this one",
            ReadError::TooLarge { .. } => {
                "Salesforce metadata files are a few kilobytes; check that this is the file you meant to commit"
            }
        };
        Diagnostic::at(&relative, None, error.to_string(), hint)
    })?;
    let document = parse_metadata(&relative, &bytes)?;
    if document.root.name != kind.type_name() {
        return Err(Diagnostic::at(
            &relative,
            Some(document.root.line),
            format!(
                "the root element is <{}>, but a file with this name must hold <{}>",
                document.root.name,
                kind.type_name()
            ),
            "rename the file to match its content, or retrieve the component again",
        ));
    }
    Ok(ParsedFile { kind: *kind, stem: stem.clone(), document })
}

/// Paths in reports are relative to the scanned folder, with `/` separators, so output is stable.
fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn assemble(
    shown_root: &str,
    root: &Path,
    documents: Vec<ParsedFile>,
    files_read: usize,
    as_of: &EvaluationDate,
    errors: &mut Vec<Diagnostic>,
) -> Inventory {
    let mut apps = Vec::new();
    let mut eca_parts: BTreeMap<String, EcaParts<'_>> = BTreeMap::new();
    let mut org = empty_org(root);
    let mut seen_connected_apps: BTreeMap<&str, &str> = BTreeMap::new();
    let mut connected_apps: Vec<&ParsedFile> = Vec::new();

    for parsed in &documents {
        let document = &parsed.document;
        let outcome: Result<(), Diagnostic> = (|| {
            match parsed.kind {
                MetadataType::ConnectedApp => {
                    if let Some(first) = seen_connected_apps.insert(&parsed.stem, &document.path) {
                        return Err(normalize::duplicate(document, "Connected App", &parsed.stem, first));
                    }
                    connected_apps.push(parsed);
                }
                MetadataType::ExternalClientApplication => {
                    eca_parts.entry(parsed.stem.clone()).or_default().place(parsed.kind, document, &parsed.stem)?;
                }
                MetadataType::ExtlClntAppOauthSettings
                | MetadataType::ExtlClntAppGlobalOauthSettings
                | MetadataType::ExtlClntAppOauthConfigurablePolicies
                | MetadataType::ExtlClntAppConfigurablePolicies => {
                    let app = normalize::Reader::new(document).linked_app()?;
                    eca_parts.entry(app.clone()).or_default().place(parsed.kind, document, &app)?;
                }
                MetadataType::OauthOidcSettings => {
                    if let Some(first) = org.files.get(parsed.kind.type_name()).and_then(|origin| origin.path.clone()) {
                        return Err(normalize::duplicate(document, "OauthOidc settings", "OauthOidc", &first));
                    }
                    org.oauth_oidc = Some(normalize::oauth_oidc_settings(document)?);
                    note_org_file(&mut org, parsed);
                }
                MetadataType::ConnectedAppSettings => {
                    if let Some(first) = org.files.get(parsed.kind.type_name()).and_then(|origin| origin.path.clone()) {
                        return Err(normalize::duplicate(document, "ConnectedApp settings", "ConnectedApp", &first));
                    }
                    org.connected_app_settings = Some(normalize::connected_app_settings(document)?);
                    note_org_file(&mut org, parsed);
                }
            }
            Ok(())
        })();
        if let Err(error) = outcome {
            errors.push(error);
        }
    }
    let connected = super::parallel_map(&connected_apps, |parsed| {
        normalize::connected_app(&parsed.document, &parsed.stem, SourceKind::Project, as_of)
    });
    let connected_paths = connected_apps.iter().map(|parsed| parsed.document.path.to_string());
    let eca_list: Vec<(&String, &EcaParts<'_>)> = eca_parts.iter().collect();
    let external = super::parallel_map(&eca_list, |(name, parts)| {
        normalize::external_client_app(name, parts, SourceKind::Project, as_of)
    });
    let external_paths = eca_list
        .iter()
        .map(|(name, parts)| parts.documents().next().map_or_else(|| (*name).clone(), |d| d.path.to_string()));
    for (path, outcome) in connected_paths.chain(external_paths).zip(connected.into_iter().chain(external)) {
        match outcome {
            Ok(Ok(record)) => apps.push(record),
            Ok(Err(error)) => errors.push(error),
            Err(panic) => errors.push(panic.diagnostic(&path)),
        }
    }
    if org.oauth_oidc.is_none() {
        org.missing.insert(
            "oauth_oidc".to_string(),
            "no settings/OauthOidc.settings-meta.xml in the project; retrieve the OauthOidc settings or scan the org"
                .to_string(),
        );
    }
    if org.connected_app_settings.is_none() {
        org.missing.insert(
            "connected_app_settings".to_string(),
            "no settings/ConnectedApp.settings-meta.xml in the project; retrieve the ConnectedApp settings or scan \
             the org"
                .to_string(),
        );
    }
    apps.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    Inventory {
        schema_version: crate::model::INVENTORY_SCHEMA_VERSION,
        source: ScanSource {
            kind: SourceKind::Project,
            location: shown_root.to_string(),
            files_read,
            collection: None,
        },
        apps,
        org,
        problems: Vec::new(),
        coverage: crate::model::Coverage::default(),
    }
}

fn note_org_file(org: &mut OrgRecord, parsed: &ParsedFile) {
    let document = &parsed.document;
    let type_name = parsed.kind.type_name().to_string();
    let origin =
        Origin { source: SourceKind::Project, path: Some(document.path.clone()), line: Some(document.root.line) };
    if org.origin.path.is_none() {
        org.origin = origin.clone();
    }
    org.files.insert(type_name.clone(), origin);
    org.raw.insert(type_name, document.root.to_json());
}

fn empty_org(root: &Path) -> OrgRecord {
    let name = std::fs::canonicalize(root)
        .ok()
        .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_string());
    OrgRecord::empty(name, SourceKind::Project)
}
