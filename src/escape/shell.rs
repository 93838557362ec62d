//! Text written into a POSIX shell script (the revocation plan): one word in single quotes, and a
//! URL path segment percent-encoded, so an app name from the org can neither end the word nor
//! inject a command, however it is spelled.

use super::chars::{is_hidden, percent_encode, push_visible};

/// One shell word: `'…'`, each `'` written as `'\''`. Hidden characters (a newline in an app
/// name, ESC, bidirectional overrides) are shown as `\u{…}` escapes, so the script reads as it
/// runs.
pub(crate) fn shell_word(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for character in text.chars() {
        match character {
            '\'' => out.push_str("'\\''"),
            hidden if is_hidden(hidden) => push_visible(&mut out, hidden),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// Text on a shell comment line: line breaks and hidden characters escaped, so org text cannot
/// end the comment.
pub(crate) fn shell_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if character == '\n' || character == '\r' || is_hidden(character) {
            push_visible(&mut out, character);
        } else {
            out.push(character);
        }
    }
    out
}

/// One URL path segment: every byte outside the unreserved set percent-encoded (`/` included).
pub(crate) fn path_segment(text: &str) -> String {
    percent_encode(text, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_cannot_be_ended_or_hide_commands() {
        assert_eq!(shell_word("Data Loader"), "'Data Loader'");
        assert_eq!(shell_word("x'; rm -rf ~; echo '"), "'x'\\''; rm -rf ~; echo '\\'''");
        assert_eq!(shell_word("a\nb"), "'a\\u{a}b'");
        assert_eq!(shell_comment("App\nrm -rf ~"), "App\\u{a}rm -rf ~");
        assert_eq!(path_segment("Payments/Gateway x"), "Payments%2FGateway%20x");
    }
}
