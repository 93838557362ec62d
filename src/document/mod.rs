//! The versioned JSON results document: the machine interface, and what `report --from`, `diff`
//! and `--baseline` read back. This module owns the wire format: internal types are turned into
//! the serialised view here ([`wire`]), and a document read back is checked and turned into
//! internal types again, so nothing else depends on how the JSON is spelt.

pub mod summary;
mod wire;

use serde_json::Value;

pub use summary::{Summary, health_status, summarize};

use crate::diag::Diagnostic;
use crate::engine::Results;
use crate::gate::baseline::BaselineSummary;
use crate::gate::{Decision, FailOn};
use crate::model::{EvaluationDate, Inventory, ScanSource};

/// Version of the JSON results document; bumped on any incompatible change.
pub const RESULTS_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePackInfo {
    pub version: String,
    pub rules: usize,
}

/// Everything about a run that is not a result or the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub tool: ToolInfo,
    pub rule_pack: RulePackInfo,
    pub source: ScanSource,
    /// The evaluation date (`--as-of`).
    pub evaluated_at: EvaluationDate,
    /// Problems worth a reader's attention that are not results (expired suppressions, …).
    pub warnings: Vec<String>,
    /// Set when the run compared against a baseline.
    pub baseline: Option<BaselineSummary>,
}

/// A whole report, borrowed: what every renderer receives.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub run: &'a RunInfo,
    pub inventory: &'a Inventory,
    pub results: &'a Results,
    pub summary: &'a Summary,
    pub gate: &'a Decision,
}

/// Streams the document, so a result of hundreds of thousands of rows never sits in memory as text.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut buffered, &wire::DocumentOut::new(report))?;
    std::io::Write::write_all(&mut buffered, b"\n")?;
    std::io::Write::flush(&mut buffered)
}

/// A JSON result read back from disk, owning everything a [`Report`] borrows but the gate, which
/// the reader decides again from `fail_on` (see [`crate::gate::decide`]).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub run: RunInfo,
    pub fail_on: FailOn,
    pub summary: Summary,
    pub results: Results,
    pub inventory: Inventory,
}

impl Loaded {
    pub fn report<'a>(&'a self, gate: &'a Decision) -> Report<'a> {
        Report { run: &self.run, inventory: &self.inventory, results: &self.results, summary: &self.summary, gate }
    }
}

/// Reads a document written by [`write`]; `path` names the file in the problem it reports.
pub fn parse(path: &str, text: &str) -> Result<Loaded, Diagnostic> {
    let problem = |line: Option<u32>, message: String| {
        Diagnostic::new(path, line, message)
            .with_hint("pass a JSON result written by `sfaudit scan --format json` or `sfaudit baseline update`")
    };
    let value: Value = serde_json::from_str(text).map_err(|error| {
        problem(u32::try_from(error.line()).ok(), format!("not valid JSON (line {}): {error}", error.line()))
    })?;
    let version = value.get("schema_version").and_then(Value::as_u64);
    if version != Some(u64::from(RESULTS_SCHEMA_VERSION)) {
        return Err(problem(
            None,
            match version {
                Some(version) => format!(
                    "results schema version {version} is not supported (this sfaudit reads version {RESULTS_SCHEMA_VERSION})"
                ),
                None => "not an sfaudit JSON result: no schema_version".to_string(),
            },
        ));
    }
    let saved: wire::DocumentIn =
        serde_json::from_value(value).map_err(|error| problem(None, format!("not an sfaudit JSON result: {error}")))?;
    saved.into_loaded().map_err(|message| problem(None, format!("not an sfaudit JSON result: {message}")))
}
