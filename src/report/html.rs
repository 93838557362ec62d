//! The HTML report: one self-contained file laid out like Salesforce's Security Health Check and
//! Security Health Review.
//!
//! The file loads nothing (no scripts, fonts, images or style sheets from anywhere), so it opens
//! from disk, from a mail attachment or behind a strict Content-Security-Policy, which the file
//! also declares for itself. Expandable rows are `<details>` elements; there is no JavaScript.
//! Every string that comes from the org, the project or a rule file goes through [`escape`].
//! The output is a pure function of the report: the only date in it is the evaluation date.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::Report;
use super::summary::health_status;
use crate::engine::{RuleMeta, RuleResult, Severity, Status};
use crate::model::{
    AppRecord, Certificate, JwtTimeout, JwtTimeoutType, PermittedUsers, RefreshTokenPolicy, ResourceKind, TimeUnit,
};

/// The policy the file declares for itself: nothing may load, inline styles only, `data:` images.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const RISK_GROUPS: [&str; 4] = ["High Risk", "Medium Risk", "Low Risk", "Informational"];

/// Escapes text for HTML element content and for quoted attribute values. Control characters and
/// bidirectional overrides are shown as `\u{…}` so they can neither break the layout nor make a
/// name read differently from what it is.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(character),
            _ if character.is_control() || is_bidi_control(character) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
            }
            _ => out.push(character),
        }
    }
    out
}

fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

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
        let evaluated = parse_time(&report.run.evaluated_at);
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
        self.evaluated.map_or_else(|| self.report.run.evaluated_at.clone(), |instant| date_text(instant.date()))
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
            format!("<time datetime=\"{}\">{}</time>", escape(&run.evaluated_at), escape(&self.evaluation_date())),
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
        let fail_on = &self.report.run.fail_on;
        match Severity::parse(fail_on) {
            Some(threshold) => {
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
                    format!("<span class=\"gate-fail\">fails</span> ({failing} failed at {} or above)", escape(fail_on))
                };
                format!("fail on {} and above · {verdict}", escape(fail_on))
            }
            None => format!("fail on {} (never fails)", escape(fail_on)),
        }
    }

    fn overview(&self, out: &mut String) {
        let summary = self.report.summary;
        out.push_str("<section class=\"card overview\" id=\"summary\" aria-labelledby=\"summary-h\">\n");
        out.push_str("<h2 id=\"summary-h\" class=\"sr\">Summary</h2>\n<div class=\"overview-grid\">\n");
        out.push_str("<div class=\"gauge-box\">\n");
        out.push_str(&gauge(summary.score, &summary.band));
        let _ = writeln!(
            out,
            "<p class=\"band band-{}\" id=\"band\">{}</p>",
            band_class(summary.score),
            escape(&summary.band)
        );
        let _ = writeln!(
            out,
            "<p class=\"note\">{} results for {} apps and the org settings</p>\n</div>",
            summary.total, summary.apps
        );

        out.push_str("<div class=\"counts\">\n<div class=\"tiles\">\n");
        let by_status = |status: Status| summary.by_status.get(&status).copied().unwrap_or(0);
        for (status, label, class) in [
            (Status::Fail, "Failed", "fail"),
            (Status::Unknown, "Unknown", "unknown"),
            (Status::Pass, "Compliant", "pass"),
            (Status::NotApplicable, "Not applicable", "na"),
        ] {
            let _ = writeln!(
                out,
                "<div class=\"tile tile-{class}\" id=\"count-{}\"><span class=\"n\">{}</span><span class=\"l\">{label}</span></div>",
                status.as_str(),
                by_status(status)
            );
        }
        out.push_str("</div>\n");

        out.push_str(
            "<div class=\"scroll\"><table class=\"matrix\" id=\"by-severity\">\n<thead><tr><th scope=\"col\">Risk</th>\
             <th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Failed</th><th scope=\"col\" class=\"num\">Unknown</th>\
             <th scope=\"col\" class=\"num\">Compliant</th><th scope=\"col\" class=\"num\">Not applicable</th></tr></thead>\n<tbody>\n",
        );
        for severity in Severity::DESCENDING {
            let count = |status: Status| {
                self.results().iter().filter(|result| result.severity == severity && result.status == status).count()
            };
            let failed = summary.failed_by_severity.get(&severity).copied().unwrap_or(0);
            let failed_class = if failed > 0 { " hot" } else { "" };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><span class=\"sev sev-{name}\">{name}</span></td><td class=\"num{failed_class}\" id=\"failed-{name}\">{failed}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                severity.risk_group(),
                count(Status::Unknown),
                count(Status::Pass),
                count(Status::NotApplicable),
                name = severity.as_str(),
            );
        }
        let _ = writeln!(
            out,
            "<tr class=\"total\"><td colspan=\"2\">Total</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            by_status(Status::Fail),
            by_status(Status::Unknown),
            by_status(Status::Pass),
            by_status(Status::NotApplicable)
        );
        out.push_str("</tbody>\n</table></div>\n");
        out.push_str(
            "<p class=\"note\">Score = 100 × weight of compliant results ÷ weight of compliant, failed and unknown results \
             (critical 10, high 5, medium 3, low 1, informational 0). Unknown results count as not compliant; \
             not-applicable results are left out.</p>\n",
        );
        out.push_str("</div>\n</div>\n");
        out.push_str(
            "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#apps\">Apps at a glance</a>\
             <a href=\"#controls\">Controls by risk</a><a href=\"#certificates\">Certificate calendar</a>\
             <a href=\"#coverage\">Coverage</a></nav>\n",
        );
        out.push_str("</section>\n");
    }

    fn apps(&self, out: &mut String) {
        let apps = &self.report.inventory.apps;
        let with_usage = apps.iter().any(|app| app.usage.is_some());
        out.push_str("<section class=\"card\" id=\"apps\" aria-labelledby=\"apps-h\">\n");
        let _ = writeln!(out, "<h2 id=\"apps-h\">Apps at a glance <span class=\"count\">{}</span></h2>", apps.len());
        if apps.is_empty() {
            out.push_str("<p class=\"empty\">No External Client App or Connected App was found.</p>\n</section>\n");
            return;
        }
        out.push_str("<div class=\"scroll\"><table class=\"apps\">\n<thead><tr>");
        let mut headers = vec![
            "App",
            "Status",
            "Findings",
            "JWT bearer",
            "Certificate expiry",
            "Permitted users",
            "Refresh token",
            "JWT timeout",
        ];
        if with_usage {
            headers.extend(["Users", "Tokens", "Last used"]);
        }
        for header in headers {
            let _ = write!(out, "<th scope=\"col\">{header}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (index, app) in apps.iter().enumerate() {
            let results: Vec<&RuleResult> = self
                .results()
                .iter()
                .filter(|result| result.resource.kind == app.kind && *result.resource.name == *app.name)
                .collect();
            let _ = write!(out, "<tr id=\"app-{index}\"><th scope=\"row\">{}</th>", app_cell(app));
            let worst = worst_status(&results);
            let _ = write!(out, "<td>{}</td>", pill(worst));
            let _ = write!(out, "<td class=\"findings\">{}</td>", findings(&results));
            let _ = write!(out, "<td>{}</td>", jwt_bearer(app));
            let _ = write!(out, "<td>{}</td>", self.certificate_cell(app));
            let _ = write!(out, "<td>{}</td>", permitted_users(app));
            let _ = write!(out, "<td>{}</td>", refresh_token(app));
            let _ = write!(out, "<td>{}</td>", jwt_timeout(app));
            if with_usage {
                match &app.usage {
                    Some(usage) => {
                        let mut last_used = usage.last_used.as_deref().map_or_else(
                            || "never".to_string(),
                            |last| parse_time(last).map_or_else(|| escape(last), |time| date_text(time.date())),
                        );
                        if let Some(days) = usage.days_since_last_used {
                            let _ = write!(last_used, "<span class=\"small\">{days} day{} ago</span>", plural(days));
                        }
                        let _ = write!(
                            out,
                            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{last_used}</td>",
                            usage.user_count, usage.token_count
                        );
                    }
                    None => {
                        out.push_str("<td class=\"muted\">—</td><td class=\"muted\">—</td><td class=\"muted\">—</td>")
                    }
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        out.push_str(
            "<p class=\"note\">Status is the app's worst result: <b>Critical</b> for a failed high-risk control, \
             <b>Warning</b> for a failed medium- or low-risk control, <b>Unknown</b> when data was missing, \
             otherwise <b>Compliant</b>. Suppressed findings do not raise it.</p>\n",
        );
        out.push_str("</section>\n");
    }

    fn certificate_cell(&self, app: &AppRecord) -> String {
        match &app.certificate {
            Some(certificate) => {
                let (class, words) = expiry_words(certificate, &self.expiry_thresholds());
                let date = parse_time(&certificate.not_after)
                    .map_or_else(|| escape(&certificate.not_after), |time| date_text(time.date()));
                format!("<span class=\"exp exp-{class}\">{date}</span><span class=\"small\">{words}</span>")
            }
            None => match missing_reason(app, "certificate") {
                Some(reason) => unknown_cell(reason),
                None => "<span class=\"muted\">none</span>".to_string(),
            },
        }
    }

    /// Days left below which a certificate shows as urgent and as due soon (the rules' parameters).
    fn expiry_thresholds(&self) -> (i64, i64) {
        let param = |name: &str, default: i64| {
            self.report.results.params.get(name).and_then(serde_json::Value::as_i64).unwrap_or(default)
        };
        (param("cert_expiry_high_days", 30), param("cert_expiry_medium_days", 90))
    }

    fn controls(&self, out: &mut String) {
        out.push_str("<section class=\"card\" id=\"controls\" aria-labelledby=\"controls-h\">\n");
        out.push_str("<h2 id=\"controls-h\">Controls by risk</h2>\n");
        out.push_str(
            "<p class=\"note\">Each row is one control checked against one app (or the org). Open a row for the \
             control's write-up: overview, risk, threat scenarios, CVSS range and remediation.</p>\n",
        );
        for group in RISK_GROUPS {
            let mut rows: Vec<&RuleResult> =
                self.results().iter().filter(|result| result.severity.risk_group() == group).collect();
            rows.sort_by(|a, b| {
                (a.status, a.suppression.is_some(), Reverse(a.severity), &a.control, a.resource.kind, &a.resource.name)
                    .cmp(&(
                        b.status,
                        b.suppression.is_some(),
                        Reverse(b.severity),
                        &b.control,
                        b.resource.kind,
                        &b.resource.name,
                    ))
            });
            let count = |status: Status| rows.iter().filter(|result| result.status == status).count();
            let slug = group.to_ascii_lowercase().replace(' ', "-");
            let _ = writeln!(
                out,
                "<div class=\"group\" id=\"group-{slug}\">\n<h3>{group} <span class=\"tally\"><span class=\"t-fail\">{} failed</span> · \
                 <span class=\"t-unknown\">{} unknown</span> · <span class=\"t-pass\">{} compliant</span> · {} not applicable</span></h3>",
                count(Status::Fail),
                count(Status::Unknown),
                count(Status::Pass),
                count(Status::NotApplicable)
            );
            if rows.is_empty() {
                out.push_str("<p class=\"empty\">No control in this group.</p>\n</div>\n");
                continue;
            }
            let (open, settled): (Vec<&RuleResult>, Vec<&RuleResult>) =
                rows.iter().partition(|result| matches!(result.status, Status::Fail | Status::Unknown));
            if open.is_empty() {
                out.push_str("<p class=\"empty\">Nothing failed and nothing was left unknown in this group.</p>\n");
            } else {
                self.result_rows(out, &open);
            }
            if !settled.is_empty() {
                let _ = writeln!(
                    out,
                    "<details class=\"more\"><summary>Compliant and not applicable ({})</summary>",
                    settled.len()
                );
                self.result_rows(out, &settled);
                out.push_str("</details>\n");
            }
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
    }

    fn result_rows(&self, out: &mut String, rows: &[&RuleResult]) {
        out.push_str(
            "<div class=\"rows\">\n<div class=\"rowhead\" aria-hidden=\"true\"><span>Status</span><span>Control</span>\
             <span>App</span><span>Your value</span><span>Recommended value</span></div>\n",
        );
        for result in rows {
            self.result_row(out, result);
        }
        out.push_str("</div>\n");
    }

    fn result_row(&self, out: &mut String, result: &RuleResult) {
        let status = health_status(result.status, result.severity);
        let suppressed = result.suppression.is_some();
        let mut classes = format!("row st-{}", status_class(status));
        if suppressed {
            classes.push_str(" suppressed");
        }
        let actual = match (&result.actual, result.status) {
            (Some(actual), _) => format!("<span class=\"val\">{}</span>", escape(actual)),
            (None, Status::NotApplicable) => "<span class=\"muted\">—</span>".to_string(),
            (None, _) => "<span class=\"muted\">unknown</span>".to_string(),
        };
        // The title names the finding, so it is shown only where there is one.
        let mut title = if matches!(result.status, Status::Fail | Status::Unknown) {
            format!("<span class=\"small\">{}</span>", escape(&result.title))
        } else {
            String::new()
        };
        if let Some(suppression) = &result.suppression {
            let _ = write!(title, "<span class=\"small supp\">Suppressed: {}</span>", escape(&suppression.reason));
        }
        let suppressed_badge = if suppressed { " <span class=\"pill s-suppressed\">Suppressed</span>" } else { "" };
        let _ = writeln!(
            out,
            "<details class=\"{classes}\" id=\"r-{}\" data-rule=\"{}\"><summary>\
             <span class=\"c-status\">{}{suppressed_badge}</span>\
             <span class=\"c-control\"><b>{}</b>{title}</span><span class=\"c-app\">{}</span>\
             <span class=\"c-actual\">{actual}</span><span class=\"c-expected\">{}</span></summary>",
            escape(&result.fingerprint),
            escape(&result.rule_id),
            pill(status),
            escape(&result.control),
            self.resource_cell(result),
            escape(&result.expected),
        );
        out.push_str("<div class=\"detail\">\n");
        self.result_facts(out, result);
        match self.rules.get(&*result.rule_id) {
            Some(rule) if matches!(result.status, Status::Fail | Status::Unknown) => write_up(out, rule),
            Some(rule) => {
                let _ = write!(out, "<p class=\"note\">This control flags: {}", escape(&rule.title));
                match self.write_up_row.get(rule.id.as_str()) {
                    Some(fingerprint) => {
                        let _ = write!(
                            out,
                            ". The control's write-up is with the <a href=\"#r-{}\">row that needs attention</a>; ",
                            escape(fingerprint)
                        );
                    }
                    None => out.push_str(". "),
                }
                let _ = writeln!(out, "<code>sfaudit rules explain {}</code> prints it.</p>", escape(&rule.id));
            }
            None => out.push_str("<p class=\"note\">The rule's write-up is not part of this report.</p>\n"),
        }
        out.push_str("</div>\n</details>\n");
    }

    fn resource_cell(&self, result: &RuleResult) -> String {
        let resource = &result.resource;
        let anchor = self.anchor(resource.kind, &resource.name);
        let label = if resource.label.is_empty() || resource.label == resource.name {
            String::new()
        } else {
            format!("<span class=\"small\">{}</span>", escape(&resource.label))
        };
        format!(
            "<a class=\"app\" href=\"#{anchor}\">{}</a>{label}<span class=\"small kind\">{}</span>",
            escape(&resource.name),
            kind_label(resource.kind)
        )
    }

    fn result_facts(&self, out: &mut String, result: &RuleResult) {
        out.push_str("<dl class=\"kv\">\n");
        let mut item = |label: &str, value: String| {
            let _ = writeln!(out, "<dt>{label}</dt><dd>{value}</dd>");
        };
        if let Some(reason) = &result.reason {
            let label = if result.status == Status::Unknown { "Why unknown" } else { "Reason" };
            item(label, escape(reason));
        }
        if let Some(suppression) = &result.suppression {
            let mut text = escape(&suppression.reason);
            for (label, value) in [("owner", &suppression.owner), ("ticket", &suppression.ticket)] {
                if let Some(value) = value {
                    let _ = write!(text, " · {label} {}", escape(value));
                }
            }
            if let Some(expires) = &suppression.expires {
                let _ = write!(text, " · until {}", escape(expires));
            }
            let _ = write!(text, " · <span class=\"mono\">{}</span>", escape(&suppression.source));
            item("Suppressed", text);
        }
        let risk = match self.rules.get(&*result.rule_id) {
            Some(rule) => {
                format!("{} · {} · CVSS {}", result.severity.risk_group(), result.severity, cvss_text(&rule.cvss))
            }
            None => format!("{} · {}", result.severity.risk_group(), result.severity),
        };
        item("Risk", escape(&risk));
        item("Rule", format!("<code>{}</code> · {}", escape(&result.rule_id), escape(&result.category)));
        let location = &result.location;
        let place = match (&location.path, location.line) {
            (Some(path), Some(line)) => format!("<span class=\"mono\">{}:{line}</span>", escape(path)),
            (Some(path), None) => format!("<span class=\"mono\">{}</span>", escape(path)),
            (None, _) => escape(location.source.as_str()),
        };
        item("Location", place);
        out.push_str("</dl>\n");
    }

    fn certificates(&self, out: &mut String) {
        out.push_str("<section class=\"card\" id=\"certificates\" aria-labelledby=\"certificates-h\">\n");
        out.push_str("<h2 id=\"certificates-h\">Certificate expiry calendar</h2>\n");
        let with_certificate: Vec<(usize, &AppRecord, &Certificate)> = self
            .report
            .inventory
            .apps
            .iter()
            .enumerate()
            .filter_map(|(index, app)| app.certificate.as_ref().map(|certificate| (index, app, certificate)))
            .collect();
        if with_certificate.is_empty() {
            out.push_str("<p class=\"empty\">No app has a JWT bearer certificate in the scanned data.</p>\n");
        } else {
            out.push_str(
                "<p class=\"note\">One bar per JWT bearer certificate, from its notBefore to its notAfter date; \
                 the dashed line is the evaluation date. Bars that run past the edge of the calendar end in an arrow.</p>\n",
            );
            match self.calendar(&with_certificate) {
                Some(svg) => {
                    let _ = writeln!(out, "<div class=\"scroll\"><div class=\"calendar\">{svg}</div></div>");
                    out.push_str(&legend(self.expiry_thresholds()));
                }
                None => out.push_str(
                    "<p class=\"empty\">The evaluation date could not be read, so no calendar is drawn.</p>\n",
                ),
            }
            self.certificate_table(out, &with_certificate);
        }
        let unavailable: Vec<(usize, &AppRecord, &str)> = self
            .report
            .inventory
            .apps
            .iter()
            .enumerate()
            .filter(|(_, app)| app.certificate.is_none())
            .filter_map(|(index, app)| missing_reason(app, "certificate").map(|reason| (index, app, reason)))
            .collect();
        if !unavailable.is_empty() {
            out.push_str("<p class=\"note\">Certificate not available for: ");
            for (position, (index, app, reason)) in unavailable.iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "<a href=\"#app-{index}\" title=\"{}\">{}</a>", escape(reason), escape(&app.name));
            }
            out.push_str(" (see Coverage).</p>\n");
        }
        out.push_str("</section>\n");
    }

    fn certificate_table(&self, out: &mut String, certificates: &[(usize, &AppRecord, &Certificate)]) {
        out.push_str(
            "<div class=\"scroll\"><table class=\"certs\">\n<thead><tr><th scope=\"col\">App</th><th scope=\"col\">Subject</th>\
             <th scope=\"col\">Valid from</th><th scope=\"col\">Valid until</th><th scope=\"col\">Status</th>\
             <th scope=\"col\" class=\"num\">Lifetime</th><th scope=\"col\">Key</th><th scope=\"col\">Signature</th></tr></thead>\n<tbody>\n",
        );
        let thresholds = self.expiry_thresholds();
        for (index, app, certificate) in certificates {
            let (class, words) = expiry_words(certificate, &thresholds);
            let key = match certificate.key_bits {
                Some(bits) => format!("{} {bits}", escape(&certificate.key_algorithm.to_uppercase())),
                None => escape(&certificate.key_algorithm.to_uppercase()),
            };
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><a href=\"#app-{index}\">{}</a></th><td class=\"wrap\">{}</td><td>{}</td><td>{}</td>\
                 <td><span class=\"exp exp-{class}\">{words}</span></td><td class=\"num\">{}</td><td>{key}</td><td>{}</td></tr>",
                escape(&app.name),
                escape(&certificate.subject),
                date_or_raw(&certificate.not_before),
                date_or_raw(&certificate.not_after),
                lifetime(certificate.validity_days),
                escape(&certificate.signature_algorithm),
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
    }

    /// The inline SVG timeline; `None` when the evaluation date cannot be read.
    fn calendar(&self, certificates: &[(usize, &AppRecord, &Certificate)]) -> Option<String> {
        const WIDTH: f64 = 1000.0;
        const PLOT_LEFT: f64 = 250.0;
        const PLOT_RIGHT: f64 = 975.0;
        const TOP: f64 = 58.0;
        const ROW: f64 = 40.0;
        let evaluated = self.evaluated?.to_offset(UtcOffset::UTC).date();
        let today = evaluated.to_julian_day();
        let thresholds = self.expiry_thresholds();
        let spans: Vec<(Option<i32>, Option<i32>)> = certificates
            .iter()
            .map(|(_, _, certificate)| (julian(&certificate.not_before), julian(&certificate.not_after)))
            .collect();
        // The window covers every certificate, but no more than two years back and three ahead, so
        // one 100-year certificate does not squash the rest into a line.
        let earliest = spans.iter().filter_map(|span| span.0).min().unwrap_or(today).min(today - 180);
        let latest = spans.iter().filter_map(|span| span.1).max().unwrap_or(today).max(today + 365);
        let start_year = julian_to_date(earliest.max(today - 2 * 365))?.year();
        let end_year = julian_to_date(latest.min(today + 3 * 365))?.year() + 1;
        let start = Date::from_calendar_date(start_year, Month::January, 1).ok()?.to_julian_day();
        let end = Date::from_calendar_date(end_year, Month::January, 1).ok()?.to_julian_day();
        let scale = (PLOT_RIGHT - PLOT_LEFT) / f64::from((end - start).max(1));
        let x = |day: i32| PLOT_LEFT + f64::from(day.clamp(start, end) - start) * scale;
        let height = TOP + ROW * certificates.len() as f64 + 8.0;

        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" \
             aria-labelledby=\"cal-title\"><title id=\"cal-title\">Certificate validity from {start_year} to {end_year}, \
             evaluated {}</title>",
            date_text(evaluated)
        );
        // Urgency zones right after the evaluation date.
        let (high, medium) = thresholds;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff4e0\"/>\
             <rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fde6e3\"/>",
            x(today),
            TOP - 6.0,
            x(today + i32::try_from(medium).unwrap_or(90)) - x(today),
            height - TOP,
            x(today),
            TOP - 6.0,
            x(today + i32::try_from(high).unwrap_or(30)) - x(today),
            height - TOP,
        );
        for year in start_year..=end_year {
            let Ok(first) = Date::from_calendar_date(year, Month::January, 1) else { continue };
            let position = x(first.to_julian_day());
            let _ = write!(
                svg,
                "<line x1=\"{position:.1}\" y1=\"{}\" x2=\"{position:.1}\" y2=\"{height}\" stroke=\"#dddbda\"/>",
                TOP - 14.0
            );
            if year < end_year {
                let middle = x(first.to_julian_day() + 182);
                let _ = write!(
                    svg,
                    "<text x=\"{middle:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"axis\">{year}</text>",
                    TOP - 20.0
                );
            }
        }
        for (row, ((_, app, certificate), (not_before, not_after))) in certificates.iter().zip(&spans).enumerate() {
            let top = TOP + ROW * row as f64;
            let (class, words) = expiry_words(certificate, &thresholds);
            let name = truncate(&app.name, 30);
            let _ = write!(
                svg,
                "<g class=\"cert\"><title>{}: {} to {}</title><text x=\"0\" y=\"{:.1}\" class=\"name\">{}</text>\
                 <text x=\"0\" y=\"{:.1}\" class=\"sub\">until {} · {}</text>",
                escape(&app.name),
                escape(&certificate.not_before),
                escape(&certificate.not_after),
                top + 14.0,
                escape(&name),
                top + 29.0,
                date_or_raw(&certificate.not_after),
                escape(&words),
            );
            if let (Some(not_before), Some(not_after)) = (not_before, not_after) {
                let left = x(*not_before);
                let right = x(*not_after).max(left + 2.0);
                let color = bar_color(class);
                let dashed = if class == "future" { " stroke-dasharray=\"4 3\" fill-opacity=\"0.35\"" } else { "" };
                let _ = write!(
                    svg,
                    "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"16\" rx=\"3\" fill=\"{color}\" stroke=\"{color}\"{dashed}/>",
                    top + 9.0,
                    right - left
                );
                if *not_before < start {
                    let _ = write!(svg, "<path d=\"M{left:.1} {:.1} l-8 8 l8 8 z\" fill=\"{color}\"/>", top + 9.0);
                }
                if *not_after > end {
                    let _ = write!(svg, "<path d=\"M{right:.1} {:.1} l8 8 l-8 8 z\" fill=\"{color}\"/>", top + 9.0);
                    let _ = write!(
                        svg,
                        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"onbar\">until {}</text>",
                        right - 6.0,
                        top + 21.5,
                        date_or_raw(&certificate.not_after)
                    );
                }
                let tag = match class {
                    "expired" => Some("EXPIRED"),
                    "future" => Some("NOT YET VALID"),
                    _ => None,
                };
                if let Some(tag) = tag {
                    // After the bar when there is room, else before it.
                    let (position, anchor) =
                        if right + 110.0 < PLOT_RIGHT { (right + 8.0, "start") } else { (left - 8.0, "end") };
                    let _ = write!(
                        svg,
                        "<text x=\"{position:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" class=\"tag tag-{class}\">{tag}</text>",
                        top + 21.5
                    );
                }
            }
            svg.push_str("</g>");
        }
        let marker = x(today);
        let _ = write!(
            svg,
            "<line x1=\"{marker:.1}\" y1=\"{}\" x2=\"{marker:.1}\" y2=\"{height}\" stroke=\"#032d60\" stroke-width=\"2\" \
             stroke-dasharray=\"5 4\"/><text x=\"{marker:.1}\" y=\"13\" text-anchor=\"middle\" class=\"today\">as of {}</text></svg>",
            TOP - 40.0,
            date_text(evaluated)
        );
        Some(svg)
    }

    fn coverage(&self, out: &mut String) {
        out.push_str("<section class=\"card\" id=\"coverage\" aria-labelledby=\"coverage-h\">\n");
        let unknown: Vec<&RuleResult> =
            self.results().iter().filter(|result| result.status == Status::Unknown).collect();
        let _ = writeln!(
            out,
            "<h2 id=\"coverage-h\">Coverage: what could not be evaluated <span class=\"count\">{}</span></h2>",
            unknown.len()
        );
        if unknown.is_empty() {
            out.push_str(
                "<p class=\"empty\">Every control could be evaluated with the data scanned.</p>\n</section>\n",
            );
            return;
        }
        out.push_str(
            "<p class=\"note\">These controls are <b>Unknown</b>: the data they need was not in the scanned source. \
             They are not counted as compliant and they lower the score. Each is listed with the reason.</p>\n",
        );
        // Grouped by resource in inventory order (the org last), then by reason.
        let mut by_resource: BTreeMap<(usize, ResourceKind, &str), BTreeMap<&str, Vec<&RuleResult>>> = BTreeMap::new();
        for result in unknown {
            let resource = &result.resource;
            let order = self.app_index.get(&(resource.kind, &*resource.name)).copied().unwrap_or(usize::MAX);
            by_resource
                .entry((order, resource.kind, &*resource.name))
                .or_default()
                .entry(result.reason.as_deref().unwrap_or("no reason recorded"))
                .or_default()
                .push(result);
        }
        for ((_, kind, name), reasons) in by_resource {
            let total: usize = reasons.values().map(Vec::len).sum();
            let _ = writeln!(
                out,
                "<div class=\"cov\"><h3><a href=\"#{}\">{}</a> <span class=\"small\">{}</span> \
                 <span class=\"count\">{total}</span></h3>",
                self.anchor(kind, name),
                escape(name),
                kind_label(kind)
            );
            for (reason, results) in reasons {
                let _ = writeln!(out, "<p class=\"why\">{}</p>\n<ul class=\"cov-list\">", escape(reason));
                for result in results {
                    let _ = writeln!(
                        out,
                        "<li><a href=\"#r-{}\">{}</a> <code>{}</code> <span class=\"sev sev-{}\">{}</span></li>",
                        escape(&result.fingerprint),
                        escape(&result.control),
                        escape(&result.rule_id),
                        result.severity.as_str(),
                        result.severity.as_str()
                    );
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
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

/// The control write-up, with Security Health Review's headings.
fn write_up(out: &mut String, rule: &RuleMeta) {
    out.push_str("<div class=\"writeup\">\n");
    let section = |out: &mut String, heading: &str, text: &str| {
        if !text.trim().is_empty() {
            let _ = write!(out, "<h4>{heading}</h4>\n{}", prose(text));
        }
    };
    section(out, "Control overview", &rule.overview);
    section(out, "Security risk if not configured", &rule.risk);
    section(out, "Threat scenarios", &rule.threat_scenarios);
    out.push_str("<h4>Estimated CVSS score range</h4>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(&cvss_text(&rule.cvss)));
    if !rule.higher_risk_when.trim().is_empty() || !rule.lower_risk_when.trim().is_empty() {
        out.push_str("<h4>Risk impact considerations</h4>\n<div class=\"twocol\">");
        for (label, text) in [("Higher risk when", &rule.higher_risk_when), ("Lower risk when", &rule.lower_risk_when)]
        {
            if !text.trim().is_empty() {
                let _ = write!(out, "<div><h5>{label}</h5>{}</div>", prose(text));
            }
        }
        out.push_str("</div>\n");
    }
    section(out, "Business considerations", &rule.business_considerations);
    let _ = write!(out, "<h4>Recommended configuration</h4>\n<p>{}</p>\n", inline(&rule.expected));
    section(out, "Remediation", &rule.remediation);
    if !rule.references.is_empty() {
        out.push_str("<h4>References</h4>\n<ul class=\"refs\">");
        for reference in &rule.references {
            let _ = write!(out, "<li>{}</li>", reference_link(reference));
        }
        out.push_str("</ul>\n");
    }
    let mappings: Vec<String> = rule
        .mappings
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(framework, ids)| format!("{}: {}", escape(framework), escape(&ids.join(", "))))
        .collect();
    if !mappings.is_empty() {
        let _ = writeln!(out, "<p class=\"note\">Mappings: {}</p>", mappings.join(" · "));
    }
    out.push_str("</div>\n");
}

/// Rule write-ups are plain text with numbered or dashed lists and `code` spans.
fn prose(text: &str) -> String {
    #[derive(PartialEq)]
    enum List {
        None,
        Ordered,
        Bullets,
    }
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list = List::None;
    let flush_paragraph = |out: &mut String, paragraph: &mut Vec<&str>| {
        if !paragraph.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(&paragraph.join(" ")));
            paragraph.clear();
        }
    };
    let close_list = |out: &mut String, list: &mut List| {
        match list {
            List::Ordered => out.push_str("</ol>\n"),
            List::Bullets => out.push_str("</ul>\n"),
            List::None => {}
        }
        *list = List::None;
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            flush_paragraph(&mut out, &mut paragraph);
            close_list(&mut out, &mut list);
            continue;
        }
        let ordered = line
            .split_once(". ")
            .filter(|(number, _)| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, rest)| rest);
        let bullet = line.strip_prefix("- ").or_else(|| line.strip_prefix("* "));
        match (ordered, bullet) {
            (Some(item), _) => {
                flush_paragraph(&mut out, &mut paragraph);
                if list != List::Ordered {
                    close_list(&mut out, &mut list);
                    out.push_str("<ol>\n");
                    list = List::Ordered;
                }
                let _ = writeln!(out, "<li>{}</li>", inline(item));
            }
            (None, Some(item)) => {
                flush_paragraph(&mut out, &mut paragraph);
                if list != List::Bullets {
                    close_list(&mut out, &mut list);
                    out.push_str("<ul>\n");
                    list = List::Bullets;
                }
                let _ = writeln!(out, "<li>{}</li>", inline(item));
            }
            (None, None) => {
                close_list(&mut out, &mut list);
                paragraph.push(line);
            }
        }
    }
    flush_paragraph(&mut out, &mut paragraph);
    close_list(&mut out, &mut list);
    out
}

/// Escapes a line and turns balanced `backtick` spans into `<code>`.
fn inline(text: &str) -> String {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    let pairs = (parts.len() - 1) / 2;
    let mut out = String::with_capacity(escaped.len() + pairs * 13);
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            let inside_pair = index <= pairs * 2;
            match (inside_pair, index % 2 == 1) {
                (true, true) => out.push_str("<code>"),
                (true, false) => out.push_str("</code>"),
                (false, _) => out.push('`'),
            }
        }
        out.push_str(part);
    }
    out
}

