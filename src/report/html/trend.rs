//! The sections a report gains when the run has history: the score trend, drawn as inline SVG
//! (markup, not a script or an image load, so the report's policy allows it), and what changed
//! since the previous scan.

use std::fmt::Write as _;

use time::{OffsetDateTime, UtcOffset};

use super::cells::{band_class, date_text, plural};
use super::view::View;
use crate::document::{ChangedFinding, SincePrevious, Trend};
use crate::escape::html as escape;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;
/// Band thresholds drawn as guide lines.
const GUIDES: [u8; 6] = [0, 55, 70, 80, 90, 100];

fn day(instant: OffsetDateTime) -> String {
    date_text(instant.to_offset(UtcOffset::UTC).date())
}

fn x_of(index: usize, count: usize) -> f64 {
    let plot = WIDTH - LEFT - RIGHT;
    if count <= 1 { LEFT + plot / 2.0 } else { LEFT + plot * index as f64 / (count - 1) as f64 }
}

fn y_of(score: u8) -> f64 {
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - f64::from(score) / 100.0)
}

/// The score over time as an SVG line chart: one marker per run (its date, score, band, new and
/// fixed findings in a tooltip), band thresholds as guides; a run without a score breaks the line.
fn chart(trend: &Trend) -> String {
    let count = trend.points.len();
    let mut out = String::with_capacity(4096);
    let first = trend.points.first().map(|point| day(point.evaluated_at)).unwrap_or_default();
    let last = trend.points.last().map(|point| day(point.evaluated_at)).unwrap_or_default();
    let _ = write!(
        out,
        "<svg class=\"trend-chart\" id=\"trend-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         role=\"img\" aria-labelledby=\"trend-title\"><title id=\"trend-title\">Score of {count} run{} from {first} to {last}</title>",
        plural(count as i64)
    );
    for guide in GUIDES {
        let y = y_of(guide);
        let _ = write!(
            out,
            "<line class=\"guide\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{guide}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let mut segment: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    for (index, point) in trend.points.iter().enumerate() {
        match point.score {
            Some(score) => segment.push(format!("{:.1},{:.1}", x_of(index, count), y_of(score))),
            None => segments.push(std::mem::take(&mut segment)),
        }
    }
    segments.push(segment);
    for points in segments.into_iter().filter(|points| points.len() > 1) {
        let _ = write!(out, "<polyline class=\"line\" points=\"{}\"/>", points.join(" "));
    }
    for (index, point) in trend.points.iter().enumerate() {
        let score_text = point.score.map_or_else(|| "no score".to_string(), |score| format!("{score}/100"));
        let tooltip = format!(
            "{}: {score_text} ({}); {} failed, {} new, {} fixed",
            day(point.evaluated_at),
            point.band,
            point.failed,
            point.new,
            point.fixed
        );
        let y = point.score.map_or(HEIGHT - BOTTOM, y_of);
        let _ = write!(
            out,
            "<circle class=\"run band-{}{}\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4.5\"><title>{}</title></circle>",
            band_class(&point.band),
            if index + 1 == count { " current" } else { "" },
            x_of(index, count),
            escape(&tooltip)
        );
    }
    let baseline = HEIGHT - BOTTOM + 18.0;
    let _ = write!(out, "<text class=\"axis\" x=\"{LEFT}\" y=\"{baseline}\">{first}</text>");
    if count > 1 {
        let _ = write!(
            out,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{baseline}\" text-anchor=\"end\">{last}</text>",
            WIDTH - RIGHT
        );
    }
    out.push_str("</svg>");
    out
}

fn finding_rows(out: &mut String, findings: &[ChangedFinding]) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"changes\"><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Control</th>\
         <th scope=\"col\">App</th><th scope=\"col\">Rule</th></tr></thead><tbody>\n",
    );
    for finding in findings {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"sev sev-{0}\">{0}</span></td><td>{1}</td><td>{2}</td><td class=\"mono\">{3}</td></tr>",
            finding.severity.as_str(),
            escape(&finding.title),
            escape(&finding.name),
            escape(&finding.rule_id)
        );
    }
    out.push_str("</tbody></table></div>\n");
}

