//! Chat messages: Slack `mrkdwn` and Microsoft Teams Adaptive Card text.
//!
//! - Slack ([`slack`]): `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, the three characters
//!   Slack's formatting reserves (so text can neither form a link, `<url|label>`, nor a mention
//!   such as `<!channel>`); https://docs.slack.dev/messaging/formatting-message-text#escaping
//! - Teams ([`teams`]): Adaptive Card `TextBlock`s read a CommonMark subset (bold, italic, lists,
//!   `[title](url)` links; https://learn.microsoft.com/adaptive-cards/create/textfeatures), so the
//!   characters that start those are backslash-escaped as CommonMark allows for any ASCII
//!   punctuation; a line break becomes a space, so text cannot start a list.
//! - Both: hidden characters (see [`super::is_hidden`]) are shown as `\u{…}`, and `://` becomes
//!   `:/ /` so a URL from the org shows as text, not a link or a preview.

use super::chars::{is_hidden, push_visible};

/// Text for a Slack `mrkdwn` field.
pub(crate) fn slack(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for character in defang(text).chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ if is_hidden(character) => push_visible(&mut out, character),
            _ => out.push(character),
        }
    }
    out
}

/// Text for a Teams Adaptive Card `TextBlock` or `FactSet` value.
pub(crate) fn teams(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for character in defang(text).chars() {
        match character {
            '\\' | '*' | '_' | '[' | ']' | '(' | ')' | '`' | '~' | '#' | '<' | '>' | '{' | '}' | '!' | '|' => {
                out.push('\\');
                out.push(character);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            _ if is_hidden(character) => push_visible(&mut out, character),
            _ => out.push(character),
        }
    }
    out
}

/// Breaks `scheme://` so chat clients do not turn org-supplied URLs into links.
fn defang(text: &str) -> String {
    text.replace("://", ":/ /")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_text_cannot_link_or_mention() {
        assert_eq!(
            slack("<!channel> & <https://evil.example|click>"),
            "&lt;!channel&gt; &amp; &lt;https:/ /evil.example|click&gt;"
        );
        assert_eq!(slack("two\nlines\u{1b}[2J"), "two lines\\u{1b}[2J");
    }

    #[test]
    fn teams_text_cannot_format_or_link() {
        assert_eq!(teams("[click](https://evil.example)"), "\\[click\\]\\(https:/ /evil.example\\)");
        assert_eq!(teams("**bold** _x_"), "\\*\\*bold\\*\\* \\_x\\_");
        assert_eq!(teams("a\u{202e}b"), "a\\u{202e}b");
    }
}
