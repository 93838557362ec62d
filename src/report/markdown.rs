//! The GitHub-flavoured Markdown report, for pull-request comments and wikis.
//!
//! Layout: a title line with the source and the evaluation date; score and band; counts by risk
//! and status; the failed controls (status, risk, control, app, your value, recommended value,
//! rule); one collapsed `<details>` block per failing rule with its write-up and its failing apps
//! (one per rule rather than one per result, to keep comments short); what could not be
//! evaluated, with the reason; and the suppressed results with their reason.
//!
//! Every string that can come from org data or a rule file is escaped, so it renders as the text
//! it is and cannot add table columns, links, emphasis, HTML or line breaks:
//!
//! - Markdown text ([`inline`], table cells): `\` `` ` `` `*` `[` `]` `|` `~` `$` are
//!   backslash-escaped, `_` too unless it sits between two letters or digits (`Data_Loader` cannot
//!   start emphasis and stays readable); `<` `>` `&` become entities; CR/LF become `<br>`; leading
//!   and trailing whitespace become numeric references so the table does not trim them; a leading
//!   `#` `+` `-` `=` or `1.` is escaped so it cannot start a heading or a list; `://` and `www.`
//!   are broken with a character reference so an org-supplied URL (a callback URL, say) shows as
//!   text and is not a clickable link.
//! - Control characters and invisible formatting characters (bidirectional overrides, zero-width
//!   characters, BOM) are shown as `\u{…}`, like the terminal table shows them.
//! - Inside `<details>`/`<summary>` HTML ([`html_text`]): `&` `<` `>` `"` `'` become entities and
//!   line breaks become spaces (GitHub does not read Markdown there).
//! - Rule write-ups ([`prose`]) keep their paragraphs, `1.`/`-` lists and single-line code spans;
//!   everything else in them is escaped as above.
//!
//! The output depends on nothing but the report: no clock, no locale, no map iteration order.

use std::fmt::Write as _;

use super::Report;
use super::summary::health_status;
use crate::engine::{RuleMeta, RuleResult, Severity, Status};
use crate::model::ResourceKind;

/// GitHub refuses comments longer than this many characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// How much of each control's write-up the "What to fix" blocks carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteUps {
    Full,
    /// Remediation and CVSS range only.
    Remediation,
    /// No "What to fix" blocks at all.
    Omitted,
}