fn changes(out: &mut String, since: &SincePrevious, score: Option<u8>) {
    let score_text = |score: Option<u8>| score.map_or_else(|| "—".to_string(), |score| score.to_string());
    let delta = match (since.previous_score, score) {
        (Some(before), Some(now)) => format!(" ({:+})", i32::from(now) - i32::from(before)),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p id=\"since-summary\">Previous scan <time datetime=\"{}\">{}</time>: score {} → {}{delta}; \
         <strong id=\"since-new\">{}</strong> new finding{}, <strong id=\"since-fixed\">{}</strong> fixed, {} setting{} changed.</p>",
        crate::model::when::rfc3339(since.previous_at),
        day(since.previous_at),
        score_text(since.previous_score),
        score_text(score),
        since.new_findings.len(),
        plural(since.new_findings.len() as i64),
        since.fixed_findings.len(),
        since.setting_changes.len(),
        plural(since.setting_changes.len() as i64),
    );
    if since.is_empty() {
        out.push_str("<p class=\"empty\">Nothing changed since the previous scan.</p>\n");
        return;
    }
    if !since.new_findings.is_empty() {
        let _ = writeln!(
            out,
            "<h3 id=\"since-new-h\">New findings <span class=\"count\">{}</span></h3>",
            since.new_findings.len()
        );
        finding_rows(out, &since.new_findings);
    }
    if !since.fixed_findings.is_empty() {
        let _ = writeln!(
            out,
            "<h3 id=\"since-fixed-h\">Fixed <span class=\"count\">{}</span></h3>",
            since.fixed_findings.len()
        );
        finding_rows(out, &since.fixed_findings);
    }
    let apps: Vec<(&str, &(crate::model::ResourceKind, String))> = since
        .apps_added
        .iter()
        .map(|app| ("added", app))
        .chain(since.apps_removed.iter().map(|app| ("removed", app)))
        .collect();
    if !apps.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Apps added and removed <span class=\"count\">{}</span></h3>\n<ul class=\"apps-changed\">",
            apps.len()
        );
        for (what, (kind, name)) in apps {
            let _ =
                writeln!(out, "<li>{} <span class=\"muted\">{}</span> {what}</li>", escape(name), escape(kind.label()));
        }
        out.push_str("</ul>\n");
    }
    if !since.setting_changes.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Settings that changed <span class=\"count\">{}</span></h3>\n<div class=\"scroll\"><table class=\"changes\"><thead><tr>\
             <th scope=\"col\">App</th><th scope=\"col\">Setting</th><th scope=\"col\">Before</th><th scope=\"col\">Now</th>\
             <th scope=\"col\">Judged</th></tr></thead><tbody>",
            since.setting_changes.len()
        );
        for change in &since.setting_changes {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"dir-{direction}\">{direction}</td></tr>",
                escape(&change.name),
                escape(&change.field),
                escape(&change.old),
                escape(&change.new),
                direction = change.direction
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
}

impl View<'_, '_> {
    /// The score trend and "since the previous scan", when the run has history.
    pub(super) fn history(&self, out: &mut String) {
        let Some(trend) = self.report.trend else { return };
        out.push_str("<section class=\"card\" id=\"trend\" aria-labelledby=\"trend-h\">\n");
        let _ =
            writeln!(out, "<h2 id=\"trend-h\">Score trend <span class=\"count\">{}</span></h2>", trend.points.len());
        let _ = writeln!(out, "<div class=\"scroll\">{}</div>", chart(trend));
        out.push_str(
            "<details class=\"runs\"><summary>Recorded runs</summary><div class=\"scroll\"><table class=\"runs-table\"><thead><tr>\
             <th scope=\"col\">Evaluated</th><th scope=\"col\" class=\"num\">Score</th><th scope=\"col\">Band</th>\
             <th scope=\"col\" class=\"num\">Failed</th><th scope=\"col\" class=\"num\">New</th><th scope=\"col\" class=\"num\">Fixed</th>\
             </tr></thead><tbody>\n",
        );
        for point in trend.points.iter().rev() {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                day(point.evaluated_at),
                point.score.map_or_else(|| "—".to_string(), |score| score.to_string()),
                escape(&point.band),
                point.failed,
                point.new,
                point.fixed
            );
        }
        out.push_str("</tbody></table></div></details>\n</section>\n");

        out.push_str("<section class=\"card\" id=\"since-previous\" aria-labelledby=\"since-h\">\n");
        out.push_str("<h2 id=\"since-h\">Since the previous scan</h2>\n");
        match &trend.since_previous {
            Some(since) => changes(out, since, self.report.summary.score),
            None => out.push_str("<p class=\"empty\">This is the first recorded scan of this org or project.</p>\n"),
        }
        out.push_str("</section>\n");
    }
}
