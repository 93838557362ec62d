//! What XML 1.0 calls not well-formed and `roxmltree` lets through, refused here. A differential
//! test against libxml2's `xmllint` (tests/integration/fuzz.rs) found these classes:
//!
//! - the XML declaration: only `version`, `encoding` and `standalone` in that order, with valid
//!   values; the encoding must be UTF-8, the only one sfaudit decodes;
//! - a processing instruction named `xml` (any case) anywhere but a declaration at the start:
//!   `<?xml"UTF-8"?>` is not a declaration, and the name is reserved;
//! - character references to code points that are not XML characters: surrogates, U+0000 and
//!   most controls, U+FFFE, U+FFFF, anything past U+10FFFF (`roxmltree` turns the first and last
//!   into U+FFFD);
//! - a processing instruction whose target is not followed by white space or `?>`
//!   (`<?xml0"…?>`, `<?a?b?>`), or whose target has a colon (`<?xm:…?>`, refused by XML
//!   namespaces);
//! - an attribute written twice in one start tag, `xmlns` included;
//! - an element or attribute name that XML namespaces refuse (`:mlns`, `a:`, `a:b:c`).

/// Checks on the text before it is parsed. `Err` is the 1-based line and what is wrong.
pub(super) fn check_before(text: &str) -> Result<(), (u32, String)> {
    check_declaration(text)?;
    check_references_and_instructions(text)
}

/// Checks on the parsed document.
pub(super) fn check_after(document: &roxmltree::Document<'_>) -> Result<(), (u32, String)> {
    let text = document.input_text();
    for node in document.descendants() {
        let line = || document.text_pos_at(node.range().start).row;
        if let Some(pi) = node.pi() {
            if pi.target.eq_ignore_ascii_case("xml") {
                return Err((
                    line(),
                    "malformed XML: a processing instruction may not be named 'xml'; an XML declaration is \
                     `<?xml version=\"1.0\" encoding=\"UTF-8\"?>` at the very start"
                        .to_string(),
                ));
            }
        }
        if node.is_element() {
            if let Some(problem) = start_tag_problem(&text[node.range().start..]) {
                return Err((line(), format!("malformed XML: {problem}")));
            }
        }
    }
    Ok(())
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// `VersionInfo EncodingDecl? SDDecl? S? '?>'` after `<?xml`, with UTF-8 as the only encoding.
fn check_declaration(text: &str) -> Result<(), (u32, String)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes();
    let Some(rest) = body.strip_prefix(b"<?xml") else { return Ok(()) };
    if !rest.first().copied().is_some_and(is_space) {
        // `<?xml"…` or `<?xml?>`: a processing instruction named xml, refused in check_after.
        return Ok(());
    }
    let end = rest.windows(2).position(|pair| pair == b"?>").unwrap_or(rest.len());
    let line = crate::diag::line_of(body, 5 + end);
    let bad = |what: String| Err((line, format!("malformed XML declaration: {what}")));
    let mut fields: Vec<(&[u8], &[u8])> = Vec::new();
    let mut index = 0;
    let declaration = &rest[..end];
    while index < declaration.len() {
        let spaces = declaration[index..].iter().take_while(|byte| is_space(**byte)).count();
        index += spaces;
        if index >= declaration.len() {
            break;
        }
        if spaces == 0 {
            return bad("the pseudo-attributes must be separated by white space".into());
        }
        let name_length = declaration[index..].iter().take_while(|byte| byte.is_ascii_alphabetic()).count();
        let name = &declaration[index..index + name_length];
        index += name_length;
        index += declaration[index..].iter().take_while(|byte| is_space(**byte)).count();
        if declaration.get(index) != Some(&b'=') {
            return bad(format!("'{}' has no '='", String::from_utf8_lossy(name)));
        }
        index += 1;
        index += declaration[index..].iter().take_while(|byte| is_space(**byte)).count();
        let Some(quote) = declaration.get(index).copied().filter(|quote| *quote == b'"' || *quote == b'\'') else {
            return bad(format!("the value of '{}' is not quoted", String::from_utf8_lossy(name)));
        };
        let Some(length) = declaration[index + 1..].iter().position(|byte| *byte == quote) else {
            return bad(format!("the value of '{}' is not closed", String::from_utf8_lossy(name)));
        };
        fields.push((name, &declaration[index + 1..index + 1 + length]));
        index += length + 2;
    }
    let names: Vec<&[u8]> = fields.iter().map(|(name, _)| *name).collect();
    let allowed: [&[&[u8]]; 4] = [
        &[b"version"],
        &[b"version", b"encoding"],
        &[b"version", b"standalone"],
        &[b"version", b"encoding", b"standalone"],
    ];
    if !allowed.contains(&names.as_slice()) {
        return bad("it takes version, then optionally encoding, then optionally standalone".into());
    }
    for (name, value) in fields {
        let valid = match name {
            b"version" => {
                value.strip_prefix(b"1.").is_some_and(|minor| !minor.is_empty() && minor.iter().all(u8::is_ascii_digit))
            }
            b"encoding" => value.eq_ignore_ascii_case(b"UTF-8"),
            _ => value == b"yes" || value == b"no",
        };
        if !valid {
            let name = String::from_utf8_lossy(name);
            let value = String::from_utf8_lossy(value);
            return bad(match name.as_ref() {
                "encoding" => format!("encoding '{value}' is not UTF-8, the encoding of Salesforce metadata"),
                _ => format!("{name} '{value}' is not a valid value"),
            });
        }
    }
    Ok(())
}