/// A reference becomes a link only when it is a plain http(s) URL; anything else stays text.
fn reference_link(reference: &str) -> String {
    let is_url = (reference.starts_with("https://") || reference.starts_with("http://"))
        && !reference.chars().any(|c| c.is_whitespace() || c.is_control());
    if is_url {
        format!("<a href=\"{0}\" rel=\"noopener noreferrer\">{0}</a>", escape(reference))
    } else {
        escape(reference)
    }
}

/// "High (7.0–8.9)", as Security Health Review writes CVSS ranges.
fn cvss_text(cvss: &str) -> String {
    let upper = cvss.rsplit(['-', '–']).next().and_then(|number| number.trim().parse::<f64>().ok());
    let rating = match upper {
        Some(score) if score >= 9.0 => "Critical",
        Some(score) if score >= 7.0 => "High",
        Some(score) if score >= 4.0 => "Medium",
        Some(score) if score > 0.0 => "Low",
        Some(_) => "None",
        None => return cvss.to_string(),
    };
    format!("{rating} ({})", cvss.replace('-', "–"))
}

fn gauge(score: Option<u8>, band: &str) -> String {
    // A half circle from the left (0) to the right (100), centre (110, 112), radius 90.
    const ARC: &str = "M20 112 A90 90 0 0 1 200 112";
    let mut svg = String::new();
    let label = match score {
        Some(score) => format!("Score {score} out of 100: {band}"),
        None => format!("No score: {band}"),
    };
    let _ = write!(
        svg,
        "<svg class=\"gauge\" viewBox=\"0 0 220 136\" width=\"240\" height=\"148\" role=\"img\" aria-label=\"{}\">",
        escape(&label)
    );
    let _ = write!(svg, "<path d=\"{ARC}\" fill=\"none\" stroke=\"#ecebea\" stroke-width=\"22\"/>");
    if let Some(score) = score.filter(|score| *score > 0) {
        let _ = write!(
            svg,
            "<path d=\"{ARC}\" fill=\"none\" stroke=\"{}\" stroke-width=\"22\" pathLength=\"100\" stroke-dasharray=\"{score} 100\"/>",
            band_color(Some(score))
        );
    }
    // The band scale, drawn thin outside the arc.
    const SCALE: &str = "M4 112 A106 106 0 0 1 216 112";
    for (from, to, band_score) in [(0, 55, 0), (55, 70, 60), (70, 80, 75), (80, 90, 85), (90, 100, 95)] {
        let _ = write!(
            svg,
            "<path d=\"{SCALE}\" fill=\"none\" stroke=\"{}\" stroke-width=\"4\" pathLength=\"100\" \
             stroke-dasharray=\"0 {from} {} 200\"/>",
            band_color(Some(band_score)),
            to - from
        );
    }
    let number = score.map_or_else(|| "—".to_string(), |score| score.to_string());
    let _ = writeln!(
        svg,
        "<text x=\"110\" y=\"100\" text-anchor=\"middle\" class=\"score\" id=\"score\">{number}</text>\
         <text x=\"110\" y=\"126\" text-anchor=\"middle\" class=\"outof\">out of 100</text>\
         <text x=\"20\" y=\"132\" text-anchor=\"middle\" class=\"end\">0</text>\
         <text x=\"200\" y=\"132\" text-anchor=\"middle\" class=\"end\">100</text></svg>"
    );
    svg
}

