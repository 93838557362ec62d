//! The fleet report as a table, Markdown or JSON (the HTML form is [`super::html::render_fleet`]):
//! per-org score, band and outcome, the worst findings across the fleet, and the apps configured
//! differently from org to org. Every org-supplied string is escaped for where it goes.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::escape;
use crate::fleet::{AppDifference, Fleet, Member, Outcome};
use crate::model::{Severity, Status};

fn failed_counts(member: &Member<'_>) -> String {
    match &member.outcome {
        Outcome::Scanned { report, .. } => Severity::DESCENDING
            .iter()
            .map(|severity| report.summary.failed_by_severity.get(severity).copied().unwrap_or(0).to_string())
            .collect::<Vec<_>>()
            .join("/"),
        Outcome::Failed { .. } => "—".to_string(),
    }
}

/// (score, band, unknown, gate, outcome) of one org, as text.
fn columns(member: &Member<'_>) -> (String, String, String, String, String) {
    match &member.outcome {
        Outcome::Scanned { report, incomplete } => (
            report.summary.score.map_or_else(|| "—".to_string(), |score| score.to_string()),
            report.summary.band.clone(),
            report.summary.count(Status::Unknown).to_string(),
            if report.gate.failed() { "failed" } else { "passed" }.to_string(),
            if *incomplete { "incomplete (exit 3)" } else { "complete" }.to_string(),
        ),
        Outcome::Failed { message, .. } => (
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
            format!("not scanned (exit {}): {message}", member.exit_code),
        ),
    }
}

fn title(fleet: &Fleet<'_>) -> String {
    let incomplete = fleet.incomplete();
    let verdict = if incomplete.is_empty() {
        format!("exit {}", fleet.exit_code)
    } else {
        format!("exit {} (incomplete: {})", fleet.exit_code, incomplete.join(", "))
    };
    format!("sfaudit fleet report: {} org(s), evaluated {}; {verdict}", fleet.members.len(), fleet.evaluated_at)
}

fn strictness(difference: &AppDifference) -> Option<String> {
    difference.strictest().map(|(strict, lenient)| {
        let weight =
            |org: &str| difference.failing_weight.iter().find(|(name, _)| name == org).map_or(0, |(_, weight)| *weight);
        format!(
            "stricter in {strict} (failing weight {}) than in {lenient} (failing weight {})",
            weight(strict),
            weight(lenient)
        )
    })
}

fn value_text(status: Status, actual: Option<&str>) -> String {
    match actual {
        Some(actual) => format!("{} ({actual})", status.as_str()),
        None => status.as_str().to_string(),
    }
}

