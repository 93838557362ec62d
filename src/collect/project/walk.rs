//! Which files a project scan reads: what the Salesforce CLI would deploy (the package
//! directories of `sfdx-project.json`, less what `.forceignore` and the CLI's defaults exclude),
//! and, apart from them, every other metadata file in the tree, which the secret rules still
//! look at. Everything not scanned is listed with the reason.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::forceignore::{ProjectIgnores, package_holds};
use super::super::normalize::{MetadataType, unused_type};
use crate::diag::Diagnostic;
use crate::input;
use crate::limits::{MAX_JSON_DEPTH, MAX_PROJECT_FILE_BYTES};
use crate::model::{SkippedPath, UnusedFile};

/// A metadata file sfaudit reads. A large project has tens of thousands, all listed until the
/// scan is done: each keeps only its relative path, the folder is shared, and the stem is a part
/// of the path, not a copy.
#[derive(Debug, Clone)]
pub(super) struct FoundFile {
    root: Arc<Path>,
    /// Relative to the scanned folder, `/`-separated: what reports show.
    pub relative: String,
    pub kind: MetadataType,
    /// The stem is this many bytes at the start of the file's name.
    stem_len: usize,
}

impl FoundFile {
    pub fn path(&self) -> PathBuf {
        self.root.join(&self.relative)
    }

    /// The file's name without its type's suffix: the component it holds (`Sales_App` of
    /// `Sales_App.connectedApp-meta.xml`).
    pub fn stem(&self) -> &str {
        let name_start = self.relative.rfind('/').map_or(0, |slash| slash + 1);
        self.relative.get(name_start..name_start + self.stem_len).unwrap_or_default()
    }
}

/// What the walk found.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// Files the CLI would deploy: every rule reads them.
    pub deployed: Vec<FoundFile>,
    /// Metadata files the CLI would not deploy: only the source-control rules read them.
    pub not_deployed: Vec<FoundFile>,
    pub skipped: Vec<SkippedPath>,
    pub unused: Vec<UnusedFile>,
}

/// The project's layout: where its packages are and the namespace it declares.
#[derive(Debug)]
pub(super) struct Layout {
    /// Package directories relative to the root (`""` for the whole folder when there is no
    /// `sfdx-project.json`).
    pub packages: Vec<String>,
    /// `sfdx-project.json`'s `namespace`, when not empty.
    pub namespace: Option<String>,
}

const OUTSIDE_PACKAGES: &str = "outside the packageDirectories of sfdx-project.json: not deployed by `sf project \
                                deploy start`; read only for committed secrets and placeholders";
const SYMLINK: &str = "a symbolic link to a folder, or to a file that is not metadata; not followed";

/// Reads `sfdx-project.json`: the package directories and the namespace, or the whole folder.
pub(super) fn layout(root: &Path) -> Result<Layout, Diagnostic> {
    let manifest = root.join("sfdx-project.json");
    if !manifest.is_file() {
        return Ok(Layout { packages: vec![String::new()], namespace: None });
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
    let inside = std::fs::canonicalize(root).map_err(|error| {
        Diagnostic::at(&root.display().to_string(), None, format!("cannot read: {error}"), "check the folder")
    })?;
    let mut packages = Vec::new();
    for directory in directories {
        let Some(path) = directory.get("path").and_then(serde_json::Value::as_str) else {
            return Err(Diagnostic::at(
                &shown,
                None,
                "a packageDirectories entry has no \"path\"".to_string(),
                "give every package directory a path",
            ));
        };
        if !root.join(path).is_dir() {
            return Err(Diagnostic::at(
                &shown,
                None,
                format!("package directory '{path}' does not exist"),
                "create the folder or remove it from packageDirectories",
            ));
        }
        // Symlinks and `..` resolved, as the CLI resolves them: a package directory must not lead
        // sfaudit out of the project, and `force-app/../src` or a link to `real/` is the folder
        // the walk meets as `src` or `real`.
        let resolved = std::fs::canonicalize(root.join(path)).ok();
        let Some(relative) = resolved.as_deref().and_then(|resolved| resolved.strip_prefix(&inside).ok()) else {
            return Err(Diagnostic::at(
                &shown,
                None,
                format!("package directory '{path}' is outside the project"),
                "package directories are folders inside the project; scan the other project on its own",
            ));
        };
        packages.push(normalize(&relative.to_string_lossy()));
    }
    let namespace = value
        .get("namespace")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|namespace| !namespace.is_empty())
        .map(str::to_string);
    Ok(Layout { packages, namespace })
}

/// `./force-app/` → `force-app`.
fn normalize(path: &str) -> String {
    path.split(['/', '\\']).filter(|part| !part.is_empty() && *part != ".").collect::<Vec<_>>().join("/")
}

/// Walks the whole tree under `root` once.
pub(super) fn walk(root: &Path, layout: &Layout, ignore: &ProjectIgnores) -> Result<Walk, Diagnostic> {
    let mut walk = Walk::default();
    let inside = std::fs::canonicalize(root).map_err(|error| {
        Diagnostic::at(&root.display().to_string(), None, format!("cannot read: {error}"), "check the folder")
    })?;
    let mut walker = Walker { root: Arc::from(root), layout, ignore, inside, walk: &mut walk };
    walker.folder(root, "", None)?;
    walk.deployed.sort_by(|a, b| a.relative.cmp(&b.relative));
    walk.not_deployed.sort_by(|a, b| a.relative.cmp(&b.relative));
    walk.skipped.sort();
    walk.skipped.dedup();
    walk.unused.sort();
    Ok(walk)
}

