//! The GitHub-flavoured Markdown report, for pull-request comments and wikis.
//!
//! Layout: a title line with the source and the evaluation date; score and band (with its cap);
//! the run's notices as quotes; counts by risk and status; each app's score; the failed controls
//! (status, risk, confidence, control, app, your value, recommended value, rule); one collapsed
//! `<details>` block per failing rule with its write-up and its failing apps (one per rule rather
//! than one per result, to keep comments short); what could not be evaluated, with the reason;
//! input problems, policy loosenings and coverage; and the suppressed results with their reason.
//!
//! Every string that can come from org data or a rule file is escaped with
//! [`crate::escape::markdown`], so it renders as the text it is and cannot add table columns,
//! links, emphasis, HTML or line breaks.
//!
//! The output depends on nothing but the report: no clock, no locale, no map iteration order.

use std::fmt::Write as _;

use crate::document::Report;
use crate::document::health_status;
use crate::engine::{ResultView, RuleMeta};
use crate::escape::markdown::{html_text, inline, prose};
use crate::model::{ResourceKind, Severity, Status};
use crate::report::labels::{is_web_url, your_value};
use crate::report::tables;

/// GitHub refuses comments longer than this many characters.
pub(crate) const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// How much of each control's write-up the "What to fix" blocks carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteUps {
    Full,
    /// Remediation and CVSS range only.
    Remediation,
    /// No "What to fix" blocks at all.
    Omitted,
    /// Only the title, score and counts: even the app scores and lists of results do not fit.
    SummaryOnly,
}

/// The report, with write-ups shortened (and then left out) when the full text would not fit in
/// one GitHub pull-request comment, and only the summary when even the lists do not fit; the
/// report then says so and where the rest is. What it says is true: the text returned always
/// fits (the summary is a few hundred characters, and every string in it is bounded).
pub(crate) fn render(report: &Report<'_>) -> String {
    for level in [WriteUps::Full, WriteUps::Remediation, WriteUps::Omitted] {
        let text = render_with(report, level);
        if text.chars().count() <= GITHUB_COMMENT_LIMIT {
            return text;
        }
    }
    render_with(report, WriteUps::SummaryOnly)
}