/// Plain text for the terminal and CI logs.
pub(crate) fn table(fleet: &Fleet<'_>) -> String {
    // Cells may wrap; a free-standing line must stay one line, or a name could start a forged
    // CI log line.
    let term = escape::terminal;
    let line = escape::terminal_line;
    let mut out = format!("{}\n\n", line(&title(fleet)));
    let mut orgs = text_table(&["Org", "Score", "Band", "Failed c/h/m/l/i", "Unknown", "Gate", "Outcome", "Reports"]);
    for member in &fleet.members {
        let (score, band, unknown, gate, outcome) = columns(member);
        orgs.add_row([
            term(&member.name),
            score,
            term(&band),
            failed_counts(member),
            unknown,
            gate,
            term(&outcome),
            member.reports.as_deref().map_or_else(|| "—".to_string(), term),
        ]);
    }
    let _ = writeln!(out, "Orgs\n{orgs}\n");
    let (worst, total) = fleet.worst_findings();
    let _ = writeln!(out, "Worst findings across the fleet ({} of {total})", worst.len());
    if !worst.is_empty() {
        let mut table = text_table(&["Severity", "Org", "Rule", "App", "Your value", "Recommended"]);
        for finding in &worst {
            table.add_row([
                finding.severity.as_str().to_string(),
                term(&finding.org),
                term(&finding.rule_id),
                term(&finding.app),
                term(finding.actual.as_deref().unwrap_or("—")),
                term(&finding.expected),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    let differences = fleet.differences();
    let _ = writeln!(out, "\nApps configured differently across orgs ({})", differences.len());
    for difference in &differences {
        let _ = writeln!(out, "- {} {}", difference.kind.label(), line(&difference.name));
        if !difference.missing_in.is_empty() {
            let _ = writeln!(out, "    missing in {}", line(&difference.missing_in.join(", ")));
        }
        if let Some(strict) = strictness(difference) {
            let _ = writeln!(out, "    {}", line(&strict));
        }
        for rule in &difference.rules {
            let values: Vec<String> = rule
                .values
                .iter()
                .map(|value| format!("{}: {}", value.org, value_text(value.status, value.actual.as_deref())))
                .collect();
            let _ = writeln!(out, "    {} [{}] {}", line(&rule.rule_id), rule.severity, line(&values.join("; ")));
        }
    }
    out
}

fn text_table(header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.force_no_tty();
    table.set_header(header);
    table
}

/// GitHub-flavoured Markdown.
pub(crate) fn markdown(fleet: &Fleet<'_>) -> String {
    let md = escape::markdown::inline;
    let mut out = format!("# {}\n\n## Orgs\n\n", md(&title(fleet)));
    out.push_str("| Org | Score | Band | Failed c/h/m/l/i | Unknown | Gate | Outcome | Reports |\n");
    out.push_str("| --- | ---: | --- | --- | ---: | --- | --- | --- |\n");
    for member in &fleet.members {
        let (score, band, unknown, gate, outcome) = columns(member);
        let _ = writeln!(
            out,
            "| {} | {score} | {} | {} | {unknown} | {gate} | {} | {} |",
            md(&member.name),
            md(&band),
            failed_counts(member),
            md(&outcome),
            member.reports.as_deref().map_or_else(|| "—".to_string(), md)
        );
    }
    let (worst, total) = fleet.worst_findings();
    let _ = writeln!(out, "\n## Worst findings across the fleet ({} of {total})\n", worst.len());
    if !worst.is_empty() {
        out.push_str("| Severity | Org | Control | App | Your value | Recommended | Rule |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        for finding in &worst {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | `{}` |",
                finding.severity,
                md(&finding.org),
                md(&finding.title),
                md(&finding.app),
                md(finding.actual.as_deref().unwrap_or("—")),
                md(&finding.expected),
                md(&finding.rule_id)
            );
        }
    }
    let differences = fleet.differences();
    let _ = writeln!(out, "\n## Apps configured differently across orgs ({})\n", differences.len());
    for difference in &differences {
        let _ = writeln!(out, "### {} {}\n", difference.kind.label(), md(&difference.name));
        if !difference.missing_in.is_empty() {
            let _ = writeln!(out, "- **Missing in** {}", md(&difference.missing_in.join(", ")));
        }
        if let Some(strict) = strictness(difference) {
            let _ = writeln!(out, "- {}", md(&strict));
        }
        if !difference.rules.is_empty() {
            let orgs: Vec<&str> = difference.present_in.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "\n| Rule | Severity | {} |\n| --- | --- |{}",
                orgs.iter().map(|org| md(org)).collect::<Vec<_>>().join(" | "),
                " --- |".repeat(orgs.len())
            );
            for rule in &difference.rules {
                let cells: Vec<String> = orgs
                    .iter()
                    .map(|org| {
                        rule.values.iter().find(|value| value.org == *org).map_or_else(
                            || "—".to_string(),
                            |value| md(&value_text(value.status, value.actual.as_deref())),
                        )
                    })
                    .collect();
                let _ = writeln!(out, "| {} | {} | {} |", md(&rule.title), rule.severity, cells.join(" | "));
            }
        }
        out.push('\n');
    }
    out
}

/// JSON (`schema: "sfaudit.fleet/1"`).
pub(crate) fn json(fleet: &Fleet<'_>) -> String {
    let orgs: Vec<Value> = fleet
        .members
        .iter()
        .map(|member| match &member.outcome {
            Outcome::Scanned { report, incomplete } => json!({
                "name": member.name,
                "outcome": if *incomplete { "incomplete" } else { "complete" },
                "exit_code": member.exit_code,
                "score": report.summary.score,
                "band": report.summary.band,
                "failed_by_severity": Severity::DESCENDING.iter()
                    .map(|severity| (severity.as_str().to_string(), json!(report.summary.failed_by_severity.get(severity).copied().unwrap_or(0))))
                    .collect::<serde_json::Map<_, _>>(),
                "unknown": report.summary.count(Status::Unknown),
                "gate_failed": report.gate.failed(),
                "org_id": report.inventory.org.identity.as_ref().map(|identity| identity.id.clone()),
                "reports": member.reports,
            }),
            Outcome::Failed { message, hint } => json!({
                "name": member.name,
                "outcome": "not_scanned",
                "exit_code": member.exit_code,
                "error": message,
                "hint": hint,
            }),
        })
        .collect();
    let (worst, total) = fleet.worst_findings();
    let differences = fleet.differences();
    let document = json!({
        "schema": "sfaudit.fleet/1",
        "tool": fleet.tool,
        "evaluated_at": fleet.evaluated_at.to_string(),
        "exit_code": fleet.exit_code,
        "incomplete": fleet.incomplete(),
        "orgs": orgs,
        "worst_findings_total": total,
        "worst_findings": worst.iter().map(|finding| json!({
            "org": finding.org,
            "severity": finding.severity.as_str(),
            "rule_id": finding.rule_id,
            "title": finding.title,
            "resource": {"kind": finding.kind.as_str(), "name": finding.app},
            "actual": finding.actual,
            "expected": finding.expected,
        })).collect::<Vec<_>>(),
        "app_differences": differences.iter().map(|difference| json!({
            "resource": {"kind": difference.kind.as_str(), "name": difference.name},
            "present_in": difference.present_in,
            "missing_in": difference.missing_in,
            "strictest": difference.strictest().map(|(strict, lenient)| json!({"strictest": strict, "most_lenient": lenient})),
            "failing_weight": difference.failing_weight.iter().map(|(org, weight)| (org.clone(), json!(weight))).collect::<serde_json::Map<_, _>>(),
            "rules": difference.rules.iter().map(|rule| json!({
                "rule_id": rule.rule_id,
                "title": rule.title,
                "severity": rule.severity.as_str(),
                "values": rule.values.iter().map(|value| json!({
                    "org": value.org, "status": value.status.as_str(), "actual": value.actual,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
