//! The characters no output context passes through raw.

use std::fmt::Write as _;

/// Invisible formatting characters: the soft hyphen, the Arabic letter mark, the Mongolian vowel
/// separator, zero-width characters and the left-to-right / right-to-left marks, the line and
/// paragraph separators, bidirectional embeddings, overrides and isolates, the word joiner and
/// invisible operators, and the byte-order mark.
pub(crate) fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00ad}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// A character no output context passes through raw (except where it is a line break or tab
/// that the context keeps).
pub(crate) fn is_hidden(character: char) -> bool {
    character.is_control() || is_invisible(character)
}

/// Appends `\u{1b}` for a hidden character.
pub(super) fn push_visible(out: &mut String, character: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
}

/// Every byte outside RFC 3986's unreserved set, and outside `keep`, as `%XX`.
pub(super) fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
