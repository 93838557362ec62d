//! `sfaudit history` as a table, Markdown or JSON: per org or project, the score over time with
//! new and fixed findings per run, then the open findings with their first-seen date and age.

use std::fmt::Write as _;

use serde_json::{Value, json};
use time::{OffsetDateTime, UtcOffset};

use crate::document::ChangedFinding;
use crate::escape;
use crate::history::{HistoryView, OpenFinding, RunChange, TargetHistory};

fn day(instant: OffsetDateTime) -> String {
    let date = instant.to_offset(UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn score(score: Option<u8>) -> String {
    score.map_or_else(|| "—".to_string(), |score| score.to_string())
}

fn count(list: Option<&Vec<ChangedFinding>>) -> String {
    list.map_or_else(|| "—".to_string(), |list| list.len().to_string())
}

fn gate(run: &RunChange) -> &'static str {
    match (run.gate_failed, run.incomplete) {
        (_, true) => "incomplete",
        (true, false) => "failed",
        (false, false) => "passed",
    }
}

fn heading(target: &TargetHistory) -> String {
    let mut text = target.org_name.clone();
    if let Some(id) = &target.org_id {
        let _ = write!(text, " ({id})");
    } else if target.target != target.org_name {
        let _ = write!(text, " ({})", target.target);
    }
    if !target.profiles.is_empty() {
        let _ = write!(text, " · profile {}", target.profiles.join(", "));
    }
    text
}

fn finding_line(finding: &ChangedFinding) -> String {
    format!("{} {} × {} ({})", finding.severity, finding.rule_id, finding.name, finding.title)
}

/// Plain text for the terminal; every string from the database goes through [`escape::terminal`]
/// in table cells and [`escape::terminal_line`] on lines of its own.
pub(crate) fn table(view: &HistoryView) -> String {
    let mut out = String::new();
    if view.targets.is_empty() {
        out.push_str("No recorded runs match.\n");
        return out;
    }
    for target in &view.targets {
        let _ =
            writeln!(out, "History of {}: {} run(s) shown", escape::terminal_line(&heading(target)), target.runs.len());
        let mut runs = new_table();
        runs.set_header(["Run", "Evaluated", "Score", "Band", "Failed", "Unknown", "New", "Fixed", "Gate"]);
        for run in &target.runs {
            runs.add_row([
                run.id.to_string(),
                day(run.evaluated_at),
                score(run.score),
                escape::terminal_line(&run.band),
                run.failed.to_string(),
                run.unknown.to_string(),
                count(run.new.as_ref()),
                count(run.fixed.as_ref()),
                gate(run).to_string(),
            ]);
        }
        let _ = writeln!(out, "{runs}");
        for run in &target.runs {
            for (what, list) in [("new", &run.new), ("fixed", &run.fixed)] {
                for finding in list.iter().flatten() {
                    let _ = writeln!(out, "  run {} {what}: {}", run.id, escape::terminal_line(&finding_line(finding)));
                }
            }
        }
        let _ = writeln!(out, "\nOpen findings in the latest run: {}", target.open.len());
        if !target.open.is_empty() {
            let mut open = new_table();
            open.set_header(["First seen", "Age (days)", "Severity", "Rule", "App", "Your value"]);
            for finding in &target.open {
                open.add_row(open_row(finding, escape::terminal_line));
            }
            let _ = writeln!(out, "{open}");
        }
        out.push('\n');
    }
    out
}

fn new_table() -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.force_no_tty();
    table
}

fn open_row(finding: &OpenFinding, escape: fn(&str) -> String) -> [String; 6] {
    let suppressed = if finding.suppressed { " (suppressed)" } else { "" };
    [
        day(finding.first_seen),
        finding.age_days.to_string(),
        finding.finding.severity.as_str().to_string(),
        escape(&finding.finding.rule_id),
        escape(&finding.finding.name),
        format!("{}{suppressed}", escape(finding.actual.as_deref().unwrap_or("—"))),
    ]
}

/// GitHub-flavoured Markdown; every string from the database is escaped.
pub(crate) fn markdown(view: &HistoryView) -> String {
    let inline = escape::markdown::inline;
    let mut out = String::from("# sfaudit history\n\n");
    if view.targets.is_empty() {
        out.push_str("No recorded runs match.\n");
        return out;
    }
    for target in &view.targets {
        let _ = writeln!(out, "## {}\n", inline(&heading(target)));
        out.push_str("| Run | Evaluated | Score | Band | Failed | Unknown | New | Fixed | Gate |\n");
        out.push_str("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |\n");
        for run in &target.runs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                run.id,
                day(run.evaluated_at),
                score(run.score),
                inline(&run.band),
                run.failed,
                run.unknown,
                count(run.new.as_ref()),
                count(run.fixed.as_ref()),
                gate(run)
            );
        }
        let changes: Vec<String> = target
            .runs
            .iter()
            .flat_map(|run| {
                [("new", &run.new), ("fixed", &run.fixed)].into_iter().flat_map(move |(what, list)| {
                    list.iter()
                        .flatten()
                        .map(move |finding| format!("- run {} {what}: {}", run.id, inline(&finding_line(finding))))
                })
            })
            .collect();
        if !changes.is_empty() {
            let _ = writeln!(out, "\n### New and fixed findings\n\n{}", changes.join("\n"));
        }
        let _ = writeln!(out, "\n### Open findings ({})\n", target.open.len());
        if !target.open.is_empty() {
            out.push_str("| First seen | Age (days) | Severity | Rule | App | Your value |\n");
            out.push_str("| --- | ---: | --- | --- | --- | --- |\n");
            for finding in &target.open {
                let _ = writeln!(out, "| {} |", open_row(finding, inline).join(" | "));
            }
        }
        out.push('\n');
    }
    out
}

fn finding_json(finding: &ChangedFinding) -> Value {
    json!({
        "rule_id": finding.rule_id,
        "severity": finding.severity.as_str(),
        "resource": {"kind": finding.kind.as_str(), "name": finding.name},
        "title": finding.title,
    })
}

/// JSON (`schema_version` 1): `targets[]` with `runs[]` and `open_findings[]`.
pub(crate) fn json(view: &HistoryView) -> String {
    let rfc3339 = crate::model::when::rfc3339;
    let targets: Vec<Value> = view
        .targets
        .iter()
        .map(|target| {
            json!({
                "target": target.target,
                "org_name": target.org_name,
                "org_id": target.org_id,
                "profiles": target.profiles,
                "runs": target.runs.iter().map(|run| json!({
                    "id": run.id,
                    "evaluated_at": rfc3339(run.evaluated_at),
                    "score": run.score,
                    "band": run.band,
                    "failed": run.failed,
                    "unknown": run.unknown,
                    "gate": gate(run),
                    "new": run.new.as_ref().map(|list| list.iter().map(finding_json).collect::<Vec<_>>()),
                    "fixed": run.fixed.as_ref().map(|list| list.iter().map(finding_json).collect::<Vec<_>>()),
                })).collect::<Vec<_>>(),
                "open_findings": target.open.iter().map(|finding| {
                    let mut value = finding_json(&finding.finding);
                    value["first_seen"] = json!(rfc3339(finding.first_seen));
                    value["age_days"] = json!(finding.age_days);
                    value["actual"] = json!(finding.actual);
                    value["suppressed"] = json!(finding.suppressed);
                    value
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"schema_version": 1, "targets": targets}))
        .unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