/// The report, with write-ups shortened (and at last left out) when the full text would not fit
/// in one GitHub pull-request comment; the report then says so and where the full text is.
pub fn render(report: &Report<'_>) -> String {
    let mut text = String::new();
    for level in [WriteUps::Full, WriteUps::Remediation, WriteUps::Omitted] {
        text = render_with(report, level);
        if text.chars().count() <= GITHUB_COMMENT_LIMIT {
            break;
        }
    }
    text
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
        inline(&run.evaluated_at)
    );
    let score = summary.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"));
    let _ = writeln!(out, "**Score: {score} ({})**\n", inline(&summary.band));
    let _ = writeln!(
        out,
        "{} {} · rule pack {} ({} rules) · {} metadata files, {} apps · gate: fail on {} and above\n",
        inline(&run.tool.name),
        inline(&run.tool.version),
        inline(&run.rule_pack.version),
        run.rule_pack.rules,
        source.files_read,
        summary.apps,
        inline(&run.fail_on)
    );

    counts_table(&mut out, report);

    let results = &report.results.results;
    let mut failed: Vec<&RuleResult> =
        results.iter().filter(|result| result.status == Status::Fail && result.suppression.is_none()).collect();
    failed.sort_by(|a, b| (b.severity, &a.rule_id, &a.resource.name).cmp(&(a.severity, &b.rule_id, &b.resource.name)));
    let suppressed: Vec<&RuleResult> = results.iter().filter(|result| result.suppression.is_some()).collect();
    let unknown: Vec<&RuleResult> =
        results.iter().filter(|result| result.status == Status::Unknown && result.suppression.is_none()).collect();

    if failed.is_empty() {
        let _ = writeln!(out, "### Failed controls: none\n");
    } else {
        let _ = writeln!(out, "### Failed controls ({})\n", failed.len());
        let _ = writeln!(out, "| Status | Risk | Control | App | Your value | Recommended value | Rule |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for result in &failed {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                health_status(result.status, result.severity),
                result.severity.as_str(),
                inline(&result.control),
                app(result),
                inline(result.actual.as_deref().unwrap_or("unknown")),
                inline(&result.expected),
                inline(&result.rule_id)
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
                    details(&mut out, report, &group, write_ups);
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
                inline(&result.control),
                app(result),
                inline(result.reason.as_deref().unwrap_or("")),
                inline(&result.rule_id)
            );
        }
        out.push('\n');
    }

    if !suppressed.is_empty() {
        let _ = writeln!(out, "### Suppressed ({})\n", suppressed.len());
        let _ = writeln!(out, "Accepted risks: still reported, but they do not fail the gate.\n");
        let _ = writeln!(out, "| Status | Risk | Control | App | Suppression reason | Accepted | Rule |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for result in &suppressed {
            let Some(suppression) = &result.suppression else { continue };
            let mut accepted = Vec::new();
            if let Some(owner) = &suppression.owner {
                accepted.push(format!("owner {owner}"));
            }
            if let Some(ticket) = &suppression.ticket {
                accepted.push(format!("ticket {ticket}"));
            }
            if let Some(expires) = &suppression.expires {
                accepted.push(format!("until {expires}"));
            }
            accepted.push(format!("in {}", suppression.source));
            let _ = writeln!(
                out,
                "| Suppressed ({}) | {} | {} | {} | {} | {} | {} |",
                health_status(result.status, result.severity),
                result.severity.as_str(),
                inline(&result.control),
                app(result),
                inline(&suppression.reason),
                inline(&accepted.join(", ")),
                inline(&result.rule_id)
            );
        }
        out.push('\n');
    }
    out
}

/// Counts by severity and status, with a total row that matches the JSON summary.
fn counts_table(out: &mut String, report: &Report<'_>) {
    let _ = writeln!(out, "| Risk | Failed | Unknown | Passed | Not applicable |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for severity in Severity::DESCENDING {
        let count = |status: Status| {
            report
                .results
                .results
                .iter()
                .filter(|result| result.severity == severity && result.status == status)
                .count()
        };
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
    let total = |status: Status| report.summary.by_status.get(&status).copied().unwrap_or(0);
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
fn group_by_rule<'a>(failed: &[&'a RuleResult]) -> Vec<Vec<&'a RuleResult>> {
    let mut groups: Vec<Vec<&RuleResult>> = Vec::new();
    for result in failed {
        match groups.last_mut() {
            Some(group) if group.first().is_some_and(|first| first.rule_id == result.rule_id) => group.push(result),
            _ => groups.push(vec![result]),
        }
    }
    groups
}

