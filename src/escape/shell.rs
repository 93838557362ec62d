//! Text written into a POSIX shell script (the revocation plan): one word in single quotes, and a
//! URL path segment percent-encoded, so an app name from the org can neither end the word nor
//! inject a command, however it is spelled.

use super::chars::{is_hidden, percent_encode, push_visible};

/// One shell word: `'…'`, each `'` written as `'\''`. A text with hidden characters (a newline
/// in an app name, ESC, bidirectional overrides) becomes `"$(printf '…')"` with those characters
/// as octal byte escapes, so the script reads as it runs and still passes the exact name (the
/// revocation query must name the app as the org spells it). Command substitution drops trailing
/// line breaks, so a name ending in one names no app: the plan then revokes nothing for it.
pub(crate) fn shell_word(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let hidden = text.chars().any(is_hidden);
    out.push_str(if hidden { "\"$(printf '" } else { "'" });
    for character in text.chars() {
        match character {
            '\'' => out.push_str("'\\''"),
            '\\' if hidden => out.push_str("\\\\"),
            '%' if hidden => out.push_str("%%"),
            character if is_hidden(character) => {
                let mut bytes = [0; 4];
                for byte in character.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("\\{byte:03o}"));
                }
            }
            other => out.push(other),
        }
    }
    out.push_str(if hidden { "')\"" } else { "'" });
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
        assert_eq!(shell_word("a\nb"), "\"$(printf 'a\\012b')\"");
        assert_eq!(shell_comment("App\nrm -rf ~"), "App\\u{a}rm -rf ~");
        assert_eq!(path_segment("Payments/Gateway x"), "Payments%2FGateway%20x");
    }

    /// The word, run by the system shell, gives back the exact text: hidden characters included.
    #[cfg(unix)]
    #[test]
    fn words_run_as_the_exact_text_whatever_it_holds() {
        for text in ["Salesforce\u{202e} Inspector", "50% off \\ 'quoted'\u{1b}[2J", "plain 'one'", "a\nb\tc\u{200b}"] {
            let script = format!("printf '%s' {}", shell_word(text));
            let output = std::process::Command::new("sh").arg("-c").arg(&script).output().expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&output.stdout), text, "{script}");
            assert!(!shell_word(text).chars().any(is_hidden), "{script} shows a hidden character raw");
        }
    }
}
