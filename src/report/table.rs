//! The terminal report: summary (with the band's cap and the run's notices), counts, each app's
//! score, failed controls with their confidence and your value against the recommended value,
//! what could not be evaluated, input problems, policy loosenings and coverage.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::document::Report;
use crate::document::health_status;
use crate::engine::{BaselineState, ResultView};
use crate::escape::{terminal, terminal_line};
use crate::model::{Severity, Status};
use crate::report::labels::your_value;
use crate::report::{grid, tables};

/// Renders without colour and without wrapping, so the output is the same on any terminal and
/// in CI logs; `width` wraps long cells when a terminal width is known.
pub fn render(report: &Report<'_>, width: Option<u16>) -> String {
    let mut text = String::new();
    render_into(report, width, &mut |part: String| text.push_str(&part));
    text
}

/// Writes what [`render`] returns as it is drawn: a large org's table is never held whole.
pub fn write(report: &Report<'_>, width: Option<u16>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut failure = None;
    render_into(report, width, &mut |part: String| {
        if failure.is_none() {
            failure = out.write_all(part.as_bytes()).err();
        }
    });
    failure.map_or(Ok(()), Err)
}

/// The report's text on its way out: short lines gather in `pending`, and each drawn piece of a
/// large table goes to the sink as it is (after what was pending).
struct Parts<'s> {
    pending: String,
    sink: &'s mut dyn FnMut(String),
}

impl Parts<'_> {
    fn push(&mut self, character: char) {
        self.pending.push(character);
    }

    fn push_str(&mut self, text: &str) {
        self.pending.push_str(text);
    }

    fn push_part(&mut self, part: String) {
        self.flush();
        (self.sink)(part);
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            (self.sink)(std::mem::take(&mut self.pending));
        }
    }
}

impl std::fmt::Write for Parts<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

fn render_into(report: &Report<'_>, width: Option<u16>, sink: &mut dyn FnMut(String)) {
    let mut out = Parts { pending: String::new(), sink };
    render_parts(&mut out, report, width);
    out.flush();
}

