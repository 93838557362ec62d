//! HTML and XML.

use super::chars::{is_hidden, push_visible};

/// HTML element content and quoted attribute values: markup characters become entities, line
/// breaks and tabs stay, hidden characters are shown escaped so they can neither break the layout
/// nor make a name read differently from what it is.
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(character),
            _ if is_hidden(character) => push_visible(&mut out, character),
            _ => out.push(character),
        }
    }
    out
}

/// A character XML 1.0 cannot carry (C0 controls but tab, LF and CR; U+FFFE, U+FFFF), or one a
/// terminal showing the file would interpret or that hides text: shown as a visible escape.
fn unsafe_in_xml(character: char) -> bool {
    (is_hidden(character) && !matches!(character, '\t' | '\n' | '\r')) || matches!(character, '\u{fffe}' | '\u{ffff}')
}

fn xml(input: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for character in input.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            // Attribute-value normalization would turn these into spaces; keep them.
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            character if unsafe_in_xml(character) => push_visible(&mut out, character),
            character => out.push(character),
        }
    }
    out
}

/// XML element content in a report (JUnit).
pub(crate) fn xml_text(input: &str) -> String {
    xml(input, false)
}

/// An XML attribute value in double quotes, in a report (JUnit).
pub(crate) fn xml_attribute(input: &str) -> String {
    xml(input, true)
}

/// Text placed in an XML document sent to a server (a SOAP request): markup characters become
/// entities and nothing else changes, so the server receives the name exactly as it was listed.
pub(crate) fn xml_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_quotes_and_invisible_characters() {
        assert_eq!(html("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(html("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
        assert_eq!(html("x\u{1b}[31m"), "x\\u{1b}[31m");
        assert_eq!(html("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(html("line\nnext"), "line\nnext");
    }

    #[test]
    fn xml_escapes_special_and_illegal_characters() {
        assert_eq!(xml_attribute("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml_attribute("x\ny\tz"), "x&#10;y&#9;z");
        assert_eq!(xml_text("x\ny\r"), "x\ny&#13;");
        assert_eq!(xml_text("Evil\u{1b}[2J\u{0}\u{7f}\u{9b}\u{fffe}"), "Evil\\u{1b}[2J\\u{0}\\u{7f}\\u{9b}\\u{fffe}");
        assert_eq!(xml_text("]]>"), "]]&gt;");
        assert_eq!(xml_markup("A&B<'\""), "A&amp;B&lt;&apos;&quot;");
    }
}