fn band_color(score: Option<u8>) -> &'static str {
    match score {
        None => "#939393",
        Some(90..) => "#2e844a",
        Some(80..=89) => "#41b658",
        Some(70..=79) => "#e4a201",
        Some(55..=69) => "#fe7f24",
        Some(_) => "#ba0517",
    }
}

fn band_class(score: Option<u8>) -> &'static str {
    match score {
        None => "none",
        Some(90..) => "excellent",
        Some(80..=89) => "very-good",
        Some(70..=79) => "good",
        Some(55..=69) => "poor",
        Some(_) => "very-poor",
    }
}

fn legend((high, medium): (i64, i64)) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (class, text) in [
        ("expired", "expired".to_string()),
        ("urgent", format!("expires within {high} days")),
        ("soon", format!("expires within {medium} days")),
        ("valid", "valid".to_string()),
        ("future", "not yet valid".to_string()),
    ] {
        let _ = write!(out, "<li><span class=\"swatch\" style=\"background:{}\"></span>{text}</li>", bar_color(class));
    }
    out.push_str("<li><span class=\"swatch today\"></span>evaluation date</li></ul>\n");
    out
}

fn bar_color(class: &str) -> &'static str {
    match class {
        "expired" => "#ba0517",
        "urgent" => "#fe5c4c",
        "soon" => "#dd7a01",
        "future" => "#5a6e8c",
        _ => "#2e844a",
    }
}

