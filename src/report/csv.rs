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
//! Rows are in the order of the JSON `results` (rule id, resource kind, resource name).

use crate::document::Report;
use crate::document::health_status;
use crate::engine::RuleResult;
use crate::escape::{csv_field, csv_record};

/// The header row, in order.
pub(crate) const COLUMNS: [&str; 19] = [
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
];

pub(crate) fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    let header: Vec<String> = COLUMNS.iter().map(|column| (*column).to_string()).collect();
    csv_record(&mut out, &header);
    for result in &report.results.results {
        csv_record(&mut out, &row(result));
    }
    out
}

fn row(result: &RuleResult) -> Vec<String> {
    let text = csv_field;
    vec![
        text(&result.rule_id),
        text(result.status.as_str()),
        text(health_status(result.status, result.severity)),
        text(result.severity.as_str()),
        text(result.severity.risk_group()),
        text(&result.control),
        text(&result.title),
        text(&result.category),
        text(result.resource.kind.as_str()),
        text(&result.resource.name),
        text(&result.resource.label),
        text(result.actual.as_deref().unwrap_or("")),
        text(&result.expected),
        text(result.reason.as_deref().unwrap_or("")),
        text(result.location.path.as_deref().unwrap_or("")),
        result.location.line.map(|line| line.to_string()).unwrap_or_default(),
        text(&result.fingerprint),
        result.suppression.is_some().to_string(),
        text(result.suppression.as_ref().map_or("", |suppression| suppression.reason.as_str())),
    ]
}
