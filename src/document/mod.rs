//! The versioned JSON results document: the machine interface, and what `report --from`, `diff`
//! and `--baseline` read back. This module owns the wire format: internal types are turned into
//! the serialised view here ([`wire`]), and a document read back is checked and turned into
//! internal types again, so nothing else depends on how the JSON is spelt.

pub(crate) mod notices;
pub(crate) mod pretty;
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

/// How large the writes to the output are: few write calls for a document of hundreds of MB.
const WRITE_BUFFER: usize = 1 << 20;

/// Streams the document, so a result of hundreds of thousands of rows never sits in memory as text.
/// `pretty` indents it; by default it is compact.
pub(crate) fn write(report: &Report<'_>, pretty: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(WRITE_BUFFER, out);
    let document = wire::DocumentOut::new(report);
    if pretty {
        let mut indenter = pretty::Indenter::new(&mut buffered);
        document.write_compact(&mut indenter)?;
        std::io::Write::flush(&mut indenter)?;
    } else {
        document.write_compact(&mut buffered)?;
    }
    std::io::Write::write_all(&mut buffered, b"\n")?;
    std::io::Write::flush(&mut buffered)
}

/// Reads a document written by [`write`] (version 2) or by an earlier sfaudit (version 1); `path`
/// names the file in the problem it reports.
/// Nesting deeper than [`MAX_JSON_DEPTH`] is refused before parsing, with its line.
pub fn parse(path: &str, text: &str) -> Result<Loaded, Diagnostic> {
    let problem = |line: Option<u32>, message: String| {
        Diagnostic::new(path, line, message)
            .with_hint("pass a JSON result written by `sfaudit scan --format json` or `sfaudit baseline update`")
    };
    crate::input::check_json_depth(text.as_bytes(), MAX_JSON_DEPTH).map_err(|line| {
        problem(Some(line), format!("nests more than {MAX_JSON_DEPTH} levels deep (sfaudit's limit)"))
    })?;
    // The version is read first, skipping everything else, and the document is then read straight
    // into its typed form: a JSON value tree of a large document took seven times its size.
    let version = crate::json_member::member(text.as_bytes(), "schema_version").map_err(|error| {
        problem(u32::try_from(error.line()).ok(), format!("not valid JSON (line {}): {error}", error.line()))
    })?;
    let not_ours = |error: String| problem(None, format!("not an sfaudit JSON result: {error}"));
    match version.as_ref().and_then(Value::as_u64) {
        Some(1) => serde_json::from_str::<wire::DocumentIn<wire::ResultInV1>>(text)
            .map_err(|error| not_ours(error.to_string()))?
            .into_loaded()
            .map_err(not_ours),
        Some(2) => serde_json::from_str::<wire::DocumentIn<wire::ResultIn>>(text)
            .map_err(|error| not_ours(error.to_string()))?
            .into_loaded()
            .map_err(not_ours),
        Some(version) => Err(problem(
            None,
            format!(
                "results schema version {version} is not supported (this sfaudit reads versions 1 and {RESULTS_SCHEMA_VERSION})"
            ),
        )),
        None => Err(problem(
            None,
            match version {
                None => "not an sfaudit JSON result: no schema_version".to_string(),
                Some(other) => format!(
                    "not an sfaudit JSON result: schema_version is {}, not a whole number",
                    crate::escape::clip(&other.to_string(), 40)
                ),
            },
        )),
    }
}
