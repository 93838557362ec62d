//! GitHub-flavoured Markdown: text that renders as exactly the given characters.
//!
//! - Markdown text ([`inline`], table cells): `\` `` ` `` `*` `[` `]` `|` `~` `$` are
//!   backslash-escaped, `_` too unless it sits between two letters or digits (`Data_Loader` cannot
//!   start emphasis and stays readable); `<` `>` `&` become entities; CR/LF become `<br>`; leading
//!   and trailing whitespace become numeric references so a table does not trim them; a leading
//!   `#` `+` `-` `=` or `1.` is escaped so it cannot start a heading or a list; `://` and `www.`
//!   are broken with a character reference so an org-supplied URL (a callback URL, say) shows as
//!   text and is not a clickable link.
//! - GitHub's references are defused: `@user`, `@org/team` and e-mail addresses, `#123` and
//!   `GH-123` get a zero-width space (written `&#8203;`) after the `@`, the `#` or the `-`, so
//!   they render as the same text but mention, notify and link nobody. A backslash does not stop
//!   them (GitHub finds them after the Markdown is rendered); the zero-width space is what
//!   Dependabot and Renovate insert for the same reason.
//! - Hidden characters (see [`super::is_hidden`]) are shown as `\u{…}`.
//! - Inside `<details>`/`<summary>` HTML ([`html_text`]): `&` `<` `>` `"` `'` become entities and
//!   line breaks become spaces (GitHub does not read Markdown there).
//! - Rule write-ups ([`prose`]) keep their paragraphs, `1.`/`-` lists and single-line code spans;
//!   everything else in them is escaped as above (the Markdown report and SARIF help both use it).

use std::fmt::Write as _;

use super::chars::{is_hidden, push_visible};

/// Markdown inline text that renders as exactly the given characters (see the module docs).
pub(crate) fn inline(text: &str) -> String {
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
            '#' if next.is_some_and(char::is_alphanumeric) => {
                if line_start && index == 0 {
                    out.push('\\');
                }
                out.push_str("#&#8203;");
            }
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
            '@' => out.push_str(ZERO_WIDTH_AFTER_AT),
            '-' if is_gh_reference(chars, index) => out.push_str("-&#8203;"),
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

const ZERO_WIDTH_AFTER_AT: &str = "@&#8203;";

/// `GH-` (any case, not inside a word) followed by a digit: GitHub links it to an issue.
fn is_gh_reference(chars: &[char], dash: usize) -> bool {
    dash >= 2
        && chars[dash - 2].eq_ignore_ascii_case(&'g')
        && chars[dash - 1].eq_ignore_ascii_case(&'h')
        && (dash == 2 || !chars[dash - 3].is_alphanumeric())
        && chars.get(dash + 1).is_some_and(char::is_ascii_digit)
}

/// GitHub's references defused in text that is already escaped for HTML (see the module docs):
/// a `#` right after `&` begins a character reference and is left alone.
fn defuse_references(escaped: &str) -> String {
    let chars: Vec<char> = escaped.chars().collect();
    let mut out = String::with_capacity(escaped.len() + 8);
    for (index, character) in chars.iter().enumerate() {
        let previous = index.checked_sub(1).map(|before| chars[before]);
        let next = chars.get(index + 1).copied();
        match character {
            '@' => out.push_str(ZERO_WIDTH_AFTER_AT),
            '#' if previous != Some('&') && next.is_some_and(char::is_alphanumeric) => out.push_str("#&#8203;"),
            '-' if is_gh_reference(&chars, index) => out.push_str("-&#8203;"),
            _ => out.push(*character),
        }
    }
    out
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
        _ if is_hidden(character) => {
            // Shown as `\u{1b}`; the backslash itself is escaped for Markdown.
            out.push('\\');
            push_visible(out, character);
        }
        _ => out.push(character),
    }
}

/// Whitespace at either end of a cell, kept visible to the table as a numeric reference.
fn push_reference(out: &mut String, character: char) {
    if is_hidden(character) {
        out.push('\\');
        push_visible(out, character);
    } else {
        let _ = write!(out, "&#{};", u32::from(character));
    }
}

/// Text inside raw HTML (`<summary>`), where GitHub reads entities but no Markdown.
pub(crate) fn html_text(text: &str) -> String {
    defuse_references(&super::html(&text.replace(['\r', '\n'], " ")))
}

/// A rule write-up: paragraphs, `1.` and `-` list items and single-line `code spans` are kept;
/// everything else is escaped like [`inline`] text.
pub(crate) fn prose(text: &str) -> String {
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
        if code.is_empty() || code.chars().any(is_hidden) {
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
    fn mentions_references_and_addresses_are_defused() {
        assert_eq!(inline("@octocat"), "@&#8203;octocat");
        assert_eq!(inline("cc @acme/security-team"), "cc @&#8203;acme/security\\-team".replace("\\-", "-"));
        assert_eq!(inline("owner@example.com"), "owner@&#8203;example.com");
        assert_eq!(inline("see #123 and GH-45, gh-6"), "see #&#8203;123 and GH-&#8203;45, gh-&#8203;6");
        assert_eq!(inline("#1"), "\\#&#8203;1");
        assert_eq!(inline("a# b #"), "a# b #");
        assert_eq!(inline("HIGH-1 sigh-2"), "HIGH-1 sigh-2");
        assert_eq!(html_text("@dev <#9> 'GH-1'"), "@&#8203;dev &lt;#&#8203;9&gt; &#39;GH-&#8203;1&#39;");
        assert_eq!(prose("Ask @security in #42."), "Ask @&#8203;security in #&#8203;42.");
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
}
