//! The CSV report: one row per result (every outcome), for spreadsheets and data tools.
//!
//! - RFC 4180 quoting: a field is quoted when it contains a comma, a double quote, CR or LF, and
//!   quotes inside it are doubled. Line breaks inside a field are kept as they are.
//! - Records end with LF (`\n`), like every other sfaudit report; RFC 4180 readers (Excel,
//!   LibreOffice, Python's `csv`, pandas) accept it.
//! - UTF-8 without a byte-order mark; a header row names the columns ([`COLUMNS`]).
//! - Spreadsheet formula injection: a text field that starts with `=`, `+`, `-`, `@`, a tab or a
//!   CR gets a leading `'`, so a spreadsheet shows it as text instead of running it as a formula
//!   (OWASP "CSV injection"). This applies to every text field (in practice app names, labels,
//!   your value, reasons and paths, which come from org data); `line` is a number and never
//!   prefixed. A value such as `-1` therefore reads `'-1`.
//! - Other control characters (escape, NUL, …) are written as `\u{…}`, as in the terminal table,
//!   so viewing the file in a terminal cannot run escape sequences.
//!
//! Rows are in the order of the JSON `results` (rule id, resource kind, resource name). After
//! them come rows that are not results, told apart by `status`, so the file still says what
//! every other format says about the run:
//!
//! - `note`: a notice about the whole run (`health_status` is its level, `reason` its text): an
//!   incomplete report, nothing found, results hidden by `--min-confidence`, a loosened policy;
//! - `input_problem`: a problem with one input file (`file`, `line`, the app when known, `reason`
//!   with what to do; `health_status` is `Error` for a file that was not read at all);
//! - `policy_loosening`: one way the policy was loosened (`rule_id` names what it applies to,
//!   `category` its kind, `reason` its effect, `file` where it is written).
//!
//! `your_value` ends in ` (default)` when no file set the value and Salesforce's default was
//! assumed; `assumed_default` says the same as `true`/`false`.

use crate::document::Report;
use crate::document::health_status;
use crate::engine::ResultView;
use crate::escape::{csv_field, csv_record};
use crate::report::labels::your_value;
use crate::report::tables;

/// The header row, in order.
pub(crate) const COLUMNS: [&str; 22] = [
    "rule_id",
    "status",
    "health_status",
    "severity",
    "risk_group",
    "control",
    "title",
    "category",
    "resource_kind",
    "resource_name",
    "resource_label",
    "your_value",
    "recommended_value",
    "reason",
    "file",
    "line",
    "fingerprint",
    "suppressed",
    "suppression_reason",
    "confidence",
    "assumed_default",
    "resource_namespace",
];

pub(crate) fn render(report: &Report<'_>) -> String {
    super::chunked::render(&|text, offered| records(report, text, offered))
}

/// Writes what [`render`] returns a megabyte at a time.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::chunked::write(&|text, offered| records(report, text, offered), out)
}

/// Appends the records to `out`, offering it to `offered` after each result row, which may write
/// and empty it.
pub(super) fn records(report: &Report<'_>, out: &mut String, offered: &mut dyn FnMut(&mut String)) {
    let header: Vec<String> = COLUMNS.iter().map(|column| (*column).to_string()).collect();
    csv_record(out, &header);
    for result in report.results.iter() {
        csv_record(out, &row(result));
        offered(out);
    }
    for notice in tables::notices(report) {
        csv_record(out, &other_row("note", notice.level.label(), [("reason", notice.text.as_str())]));
    }
    for problem in &report.inventory.problems {
        let line = problem.line.map(|line| line.to_string()).unwrap_or_default();
        let (kind, name) =
            problem.resource.as_ref().map_or(("", ""), |resource| (resource.kind.as_str(), resource.name.as_str()));
        let reason = format!("{} {}", problem.message, problem.hint);
        csv_record(
            out,
            &other_row(
                "input_problem",
                if problem.fatal { "Error" } else { "Warning" },
                [
                    ("file", problem.path.as_str()),
                    ("line", line.as_str()),
                    ("resource_kind", kind),
                    ("resource_name", name),
                    ("reason", reason.as_str()),
                ],
            ),
        );
    }
    for loosening in &report.run.loosenings {
        csv_record(
            out,
            &other_row(
                "policy_loosening",
                "Warning",
                [
                    ("rule_id", loosening.subject.as_str()),
                    ("category", loosening.kind.as_str()),
                    ("reason", loosening.detail.as_str()),
                    ("file", loosening.source.as_str()),
                ],
            ),
        );
    }
}

/// A row that is not a result: `status` and `health_status` set, the named columns filled, the
/// rest empty (`line` is written as given, the other cells escaped).
fn other_row<const N: usize>(status: &str, level: &str, cells: [(&str, &str); N]) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|column| match *column {
            "status" => csv_field(status),
            "health_status" => csv_field(level),
            "line" => cells
                .iter()
                .find(|(name, _)| *name == "line")
                .map_or_else(String::new, |(_, value)| (*value).to_string()),
            name => {
                cells.iter().find(|(cell, _)| *cell == name).map_or_else(String::new, |(_, value)| csv_field(value))
            }
        })
        .collect()
}

fn row(result: ResultView<'_>) -> Vec<String> {
    let text = csv_field;
    vec![
        text(result.rule_id()),
        text(result.status.as_str()),
        text(health_status(result.status, result.severity)),
        text(result.severity.as_str()),
        text(result.severity.risk_group()),
        text(&result.rule.control),
        text(&result.rule.title),
        text(&result.rule.category),
        text(result.resource.kind.as_str()),
        text(&result.resource.name),
        text(&result.resource.label),
        text(&your_value(result, "")),
        text(&result.rule.expected),
        text(result.reason().unwrap_or("")),
        text(result.location.path.as_deref().unwrap_or("")),
        result.location.line.map(|line| line.to_string()).unwrap_or_default(),
        text(result.fingerprint().as_str()),
        result.suppression.is_some().to_string(),
        text(result.suppression().map_or("", |suppression| suppression.reason.as_str())),
        text(result.confidence.as_str()),
        result.assumed.to_string(),
        text(&result.resource.namespace),
    ]
}
