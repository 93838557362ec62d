//! Text a server sent (an OAuth error, a SOAP fault, a REST error message) as sfaudit shows it:
//! anything shaped like a credential removed, on one line, and bounded. A token endpoint that
//! echoes the request, or an error that quotes a header, must not put the signed assertion or a
//! session id in a log.
//!
//! What counts as a credential: a JWT (`eyJ…` in two or three base64url parts: an assertion, a
//! JWT-based access token, an id token), a `Bearer …` value, a Salesforce session id
//! (`00D…!…`), and any long run of base64 characters that mixes digits with upper and lower
//! case letters (a key, a signature, a refresh token).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::limits::MAX_SERVER_TEXT_CHARS;

pub(crate) const REDACTED: &str = "[redacted]";

static JWT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"eyJ[A-Za-z0-9_=-]{4,}\.[A-Za-z0-9_=-]*(\.[A-Za-z0-9_=+/-]*)?").ok());
static BEARER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)\bbearer\s+[^\s,;]+").ok());
static SESSION_ID: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b00D[A-Za-z0-9]{12,15}![^\s,;]+").ok());
static LONG_RUN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_=-]{40,}").ok());

/// Whether a long run of base64 characters looks random (a secret) rather than like a name:
/// names have few digits; keys, signatures and tokens mix many digits with both cases, and a
/// hexadecimal secret (a Connected App's consumer secret, a digest) mixes digits with letters.
fn looks_random(run: &str) -> bool {
    let count = |test: fn(&char) -> bool| run.chars().filter(test).count();
    let (digits, upper, lower) =
        (count(char::is_ascii_digit), count(char::is_ascii_uppercase), count(char::is_ascii_lowercase));
    let hexadecimal = run.chars().all(|c| c.is_ascii_hexdigit()) && digits >= 4 && upper + lower >= 4;
    hexadecimal || (digits >= 4 && upper >= 4 && lower >= 4)
}

/// `text` with every credential-shaped part replaced by `[redacted]`.
pub(crate) fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for pattern in [&JWT, &SESSION_ID] {
        if let Some(pattern) = pattern.as_ref() {
            if pattern.is_match(&out) {
                out = Cow::Owned(pattern.replace_all(&out, REDACTED).into_owned());
            }
        }
    }
    if let Some(pattern) = BEARER.as_ref() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, "Bearer [redacted]").into_owned());
        }
    }
    if let Some(pattern) = LONG_RUN.as_ref() {
        if pattern.find_iter(&out).any(|run| looks_random(run.as_str())) {
            let replaced = pattern.replace_all(&out, |found: &regex::Captures<'_>| {
                let run = &found[0];
                if looks_random(run) { REDACTED.to_string() } else { run.to_string() }
            });
            out = Cow::Owned(replaced.into_owned());
        }
    }
    out
}

/// Whether `text` is itself a JWT (three base64url parts, the first a JSON header).
pub(crate) fn looks_like_jwt(text: &str) -> bool {
    let parts: Vec<&str> = text.trim().split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts
            .iter()
            .all(|part| part.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'))
}

/// At most `max_chars` characters of `text`, with a visible mark saying how much was cut.
pub(crate) fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut_at, _)) => {
            let rest = text[cut_at..].chars().count();
            Cow::Owned(format!("{}… [{rest} more characters cut]", &text[..cut_at]))
        }
    }
}

/// Server text as sfaudit shows it: credentials redacted, line breaks and runs of white space
/// made one space, at most [`MAX_SERVER_TEXT_CHARS`] characters.
pub(crate) fn server_text(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    clip(&redact_secrets(&one_line), MAX_SERVER_TEXT_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSERTION: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSIsInN1YiI6InNjYW5uZXIiLCJhdWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";

    #[test]
    fn credentials_are_redacted_names_are_not() {
        let echoed = format!("invalid request: grant_type=urn%3Aietf&assertion={ASSERTION}&x=1");
        let shown = server_text(&echoed);
        assert!(!shown.contains("eyJ") && !shown.contains("c2lnbmF0dXJl"), "{shown}");
        assert!(shown.contains("assertion=[redacted]"), "{shown}");
        assert_eq!(
            server_text("header was Authorization: Bearer 00Dxx0000001gPL!AQ4AQH0dMHZfz972Szmpk"),
            "header was Authorization: Bearer [redacted]"
        );
        assert_eq!(server_text("session 00DFAKE0000000001!AQabc123.def expired"), "session [redacted] expired");
        let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4";
        assert_eq!(server_text(&format!("key {key} end")), "key [redacted] end");
        let consumer_secret = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(
            server_text(&format!("secret {consumer_secret} does not match")),
            "secret [redacted] does not match"
        );
        // Long names and paths stay readable.
        for name in [
            "ExtlClntAppOauthConfigurablePolicies/My_Very_Long_External_Client_App_Name",
            "/services/data/v65.0/query/01gFAKE0000000001-2000",
            "No such column 'SF_date__c' on entity 'Lead'",
        ] {
            assert_eq!(server_text(name), name);
        }
        assert!(looks_like_jwt(ASSERTION));
        assert!(!looks_like_jwt("00DFAKE0000000001!AQabc"));
    }

    #[test]
    fn server_text_is_one_bounded_line() {
        assert_eq!(server_text("\nselect Id\n    ^\nERROR at Row:1"), "select Id ^ ERROR at Row:1");
        let long = "x".repeat(5000);
        let shown = server_text(&long);
        assert!(shown.starts_with(&"x".repeat(MAX_SERVER_TEXT_CHARS)) && shown.ends_with("[4700 more characters cut]"));
        assert_eq!(clip("héllo", 2), "hé… [3 more characters cut]");
        assert_eq!(clip("short", 10), "short");
    }
}