struct Walker<'a> {
    root: Arc<Path>,
    layout: &'a Layout,
    ignore: &'a ProjectIgnores,
    /// The project folder with symlinks resolved: what a linked file must be inside to be read.
    inside: PathBuf,
    walk: &'a mut Walk,
}

impl Walker<'_> {
    fn in_package(&self, relative: &str) -> bool {
        self.layout.packages.iter().any(|package| package_holds(package, relative))
    }

    /// `ignored_by`: why the folder (or one above it) is ignored, if it is.
    fn folder(&mut self, directory: &Path, relative: &str, ignored_by: Option<&str>) -> Result<(), Diagnostic> {
        let entries = std::fs::read_dir(directory).map_err(|error| {
            Diagnostic::at(
                &directory.display().to_string(),
                None,
                format!("cannot list the folder: {error}"),
                "check the folder's permissions",
            )
        })?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_cached_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(file_type) = entry.file_type() else { continue };
            let path = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
            let in_package = self.in_package(&path);
            if file_type.is_symlink() {
                // The CLI deploys what a linked metadata file points to, so sfaudit reads it too,
                // unless it leads out of the project. It follows a linked folder in a package
                // directory too; sfaudit does not (a link can make a cycle), so such a folder is
                // an error rather than apps nobody checked.
                if MetadataType::classify(&name).is_some() {
                    self.linked_file(&entry.path(), &path)?;
                    self.file(&name, path, in_package, ignored_by)?;
                } else if in_package
                    && ignored_by.is_none()
                    && entry.path().is_dir()
                    && self.ignore.ignored(&path, true).is_none()
                {
                    return Err(Diagnostic::at(
                        &path,
                        None,
                        "is a symbolic link to a folder in a package directory: the Salesforce CLI deploys what it \
                         holds, and sfaudit does not follow it"
                            .to_string(),
                        "replace the link with the folder it points to (or move the folder into the package \
                         directory), or add it to .forceignore if it is not deployed",
                    ));
                } else if in_package {
                    self.skip(&path, SYMLINK);
                }
            } else if file_type.is_dir() {
                if name == ".git" {
                    continue;
                }
                // A package directory is resolved on its own: the CLI deploys what it holds even
                // when another package's patterns exclude the folder it sits in.
                let inherited = if self.layout.packages.contains(&path) { None } else { ignored_by };
                let own = if inherited.is_none() && in_package { self.ignore.ignored(&path, true) } else { None };
                let reason = inherited.map(str::to_string).or_else(|| own.map(str::to_string));
                if let Some(own) = own {
                    self.skip(&format!("{path}/"), own);
                }
                self.folder(&entry.path(), &path, reason.as_deref())?;
            } else {
                self.file(&name, path, in_package, ignored_by)?;
            }
        }
        Ok(())
    }

    fn file(
        &mut self,
        name: &str,
        relative: String,
        in_package: bool,
        ignored_by: Option<&str>,
    ) -> Result<(), Diagnostic> {
        let deployed = in_package && ignored_by.is_none();
        if let Some(expected) = MetadataType::settings_in_other_case(name).filter(|_| deployed) {
            if self.ignore.ignored(&relative, false).is_none() {
                return Err(Diagnostic::at(
                    &relative,
                    None,
                    format!(
                        "is named like the {expected} settings in another letter case: the Salesforce CLI deploys it, \
                         and sfaudit cannot tell whether Salesforce applies it"
                    ),
                    format!("rename it {expected}-meta.xml, as Salesforce retrieves it"),
                ));
            }
        }
        if let Some((kind, stem)) = MetadataType::classify(name) {
            let found = FoundFile { root: Arc::clone(&self.root), relative, kind, stem_len: stem.len() };
            if !deployed {
                if in_package {
                    // Inside an ignored folder: the folder's entry already says why.
                } else {
                    self.skip(&found.relative, OUTSIDE_PACKAGES);
                }
                self.walk.not_deployed.push(found);
                return Ok(());
            }
            match self.ignore.ignored(&found.relative, false) {
                Some(reason) => {
                    self.skip(&found.relative, reason);
                    self.walk.not_deployed.push(found);
                }
                None => self.walk.deployed.push(found),
            }
        } else if let Some(type_name) = unused_type(name) {
            if deployed && self.ignore.ignored(&relative, false).is_none() {
                self.walk.unused.push(UnusedFile { path: relative, type_name: type_name.to_string() });
            }
        }
        Ok(())
    }

    /// A symbolic link named like a metadata file is read only when it resolves to something
    /// inside the project; anything else is an error naming it, so a link can neither make
    /// sfaudit read what the project does not hold nor hide an app the CLI would deploy.
    fn linked_file(&self, full: &Path, relative: &str) -> Result<(), Diagnostic> {
        if std::fs::canonicalize(full).is_ok_and(|target| target.starts_with(&self.inside)) {
            return Ok(());
        }
        Err(Diagnostic::at(
            relative,
            None,
            "is a symbolic link that leads outside the project (or nowhere); sfaudit does not follow it".to_string(),
            "copy the file into the project, or scan the folder it points to",
        ))
    }

    fn skip(&mut self, path: &str, reason: &str) {
        self.walk.skipped.push(SkippedPath { path: path.to_string(), reason: reason.to_string() });
    }
}
