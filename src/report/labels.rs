//! Words and checks every renderer shares.

use crate::engine::ResultView;
use crate::gate::incomplete::place;
use crate::gate::loosening::Loosening;
use crate::model::{InputProblem, ResourceName};

/// "Your value" as every report shows it: the value, with "(default)" after one that no file set
/// (Salesforce's documented default was assumed), or `absent` when none could be computed.
pub(crate) fn your_value(result: ResultView<'_>, absent: &str) -> String {
    match result.actual() {
        Some(actual) if result.assumed => format!("{actual} (default)"),
        Some(actual) => actual.to_string(),
        None => absent.to_string(),
    }
}

/// `suppression full-scope-granted: app Legacy_*: vendor app (sfaudit.toml:12)`.
pub(crate) fn loosening_line(loosening: &Loosening) -> String {
    format!("{} {}: {} ({})", loosening.kind.label(), loosening.subject, loosening.detail, loosening.source)
}

/// `path:line: message (Name, Connected App)`, with the hint after it.
pub(crate) fn problem_line(problem: &InputProblem) -> String {
    let app = problem.resource.as_ref().map(|app| format!(" ({})", resource_name(app))).unwrap_or_default();
    let fatal = if problem.fatal { " [not read: the report does not cover it]" } else { "" };
    format!("{}: {}{app}{fatal}. {}", place(problem), problem.message, problem.hint)
}

/// `Name (Connected App)`.
pub(crate) fn resource_name(resource: &ResourceName) -> String {
    format!("{} ({})", resource.name, resource.kind.label())
}

/// A plain `http(s)` URL with nothing that could break out of a link: the only references that
/// may become links.
pub(crate) fn is_web_url(text: &str) -> bool {
    // Characters RFC 3986 never allows unescaped in a URL are refused too: `>` would close an
    // autolink (`<https://a>[click](…)>`), and `"` or `<` would end an HTML attribute or tag.
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(|character| {
            character.is_whitespace()
                || crate::escape::is_hidden(character)
                || matches!(character, '<' | '>' | '"' | '`' | '\\' | '^' | '{' | '}' | '|' | '[' | ']')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_web_urls_qualify() {
        assert!(is_web_url("https://help.salesforce.com/x?a=1&b=2"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://a.example>[click](https://evil.example/phish)"));
        assert!(!is_web_url("https://a.example/\"onmouseover=\"x"));
        assert!(!is_web_url("https://x y"));
        assert!(!is_web_url("https://x\u{202e}y"));
    }
}
