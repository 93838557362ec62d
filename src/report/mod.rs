//! Renderers: pure functions from (run metadata, inventory, results) to text.
//!
//! Nothing here knows where the data came from.

pub mod json;
pub mod rules;
pub mod summary;
pub mod table;

use serde::{Deserialize, Serialize};

use crate::engine::Results;
use crate::model::{Inventory, ScanSource};
pub use summary::Summary;

/// Version of the JSON results document; bumped on any incompatible change.
pub const RESULTS_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePackInfo {
    pub version: String,
    pub rules: usize,
}

/// Everything about a run that is not a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub tool: ToolInfo,
    pub rule_pack: RulePackInfo,
    pub source: ScanSource,
    /// The evaluation date (`--as-of`), RFC 3339.
    pub evaluated_at: String,
    /// The gate threshold: a severity or `none`.
    pub fail_on: String,
}

/// What every renderer receives.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub run: &'a RunInfo,
    pub inventory: &'a Inventory,
    pub results: &'a Results,
    pub summary: &'a Summary,
}