/// One collapsed block per failing rule: its failing apps, then the control write-up.
fn details(out: &mut String, report: &Report<'_>, group: &[&RuleResult], write_ups: WriteUps) {
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
        html_text(&first.control),
        html_text(&first.rule_id),
        scope.join(" + ")
    );
    let meta = report.results.rules.iter().find(|rule| *rule.id == *first.rule_id);
    let title = meta.map_or(&*first.title, |meta| meta.title.as_str());
    let _ = writeln!(out, "**{}** (severity: {})\n", inline(title), first.severity.as_str());
    for result in group {
        let mut line = format!("- {}: {}", app(result), inline(result.actual.as_deref().unwrap_or("unknown")));
        if let Some(path) = &result.location.path {
            let place = match result.location.line {
                Some(number) => format!("{path}:{number}"),
                None => path.to_string(),
            };
            let _ = write!(line, " ({})", inline(&place));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "\n**Recommended value:** {}\n", inline(&first.expected));
    if let Some(meta) = meta {
        write_up(out, meta, write_ups == WriteUps::Full);
    }
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
fn app(result: &RuleResult) -> String {
    let resource = &result.resource;
    let kind = match resource.kind {
        ResourceKind::ConnectedApp => "Connected App",
        ResourceKind::ExternalClientApp => "External Client App",
        ResourceKind::Org => "org",
    };
    if resource.label.is_empty() || resource.label == resource.name {
        format!("{} ({kind})", inline(&resource.name))
    } else {
        format!("{} “{}” ({kind})", inline(&resource.name), inline(&resource.label))
    }
}

/// An `<https://…>` autolink when the address is a plain http(s) URL, escaped text otherwise.
fn link(reference: &str) -> String {
    let plain = (reference.starts_with("https://") || reference.starts_with("http://"))
        && !reference.chars().any(|character| {
            character.is_whitespace() || character.is_control() || invisible(character) || "<>\\`".contains(character)
        });
    if plain { format!("<{reference}>") } else { inline(reference) }
}

/// Markdown inline text that renders as exactly the given characters (see the module docs).
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    let edge = |character: &char| character.is_whitespace() && *character != '\n' && *character != '\r';
    let leading = chars.iter().take_while(|character| edge(character)).count();
    let trailing = chars[leading..].iter().rev().take_while(|character| edge(character)).count();
    let body_end = chars.len() - trailing;
    for character in &chars[..leading] {
        push_reference(&mut out, *character);
    }
    escape_text(&mut out, &chars[leading..body_end], true);
    for character in &chars[body_end..] {
        push_reference(&mut out, *character);
    }
    out
}

/// Escapes a run of text; `line_start` adds the guards against a heading or list marker.
fn escape_text(out: &mut String, chars: &[char], line_start: bool) {
    let mut index = 0;
    while index < chars.len() {
        let character = chars[index];
        let previous = index.checked_sub(1).map(|before| chars[before]);
        let next = chars.get(index + 1).copied();
        match character {
            '\r' => {
                out.push_str("<br>");
                if next == Some('\n') {
                    index += 1;
                }
            }
            '\n' => out.push_str("<br>"),
            _ if line_start && index == 0 && "#+-=".contains(character) => {
                out.push('\\');
                out.push(character);
            }
            // `1.` or `1)` followed by a space at the start would begin an ordered list.
            '.' | ')'
                if line_start
                    && previous.is_some()
                    && chars[..index].iter().all(char::is_ascii_digit)
                    && next.is_none_or(|after| after == ' ' || after == '\t') =>
            {
                out.push('\\');
                out.push(character);
            }
            // Org data is not turned into links: GitHub links `scheme://…` and `www.…` in text.
            ':' if chars.get(index + 1..index + 3) == Some(&['/', '/']) => out.push_str("&#58;"),
            '.' if index >= 3
                && chars[index - 3..index].iter().all(|before| before.eq_ignore_ascii_case(&'w'))
                && (index == 3 || !chars[index - 4].is_alphanumeric()) =>
            {
                out.push_str("&#46;");
            }
            _ => push_escaped(out, character, previous, next),
        }
        index += 1;
    }
}

/// One character of Markdown text, escaped where it could be markup.
fn push_escaped(out: &mut String, character: char, previous: Option<char>, next: Option<char>) {
    match character {
        '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '$' => {
            out.push('\\');
            out.push(character);
        }
        '_' => {
            let intraword = previous.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
            if !intraword {
                out.push('\\');
            }
            out.push('_');
        }
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        _ if character.is_control() || invisible(character) => {
            // Shown as `\u{1b}`; the backslash itself is escaped for Markdown.
            let _ = write!(out, "\\\\u{{{:x}}}", u32::from(character));
        }
        _ => out.push(character),
    }
}

/// Whitespace at either end of a cell, kept visible to the table as a numeric reference.
fn push_reference(out: &mut String, character: char) {
    if character.is_control() {
        let _ = write!(out, "\\\\u{{{:x}}}", u32::from(character));
    } else {
        let _ = write!(out, "&#{};", u32::from(character));
    }
}

