//! `sfaudit rules list` and `sfaudit rules explain`.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::engine::{Rule, RuleSet};

pub(crate) fn list(rules: &RuleSet, version: &str) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled).force_no_tty();
    table.set_header(["Rule", "Severity", "Confidence", "Category", "Applies to", "Control"]);
    for rule in &rules.rules {
        let kinds: Vec<&str> = rule.meta.applies_to.iter().map(|kind| kind.as_str()).collect();
        table.add_row([
            rule.meta.id.as_str(),
            rule.meta.severity.as_str(),
            rule.meta.confidence.as_str(),
            &rule.meta.category,
            &kinds.join(", "),
            &rule.meta.control,
        ]);
    }
    let mut out = format!("Rule pack {version}: {} rules\n{table}\n", rules.rules.len());
    if !rules.params.is_empty() {
        let _ = writeln!(out, "\nParameters (override with --param NAME=VALUE):");
        for (name, value) in &rules.params {
            let _ = writeln!(out, "  {name} = {value}");
        }
    }
    out
}

pub(crate) fn explain(rule: &Rule) -> String {
    let meta = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", meta.id, meta.title);
    let _ = writeln!(out, "Control:     {}", meta.control);
    let _ = writeln!(out, "Risk:        {} ({}), CVSS {}", meta.severity.risk_group(), meta.severity, meta.cvss);
    match rule.confidence_expression() {
        Some(expression) => {
            let _ = writeln!(out, "Confidence:  computed: {}", expression.trim());
        }
        None => {
            let _ = writeln!(out, "Confidence:  {}", meta.confidence.as_str());
        }
    }
    let kinds: Vec<&str> = meta.applies_to.iter().map(|kind| kind.as_str()).collect();
    let _ = writeln!(out, "Applies to:  {}", kinds.join(", "));
    let _ = writeln!(out, "Category:    {}", meta.category);
    let _ = writeln!(out, "Source:      {}", meta.source);
    if let Some(when) = &rule.when {
        let _ = writeln!(out, "When:        {}", when.source.trim());
    }
    let _ = writeln!(out, "Fails if:    {}", rule.fail_if.source.trim());
    if let Some(actual) = &rule.actual {
        let _ = writeln!(out, "Your value:  {}", actual.source.trim());
    }
    let _ = writeln!(out, "Recommended: {}", meta.expected);
    for (name, value) in &rule.params {
        let _ = writeln!(out, "Parameter:   {name} = {value}");
    }
    for (heading, text) in [
        ("Overview", &meta.overview),
        ("Risk", &meta.risk),
        ("Threat scenarios", &meta.threat_scenarios),
        ("Higher risk when", &meta.higher_risk_when),
        ("Lower risk when", &meta.lower_risk_when),
        ("Business considerations", &meta.business_considerations),
        ("Remediation", &meta.remediation),
    ] {
        if !text.trim().is_empty() {
            let _ = writeln!(out, "\n{heading}\n{}", text.trim());
        }
    }
    if !meta.references.is_empty() {
        let _ = writeln!(out, "\nReferences");
        for reference in &meta.references {
            let _ = writeln!(out, "  {reference}");
        }
    }
    out
}
