//! The control write-ups, with Security Health Review's headings.

use std::fmt::Write as _;

use crate::engine::RuleMeta;
use crate::escape::html as escape;
use crate::report::labels::is_web_url;

/// The control write-up, with Security Health Review's headings.
pub(super) fn write_up(out: &mut String, rule: &RuleMeta) {
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
    let is_url = is_web_url(reference);
    if is_url {
        format!("<a href=\"{0}\" rel=\"noopener noreferrer\">{0}</a>", escape(reference))
    } else {
        escape(reference)
    }
}

/// "High (7.0–8.9)", as Security Health Review writes CVSS ranges.
pub(super) fn cvss_text(cvss: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
