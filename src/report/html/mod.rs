//! The HTML report: one self-contained file laid out like Salesforce's Security Health Check and
//! Security Health Review.
//!
//! The file loads nothing (no scripts, fonts, images or style sheets from anywhere), so it opens
//! from disk, from a mail attachment or behind a strict Content-Security-Policy, which the file
//! also declares for itself. Expandable rows are `<details>` elements; there is no JavaScript.
//! Every string that comes from the org, the project or a rule file goes through
//! [`crate::escape::html`]. The output is a pure function of the report: the only date in it is
//! the evaluation date.
//!
//! Layout: this file holds the page frame (head, masthead, footer); [`sections`] the overview,
//! apps, controls and coverage sections; [`calendar`] the certificate calendar; [`cells`] the
//! small pieces of markup the sections share; `style.css` the style sheet, inlined.

mod calendar;
mod cells;
mod sections;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::OffsetDateTime;

use super::Report;
use crate::engine::{RuleMeta, RuleResult};
use crate::escape::html as escape;
use crate::model::{ResourceKind, Status};
use calendar::date_text;

/// The policy the file declares for itself: nothing may load, inline styles only, `data:` images.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = include_str!("style.css");

pub fn render(report: &Report<'_>) -> String {
    let view = View::new(report);
    let mut out = String::with_capacity(256 * 1024);
    view.head(&mut out);
    out.push_str("<body>\n");
    view.masthead(&mut out);
    out.push_str("<main>\n");
    view.overview(&mut out);
    view.apps(&mut out);
    view.controls(&mut out);
    view.certificates(&mut out);
    view.coverage(&mut out);
    out.push_str("</main>\n");
    view.footer(&mut out);
    out.push_str("</body>\n</html>\n");
    out
}

/// The report with the lookups every section needs.
struct View<'r, 'a> {
    report: &'r Report<'a>,
    rules: BTreeMap<&'r str, &'r RuleMeta>,
    /// Position of each app in the inventory, for anchors (`#app-3`).
    app_index: BTreeMap<(ResourceKind, &'r str), usize>,
    /// For each rule, the failed (else unknown) result whose row carries the full write-up.
    write_up_row: BTreeMap<&'r str, &'r str>,
    evaluated: Option<OffsetDateTime>,
}

impl<'r, 'a> View<'r, 'a> {
    fn new(report: &'r Report<'a>) -> Self {
        let rules = report.results.rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
        let app_index = report
            .inventory
            .apps
            .iter()
            .enumerate()
            .map(|(index, app)| ((app.kind, app.name.as_str()), index))
            .collect();
        let mut write_up_row = BTreeMap::new();
        for status in [Status::Unknown, Status::Fail] {
            for result in report.results.results.iter().rev().filter(|result| result.status == status) {
                write_up_row.insert(&*result.rule_id, result.fingerprint.as_str());
            }
        }
        let evaluated = Some(report.run.evaluated_at.instant());
        Self { report, rules, app_index, write_up_row, evaluated }
    }

    fn results(&self) -> &'r [RuleResult] {
        &self.report.results.results
    }

    fn org_name(&self) -> &'r str {
        let org = &self.report.inventory.org;
        org.identity.as_ref().map_or(org.name.as_str(), |identity| identity.name.as_str())
    }

    fn evaluation_date(&self) -> String {
        self.evaluated.map_or_else(|| self.report.run.evaluated_at.to_string(), |instant| date_text(instant.date()))
    }

    /// The anchor of a result's resource: its row in "Apps at a glance", or the org.
    fn anchor(&self, kind: ResourceKind, name: &str) -> String {
        match self.app_index.get(&(kind, name)) {
            Some(index) => format!("app-{index}"),
            None => "org".to_string(),
        }
    }

    fn head(&self, out: &mut String) {
        let title = format!("{} · OAuth app security health · sfaudit", self.org_name());
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"{} {}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n",
            escape(&self.report.run.tool.name),
            escape(&self.report.run.tool.version),
            escape(&title)
        );
    }

    fn masthead(&self, out: &mut String) {
        let run = self.report.run;
        let source = &run.source;
        let org = &self.report.inventory.org;
        out.push_str("<header class=\"masthead\"><div class=\"wrap\">\n");
        out.push_str("<p class=\"kicker\">OAuth app security health report</p>\n");
        let _ = writeln!(out, "<h1 id=\"org\">{}</h1>", escape(self.org_name()));
        out.push_str("<dl class=\"facts\">\n");
        let mut fact = |label: &str, value: String| {
            let _ = writeln!(out, "<div><dt>{label}</dt><dd>{value}</dd></div>");
        };
        if let Some(identity) = &org.identity {
            let environment = if identity.sandbox { "sandbox" } else { "production" };
            fact("Org", format!("<span class=\"mono\">{}</span> · {environment}", escape(&identity.id)));
        }
        let files = match source.files_read {
            0 => String::new(),
            1 => " · 1 metadata file".to_string(),
            count => format!(" · {count} metadata files"),
        };
        fact(
            "Source",
            format!("{} <span class=\"mono\">{}</span>{files}", escape(source.kind.as_str()), escape(&source.location)),
        );
        fact(
            "Evaluated",
            format!("<time datetime=\"{}\">{}</time>", run.evaluated_at, escape(&self.evaluation_date())),
        );
        fact("Tool", format!("{} {}", escape(&run.tool.name), escape(&run.tool.version)));
        fact(
            "Rule pack",
            format!("<span class=\"mono\">{}</span> · {} rules", escape(&run.rule_pack.version), run.rule_pack.rules),
        );
        fact("Gate", self.gate_text());
        out.push_str("</dl>\n</div></header>\n");
    }

    fn gate_text(&self) -> String {
        let fail_on = self.report.gate.fail_on().to_string();
        match self.report.gate.fail_on() {
            crate::gate::FailOn::Severity(threshold) => {
                let failing = self
                    .results()
                    .iter()
                    .filter(|result| {
                        result.status == Status::Fail && result.severity >= threshold && result.suppression.is_none()
                    })
                    .count();
                let verdict = if failing == 0 {
                    "<span class=\"gate-pass\">passes</span>".to_string()
                } else {
                    format!("<span class=\"gate-fail\">fails</span> ({failing} failed at {fail_on} or above)")
                };
                format!("fail on {fail_on} and above · {verdict}")
            }
            crate::gate::FailOn::Never => format!("fail on {fail_on} (never fails)"),
        }
    }

    /// Days left below which a certificate shows as urgent and as due soon (the rules' parameters).
    fn expiry_thresholds(&self) -> (i64, i64) {
        let param = |name: &str, default: i64| {
            self.report.results.params.get(name).and_then(serde_json::Value::as_i64).unwrap_or(default)
        };
        (param("cert_expiry_high_days", 30), param("cert_expiry_medium_days", 90))
    }

    fn footer(&self, out: &mut String) {
        let run = self.report.run;
        let _ = writeln!(
            out,
            "<footer><div class=\"wrap\">Generated by {} {} with rule pack <span class=\"mono\">{}</span>, as of {}. \
             Statuses follow Salesforce Health Check wording; the score formula is sfaudit's own and is documented in its README. \
             This file is self-contained and loads nothing from the network.</div></footer>",
            escape(&run.tool.name),
            escape(&run.tool.version),
            escape(&run.rule_pack.version),
            escape(&self.evaluation_date())
        );
    }
}