/// The expiry class (`expired`, `urgent`, `soon`, `future`, `valid`) and words for a certificate.
fn expiry_words(certificate: &Certificate, (high, medium): &(i64, i64)) -> (&'static str, String) {
    let days = certificate.days_until_expiry;
    if days < 0 {
        let ago = -days;
        return ("expired", format!("expired {ago} day{} ago", plural(ago)));
    }
    if certificate.days_until_valid > 0 {
        let wait = certificate.days_until_valid;
        return ("future", format!("not valid for {wait} more day{}", plural(wait)));
    }
    let class = if days <= *high {
        "urgent"
    } else if days <= *medium {
        "soon"
    } else {
        "valid"
    };
    let words =
        if days >= 730 { format!("{} years left", days / 365) } else { format!("{days} day{} left", plural(days)) };
    (class, words)
}

fn plural(count: i64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn lifetime(days: i64) -> String {
    if days >= 730 { format!("{} years", days / 365) } else { format!("{days} days") }
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(limit - 1).collect();
        short.push('…');
        short
    }
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn julian(text: &str) -> Option<i32> {
    parse_time(text).map(|time| time.to_offset(UtcOffset::UTC).date().to_julian_day())
}

fn julian_to_date(day: i32) -> Option<Date> {
    Date::from_julian_day(day).ok()
}

fn date_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn date_or_raw(text: &str) -> String {
    parse_time(text).map_or_else(|| escape(text), |time| date_text(time.to_offset(UtcOffset::UTC).date()))
}

fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ConnectedApp => "Connected App",
        ResourceKind::ExternalClientApp => "External Client App",
        ResourceKind::Org => "Org settings",
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "Critical" => "critical",
        "Warning" => "warning",
        "Compliant" => "compliant",
        "Unknown" => "unknown",
        "Informational" => "informational",
        _ => "na",
    }
}

