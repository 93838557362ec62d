//! `*` and `?` wildcards for rule ids and app names (no character classes: names are simple).

/// Whether `text` matches `pattern`, case-sensitively.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|character| *character == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards_match_like_shell_globs() {
        assert!(matches("*", "anything"));
        assert!(matches("certificate-*", "certificate-expired"));
        assert!(!matches("certificate-*", "org-pkce-not-required"));
        assert!(matches("Legacy_*_Sync", "Legacy_Reporting_Sync"));
        assert!(matches("App?", "App1"));
        assert!(!matches("App?", "App12"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "Exact"));
    }
}