fn render_with(report: &Report<'_>, write_ups: WriteUps) -> String {
    let mut out = String::new();
    let run = report.run;
    let summary = report.summary;
    let source = &run.source;
    let _ = writeln!(
        out,
        "## sfaudit report: {} {}, as of {}\n",
        source.kind.as_str(),
        inline(&source.location),
        inline(&run.evaluated_at.to_string())
    );
    let score = summary.score_text();
    let _ = writeln!(out, "**Score: {score} ({})**\n", inline(&summary.band_text()));
    for notice in tables::notices(report) {
        let _ = writeln!(out, "> **{}:** {}\n", notice.level.label(), inline(&notice.text));
    }
    health_check(&mut out, report);
    let _ = writeln!(
        out,
        "{} {} · rule pack {} ({} rules) · {} metadata files, {} apps · gate: fail on {} and above\n",
        inline(&run.tool.name),
        inline(&run.tool.version),
        inline(&run.rule_pack.version),
        run.rule_pack.rules,
        source.files_read,
        summary.apps,
        inline(&report.gate.fail_on().to_string())
    );

    counts_table(&mut out, report);
    // The app scores grow with the apps: a summary-only report leaves them out too.
    if let Some(scores) = tables::app_scores(report).filter(|_| write_ups != WriteUps::SummaryOnly) {
        section(&mut out, &scores);
    }

    let results = report.results;
    if write_ups == WriteUps::SummaryOnly {
        let count = |wanted: Status| {
            results.iter().filter(|result| result.status == wanted && result.suppression.is_none()).count()
        };
        let suppressed = results.iter().filter(|result| result.suppression.is_some()).count();
        let _ = writeln!(
            out,
            "_The app scores and the lists of results are left out: even without the write-ups this report is \
             longer than a GitHub comment can be ({GITHUB_COMMENT_LIMIT} characters). Its {} failed, {} unknown \
             and {suppressed} suppressed results are in the other formats (`--format html,json,sarif`)._",
            count(Status::Fail),
            count(Status::Unknown)
        );
        return out;
    }
    let mut failed: Vec<ResultView<'_>> =
        results.iter().filter(|result| result.status == Status::Fail && result.suppression.is_none()).collect();
    failed
        .sort_by(|a, b| (b.severity, a.rule_id(), &a.resource.name).cmp(&(a.severity, b.rule_id(), &b.resource.name)));
    let suppressed: Vec<ResultView<'_>> = results.iter().filter(|result| result.suppression.is_some()).collect();
    let unknown: Vec<ResultView<'_>> =
        results.iter().filter(|result| result.status == Status::Unknown && result.suppression.is_none()).collect();

    if failed.is_empty() {
        let _ = writeln!(out, "### Failed controls: none\n");
    } else {
        let _ = writeln!(out, "### Failed controls ({})\n", failed.len());
        let _ = writeln!(out, "| Status | Risk | Confidence | Control | App | Your value | Recommended value | Rule |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for result in &failed {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                health_status(result.status, result.severity),
                result.severity.as_str(),
                result.confidence.as_str(),
                inline(&result.rule.control),
                app(*result),
                inline(&your_value(*result, "unknown")),
                inline(&result.rule.expected),
                inline(result.rule_id())
            );
        }
        out.push('\n');
        match write_ups {
            WriteUps::Omitted => {
                let _ = writeln!(
                    out,
                    "_The control write-ups are left out to fit a GitHub comment ({GITHUB_COMMENT_LIMIT} characters); \
                     `sfaudit rules explain RULE` and the HTML report have them._\n"
                );
            }
            _ => {
                let _ = writeln!(out, "### What to fix\n");
                if write_ups == WriteUps::Remediation {
                    let _ = writeln!(
                        out,
                        "_Write-ups are shortened to the remediation to fit a GitHub comment \
                         ({GITHUB_COMMENT_LIMIT} characters); `sfaudit rules explain RULE` and the HTML report have \
                         them in full._\n"
                    );
                }
                for group in group_by_rule(&failed) {
                    details(&mut out, &group, write_ups);
                }
            }
        }
    }

    if !unknown.is_empty() {
        let _ = writeln!(out, "### Not evaluated: data unavailable ({})\n", unknown.len());
        let _ = writeln!(out, "Unknown results are not counted as compliant.\n");
        let _ = writeln!(out, "| Risk | Control | App | Why | Rule |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for result in &unknown {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                result.severity.as_str(),
                inline(&result.rule.control),
                app(*result),
                inline(result.reason().unwrap_or("")),
                inline(result.rule_id())
            );
        }
        out.push('\n');
    }

    for table in tables::run_tables(report).iter().chain(&tables::coverage_tables(report)) {
        section(&mut out, table);
    }

    if !suppressed.is_empty() {
        let _ = writeln!(out, "### Suppressed ({})\n", suppressed.len());
        let _ = writeln!(out, "Accepted risks: still reported, but they do not fail the gate.\n");
        let _ = writeln!(out, "| Status | Risk | Control | App | Suppression reason | Accepted | Rule |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for result in &suppressed {
            let Some(suppression) = result.suppression() else { continue };
            let mut accepted = Vec::new();
            if let Some(owner) = &suppression.owner {
                accepted.push(format!("owner {owner}"));
            }
            if let Some(ticket) = &suppression.ticket {
                accepted.push(format!("ticket {ticket}"));
            }
            if let Some(expires) = suppression.expires {
                accepted.push(format!("until {expires}"));
            }
            accepted.push(format!("in {}", suppression.source));
            let _ = writeln!(
                out,
                "| Suppressed ({}) | {} | {} | {} | {} | {} | {} |",
                health_status(result.status, result.severity),
                result.severity.as_str(),
                inline(&result.rule.control),
                app(*result),
                inline(&suppression.reason),
                inline(&accepted.join(", ")),
                inline(result.rule_id())
            );
        }
        out.push('\n');
    }
    out
}

/// A titled table with its note; every cell escaped.
fn section(out: &mut String, table: &tables::Table) {
    let _ = writeln!(out, "### {} ({})\n\n{}\n", table.title, table.rows.len(), inline(table.note));
    let _ = writeln!(out, "| {} |", table.header.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(table.header.len()));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|cell| inline(cell)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Counts by severity and status, with a total row that matches the JSON summary.
/// Salesforce's own Health Check beside sfaudit's score, with its high-risk settings.
fn health_check(out: &mut String, report: &Report<'_>) {
    let Some(check) = super::health_check::of(report) else { return };
    let _ = writeln!(out, "**Salesforce Health Check: {}**\n", inline(&check.summary()));
    let risks = check.high_risk();
    if risks.is_empty() {
        return;
    }
    let _ = writeln!(out, "| Health Check group | High-risk setting | Org value | Standard value |");
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    for risk in risks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            inline(&risk.group),
            inline(&risk.setting),
            inline(&risk.org_value),
            inline(&risk.standard_value)
        );
    }
    out.push('\n');
}