fn render_parts(out: &mut Parts<'_>, report: &Report<'_>, width: Option<u16>) {
    let run = report.run;
    let summary = report.summary;
    let _ = writeln!(
        out,
        "{} {} · rule pack {} ({} rules)",
        terminal_line(&run.tool.name),
        terminal_line(&run.tool.version),
        terminal_line(&run.rule_pack.version),
        run.rule_pack.rules
    );
    let source = &run.source;
    let _ = writeln!(
        out,
        "Source:  {} {} ({} metadata files, {} apps)",
        source.kind.as_str(),
        terminal_line(&source.location),
        source.files_read,
        summary.apps
    );
    let _ = writeln!(out, "As of:   {}", run.evaluated_at);
    let score = summary.score_text();
    let _ = writeln!(out, "Score:   {score} ({})", summary.band_text());
    let health_check = super::health_check::of(report);
    if let Some(check) = &health_check {
        let _ = writeln!(out, "Salesforce Health Check: {}", terminal(&check.summary()));
    }
    for notice in tables::notices(report) {
        let _ = writeln!(out, "{}: {}", notice.level.label(), terminal(&notice.text));
    }
    out.push('\n');

    let mut counts = new_table(width);
    counts.set_header(["Risk", "Failed", "Unknown", "Passed", "Not applicable"]);
    for severity in Severity::DESCENDING {
        let count = |status: Status| number(summary.count_of(severity, status));
        counts.add_row([
            Cell::new(severity.as_str()),
            count(Status::Fail),
            count(Status::Unknown),
            count(Status::Pass),
            count(Status::NotApplicable),
        ]);
    }
    let total = |status: Status| summary.count(status);
    counts.add_row([
        Cell::new("total"),
        number(total(Status::Fail)),
        number(total(Status::Unknown)),
        number(total(Status::Pass)),
        number(total(Status::NotApplicable)),
    ]);
    let _ = writeln!(out, "{counts}\n");
    if let Some(scores) = tables::app_scores(report) {
        push_section(out, width, &scores);
    }
    if let Some(check) = health_check.as_ref().filter(|check| !check.high_risk().is_empty()) {
        health_check_table(out, width, check.high_risk());
    }

    let mut failed: Vec<ResultView<'_>> =
        report.results.iter().filter(|result| result.status == Status::Fail).collect();
    failed.sort_by(|a, b| {
        (b.severity, &a.rule_id(), &a.resource.name).cmp(&(a.severity, &b.rule_id(), &b.resource.name))
    });
    if failed.is_empty() {
        let _ = writeln!(out, "Failed controls: none\n");
    } else {
        let _ = writeln!(out, "Failed controls ({})", failed.len());
        let header = ["Status", "Risk", "Confidence", "Control", "App", "Your value", "Recommended value", "Rule"];
        push_table(out, width, header, failed.len(), |index| {
            let result = failed[index];
            let status = match (result.suppression(), result.baseline) {
                (Some(_), _) => format!("{} (suppressed)", health_status(result.status, result.severity)),
                (None, Some(BaselineState::New)) => {
                    format!("{} (new)", health_status(result.status, result.severity))
                }
                _ => health_status(result.status, result.severity).to_string(),
            };
            [
                status,
                result.severity.as_str().to_string(),
                result.confidence.as_str().to_string(),
                terminal_line(&result.rule.control),
                app_name(result),
                terminal_line(&your_value(result, "unknown")),
                terminal_line(&result.rule.expected),
                terminal_line(result.rule_id()),
            ]
        });
        out.push('\n');
    }

    let unknown: Vec<ResultView<'_>> =
        report.results.iter().filter(|result| result.status == Status::Unknown).collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "Not evaluated: data unavailable ({})", unknown.len());
        push_table(out, width, ["Risk", "Rule", "App", "Why"], unknown.len(), |index| {
            let result = unknown[index];
            [
                result.severity.as_str().to_string(),
                terminal_line(result.rule_id()),
                app_name(result),
                terminal_line(result.reason().unwrap_or("")),
            ]
        });
        out.push('\n');
    }
    for table in tables::run_tables(report).iter().chain(&tables::coverage_tables(report)) {
        push_section(out, width, table);
    }
    let suppressed: Vec<ResultView<'_>> = report.results.iter().filter(|result| result.suppression.is_some()).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "Suppressed ({}): reported, but not counted by the gate", suppressed.len());
        let mut table = new_table(width);
        table.set_header(["Rule", "App", "Reason", "Owner", "Ticket", "Expires", "Where"]);
        for result in suppressed {
            let Some(suppression) = result.suppression() else { continue };
            table.add_row([
                terminal_line(result.rule_id()),
                app_name(result),
                terminal_line(&suppression.reason),
                terminal_line(suppression.owner.as_deref().unwrap_or("")),
                terminal_line(suppression.ticket.as_deref().unwrap_or("")),
                suppression.expires.map_or_else(|| "never".to_string(), |date| date.to_string()),
                terminal_line(&suppression.source),
            ]);
        }
        let _ = writeln!(out, "{table}\n");
    }
    if let Some(baseline) = &run.baseline {
        let _ = writeln!(
            out,
            "Baseline {}: {} new, {} unchanged, {} fixed; only new findings count for the gate.",
            terminal_line(&baseline.file),
            baseline.new,
            baseline.unchanged,
            baseline.fixed
        );
    }
    for warning in &run.warnings {
        let _ = writeln!(out, "Warning: {}", terminal_line(warning));
    }
    // What the gate judged, as the summary line says it: a baseline narrows it to new findings.
    match report.gate.fail_on() {
        crate::gate::FailOn::Never => out.push_str("Gate: never fails (fail_on none).\n"),
        crate::gate::FailOn::Severity(_) => {
            let _ = writeln!(out, "Gate: fail on {}.", report.gate.scope());
        }
    }
}

/// Salesforce's high-risk settings, as Health Check names them.
fn health_check_table(out: &mut Parts, width: Option<u16>, risks: &[crate::model::HealthCheckRisk]) {
    let _ = writeln!(out, "Salesforce Health Check: high-risk settings ({})", risks.len());
    push_table(out, width, ["Group", "Setting", "Org value", "Standard value"], risks.len(), |index| {
        let risk = &risks[index];
        [
            terminal_line(&risk.group),
            terminal_line(&risk.setting),
            terminal_line(&risk.org_value),
            terminal_line(&risk.standard_value),
        ]
    });
    out.push('\n');
}

