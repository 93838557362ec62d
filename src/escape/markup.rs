//! HTML and XML.

use super::chars::{is_hidden, push_visible};

/// The entity of a markup character: `&`, `<` and `>` always; the quotes where `apostrophe` says
/// how this context writes `'` (quotes need no escaping in XML element content).
fn entity(character: char, apostrophe: Option<&'static str>) -> Option<&'static str> {
    match character {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' if apostrophe.is_some() => Some("&quot;"),
        '\'' => apostrophe,
        _ => None,
    }
}

/// HTML element content and quoted attribute values: markup characters become entities, line
/// breaks and tabs stay, hidden characters are shown escaped so they can neither break the layout
/// nor make a name read differently from what it is.
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match entity(character, Some("&#39;")) {
            Some(entity) => out.push_str(entity),
            None if is_hidden(character) && !matches!(character, '\n' | '\t') => push_visible(&mut out, character),
            None => out.push(character),
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
        if let Some(entity) = entity(character, in_attribute.then_some("&apos;")) {
            out.push_str(entity);
            continue;
        }
        match character {
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
        match entity(character, Some("&apos;")) {
            Some(entity) => out.push_str(entity),
            None => out.push(character),
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