fn counts_table(out: &mut String, report: &Report<'_>) {
    let _ = writeln!(out, "| Risk | Failed | Unknown | Passed | Not applicable |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    let summary = report.summary;
    for severity in Severity::DESCENDING {
        let count = |status: Status| summary.count_of(severity, status);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            severity.as_str(),
            count(Status::Fail),
            count(Status::Unknown),
            count(Status::Pass),
            count(Status::NotApplicable)
        );
    }
    let total = |status: Status| summary.count(status);
    let _ = writeln!(
        out,
        "| total | {} | {} | {} | {} |\n",
        total(Status::Fail),
        total(Status::Unknown),
        total(Status::Pass),
        total(Status::NotApplicable)
    );
    let suppressed_failures = report
        .results
        .results
        .iter()
        .filter(|result| result.status == Status::Fail && result.suppression.is_some())
        .count();
    if suppressed_failures > 0 {
        let _ = writeln!(
            out,
            "{suppressed_failures} of the failed results are suppressed (accepted risks, listed under Suppressed).\n"
        );
    }
}

/// Consecutive failed results of the same rule (the list is sorted by severity, then rule id).
fn group_by_rule<'a>(failed: &[ResultView<'a>]) -> Vec<Vec<ResultView<'a>>> {
    let mut groups: Vec<Vec<ResultView<'a>>> = Vec::new();
    for &result in failed {
        match groups.last_mut() {
            Some(group) if group.first().is_some_and(|first| first.rule_id() == result.rule_id()) => group.push(result),
            _ => groups.push(vec![result]),
        }
    }
    groups
}

/// One collapsed block per failing rule: its failing apps, then the control write-up.
fn details(out: &mut String, group: &[ResultView<'_>], write_ups: WriteUps) {
    let Some(first) = group.first() else { return };
    let apps = group.iter().filter(|result| result.resource.kind != ResourceKind::Org).count();
    let mut scope = Vec::new();
    if apps > 0 {
        scope.push(format!("{apps} {}", if apps == 1 { "app" } else { "apps" }));
    }
    if apps < group.len() {
        scope.push("org".to_string());
    }
    let _ = writeln!(out, "<details>");
    let _ = writeln!(
        out,
        "<summary><strong>{}</strong> · {} · <code>{}</code> ({})</summary>\n",
        health_status(first.status, first.severity),
        html_text(&first.rule.control),
        html_text(first.rule_id()),
        scope.join(" + ")
    );
    let _ = writeln!(out, "**{}** (severity: {})\n", inline(&first.rule.title), first.severity.as_str());
    for result in group {
        let mut line = format!("- {}: {}", app(*result), inline(&your_value(*result, "unknown")));
        if let Some(path) = &result.location.path {
            let place = match result.location.line {
                Some(number) => format!("{path}:{number}"),
                None => path.to_string(),
            };
            let _ = write!(line, " ({})", inline(&place));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "\n**Recommended value:** {}\n", inline(&first.rule.expected));
    write_up(out, first.rule, write_ups == WriteUps::Full);
    let _ = writeln!(out, "</details>\n");
}

fn write_up(out: &mut String, meta: &RuleMeta, full: bool) {
    for (heading, text) in
        [("Overview", &meta.overview), ("Risk", &meta.risk), ("Threat scenarios", &meta.threat_scenarios)]
    {
        if full && !text.trim().is_empty() {
            let _ = writeln!(out, "**{heading}**\n\n{}\n", prose(text));
        }
    }
    if !meta.cvss.trim().is_empty() {
        let _ = writeln!(out, "**CVSS range:** {}\n", inline(&meta.cvss));
    }
    if !meta.remediation.trim().is_empty() {
        let _ = writeln!(out, "**Remediation**\n\n{}\n", prose(&meta.remediation));
    }
    if full && !meta.references.is_empty() {
        let _ = writeln!(out, "**References**\n");
        for reference in &meta.references {
            let _ = writeln!(out, "- {}", link(reference));
        }
        out.push('\n');
    }
}

/// `Name “Label” (Kind)`; the label only when it says something the name does not.
fn app(result: ResultView<'_>) -> String {
    let resource = &result.resource;
    let kind = resource.kind.label();
    if resource.label.is_empty() || resource.label == resource.name {
        format!("{} ({kind})", inline(&resource.name))
    } else {
        format!("{} “{}” ({kind})", inline(&resource.name), inline(&resource.label))
    }
}

/// An `<https://…>` autolink when the address is a plain http(s) URL, escaped text otherwise.
fn link(reference: &str) -> String {
    let plain = is_web_url(reference) && !reference.contains(['<', '>', '\\', '`']);
    if plain { format!("<{reference}>") } else { inline(reference) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_autolinks_only_when_plain() {
        assert_eq!(link("https://help.salesforce.com/a?b=c&d=e"), "<https://help.salesforce.com/a?b=c&d=e>");
        assert_eq!(link("https://x/<script>"), "https&#58;//x/&lt;script&gt;");
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
    }
}