/// Appends a table of `rows` rows to `out`. Without a terminal width it is drawn a piece at a
/// time by [`grid`], exactly as comfy-table would print it; with one, comfy-table wraps it.
fn push_table<const N: usize>(
    out: &mut Parts<'_>,
    width: Option<u16>,
    header: [&str; N],
    rows: usize,
    row: impl Fn(usize) -> [String; N] + Sync,
) {
    if width.is_none() {
        let widths = grid::column_widths(header, rows, &row);
        if widths.iter().all(|width| *width <= grid::WIDEST_DRAWN_COLUMN) {
            grid::draw(&widths, header, rows, &row, &mut |part| out.push_part(part));
            return;
        }
    }
    let mut table = new_table(width);
    table.set_header(header);
    for index in 0..rows {
        table.add_row(row(index));
    }
    let _ = writeln!(out, "{table}");
}

/// A titled table with its note; every cell escaped for the terminal.
fn push_section(out: &mut Parts, width: Option<u16>, section: &tables::Table) {
    let _ = writeln!(out, "{} ({}): {}", section.title, section.rows.len(), section.note);
    let mut table = new_table(width);
    table.set_header(section.header.clone());
    for row in &section.rows {
        table.add_row(row.iter().map(|cell| terminal_line(cell)).collect::<Vec<_>>());
    }
    let _ = writeln!(out, "{table}\n");
}

fn app_name(result: ResultView<'_>) -> String {
    let resource = &result.resource;
    format!("{} ({})", terminal_line(&resource.name), resource.kind.label())
}

fn number(count: usize) -> Cell {
    Cell::new(count).set_alignment(CellAlignment::Right)
}

fn new_table(width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    match width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic).set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.force_no_tty();
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What comfy-table prints for the same rows as one table, as `push_table` must.
    fn comfy_table<const N: usize>(header: [&str; N], rows: usize, row: impl Fn(usize) -> [String; N]) -> String {
        let mut single = new_table(None);
        single.set_header(header);
        for index in 0..rows {
            single.add_row(row(index));
        }
        format!("{single}\n")
    }

    /// `push_table`'s text, between two short lines, and how many parts reached the sink.
    fn pushed<const N: usize>(
        header: [&str; N],
        rows: usize,
        row: impl Fn(usize) -> [String; N] + Sync,
    ) -> (String, usize) {
        let mut parts = Vec::new();
        let mut sink = |part: String| parts.push(part);
        let mut out = Parts { pending: String::new(), sink: &mut sink };
        out.push_str("before\n");
        push_table(&mut out, None, header, rows, row);
        out.push('.');
        out.flush();
        (parts.concat(), parts.len())
    }

    #[test]
    fn a_table_drawn_in_pieces_prints_exactly_what_comfy_table_would() {
        let cells = ["", "é", "e\u{301}", "漢字", "🦀 crab", "tab\there", "a\n", "\nb", "two\nlines\nthree"];
        let row = |index: usize| {
            [
                format!("app-{index}{}", cells[index % cells.len()]),
                format!("line one\nline {}", "x".repeat(index % 13)),
                cells[(index / 3) % cells.len()].to_string(),
                String::new(),
            ]
        };
        let header = ["App", "Value\nsecond line", "Cell", ""];
        let rows = grid::ROWS_PER_PIECE * 9 + 17;
        let (text, parts) = pushed(header, rows, row);
        assert_eq!(text, format!("before\n{}.", comfy_table(header, rows, row)));
        assert!(parts > 10, "each piece goes out on its own, not the table whole ({parts} parts)");
        let (empty, _) = pushed(["App"], 0, |_| [String::new()]);
        assert_eq!(empty, format!("before\n{}.", comfy_table(["App"], 0, |_| [String::new()])));
    }

    #[test]
    fn a_cell_too_wide_to_draw_is_left_to_comfy_table() {
        let wide = "w".repeat(grid::WIDEST_DRAWN_COLUMN + 1);
        let row = |index: usize| [index.to_string(), if index == 1 { wide.clone() } else { "x".to_string() }];
        let (text, _) = pushed(["N", "Value"], 3, row);
        assert_eq!(text, format!("before\n{}.", comfy_table(["N", "Value"], 3, row)));
    }
}
