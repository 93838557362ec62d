//! The certificate expiry calendar: a table and an inline SVG timeline, and the date helpers.

use std::fmt::Write as _;

use time::{Date, Month, UtcOffset};

use super::cells::{
    date_or_raw, date_text, julian, julian_to_date, lifetime, missing_reason, parse_time, plural, truncate,
    unknown_cell,
};
use super::view::View;
use crate::escape::html as escape;
use crate::model::{AppRecord, Certificate};

impl View<'_, '_> {
    pub(super) fn certificate_cell(&self, app: &AppRecord) -> String {
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

    pub(super) fn certificates(&self, out: &mut String) {
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
                None => out.push_str("<p class=\"empty\">These dates cannot be drawn on a calendar.</p>\n"),
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

    /// The inline SVG timeline; `None` when the dates lie beyond what a calendar can show.
    fn calendar(&self, certificates: &[(usize, &AppRecord, &Certificate)]) -> Option<String> {
        const WIDTH: f64 = 1000.0;
        const PLOT_LEFT: f64 = 250.0;
        const PLOT_RIGHT: f64 = 975.0;
        const TOP: f64 = 58.0;
        const ROW: f64 = 40.0;
        let evaluated = self.evaluated.to_offset(UtcOffset::UTC).date();
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
}

pub(super) fn legend((high, medium): (i64, i64)) -> String {
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

pub(super) fn bar_color(class: &str) -> &'static str {
    match class {
        "expired" => "#ba0517",
        "urgent" => "#fe5c4c",
        "soon" => "#dd7a01",
        "future" => "#5a6e8c",
        _ => "#2e844a",
    }
}

/// The expiry class (`expired`, `urgent`, `soon`, `future`, `valid`) and words for a certificate.
pub(super) fn expiry_words(certificate: &Certificate, (high, medium): &(i64, i64)) -> (&'static str, String) {
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
