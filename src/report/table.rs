//! The terminal report: summary (with the band's cap and the run's notices), counts, each app's
//! score, failed controls with their confidence and your value against the recommended value,
//! what could not be evaluated, input problems, policy loosenings and coverage.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

use crate::document::Report;
use crate::document::health_status;
use crate::engine::{BaselineState, ResultView};
use crate::escape::{terminal, terminal_line};
use crate::model::{Severity, Status};
use crate::report::labels::your_value;
use crate::report::tables;

/// Renders without colour and without wrapping, so the output is the same on any terminal and
/// in CI logs; `width` wraps long cells when a terminal width is known.
pub fn render(report: &Report<'_>, width: Option<u16>) -> String {
    render_parts(report, width).into_string()
}

/// Writes what [`render`] returns, a part at a time: a large org's table is never copied into
/// one string.
pub fn write(report: &Report<'_>, width: Option<u16>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for part in render_parts(report, width).parts {
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

/// The report's text in parts: short lines are appended to the last part, and each rendered piece
/// of a large table is a part of its own.
#[derive(Default)]
struct Parts {
    parts: Vec<String>,
}

impl Parts {
    fn last(&mut self) -> &mut String {
        if self.parts.is_empty() {
            self.parts.push(String::new());
        }
        let last = self.parts.len() - 1;
        &mut self.parts[last]
    }

    fn push(&mut self, character: char) {
        self.last().push(character);
    }

    fn push_str(&mut self, text: &str) {
        self.last().push_str(text);
    }

    /// Adds `part` as it is, and starts a new part after it.
    fn push_part(&mut self, part: String) {
        self.parts.push(part);
        self.parts.push(String::new());
    }

    fn into_string(self) -> String {
        self.parts.concat()
    }
}

impl std::fmt::Write for Parts {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

fn render_parts(report: &Report<'_>, width: Option<u16>) -> Parts {
    let mut out = Parts::default();
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
        push_section(&mut out, width, &scores);
    }
    if let Some(check) = health_check.as_ref().filter(|check| !check.high_risk().is_empty()) {
        health_check_table(&mut out, width, check.high_risk());
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
        push_table(&mut out, width, header, failed.len(), |index| {
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
                terminal(&result.rule.control),
                app_name(result),
                terminal(&your_value(result, "unknown")),
                terminal(&result.rule.expected),
                terminal(result.rule_id()),
            ]
        });
        out.push('\n');
    }

    let unknown: Vec<ResultView<'_>> =
        report.results.iter().filter(|result| result.status == Status::Unknown).collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "Not evaluated: data unavailable ({})", unknown.len());
        push_table(&mut out, width, ["Risk", "Rule", "App", "Why"], unknown.len(), |index| {
            let result = unknown[index];
            [
                result.severity.as_str().to_string(),
                terminal(result.rule_id()),
                app_name(result),
                terminal(result.reason().unwrap_or("")),
            ]
        });
        out.push('\n');
    }
    for table in tables::run_tables(report).iter().chain(&tables::coverage_tables(report)) {
        push_section(&mut out, width, table);
    }
    let suppressed: Vec<ResultView<'_>> = report.results.iter().filter(|result| result.suppression.is_some()).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "Suppressed ({}): reported, but not counted by the gate", suppressed.len());
        let mut table = new_table(width);
        table.set_header(["Rule", "App", "Reason", "Owner", "Ticket", "Expires", "Where"]);
        for result in suppressed {
            let Some(suppression) = result.suppression() else { continue };
            table.add_row([
                terminal(result.rule_id()),
                app_name(result),
                terminal(&suppression.reason),
                terminal(suppression.owner.as_deref().unwrap_or("")),
                terminal(suppression.ticket.as_deref().unwrap_or("")),
                suppression.expires.map_or_else(|| "never".to_string(), |date| date.to_string()),
                terminal(&suppression.source),
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
    out
}

/// Rows rendered per table piece: a table of a large org's results is built a piece at a time,
/// with every piece given the widths of the whole, so it never sits in memory as cells at once.
const ROWS_PER_PIECE: usize = 2_000;

/// Salesforce's high-risk settings, as Health Check names them.
fn health_check_table(out: &mut Parts, width: Option<u16>, risks: &[crate::model::HealthCheckRisk]) {
    let _ = writeln!(out, "Salesforce Health Check: high-risk settings ({})", risks.len());
    push_table(out, width, ["Group", "Setting", "Org value", "Standard value"], risks.len(), |index| {
        let risk = &risks[index];
        [terminal(&risk.group), terminal(&risk.setting), terminal(&risk.org_value), terminal(&risk.standard_value)]
    });
    out.push('\n');
}

/// Appends a table of `rows` rows to `out`. Without a terminal width the table is rendered in
/// pieces with identical column widths and stitched, which prints exactly what one table would.
fn push_table<const N: usize>(
    out: &mut Parts,
    width: Option<u16>,
    header: [&str; N],
    rows: usize,
    row: impl Fn(usize) -> [String; N] + Sync,
) {
    if width.is_some() {
        let mut table = new_table(width);
        table.set_header(header);
        for index in 0..rows {
            table.add_row(row(index));
        }
        let _ = writeln!(out, "{table}");
        return;
    }
    let text_width = |text: &str| text.lines().map(unicode_width::UnicodeWidthStr::width).max().unwrap_or(0);
    let pieces = rows.div_ceil(ROWS_PER_PIECE).max(1);
    let piece_rows = |piece: usize| piece * ROWS_PER_PIECE..rows.min((piece + 1) * ROWS_PER_PIECE);
    let piece_widths = on_every_core(pieces, |piece| {
        let mut widths = [0; N];
        for index in piece_rows(piece) {
            for (column, cell) in row(index).iter().enumerate() {
                widths[column] = widths[column].max(text_width(cell));
            }
        }
        widths
    });
    let mut widths: [usize; N] = header.map(text_width);
    for piece in piece_widths {
        for (width, piece_width) in widths.iter_mut().zip(piece) {
            *width = (*width).max(piece_width);
        }
    }
    let constraints: Vec<ColumnConstraint> = widths
        .iter()
        .map(|width| ColumnConstraint::LowerBoundary(Width::Fixed(u16::try_from(*width + 2).unwrap_or(u16::MAX))))
        .collect();
    let texts = on_every_core(pieces, |piece| {
        let mut table = new_table(None);
        if piece == 0 {
            table.set_header(header);
        }
        for index in piece_rows(piece) {
            table.add_row(row(index));
        }
        table.set_constraints(constraints.clone());
        table.to_string()
    });
    for (piece, text) in texts.into_iter().enumerate() {
        let mut lines: Vec<&str> = text.lines().collect();
        // Inner pieces lose the border lines where they join their neighbours.
        if piece + 1 < pieces {
            lines.pop();
        }
        if piece > 0 && !lines.is_empty() {
            lines.remove(0);
        }
        let mut part = String::with_capacity(text.len() + 1);
        for line in lines {
            part.push_str(line);
            part.push('\n');
        }
        out.push_part(part);
    }
}

/// `work` for each of `0..count`, split between the cores, in order.
fn on_every_core<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8).min(count.max(1));
    if workers == 1 {
        return (0..count).map(work).collect();
    }
    let per_worker = count.div_ceil(workers);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let range = worker * per_worker..count.min((worker + 1) * per_worker);
                scope.spawn(move || range.map(work).collect::<Vec<T>>())
            })
            .collect();
        // Rendering text does not panic; if it did, the panic is the caller's, as if it ran here.
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// A titled table with its note; every cell escaped for the terminal.
fn push_section(out: &mut Parts, width: Option<u16>, section: &tables::Table) {
    let _ = writeln!(out, "{} ({}): {}", section.title, section.rows.len(), section.note);
    let mut table = new_table(width);
    table.set_header(section.header.clone());
    for row in &section.rows {
        table.add_row(row.iter().map(|cell| terminal(cell)).collect::<Vec<_>>());
    }
    let _ = writeln!(out, "{table}\n");
}