fn pill(status: &str) -> String {
    format!("<span class=\"pill s-{}\">{status}</span>", status_class(status))
}

/// The app's own worst status; suppressed failures and failed informational controls do not raise it.
fn worst_status(results: &[&RuleResult]) -> &'static str {
    let rank = |result: &&RuleResult| match (result.status, result.suppression.is_some()) {
        (Status::Fail, false) if result.severity >= Severity::High => 4,
        (Status::Fail, false) if result.severity >= Severity::Low => 3,
        (Status::Unknown, _) => 2,
        (Status::Pass | Status::Fail, _) => 1,
        (Status::NotApplicable, _) => 0,
    };
    match results.iter().map(rank).max() {
        Some(4) => "Critical",
        Some(3) => "Warning",
        Some(2) => "Unknown",
        Some(1) => "Compliant",
        _ => "Not applicable",
    }
}

fn findings(results: &[&RuleResult]) -> String {
    let mut counts: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for result in results {
        let key = match (result.status, result.suppression.is_some()) {
            (Status::Fail, true) => (4, "suppressed"),
            (Status::Fail, false) => match health_status(result.status, result.severity) {
                "Critical" => (0, "critical"),
                "Warning" => (1, "warning"),
                _ => (2, "informational"),
            },
            (Status::Unknown, _) => (3, "unknown"),
            _ => continue,
        };
        *counts.entry(key).or_default() += 1;
    }
    if counts.is_empty() {
        return "<span class=\"muted\">none</span>".to_string();
    }
    counts
        .into_iter()
        .map(|((_, word), count)| format!("<span class=\"f-{word}\">{count} {word}</span>"))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn app_cell(app: &AppRecord) -> String {
    let mut cell = format!("<b>{}</b>", escape(&app.name));
    if !app.label.is_empty() && app.label != app.name {
        let _ = write!(cell, "<span class=\"small\">{}</span>", escape(&app.label));
    }
    let _ = write!(cell, "<span class=\"small kind\">{}</span>", kind_label(app.kind));
    if !app.namespace.is_empty() {
        let _ = write!(cell, "<span class=\"small\">namespace {}</span>", escape(&app.namespace));
    }
    if !app.enabled {
        cell.push_str(" <span class=\"pill s-na\">disabled</span>");
    }
    cell
}

/// The reason `path` (or a parent of it) was not available for this app.
fn missing_reason<'a>(app: &'a AppRecord, path: &str) -> Option<&'a str> {
    app.missing
        .iter()
        .find(|(missing, _)| path == missing.as_str() || path.starts_with(&format!("{missing}.")))
        .map(|(_, reason)| reason.as_str())
}

fn unknown_cell(reason: &str) -> String {
    format!("<span class=\"muted\" title=\"{}\">unknown</span>", escape(reason))
}

fn jwt_bearer(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "oauth.flows") {
        return unknown_cell(reason);
    }
    match app.oauth.as_ref().map(|oauth| oauth.flows.as_ref().map(|flows| flows.jwt_bearer)) {
        Some(Some(true)) => "<span class=\"yes\">yes</span>".to_string(),
        Some(Some(false)) => "no".to_string(),
        Some(None) => "<span class=\"muted\">unknown</span>".to_string(),
        None => "<span class=\"muted\">no OAuth</span>".to_string(),
    }
}

fn permitted_users(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.permitted_users") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let assigned = policy.profiles.len() + policy.permission_sets.len();
    match policy.permitted_users {
        PermittedUsers::AdminApproved => {
            let detail = match (policy.profiles.len(), policy.permission_sets.len()) {
                (0, 0) => "no profile or permission set".to_string(),
                (profiles, sets) => {
                    let mut parts = Vec::new();
                    if profiles > 0 {
                        parts.push(format!("{profiles} profile{}", plural(i64::try_from(profiles).unwrap_or(2))));
                    }
                    if sets > 0 {
                        parts.push(format!("{sets} permission set{}", plural(i64::try_from(sets).unwrap_or(2))));
                    }
                    parts.join(", ")
                }
            };
            let class = if assigned == 0 { "small warn-text" } else { "small" };
            format!("Admin approved<span class=\"{class}\">pre-authorized: {detail}</span>")
        }
        PermittedUsers::AllSelfAuthorized => "<span class=\"bad-text\">All users may self-authorize</span>".to_string(),
    }
}

