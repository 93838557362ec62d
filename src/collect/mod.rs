//! Collection: from a source (project folder, snapshot, org) to the normalized [`Inventory`].
//!
//! Nothing here knows that rules exist.

pub mod normalize;
pub mod org;
pub mod project;
pub mod xml;

use std::fmt;

use crate::model::Inventory;

/// Maps `items` on every core, keeping their order: parsing and normalizing thousands of files
/// is CPU work that scales with cores.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], map: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk_size = items.len().div_ceil(workers).max(1);
    let map = &map;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || chunk.iter().map(map).collect::<Vec<R>>()))
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    })
}

/// One problem with one input file; collectors gather all of them before failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectError {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
    pub hint: String,
}

impl CollectError {
    pub fn at(path: &str, line: Option<u32>, message: String, hint: &str) -> Self {
        Self { path: path.to_string(), line, message, hint: hint.to_string() }
    }
}

impl fmt::Display for CollectError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "{}:{line}: {}", self.path, self.message)?,
            None => write!(formatter, "{}: {}", self.path, self.message)?,
        }
        write!(formatter, "\n  hint: {}", self.hint)
    }
}

/// Reads a snapshot or JSON results file written by an earlier run and returns its inventory.
pub fn read_snapshot(path: &std::path::Path) -> Result<Inventory, CollectError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| {
        CollectError::at(&shown, None, format!("cannot read the snapshot: {error}"), "check the path")
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|error| {
        CollectError::at(
            &shown,
            Some(u32::try_from(error.line()).unwrap_or(u32::MAX)),
            format!("not valid JSON: {error}"),
            "pass a file written by `sfaudit collect` or `sfaudit scan --format json`",
        )
    })?;
    let inventory = value.get("inventory").cloned().unwrap_or(value);
    let mut inventory: Inventory = serde_json::from_value(inventory).map_err(|error| {
        CollectError::at(
            &shown,
            None,
            format!("not an sfaudit inventory: {error}"),
            "pass a file written by `sfaudit collect` or `sfaudit scan --format json`",
        )
    })?;
    if inventory.schema_version != crate::model::INVENTORY_SCHEMA_VERSION {
        return Err(CollectError::at(
            &shown,
            None,
            format!(
                "inventory schema version {} is not supported (this sfaudit reads version {})",
                inventory.schema_version,
                crate::model::INVENTORY_SCHEMA_VERSION
            ),
            "collect the snapshot again with this version of sfaudit",
        ));
    }
    inventory.source.kind = crate::model::SourceKind::Snapshot;
    Ok(inventory)
}
