//! A snapshot (`sfaudit collect`) or a JSON result written by an earlier run, as a source: its
//! inventory is evaluated again.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::model::{Inventory, SourceKind};

pub(crate) fn read_snapshot(path: &Path) -> Result<Inventory, Diagnostic> {
    let shown = path.display().to_string();
    let hint = "pass a file written by `sfaudit collect` or `sfaudit scan --format json`";
    let bytes = std::fs::read(path).map_err(|error| {
        Diagnostic::new(&shown, None, format!("cannot read the snapshot: {error}")).with_hint("check the path")
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|error| {
        Diagnostic::new(&shown, u32::try_from(error.line()).ok(), format!("not valid JSON: {error}")).with_hint(hint)
    })?;
    let mut inventory = Inventory::from_json(value)
        .map_err(|error| Diagnostic::new(&shown, None, error.message()).with_hint(error.hint()))?;
    inventory.source.kind = SourceKind::Snapshot;
    Ok(inventory)
}