fn refresh_token(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.refresh_token") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let refresh = &policy.refresh_token;
    let period = match (refresh.period, refresh.unit) {
        (Some(period), Some(unit)) => {
            let unit = match unit {
                TimeUnit::Hours => "hour",
                TimeUnit::Days => "day",
                TimeUnit::Months => "month",
            };
            format!("{period} {unit}{}", plural(period))
        }
        (Some(period), None) => period.to_string(),
        _ => "a set period".to_string(),
    };
    match refresh.policy {
        RefreshTokenPolicy::Zero => "Expire immediately".to_string(),
        RefreshTokenPolicy::Infinite => "<span class=\"bad-text\">Valid until revoked</span>".to_string(),
        RefreshTokenPolicy::SpecificLifetime => format!("Expires after {period}"),
        RefreshTokenPolicy::SpecificInactivity => format!("Expires if unused for {period}"),
    }
}

fn jwt_timeout(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.named_user_jwt_timeout") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let text = match &policy.named_user_jwt_timeout {
        None => return "<span class=\"muted\">—</span>".to_string(),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::UserSession, .. }) => "User session".to_string(),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::Custom, minutes: Some(minutes) }) => format!("{minutes} min"),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::Custom, minutes: None }) => "custom".to_string(),
    };
    let tokens_off = app.oauth.as_ref().and_then(|oauth| oauth.jwt_access_tokens) == Some(false);
    if tokens_off { format!("{text}<span class=\"small\">JWT tokens off</span>") } else { text }
}

