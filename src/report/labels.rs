//! Words and checks every renderer shares.

/// A plain `http(s)` URL with nothing that could break out of a link: the only references that
/// may become links.
pub(crate) fn is_web_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(|character| character.is_whitespace() || crate::escape::is_hidden(character))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_web_urls_qualify() {
        assert!(is_web_url("https://help.salesforce.com/x?a=1&b=2"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x y"));
        assert!(!is_web_url("https://x\u{202e}y"));
    }
}