/// Whether a code point may appear in an XML 1.0 document.
fn is_xml_char(code: u32) -> bool {
    matches!(code, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Every `&#…;` outside comments, CDATA sections and processing instructions must name an XML
/// character, and every processing instruction's name must end in white space or `?>`.
fn check_references_and_instructions(text: &str) -> Result<(), (u32, String)> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(found) = bytes[index..].iter().position(|byte| *byte == b'<' || *byte == b'&') {
        index += found;
        let rest = &bytes[index..];
        let skip_to = |end: &[u8]| rest.windows(end.len()).position(|window| window == end).map(|at| at + end.len());
        if rest.starts_with(b"<!--") {
            index += skip_to(b"-->").unwrap_or(rest.len());
        } else if rest.starts_with(b"<![CDATA[") {
            index += skip_to(b"]]>").unwrap_or(rest.len());
        } else if rest.starts_with(b"<?") {
            let target = rest[2..]
                .iter()
                .take_while(|byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':') || **byte >= 0x80
                })
                .count();
            let after = &rest[2 + target..];
            if rest[2..2 + target].contains(&b':') {
                return Err((
                    crate::diag::line_of(bytes, index),
                    "malformed XML: a processing instruction's name may not contain ':' (XML namespaces)".to_string(),
                ));
            }
            if target > 0 && !after.starts_with(b"?>") && !after.first().copied().is_some_and(is_space) {
                return Err((
                    crate::diag::line_of(bytes, index),
                    "malformed XML: a processing instruction's name must be followed by white space or `?>`"
                        .to_string(),
                ));
            }
            index += skip_to(b"?>").unwrap_or(rest.len());
        } else if let Some(reference) = rest.strip_prefix(b"&#") {
            let (digits, radix) = match reference.strip_prefix(b"x") {
                Some(hex) => (hex, 16),
                None => (reference, 10),
            };
            let length = digits.iter().take_while(|byte| byte.is_ascii_hexdigit()).count();
            let code =
                std::str::from_utf8(&digits[..length]).ok().and_then(|text| u32::from_str_radix(text, radix).ok());
            if !code.is_some_and(is_xml_char) {
                let shown = String::from_utf8_lossy(&rest[..(2 + usize::from(radix == 16) + length).min(rest.len())]);
                return Err((
                    crate::diag::line_of(bytes, index),
                    format!("malformed XML: the character reference {shown}; names no XML character"),
                ));
            }
            index += 2;
        } else {
            index += 1;
        }
    }
    Ok(())
}

/// A name XML namespaces accept: a local name, or a prefix and a local name joined by one colon.
fn is_qualified_name(name: &str) -> bool {
    let mut parts = name.split(':');
    let first = parts.next().unwrap_or_default();
    let second = parts.next();
    !first.is_empty() && parts.next().is_none() && second.is_none_or(|local| !local.is_empty())
}

