//! The terminal report: summary, counts, failed controls with your value against the
//! recommended value, and what could not be evaluated.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::Report;
use super::summary::health_status;
use crate::engine::{RuleResult, Severity, Status};

/// Renders without colour and without wrapping, so the output is the same on any terminal and
/// in CI logs; `width` wraps long cells when a terminal width is known.
pub fn render(report: &Report<'_>, width: Option<u16>) -> String {
    let mut out = String::new();
    let run = report.run;
    let summary = report.summary;
    let _ = writeln!(
        out,
        "{} {} · rule pack {} ({} rules)",
        run.tool.name, run.tool.version, run.rule_pack.version, run.rule_pack.rules
    );
    let source = &run.source;
    let _ = writeln!(
        out,
        "Source:  {} {} ({} metadata files, {} apps)",
        source.kind.as_str(),
        source.location,
        source.files_read,
        summary.apps
    );
    let _ = writeln!(out, "As of:   {}", run.evaluated_at);
    let score = summary.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"));
    let _ = writeln!(out, "Score:   {score} ({})", summary.band);
    out.push('\n');

    let mut counts = new_table(width);
    counts.set_header(["Risk", "Failed", "Unknown", "Passed", "Not applicable"]);
    for severity in Severity::DESCENDING {
        let count = |status: Status| {
            report
                .results
                .results
                .iter()
                .filter(|result| result.severity == severity && result.status == status)
                .count()
        };
        counts.add_row([
            Cell::new(severity.as_str()),
            number(count(Status::Fail)),
            number(count(Status::Unknown)),
            number(count(Status::Pass)),
            number(count(Status::NotApplicable)),
        ]);
    }
    let total = |status: Status| summary.by_status.get(&status).copied().unwrap_or(0);
    counts.add_row([
        Cell::new("total"),
        number(total(Status::Fail)),
        number(total(Status::Unknown)),
        number(total(Status::Pass)),
        number(total(Status::NotApplicable)),
    ]);
    let _ = writeln!(out, "{counts}\n");

    let mut failed: Vec<&RuleResult> =
        report.results.results.iter().filter(|result| result.status == Status::Fail).collect();
    failed.sort_by(|a, b| (b.severity, &a.rule_id, &a.resource.name).cmp(&(a.severity, &b.rule_id, &b.resource.name)));
    if failed.is_empty() {
        let _ = writeln!(out, "Failed controls: none\n");
    } else {
        let _ = writeln!(out, "Failed controls ({})", failed.len());
        let mut table = new_table(width);
        table.set_header(["Status", "Risk", "Control", "App", "Your value", "Recommended value", "Rule"]);
        for result in failed {
            let status = match (&result.suppression, result.baseline) {
                (Some(_), _) => format!("{} (suppressed)", health_status(result.status, result.severity)),
                (None, Some(crate::baseline::BaselineState::New)) => {
                    format!("{} (new)", health_status(result.status, result.severity))
                }
                _ => health_status(result.status, result.severity).to_string(),
            };
            table.add_row([
                status.as_str(),
                result.severity.as_str(),
                &result.control,
                &app_name(result),
                &printable(result.actual.as_deref().unwrap_or("unknown")),
                &result.expected,
                &result.rule_id,
            ]);
        }
        let _ = writeln!(out, "{table}\n");
    }

    let unknown: Vec<&RuleResult> =
        report.results.results.iter().filter(|result| result.status == Status::Unknown).collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "Not evaluated: data unavailable ({})", unknown.len());
        let mut table = new_table(width);
        table.set_header(["Risk", "Rule", "App", "Why"]);
        for result in unknown {
            table.add_row([
                result.severity.as_str(),
                &result.rule_id,
                &app_name(result),
                &printable(result.reason.as_deref().unwrap_or("")),
            ]);
        }
        let _ = writeln!(out, "{table}\n");
    }
    let suppressed: Vec<&RuleResult> =
        report.results.results.iter().filter(|result| result.suppression.is_some()).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "Suppressed ({}): reported, but not counted by the gate", suppressed.len());
        let mut table = new_table(width);
        table.set_header(["Rule", "App", "Reason", "Owner", "Ticket", "Expires", "Where"]);
        for result in suppressed {
            let Some(suppression) = result.suppression.as_deref() else { continue };
            table.add_row([
                result.rule_id.to_string(),
                app_name(result),
                printable(&suppression.reason),
                printable(suppression.owner.as_deref().unwrap_or("")),
                printable(suppression.ticket.as_deref().unwrap_or("")),
                suppression.expires.clone().unwrap_or_else(|| "never".to_string()),
                suppression.source.clone(),
            ]);
        }
        let _ = writeln!(out, "{table}\n");
    }
    if let Some(baseline) = &run.baseline {
        let _ = writeln!(
            out,
            "Baseline {}: {} new, {} unchanged, {} fixed; only new findings count for the gate.",
            baseline.file, baseline.new, baseline.unchanged, baseline.fixed
        );
    }
    for warning in &run.warnings {
        let _ = writeln!(out, "Warning: {}", printable(warning));
    }
    let _ = writeln!(out, "Gate: fail on {} and above.", run.fail_on);
    out
}

fn app_name(result: &RuleResult) -> String {
    let resource = &result.resource;
    format!("{} ({})", printable(&resource.name), kind_label(resource.kind))
}

/// Org-supplied text may hold terminal escape sequences; show control characters escaped so a
/// hostile app name cannot rewrite the screen or the CI log.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() && character != '\n' {
                character.escape_unicode().to_string()
            } else {
                character.to_string()
            }
        })
        .collect()
}

fn kind_label(kind: crate::model::ResourceKind) -> &'static str {
    match kind {
        crate::model::ResourceKind::ConnectedApp => "Connected App",
        crate::model::ResourceKind::ExternalClientApp => "External Client App",
        crate::model::ResourceKind::Org => "org",
    }
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
