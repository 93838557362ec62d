//! The one place that makes text from an org, a file, a server or a rule safe for where it goes:
//! the terminal and CI logs ([`terminal`]), HTML ([`html`]), XML ([`xml_text`], [`xml_attribute`],
//! [`xml_markup`]), CSV ([`csv_field`], [`csv_record`]), Markdown ([`markdown`]), chat messages
//! ([`chat`]: Slack and Teams), a SOQL string literal ([`soql_string`]), a URI path
//! ([`uri_reference`]) and a shell script ([`shell_word`], [`shell_comment`], [`path_segment`]).
//!
//! Every context shares one idea of what a reader must never receive raw: control characters
//! (C0, DEL, C1) and the invisible characters that make text read differently from what it is
//! ([`is_hidden`]). They are shown as visible `\u{…}` escapes instead, so a hostile app name
//! can neither rewrite a terminal nor hide or reorder part of itself.

mod chars;
pub(crate) mod chat;
pub(crate) mod markdown;
mod markup;
mod server;
mod shell;

pub(crate) use chars::is_hidden;
pub(crate) use markup::{html, xml_attribute, xml_markup, xml_text};
pub(crate) use server::{REDACTED, clip, looks_like_jwt, redact_secrets, server_text};
pub(crate) use shell::{path_segment, shell_comment, shell_word};

use chars::push_visible;

/// Text for the terminal or a CI log: line breaks stay, every other hidden character is shown
/// escaped, so ESC sequences, OSC links, BEL, C1 CSI and bidirectional overrides do nothing.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if character != '\n' && is_hidden(character) {
            push_visible(&mut out, character);
        } else {
            out.push(character);
        }
    }
    out
}

/// One line for the terminal or a CI log: like [`terminal`], and a line break inside is shown
/// as `\n` too, so a name or message cannot start a line of its own (a forged log line, a CI
/// workflow command).
pub fn terminal_line(text: &str) -> String {
    // Printable ASCII, nearly every cell of a large table, has nothing to escape.
    if text.bytes().all(|byte| matches!(byte, b' '..=b'~')) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\n' => out.push_str("\\n"),
            _ if is_hidden(character) => push_visible(&mut out, character),
            _ => out.push(character),
        }
    }
    out
}

/// A string inside a JSON report that tools decode and show (SARIF): JSON escapes only C0
/// controls, and a viewer decodes them again, so every hidden character other than a line break
/// or tab is written as a visible `\u{…}` escape instead.
pub(crate) fn decoded_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|character| is_hidden(character) && !matches!(character, '\n' | '\t')) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_hidden(character) && !matches!(character, '\n' | '\t') {
            push_visible(&mut out, character);
        } else {
            out.push(character);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A string from an org, a file or a saved result as a report shows it: at most
/// [`crate::limits::MAX_RENDERED_FIELD_CHARS`] characters, with a visible mark where it was cut,
/// so one huge value cannot multiply into gigabytes of reports. Escape the result for its format.
pub(crate) fn field(text: &str) -> std::borrow::Cow<'_, str> {
    clip(text, crate::limits::MAX_RENDERED_FIELD_CHARS)
}

/// One CSV text field: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so a spreadsheet shows
/// it as text rather than running it as a formula (OWASP "CSV injection"); a line break is shown
/// as `\n` (or `\r`), so a value cannot start a record of its own for line-based tools, and
/// hidden characters other than tab are shown escaped.
pub(crate) fn csv_field(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 1);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for character in value.chars() {
        match character {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(character),
            _ if is_hidden(character) => push_visible(&mut out, character),
            _ => out.push(character),
        }
    }
    out
}

/// One CSV record: fields quoted where RFC 4180 requires it (a comma, a quote, CR or LF), quotes
/// doubled, LF at the end.
pub(crate) fn csv_record(out: &mut String, fields: &[String]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

/// Escapes a value for a SOQL string literal.
pub(crate) fn soql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for character in value.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// A relative path as a URI reference: `/`-separated, every byte outside the unreserved set
/// percent-encoded (spaces, `%`, `:`, control characters in a hostile file name, non-ASCII).
pub(crate) fn uri_reference(path: &str) -> String {
    chars::percent_encode(&path.replace('\\', "/"), b"/")
}

/// `text` as a JSON string literal, the very bytes serde_json writes. Most strings of a large
/// document (file paths, values) need no escape at all; those are copied whole after one quick
/// scan, rather than checked and copied in pieces.
pub(crate) fn json_string(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\') {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(out, text);
    }
}

