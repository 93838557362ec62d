//! Renderers: pure functions from (run metadata, inventory, results) to text.
//!
//! Nothing here knows where the data came from.

pub mod csv;
pub mod drift;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rules;
pub mod sarif;
pub mod summary;
pub mod suppressions;
pub mod table;

use serde::{Deserialize, Serialize};

use crate::engine::Results;
use crate::model::{Inventory, ScanSource};
pub use summary::Summary;

/// Every output format. All are pure functions of a [`Report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Table,
    Json,
    Html,
    Markdown,
    Sarif,
    Junit,
    Csv,
}

impl Format {
    /// File name extension used with `--output-dir`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Table => "txt",
            Self::Json => "json",
            Self::Html => "html",
            Self::Markdown => "md",
            Self::Sarif => "sarif",
            Self::Junit => "junit.xml",
            Self::Csv => "csv",
        }
    }
}

/// Renders one format. `width` only affects the terminal table.
pub fn render(format: Format, report: &Report<'_>, width: Option<u16>) -> String {
    match format {
        Format::Table => table::render(report, width),
        Format::Json => json::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Csv => csv::render(report),
    }
}

/// Writes one format to `out`; JSON is streamed, the other formats are rendered first.
pub fn write(
    format: Format,
    report: &Report<'_>,
    width: Option<u16>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        other => out.write_all(render(other, report, width).as_bytes()),
    }
}

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
    /// Problems worth a reader's attention that are not results (expired suppressions, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Set when the run compared against a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::BaselineSummary>,
}

/// What every renderer receives.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub run: &'a RunInfo,
    pub inventory: &'a Inventory,
    pub results: &'a Results,
    pub summary: &'a Summary,
}
