//! `sfaudit diff` output: table, Markdown and JSON renderings of a [`Drift`].

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::diff::{Direction, Drift, Finding, ResourceName};
use crate::escape::markdown::inline;
use crate::escape::terminal_line;

fn resource(name: &ResourceName) -> String {
    format!("{} ({})", name.name, name.kind.as_str())
}

fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::Weaker => "weaker",
        Direction::Stronger => "stronger",
        Direction::Changed => "changed",
    }
}

fn verdict(drift: &Drift) -> &'static str {
    if drift.got_worse() { "WORSE: something got weaker (exit 1)" } else { "no regression (exit 0)" }
}

/// Where the findings of a comparison with a snapshot come from.
fn evaluated_note(drift: &Drift) -> Option<String> {
    drift.evaluated_as_of.as_ref().map(|as_of| {
        format!(
            "A snapshot has no findings: both sides' settings were evaluated with sfaudit's built-in rules as of {as_of}."
        )
    })
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled).force_no_tty();
    table.set_header(header.to_vec());
    table
}

fn findings_table(findings: &[Finding]) -> Table {
    let mut table = new_table(&["Risk", "Rule", "App", "Your value"]);
    for finding in findings {
        table.add_row([
            finding.severity.as_str().to_string(),
            terminal_line(&finding.rule_id),
            terminal_line(&resource(&finding.resource)),
            terminal_line(finding.actual.as_deref().unwrap_or("")),
        ]);
    }
    table
}

pub(crate) fn table(drift: &Drift) -> String {
    let mut out =
        format!("Drift from {} to {}: {}\n\n", terminal_line(&drift.old), terminal_line(&drift.new), verdict(drift));
    if let Some(note) = evaluated_note(drift) {
        let _ = writeln!(out, "{}", terminal_line(&note));
    }
    if drift.compared_findings {
        let _ = writeln!(
            out,
            "Findings: {} new, {} fixed, {} changed severity",
            drift.new_findings.len(),
            drift.fixed_findings.len(),
            drift.severity_changes.len()
        );
        if !drift.new_findings.is_empty() {
            let _ = writeln!(out, "\nNew findings\n{}", findings_table(&drift.new_findings));
        }
        if !drift.fixed_findings.is_empty() {
            let _ = writeln!(out, "\nFixed findings\n{}", findings_table(&drift.fixed_findings));
        }
        if !drift.severity_changes.is_empty() {
            let mut table = new_table(&["Rule", "App", "Old risk", "New risk"]);
            for change in &drift.severity_changes {
                table.add_row([
                    terminal_line(&change.finding.rule_id),
                    terminal_line(&resource(&change.finding.resource)),
                    change.old.as_str().to_string(),
                    change.finding.severity.as_str().to_string(),
                ]);
            }
            let _ = writeln!(out, "\nChanged severity\n{table}");
        }
    } else {
        let _ = writeln!(out, "Findings: not compared (a snapshot has no results; compare two JSON results for that)");
    }
    let names =
        |list: &[ResourceName]| list.iter().map(|name| terminal_line(&resource(name))).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "\nApps added: {}",
        if drift.apps_added.is_empty() { "none".to_string() } else { names(&drift.apps_added) }
    );
    let _ = writeln!(
        out,
        "Apps removed: {}",
        if drift.apps_removed.is_empty() { "none".to_string() } else { names(&drift.apps_removed) }
    );
    if drift.setting_changes.is_empty() {
        let _ = writeln!(out, "\nSetting changes: none");
    } else {
        let mut table = new_table(&["Change", "App", "Setting", "Old", "New"]);
        for change in &drift.setting_changes {
            table.add_row([
                direction(change.direction).to_string(),
                terminal_line(&resource(&change.resource)),
                terminal_line(&change.field),
                terminal_line(&change.old),
                terminal_line(&change.new),
            ]);
        }
        let _ = writeln!(out, "\nSetting changes ({})\n{table}", drift.setting_changes.len());
    }
    out
}

pub(crate) fn markdown(drift: &Drift) -> String {
    let cell = inline;
    let mut out =
        format!("## sfaudit drift\n\n`{}` → `{}`: **{}**\n\n", cell(&drift.old), cell(&drift.new), verdict(drift));
    if let Some(note) = evaluated_note(drift) {
        let _ = writeln!(out, "{}\n", cell(&note));
    }
    if drift.compared_findings {
        let _ = writeln!(
            out,
            "Findings: {} new, {} fixed, {} changed severity.\n",
            drift.new_findings.len(),
            drift.fixed_findings.len(),
            drift.severity_changes.len()
        );
        for (heading, findings) in [("New findings", &drift.new_findings), ("Fixed findings", &drift.fixed_findings)] {
            if findings.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {heading}\n\n| Risk | Rule | App | Your value |\n| --- | --- | --- | --- |");
            for finding in findings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    finding.severity,
                    cell(&finding.rule_id),
                    cell(&resource(&finding.resource)),
                    cell(finding.actual.as_deref().unwrap_or(""))
                );
            }
            out.push('\n');
        }
        if !drift.severity_changes.is_empty() {
            let _ = writeln!(out, "### Changed severity\n\n| Rule | App | Old | New |\n| --- | --- | --- | --- |");
            for change in &drift.severity_changes {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    cell(&change.finding.rule_id),
                    cell(&resource(&change.finding.resource)),
                    change.old,
                    change.finding.severity
                );
            }
            out.push('\n');
        }
    }
    for (heading, list) in [("Apps added", &drift.apps_added), ("Apps removed", &drift.apps_removed)] {
        let names: Vec<String> = list.iter().map(|name| cell(&resource(name))).collect();
        let _ = writeln!(out, "{heading}: {}\n", if names.is_empty() { "none".to_string() } else { names.join(", ") });
    }
    if !drift.setting_changes.is_empty() {
        let _ = writeln!(
            out,
            "### Setting changes\n\n| Change | App | Setting | Old | New |\n| --- | --- | --- | --- | --- |"
        );
        for change in &drift.setting_changes {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} |",
                direction(change.direction),
                cell(&resource(&change.resource)),
                cell(&change.field),
                cell(&change.old),
                cell(&change.new)
            );
        }
    }
    out
}

pub(crate) fn json(drift: &Drift) -> String {
    let document = serde_json::json!({
        "schema_version": 1,
        "got_worse": drift.got_worse(),
        "drift": drift,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
