//! The versioned JSON results document: the machine interface, and what `report --from`, `diff`
//! and `--baseline` read back. This module owns the wire format: internal types are turned into
//! the serialised view here ([`wire`]), and a document read back is checked and turned into
//! internal types again, so nothing else depends on how the JSON is spelt.

pub(crate) mod notices;
mod run;
pub mod summary;
pub mod trend;
mod wire;

use serde_json::Value;

pub use run::{Loaded, Report, RulePackInfo, RunInfo, ToolInfo};
pub use summary::Summary;
pub(crate) use summary::{health_status, summarize};
pub use trend::{ChangedFinding, ChangedSetting, SincePrevious, Trend, TrendPoint};
pub(crate) use wire::RESULTS_SCHEMA_VERSION;

use crate::diag::Diagnostic;
use crate::limits::MAX_JSON_DEPTH;

/// Streams the document, so a result of hundreds of thousands of rows never sits in memory as text.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut buffered, &wire::DocumentOut::new(report))?;
    std::io::Write::write_all(&mut buffered, b"\n")?;
    std::io::Write::flush(&mut buffered)
}

/// Reads a document written by [`write`]; `path` names the file in the problem it reports.
/// Nesting deeper than [`MAX_JSON_DEPTH`] is refused before parsing, with its line.
pub fn parse(path: &str, text: &str) -> Result<Loaded, Diagnostic> {
    let problem = |line: Option<u32>, message: String| {
        Diagnostic::new(path, line, message)
            .with_hint("pass a JSON result written by `sfaudit scan --format json` or `sfaudit baseline update`")
    };
    crate::input::check_json_depth(text.as_bytes(), MAX_JSON_DEPTH).map_err(|line| {
        problem(Some(line), format!("nests more than {MAX_JSON_DEPTH} levels deep (sfaudit's limit)"))
    })?;
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