/// Every string of a JSON document meant for viewers (SARIF, OCSF), keys included, with hidden
/// characters shown escaped: viewers decode the JSON, so ESC, BEL, C1 controls and bidirectional
/// overrides in a name, a value or a location would reach them raw.
pub(crate) fn json_strings_visible(value: &mut serde_json::Value) {
    map_json_strings(value, decoded_text);
}

/// Passes every string of a JSON value, keys included, through `map`, which borrows the strings
/// it leaves as they are.
pub(crate) fn map_json_strings(value: &mut serde_json::Value, map: fn(&str) -> std::borrow::Cow<'_, str>) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(mapped) = map(text) {
                *text = mapped;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| map_json_strings(item, map)),
        Value::Object(object) => {
            let entries = std::mem::take(object);
            for (key, mut item) in entries {
                map_json_strings(&mut item, map);
                object.insert(map(&key).into_owned(), item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_the_bytes_serde_writes() {
        for text in
            ["", "plain/path.xml", "quote \" and \\ back", "tab\tnew\nline\u{1}\u{1f}", "é 漢 🦀 \u{7f} \u{202e}"]
        {
            let mut out = Vec::new();
            json_string(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).expect("a string serialises"), "{text:?}");
        }
    }

    #[test]
    fn terminal_text_shows_control_and_invisible_characters_escaped() {
        assert_eq!(terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal("two\nlines"), "two\nlines");
        assert_eq!(terminal("bell\u{7}csi\u{9b}rlo\u{202e}alm\u{61c}"), "bell\\u{7}csi\\u{9b}rlo\\u{202e}alm\\u{61c}");
    }

    #[test]
    fn terminal_lines_cannot_start_a_line_of_their_own() {
        assert_eq!(
            terminal_line("app\n::error::forged\r\u{1b}]8;;x\u{7}"),
            "app\\n::error::forged\\u{d}\\u{1b}]8;;x\\u{7}"
        );
    }

    #[test]
    fn every_context_shares_one_set_of_invisible_characters() {
        for character in ['\u{61c}', '\u{200b}', '\u{200e}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}']
        {
            let text = format!("x{character}y");
            let shown = format!("x\\u{{{:x}}}y", u32::from(character));
            assert_eq!(terminal(&text), shown);
            assert_eq!(html(&text), shown);
            assert_eq!(xml_text(&text), shown);
            assert_eq!(csv_field(&text), shown);
            assert_eq!(markdown::inline(&text), shown.replace('\\', "\\\\"));
        }
    }

    #[test]
    fn csv_fields_are_quoted_as_rfc_4180_says_and_formulas_defused() {
        let mut out = String::new();
        csv_record(&mut out, &["plain".into(), "a,b".into(), "say \"hi\"".into(), "two\nlines".into(), "cr\r".into()]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\n");
        assert_eq!(csv_field("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_field(start).starts_with('\''), "{start:?}");
        }
        assert_eq!(csv_field("a=b"), "a=b");
        assert_eq!(csv_field("esc\u{1b}[2J"), "esc\\u{1b}[2J");
        assert_eq!(csv_field("api\nCompliant\r"), "api\\nCompliant\\r", "a value cannot forge a record");
    }

    #[test]
    fn soql_strings_are_escaped() {
        assert_eq!(soql_string("O'Brien\\"), "'O\\'Brien\\\\'");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("force-app/main/a b.xml"), "force-app/main/a%20b.xml");
        assert_eq!(uri_reference("x/Evil\u{1b}[2J<&>.xml"), "x/Evil%1B%5B2J%3C%26%3E.xml");
        assert_eq!(uri_reference("dir\\Ä:1.xml"), "dir/%C3%84%3A1.xml");
    }
}