/// Invisible formatting characters that can make text read differently from what it is:
/// bidirectional embeddings, overrides and isolates, zero-width characters, the BOM.
fn invisible(character: char) -> bool {
    matches!(character, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// Text inside raw HTML (`<summary>`), where GitHub reads entities but no Markdown.
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' | '\n' => out.push(' '),
            _ if character.is_control() || invisible(character) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
            }
            _ => out.push(character),
        }
    }
    out
}

/// A rule write-up: paragraphs, `1.` and `-` list items and single-line `code spans` are kept;
/// everything else is escaped like [`inline`] text.
pub fn prose(text: &str) -> String {
    let mut lines = Vec::new();
    for raw in text.trim().lines() {
        let line = raw.trim();
        if line.is_empty() {
            lines.push(String::new());
            continue;
        }
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let (marker, rest) = if digits > 0 && digits <= 9 && line[digits..].starts_with(". ") {
            line.split_at(digits + 2)
        } else if line.starts_with("- ") {
            line.split_at(2)
        } else {
            ("", line)
        };
        lines.push(format!("{marker}{}", prose_line(rest)));
    }
    // Several blank lines in a row are one paragraph break.
    lines.dedup_by(|next, previous| next.is_empty() && previous.is_empty());
    lines.join("\n")
}

/// One line of a write-up: code spans verbatim, the rest as inline text.
fn prose_line(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        let code = &after[..close];
        if code.is_empty() || code.chars().any(|character| character.is_control() || invisible(character)) {
            break;
        }
        let at_start = out.is_empty();
        escape_text(&mut out, &rest[..open].chars().collect::<Vec<_>>(), at_start);
        out.push('`');
        out.push_str(code);
        out.push('`');
        rest = &after[close + 1..];
    }
    let at_start = out.is_empty();
    escape_text(&mut out, &rest.chars().collect::<Vec<_>>(), at_start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(inline("a|b"), "a\\|b");
        assert_eq!(inline("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(inline("x\r\ny\nz\rw"), "x<br>y<br>z<br>w");
        assert_eq!(inline("  pad "), "&#32;&#32;pad&#32;");
        assert_eq!(inline("`code` *b* [l](u) ~s~ $m$ \\"), "\\`code\\` \\*b\\* \\[l\\](u) \\~s\\~ \\$m\\$ \\\\");
        assert_eq!(inline("&amp;"), "&amp;amp;");
        assert_eq!(inline("esc\u{1b}[2J"), "esc\\\\u{1b}\\[2J");
        assert_eq!(inline("rlo\u{202e}"), "rlo\\\\u{202e}");
        assert_eq!(inline("# h"), "\\# h");
        assert_eq!(inline("12. x"), "12\\. x");
        assert_eq!(inline("0.1.0"), "0.1.0");
        assert_eq!(inline("http://evil.example.com/ www.evil.com"), "http&#58;//evil.example.com/ www&#46;evil.com");
        assert_eq!(inline("awww.x"), "awww.x");
    }

    #[test]
    fn underscores_inside_words_stay_readable() {
        assert_eq!(inline("Data_Loader_Bulk"), "Data_Loader_Bulk");
        assert_eq!(inline("_x_ a_ _b"), "\\_x\\_ a\\_ \\_b");
    }

    #[test]
    fn html_text_escapes_for_summary_lines() {
        assert_eq!(html_text("<b>\"x\" & 'y'\n"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39; ");
    }

    #[test]
    fn prose_keeps_lists_and_code_spans() {
        let text = "Keep `*.ecaGlblOauth-meta.xml` out.\n1. first <app>\n2. second_\n\n\n# not a heading";
        assert_eq!(
            prose(text),
            "Keep `*.ecaGlblOauth-meta.xml` out.\n1. first &lt;app&gt;\n2. second\\_\n\n\\# not a heading"
        );
        assert_eq!(prose("a `b"), "a \\`b");
    }

    #[test]
    fn links_are_autolinks_only_when_plain() {
        assert_eq!(link("https://help.salesforce.com/a?b=c&d=e"), "<https://help.salesforce.com/a?b=c&d=e>");
        assert_eq!(link("https://x/<script>"), "https&#58;//x/&lt;script&gt;");
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
    }
}
