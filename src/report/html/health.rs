//! Salesforce's own Health Check beside sfaudit's score: its score and its high-risk settings,
//! as a card after the overview (live scans only).

use std::fmt::Write as _;

use super::view::View;
use crate::escape::html as escape;
use crate::report::health_check::{self, HealthCheckView};

impl View<'_, '_> {
    pub(super) fn salesforce_health_check(&self, out: &mut String) {
        let Some(check) = health_check::of(self.report) else { return };
        out.push_str("<section class=\"card\" id=\"salesforce-health-check\" aria-labelledby=\"shc-h\">\n");
        out.push_str("<h2 id=\"shc-h\">Salesforce Health Check</h2>\n");
        let _ = writeln!(
            out,
            "<p>Salesforce's own score, read from the org (Tooling API SecurityHealthCheck), beside sfaudit's \
             <strong>{}</strong>: <strong id=\"salesforce-score\">{}</strong></p>",
            escape(&self.report.summary.score_text()),
            escape(&check.summary())
        );
        if let HealthCheckView::Read(_) = check {
            let risks = check.high_risk();
            if risks.is_empty() {
                out.push_str("<p class=\"note\">Health Check reports no high-risk setting.</p>\n");
            } else {
                out.push_str(
                    "<div class=\"scroll\"><table class=\"grid\"><thead><tr><th>Group</th><th>High-risk setting</th>\
                     <th>Org value</th><th>Standard value</th></tr></thead><tbody>\n",
                );
                for risk in risks {
                    let _ = writeln!(
                        out,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&risk.group),
                        escape(&risk.setting),
                        escape(&risk.org_value),
                        escape(&risk.standard_value)
                    );
                }
                out.push_str("</tbody></table></div>\n");
            }
        }
        out.push_str("</section>\n");
    }
}
