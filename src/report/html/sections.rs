//! The overview, apps, controls and coverage sections, and the control write-ups.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::cells::{
    app_cell, band_class, date_text, findings, gauge, jwt_bearer, jwt_timeout, kind_label, parse_time, permitted_users,
    pill, plural, refresh_token, status_class, worst_status,
};
use super::view::View;
use super::writeup::{cvss_text, write_up};
use crate::document::health_status;
use crate::engine::ResultView;
use crate::escape::html as escape;
use crate::model::{Confidence, ResourceKind, Severity, Status};

const RISK_GROUPS: [&str; 4] = ["High Risk", "Medium Risk", "Low Risk", "Informational"];

impl View<'_, '_> {
    pub(super) fn overview(&self, out: &mut String) {
        let summary = self.report.summary;
        out.push_str("<section class=\"card overview\" id=\"summary\" aria-labelledby=\"summary-h\">\n");
        out.push_str("<h2 id=\"summary-h\" class=\"sr\">Summary</h2>\n<div class=\"overview-grid\">\n");
        out.push_str("<div class=\"gauge-box\">\n");
        out.push_str(&gauge(summary.score, &summary.band));
        let _ = writeln!(
            out,
            "<p class=\"band band-{}\" id=\"band\">{}</p>",
            band_class(&summary.band),
            escape(&summary.band)
        );
        if let Some(cap) = &summary.band_cap {
            let _ = writeln!(out, "<p class=\"note cap\" id=\"band-cap\">Band {}</p>", escape(&cap.describe()));
        }
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
                self.results().filter(|result| result.severity == severity && result.status == status).count()
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
             not-applicable results are left out. While a high-risk control (critical or high) fails, the band is at \
             best Poor, whatever the score.</p>\n",
        );
        out.push_str("</div>\n</div>\n");
        out.push_str("<nav class=\"toc\" aria-label=\"Sections\">");
        for table in crate::report::tables::run_tables(self.report) {
            let _ = write!(out, "<a href=\"#{}\">{}</a>", table.id, table.title);
        }
        out.push_str(
            "<a href=\"#apps\">Apps at a glance</a><a href=\"#controls\">Controls by risk</a>\
             <a href=\"#certificates\">Certificate calendar</a><a href=\"#coverage\">Coverage</a></nav>\n",
        );
        out.push_str("</section>\n");
    }

    pub(super) fn apps(&self, out: &mut String) {
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
            "Score",
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
        // Grouped in one pass: filtering every result for every app is quadratic in a large org.
        let mut by_app: BTreeMap<(ResourceKind, &str), Vec<ResultView<'_>>> = BTreeMap::new();
        for result in self.results() {
            by_app.entry((result.resource.kind, &result.resource.name)).or_default().push(result);
        }
        for (index, app) in apps.iter().enumerate() {
            let results = by_app.get(&(app.kind, app.name.as_str())).cloned().unwrap_or_default();
            let _ = write!(out, "<tr id=\"app-{index}\"><th scope=\"row\">{}</th>", app_cell(app));
            let worst = worst_status(&results);
            let _ = write!(out, "<td>{}</td>", pill(worst));
            let _ = write!(out, "<td>{}</td>", self.app_score_cell(app.kind, &app.name));
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
             otherwise <b>Compliant</b>. Suppressed findings do not raise it. Score is the app's own, with the \
             org score's formula and cap.</p>\n",
        );
        out.push_str("</section>\n");
    }

    pub(super) fn controls(&self, out: &mut String) {
        out.push_str("<section class=\"card\" id=\"controls\" aria-labelledby=\"controls-h\">\n");
        out.push_str("<h2 id=\"controls-h\">Controls by risk</h2>\n");
        out.push_str(
            "<p class=\"note\">Each row is one control checked against one app (or the org). Open a row for the \
             control's write-up: overview, risk, threat scenarios, CVSS range and remediation.</p>\n",
        );
        for group in RISK_GROUPS {
            let mut rows: Vec<ResultView<'_>> =
                self.results().filter(|result| result.severity.risk_group() == group).collect();
            rows.sort_by(|a, b| {
                (
                    a.status,
                    a.suppression.is_some(),
                    Reverse(a.severity),
                    &a.rule.control,
                    a.resource.kind,
                    &a.resource.name,
                )
                    .cmp(&(
                        b.status,
                        b.suppression.is_some(),
                        Reverse(b.severity),
                        &b.rule.control,
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
            let (open, settled): (Vec<ResultView<'_>>, Vec<ResultView<'_>>) =
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

    fn result_rows(&self, out: &mut String, rows: &[ResultView<'_>]) {
        out.push_str(
            "<div class=\"rows\">\n<div class=\"rowhead\" aria-hidden=\"true\"><span>Status</span><span>Control</span>\
             <span>App</span><span>Your value</span><span>Recommended value</span></div>\n",
        );
        for result in rows {
            self.result_row(out, *result);
        }
        out.push_str("</div>\n");
    }

    fn result_row(&self, out: &mut String, result: ResultView<'_>) {
        let status = health_status(result.status, result.severity);
        let suppressed = result.suppression.is_some();
        let mut classes = format!("row st-{}", status_class(status));
        if suppressed {
            classes.push_str(" suppressed");
        }
        let actual = match (result.actual(), result.status) {
            (Some(actual), _) if result.assumed => {
                format!("<span class=\"val\">{}</span> <span class=\"small default\">(default)</span>", escape(actual))
            }
            (Some(actual), _) => format!("<span class=\"val\">{}</span>", escape(actual)),
            (None, Status::NotApplicable) => "<span class=\"muted\">—</span>".to_string(),
            (None, _) => "<span class=\"muted\">unknown</span>".to_string(),
        };
        // The title names the finding, so it is shown only where there is one.
        let mut title = if matches!(result.status, Status::Fail | Status::Unknown) {
            format!("<span class=\"small\">{}</span>", escape(&result.rule.title))
        } else {
            String::new()
        };
        if let Some(suppression) = result.suppression() {
            let _ = write!(title, "<span class=\"small supp\">Suppressed: {}</span>", escape(&suppression.reason));
        }
        let mut suppressed_badge =
            if suppressed { " <span class=\"pill s-suppressed\">Suppressed</span>" } else { "" }.to_string();
        if result.confidence != Confidence::High {
            let _ = write!(suppressed_badge, " <span class=\"small conf\">{} confidence</span>", result.confidence);
        }
        let _ = writeln!(
            out,
            "<details class=\"{classes}\" id=\"r-{}\" data-rule=\"{}\"><summary>\
             <span class=\"c-status\">{}{suppressed_badge}</span>\
             <span class=\"c-control\"><b>{}</b>{title}</span><span class=\"c-app\">{}</span>\
             <span class=\"c-actual\">{actual}</span><span class=\"c-expected\">{}</span></summary>",
            escape(result.fingerprint().as_str()),
            escape(result.rule_id()),
            pill(status),
            escape(&result.rule.control),
            self.resource_cell(result),
            escape(&result.rule.expected),
        );
        out.push_str("<div class=\"detail\">\n");
        self.result_facts(out, result);
        match Some(result.rule).filter(|rule| rule.has_write_up()) {
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

    /// An app's own score and band, with the cap when one applied.
    fn app_score_cell(&self, kind: ResourceKind, name: &str) -> String {
        let scores = &self.report.summary.app_scores;
        let Some(app) = scores.iter().find(|app| app.kind == kind && &*app.name == name) else {
            return "<span class=\"muted\">—</span>".to_string();
        };
        let cap = app.band_cap.map_or_else(String::new, |cap| {
            format!("<span class=\"small\" title=\"{}\">capped</span>", escape(&cap.describe()))
        });
        format!(
            "<span class=\"num\">{}</span><span class=\"small band-{}\">{}</span>{cap}",
            escape(&app.score_text()),
            band_class(app.band),
            escape(app.band)
        )
    }

    fn resource_cell(&self, result: ResultView<'_>) -> String {
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

    fn result_facts(&self, out: &mut String, result: ResultView<'_>) {
        out.push_str("<dl class=\"kv\">\n");
        let mut item = |label: &str, value: String| {
            let _ = writeln!(out, "<dt>{label}</dt><dd>{value}</dd>");
        };
        if let Some(reason) = result.reason() {
            let label = if result.status == Status::Unknown { "Why unknown" } else { "Reason" };
            item(label, escape(reason));
        }
        if let Some(suppression) = result.suppression() {
            let mut text = escape(&suppression.reason);
            for (label, value) in [("owner", &suppression.owner), ("ticket", &suppression.ticket)] {
                if let Some(value) = value {
                    let _ = write!(text, " · {label} {}", escape(value));
                }
            }
            if let Some(expires) = &suppression.expires {
                let _ = write!(text, " · until {expires}");
            }
            let _ = write!(text, " · <span class=\"mono\">{}</span>", escape(&suppression.source));
            item("Suppressed", text);
        }
        let risk = match Some(result.rule).filter(|rule| rule.has_write_up()) {
            Some(rule) => {
                format!("{} · {} · CVSS {}", result.severity.risk_group(), result.severity, cvss_text(&rule.cvss))
            }
            None => format!("{} · {}", result.severity.risk_group(), result.severity),
        };
        item("Risk", escape(&risk));
        item("Confidence", escape(result.confidence.as_str()));
        if result.assumed {
            item("Your value", "assumed: no file sets it, so Salesforce's documented default applies".to_string());
        }
        item("Rule", format!("<code>{}</code> · {}", escape(result.rule_id()), escape(&result.rule.category)));
        let location = &result.location;
        let place = match (&location.path, location.line) {
            (Some(path), Some(line)) => format!("<span class=\"mono\">{}:{line}</span>", escape(path)),
            (Some(path), None) => format!("<span class=\"mono\">{}</span>", escape(path)),
            (None, _) => escape(location.source.as_str()),
        };
        item("Location", place);
        out.push_str("</dl>\n");
    }

    pub(super) fn coverage(&self, out: &mut String) {
        out.push_str("<section class=\"card\" id=\"coverage\" aria-labelledby=\"coverage-h\">\n");
        let unknown: Vec<ResultView<'_>> = self.results().filter(|result| result.status == Status::Unknown).collect();
        let _ = writeln!(
            out,
            "<h2 id=\"coverage-h\">Coverage: what could not be evaluated <span class=\"count\">{}</span></h2>",
            unknown.len()
        );
        if unknown.is_empty() {
            out.push_str("<p class=\"empty\">Every control could be evaluated with the data scanned.</p>\n");
            self.coverage_tables(out);
            out.push_str("</section>\n");
            return;
        }
        out.push_str(
            "<p class=\"note\">These controls are <b>Unknown</b>: the data they need was not in the scanned source. \
             They are not counted as compliant and they lower the score. Each is listed with the reason.</p>\n",
        );
        // Grouped by resource in inventory order (the org last), then by reason.
        let mut by_resource: BTreeMap<(usize, ResourceKind, &str), BTreeMap<&str, Vec<ResultView<'_>>>> =
            BTreeMap::new();
        for result in unknown {
            let resource = &result.resource;
            let order = self.app_index.get(&(resource.kind, &*resource.name)).copied().unwrap_or(usize::MAX);
            by_resource
                .entry((order, resource.kind, &*resource.name))
                .or_default()
                .entry(result.reason().unwrap_or("no reason recorded"))
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
                        escape(result.fingerprint().as_str()),
                        escape(&result.rule.control),
                        escape(result.rule_id()),
                        result.severity.as_str(),
                        result.severity.as_str()
                    );
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</div>\n");
        }
        self.coverage_tables(out);
        out.push_str("</section>\n");
    }
}