fn app_name(result: ResultView<'_>) -> String {
    let resource = &result.resource;
    format!("{} ({})", terminal(&resource.name), resource.kind.label())
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

    #[test]
    fn a_table_rendered_in_pieces_prints_exactly_what_one_table_would() {
        let row = |index: usize| {
            [
                format!("app-{index}{}", "é".repeat(index % 7)),
                format!("line one\nline {}", "x".repeat(index % 13)),
                index.to_string(),
            ]
        };
        let rows = ROWS_PER_PIECE * 2 + 17;
        let mut single = new_table(None);
        single.set_header(["App", "Value", "N"]);
        for index in 0..rows {
            single.add_row(row(index));
        }
        let mut pieces = Parts::default();
        pieces.push_str("before\n");
        push_table(&mut pieces, None, ["App", "Value", "N"], rows, row);
        pieces.push('.');
        assert!(pieces.parts.len() > 3, "each piece is a part of its own");
        assert_eq!(pieces.into_string(), format!("before\n{single}\n."));
        let mut empty = Parts::default();
        push_table(&mut empty, None, ["App"], 0, |_| [String::new()]);
        let mut header_only = new_table(None);
        header_only.set_header(["App"]);
        assert_eq!(empty.into_string(), format!("{header_only}\n"));
    }
}
