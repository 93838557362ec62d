//! Where rule files come from: the pack compiled into the binary and `--rules-dir` folders.

use std::path::Path;

use super::rule::RuleSource;
use crate::diag::Diagnostic;

/// The rule files compiled into the binary, in path order.
pub(crate) fn builtin_sources() -> Vec<RuleSource> {
    super::embedded::RULE_FILES
        .iter()
        .map(|(path, text)| RuleSource { path: format!("builtin:{path}"), text: (*text).to_string() })
        .collect()
}

/// Every `*.toml` file under `directory`, recursively, in path order.
pub(crate) fn directory_sources(directory: &Path) -> Result<Vec<RuleSource>, Diagnostic> {
    let mut paths = Vec::new();
    collect_toml(directory, &mut paths).map_err(|error| {
        Diagnostic::new(directory.display().to_string(), None, format!("cannot read the rules folder: {error}"))
    })?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let shown = path.display().to_string();
            crate::input::read_text(&path, crate::limits::MAX_RULE_FILE_BYTES)
                .map(|text| RuleSource { path: shown.clone(), text })
                .map_err(|error| Diagnostic::new(shown, None, error.to_string()))
        })
        .collect()
}

fn collect_toml(directory: &Path, paths: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_toml(&path, paths)?;
        } else if path.extension().is_some_and(|extension| extension == "toml") {
            paths.push(path);
        }
    }
    Ok(())
}