/// What is wrong with the start tag at the beginning of `tag`: a name that is not a qualified
/// name, or an attribute written twice.
fn start_tag_problem(tag: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let element_length =
        bytes[1..].iter().take_while(|byte| !is_space(**byte) && **byte != b'>' && **byte != b'/').count();
    let element = tag.get(1..1 + element_length)?;
    if !is_qualified_name(element) {
        return Some(format!("the element name '{element}' is not a valid qualified name (XML namespaces)"));
    }
    let mut index = 1 + element_length;
    let mut names: Vec<&str> = Vec::new();
    loop {
        index += bytes.get(index..)?.iter().take_while(|byte| is_space(**byte)).count();
        match bytes.get(index)? {
            b'>' | b'/' => return None,
            _ => {}
        }
        let length = bytes[index..].iter().take_while(|byte| !is_space(**byte) && **byte != b'=').count();
        let name = tag.get(index..index + length)?;
        if !is_qualified_name(name) {
            return Some(format!("the attribute name '{name}' is not a valid qualified name (XML namespaces)"));
        }
        if names.contains(&name) {
            return Some(format!("the attribute '{name}' appears twice in one tag"));
        }
        names.push(name);
        index += length;
        index += bytes.get(index..)?.iter().take_while(|byte| is_space(**byte) || **byte == b'=').count();
        let quote = *bytes.get(index)?;
        index += 1 + bytes.get(index + 1..)?.iter().position(|byte| *byte == quote)? + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_document;

    fn refused(xml: &str) -> String {
        match parse_document(xml, 1000) {
            Ok(_) => panic!("accepted: {xml}"),
            Err((_, message)) => message,
        }
    }

    #[test]
    fn declarations_must_follow_the_grammar_and_say_utf_8() {
        for good in [
            "<?xml version=\"1.0\"?><a/>",
            "<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>",
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<a/>",
            "<?xml version = \"1.1\" standalone=\"no\"?><a/>",
            "<a/>",
        ] {
            assert!(parse_document(good, 1000).is_ok(), "{good}");
        }
        assert!(refused("<?xml\"UTF-8\"?><a/>").contains("white space or"));
        assert!(refused("<?xml0\" encoding=\"UTF-8\"?><a/>").contains("white space or"));
        assert!(refused("<a/><?pi?x?>").contains("white space or"));
        assert!(refused("<?xm: version=\"1.0\"?><a/>").contains("may not contain ':'"));
        assert!(parse_document("<a/><?pi?><?pi x?>", 1000).is_ok());
        assert!(refused("<?xml?><a/>").contains("named 'xml'"));
        assert!(refused("<a/><?XmL x?>").contains("named 'xml'"));
        assert!(refused("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").contains("not UTF-8"));
        assert!(refused("<?xml version=\"1.0\" encoding=\"bogus\"?><a/>").contains("not UTF-8"));
        assert!(refused("<?xml version=\"2.0\"?><a/>").contains("version"));
        assert!(refused("<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>").contains("takes version"));
        assert!(refused("<?xml version=\"1.0\" standalone=\"maybe\"?><a/>").contains("standalone"));
        assert!(refused("<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>").contains("white space"));
        assert!(refused("<?xml version=\"1.0\" foo=\"x\"?><a/>").contains("takes version"));
    }

    #[test]
    fn character_references_must_name_xml_characters() {
        assert!(parse_document("<a b=\"&#x41;\">&#65;&#x10FFFF;&#xE000;&#9;</a>", 1000).is_ok());
        assert!(parse_document("<a><!-- &#xD800; --><![CDATA[&#0;]]><?pi &#1;?></a>", 1000).is_ok());
        for bad in [
            "&#xD800;",
            "&#xDFFF;",
            "&#x110000;",
            "&#1114112;",
            "&#0;",
            "&#x1F;",
            "&#xFFFE;",
            "&#xFFFF;",
            "&#99999999999;",
        ] {
            assert!(refused(&format!("<a>{bad}</a>")).contains("character reference"), "{bad}");
            assert!(refused(&format!("<a b=\"{bad}\"/>")).contains("character reference"), "{bad} in an attribute");
        }
    }

    #[test]
    fn attributes_and_namespace_declarations_appear_once() {
        assert!(parse_document("<a xmlns=\"u\" b='>' c=\"'\"><d xmlns=\"u\"/></a>", 1000).is_ok());
        assert!(refused("<a xmlns=\"u\" xmlns=\"v\"/>").contains("'xmlns' appears twice"));
        assert!(refused("<a><b xmlns = 'u' x='1' xmlns='u'></b></a>").contains("'xmlns' appears twice"));
        assert!(refused("<a :mlns=\"u\"/>").contains("qualified name"));
        assert!(parse_document("<a><b c:d:e=\"1\" xmlns:c=\"u\"/></a>", 1000).is_err());
    }
}