const STYLE: &str = r#":root{--ink:#181818;--weak:#5c5c5c;--line:#e5e5e5;--bg:#f3f3f3;--navy:#032d60;--brand:#0176d3;
--crit:#ba0517;--warn:#dd7a01;--ok:#2e844a;--unk:#706e6b;--info:#0176d3}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif}
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.9em}
code{background:#f3f2f2;border-radius:3px;padding:0 3px}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
.masthead{background:var(--navy);color:#fff;padding:22px 0 18px;border-bottom:4px solid var(--brand)}
.masthead h1{margin:2px 0 12px;font-size:28px;font-weight:700;overflow-wrap:anywhere}
.kicker{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:#b0c4df}
.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0}
.facts div{min-width:0}.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#b0c4df}
.facts dd{margin:0;overflow-wrap:anywhere}
.gate-fail{color:#ffb3a8;font-weight:700}.gate-pass{color:#9be3a6;font-weight:700}
main{max-width:1240px;margin:0 auto;padding:8px 24px 32px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.05)}
h2{font-size:19px;margin:0 0 10px;color:var(--navy)}
h3{font-size:16px;margin:20px 0 8px}
h4{font-size:13px;margin:14px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:var(--navy)}
h5{font-size:13px;margin:6px 0 2px}
.count{display:inline-block;min-width:24px;padding:0 8px;border-radius:12px;background:#eef4ff;color:var(--navy);font-size:13px;text-align:center;vertical-align:middle}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.note{color:var(--weak);font-size:12.5px;margin:8px 0}
.empty{color:var(--weak);font-style:italic}
.small{display:block;color:var(--weak);font-size:12px}
.muted{color:#939393}
.bad-text{color:var(--crit);font-weight:600}.warn-text{color:#a15c00}
.yes{color:var(--ok);font-weight:600}
.overview-grid{display:grid;grid-template-columns:280px minmax(0,1fr);gap:24px;align-items:start}
.gauge-box{text-align:center}
.gauge{display:block;margin:0 auto;max-width:100%;height:auto}
.gauge .score{font-size:46px;font-weight:800;fill:var(--ink)}
.gauge .outof{font-size:12px;fill:var(--weak)}.gauge .end{font-size:10px;fill:#939393}
.band{margin:2px 0 0;font-size:20px;font-weight:700}
.band-excellent{color:#2e844a}.band-very-good{color:#3a9c4d}.band-good{color:#a87600}.band-poor{color:#c2530a}.band-very-poor{color:var(--crit)}.band-none{color:#939393}
.tiles{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px;margin-bottom:14px}
.tile{border:1px solid var(--line);border-top:4px solid;border-radius:6px;padding:8px 12px}
.tile .n{display:block;font-size:26px;font-weight:800;line-height:1.15}.tile .l{color:var(--weak);font-size:12.5px}
.tile-fail{border-top-color:var(--crit)}.tile-fail .n{color:var(--crit)}
.tile-unknown{border-top-color:#8a8886}.tile-pass{border-top-color:var(--ok)}.tile-pass .n{color:var(--ok)}.tile-na{border-top-color:#c9c7c5}.tile-na .n{color:#706e6b}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:7px 10px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--weak);background:#fafaf9;border-bottom:2px solid var(--line);white-space:nowrap}
tbody th{font-weight:400}
.num{text-align:right;font-variant-numeric:tabular-nums}
.matrix td.hot{color:var(--crit);font-weight:700}
.matrix tr.total td{font-weight:700;border-bottom:0;border-top:2px solid var(--line)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
.apps{min-width:1040px}.apps td,.apps th{font-size:13px}
.apps tbody tr:target{background:#fff8d6}
.toc{display:flex;flex-wrap:wrap;gap:8px;margin-top:16px;padding-top:12px;border-top:1px solid var(--line)}
.toc a{padding:4px 12px;border:1px solid #c9d8ec;border-radius:14px;font-size:13px}
.pill{display:inline-block;padding:1px 9px;border-radius:11px;font-size:12px;font-weight:700;white-space:nowrap;border:1px solid transparent}
.s-critical{background:var(--crit);color:#fff}.s-warning{background:#fe9339;color:#3e1f00}
.s-compliant{background:var(--ok);color:#fff}.s-unknown{background:#ecebea;color:#3e3e3c;border-color:#c9c7c5}
.s-na{background:#fff;color:#706e6b;border-color:#c9c7c5}.s-informational{background:#d8e6fe;color:#0b3f7d}
.s-suppressed{background:#fff;color:#6b4a00;border:1px dashed #a87600}
.supp{color:#6b4a00;font-style:italic}
.sev{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;font-weight:700;padding:0 6px;border-radius:3px}
.sev-critical{background:#fde6e3;color:#8e030f}.sev-high{background:#feecdc;color:#8c3b00}.sev-medium{background:#fff4d4;color:#6b4a00}.sev-low{background:#e6f2ff;color:#0b3f7d}.sev-info{background:#f3f2f2;color:#5c5c5c}
.findings span{white-space:nowrap}.f-critical{color:var(--crit);font-weight:700}.f-warning{color:#a15c00;font-weight:700}.f-unknown,.f-informational,.f-suppressed{color:var(--weak)}
.exp{font-weight:600}.exp-expired,.exp-urgent{color:var(--crit)}.exp-soon{color:#a15c00}.exp-future{color:#3e5a80}
.group{margin-top:18px}
.group h3{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px;border-bottom:2px solid var(--navy);padding-bottom:4px}
.tally{font-size:12.5px;font-weight:400;color:var(--weak)}.t-fail{color:var(--crit);font-weight:700}.t-pass{color:var(--ok)}
.rows{border:1px solid var(--line);border-radius:6px;overflow:hidden}
.rowhead,details.row>summary{display:grid;grid-template-columns:132px minmax(0,2.3fr) minmax(0,1.5fr) minmax(0,1.7fr) minmax(0,1.7fr);gap:14px;padding:8px 12px 8px 30px}
.rowhead{background:#fafaf9;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--weak);border-bottom:2px solid var(--line)}
details.row+details.row{border-top:1px solid var(--line)}
details.row>summary{cursor:pointer;list-style:none;position:relative}
details.row>summary::-webkit-details-marker{display:none}
details.row>summary::before{content:"";position:absolute;left:12px;top:14px;border:5px solid transparent;border-left:6px solid #8a8886}
details.row[open]>summary::before{transform:rotate(90deg);transform-origin:3px 5px}
details.row>summary:hover{background:#f7f9fc}
details.row[open]>summary{background:#f2f6fc}
details.row:target>summary{background:#fff8d6}
details.row.st-critical>summary{box-shadow:inset 4px 0 0 var(--crit)}
details.row.st-warning>summary{box-shadow:inset 4px 0 0 #fe9339}
details.row.st-unknown>summary{box-shadow:inset 4px 0 0 #a8a6a4}
details.row.suppressed>summary{opacity:.75}
.c-control b{display:block;font-weight:600}
.c-app a.app{font-weight:600;overflow-wrap:anywhere}
.c-actual,.c-expected{overflow-wrap:anywhere}
.val{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.st-critical .c-actual .val{color:var(--crit)}.st-warning .c-actual .val{color:#8c4a00}
.detail{padding:6px 18px 14px 30px;border-top:1px dashed var(--line);background:#fcfcfc}
.kv{display:grid;grid-template-columns:130px 1fr;gap:3px 12px;margin:8px 0 4px;font-size:13px}
.kv dt{color:var(--weak)}.kv dd{margin:0;overflow-wrap:anywhere}
.writeup p,.writeup li{max-width:95ch}
.writeup ol,.writeup ul{padding-left:22px;margin:4px 0}
.twocol{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.refs{padding-left:20px}.refs a{overflow-wrap:anywhere}
details.more{margin-top:10px}
details.more>summary{cursor:pointer;color:var(--brand);font-weight:600;padding:6px 0}
details.more>.rows{margin-top:4px}
.calendar{min-width:760px}
.timeline{display:block;width:100%;height:auto;font-family:inherit}
.timeline .axis{font-size:12px;fill:#706e6b;font-weight:600}
.timeline .name{font-size:13px;font-weight:600;fill:#181818}
.timeline .sub{font-size:11.5px;fill:#5c5c5c}
.timeline .onbar{font-size:11px;fill:#fff;font-weight:600}
.timeline .tag{font-size:11px;font-weight:800;letter-spacing:.05em}
.timeline .tag-expired{fill:#ba0517}.timeline .tag-future{fill:#3e5a80}
.timeline .today{font-size:12px;font-weight:700;fill:#032d60}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;padding:0;margin:8px 0 14px;font-size:12.5px;color:var(--weak)}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:6px;vertical-align:middle}
.swatch.today{width:0;height:14px;border-left:2px dashed #032d60;border-radius:0}
.certs{min-width:900px}.certs td,.certs th{font-size:13px;white-space:nowrap}.certs td.wrap{white-space:normal;min-width:220px;overflow-wrap:anywhere}
.cov{border-left:3px solid #a8a6a4;padding:2px 0 2px 14px;margin:14px 0}
.cov h3{margin:4px 0}.cov h3 .small{display:inline}
.why{margin:6px 0 2px;color:#3e3e3c;overflow-wrap:anywhere}
.cov-list{margin:2px 0 8px;padding-left:20px}.cov-list li{margin:2px 0}
footer{color:var(--weak);font-size:12px;padding:8px 0 28px}
@media screen and (max-width:760px){
.wrap,main{padding-left:12px;padding-right:12px}
.card{padding:14px}
.masthead h1{font-size:22px}
.overview-grid{grid-template-columns:minmax(0,1fr)}
.tiles{grid-template-columns:repeat(2,minmax(0,1fr))}
.rowhead{display:none}
details.row>summary{grid-template-columns:1fr;gap:4px}
.c-app::before,.c-actual::before,.c-expected::before{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--weak)}
.c-app::before{content:"App"}.c-actual::before{content:"Your value"}.c-expected::before{content:"Recommended value"}
.kv,.twocol{grid-template-columns:1fr}
}
@media print{
@page{margin:14mm}
body{background:#fff;font-size:9.5pt}
.masthead{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 8px}
.kicker,.facts dt{color:#444}.gate-fail{color:var(--crit)}.gate-pass{color:var(--ok)}
main{padding:0;max-width:none}.wrap{padding:0;max-width:none}
.card{border:0;box-shadow:none;padding:0;margin:0 0 12px}
#apps,#controls,#certificates,#coverage{break-before:page}
.toc{display:none}
thead th{white-space:normal}
th,td,.apps td,.apps th,.certs td,.certs th{font-size:8pt;padding:4px 5px}
.findings span,.certs td{white-space:normal}
.certs td.wrap{min-width:0;width:28%}.certs td:nth-child(3),.certs td:nth-child(4){white-space:nowrap}
thead th{text-transform:none;letter-spacing:0}
.small,.note{font-size:7.5pt}
.timeline{max-width:100%}
.overview-grid{grid-template-columns:190px minmax(0,1fr);gap:12px}
.rowhead,details.row>summary{grid-template-columns:88px minmax(0,2.2fr) minmax(0,1.5fr) minmax(0,1.6fr) minmax(0,1.6fr);gap:10px}
.scroll{overflow:visible}.apps,.certs,.calendar{min-width:0}
thead th,.rowhead,details.row>summary,details.row[open]>summary,.detail,code,.count,.sev,.tile{background:none!important}
.pill{background:none!important;border:1px solid currentColor}
.s-critical{color:var(--crit)}.s-warning{color:#a15c00}.s-compliant{color:var(--ok)}.s-informational{color:#0b3f7d}
details::details-content{content-visibility:visible;display:contents}
details.row>summary::before{display:none}
details.row>summary{padding-left:12px}
details.row,tr,.tile,.cov li{break-inside:avoid}
details.more>summary{color:#000}
a{color:inherit}
footer{padding:8px 0}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_quotes_and_invisible_characters() {
        assert_eq!(escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
        assert_eq!(escape("x\u{1b}[31m"), "x\\u{1b}[31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("line\nnext"), "line\nnext");
    }

    #[test]
    fn prose_renders_lists_paragraphs_and_code() {
        let html = prose("Intro with `code` and <b>.\n\n1. first\n2. second `x`\n\n- a\n- b\nafter");
        assert_eq!(
            html,
            "<p>Intro with <code>code</code> and &lt;b&gt;.</p>\n<ol>\n<li>first</li>\n<li>second <code>x</code></li>\n</ol>\n\
             <ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>after</p>\n"
        );
        assert_eq!(inline("one ` lonely"), "one ` lonely");
    }

    #[test]
    fn only_plain_web_urls_become_links() {
        assert!(
            reference_link("https://help.salesforce.com/x?a=1&b=2")
                .starts_with("<a href=\"https://help.salesforce.com/x?a=1&amp;b=2\"")
        );
        assert_eq!(reference_link("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(reference_link("https://x\" onclick=\"y"), "https://x&quot; onclick=&quot;y");
    }

    #[test]
    fn cvss_ranges_read_like_security_health_review() {
        assert_eq!(cvss_text("7.0-8.9"), "High (7.0–8.9)");
        assert_eq!(cvss_text("9.0-10.0"), "Critical (9.0–10.0)");
        assert_eq!(cvss_text("0.0"), "None (0.0)");
        assert_eq!(cvss_text("n/a"), "n/a");
    }
}
