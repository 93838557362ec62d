//! Template values: what a project commits where a credential or an endpoint is filled in at
//! deploy time (`${CONSUMER_SECRET}`, `REPLACE_CLIENT_SECRET`, `__CERTIFICATE_PEM__`,
//! `{{BASE64_CERTIFICATE}}`, `YOUR_CONSUMER_KEY`, `xxxxxxxx`, …). Such a value is neither a
//! committed secret nor a broken certificate; it is reported as what it is.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Placeholder;
use crate::xml::{Element, MetadataDocument};

/// Elements whose value is a credential, a certificate or an endpoint: where a placeholder
/// changes a verdict. Anything else (labels, descriptions) may hold template text harmlessly.
const CHECKED_ELEMENTS: &[&str] = &[
    "consumerSecret",
    "consumerKey",
    "certificate",
    "callbackUrl",
    "oauthClientCredentialUser",
    "clientCredentialsFlowUser",
    "acsUrl",
    "entityUrl",
    "canvasUrl",
];

/// Elements whose text is never kept, even as a placeholder.
const SECRET_ELEMENTS: &[&str] = &["consumerSecret"];

/// Whole-value template syntaxes: `${X}`, `$X`, `$(X)`, `{{X}}`, `__X__`, `<X>`, `%X%`, `@X@`,
/// `[X]`, and runs of x or `*`.
static WHOLE_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            \$\{[^}]*\}
          | \$\(?[A-Za-z_][A-Za-z0-9_]*\)?
          | \{\{.*\}\}
          | __[A-Za-z0-9_]+__
          | <[^<>]+>
          | %[A-Za-z0-9_]+%
          | @[A-Za-z0-9_]+@
          | \[[A-Za-z0-9_ -]+\]
          | [xX*.]{3,}
        )$",
    )
    .expect("placeholder pattern compiles")
});

/// Words that mark a value as an instruction to the reader rather than data, matched against
/// whole words so that random base64 or hex never matches by chance.
const INSTRUCTION_WORDS: &[&str] =
    &["replace", "replaceme", "insert", "enter", "todo", "tbd", "fixme", "changeme", "placeholder", "dummy"];

/// Whether `value` is a template value rather than data.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() {
        return false;
    }
    // A template names what goes there; it does not hold it. A value with a word that looks like
    // data (a secret or certificate with `TODO`, `-xxx-`, `Your…` or `${x}` written into or
    // after it) is data, whatever else it says: otherwise the template words would hide it.
    if value.split(|c: char| !c.is_alphanumeric()).any(looks_like_data)
        || value.bytes().filter(u8::is_ascii_digit).count() >= MIN_DATA_LENGTH
    {
        return false;
    }
    if WHOLE_VALUE.is_match(value) || value.contains("${") || value.contains("{{") {
        return true;
    }
    // Words are compared without allocating: this runs on every certificate and URL of a scan.
    let mut words = value.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty());
    let (mut auto, mut generated, mut change, mut me) = (false, false, false, false);
    words.any(|word| {
        let lowered;
        let word = if word.is_ascii() {
            word
        } else {
            lowered = word.to_lowercase();
            lowered.as_str()
        };
        let is = |expected: &str| word.eq_ignore_ascii_case(expected);
        let starts = |prefix: &str| word.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
        auto |= is("auto");
        generated |= is("generated");
        change |= is("change");
        me |= is("me");
        INSTRUCTION_WORDS.iter().any(|instruction| is(instruction))
            || starts("your")
            || starts("replace")
            || (word.len() >= 3 && word.chars().all(|c| c == 'x' || c == 'X'))
    }) || (auto && generated)
        || (change && me)
}

/// A word of eight or more characters with a digit in it (letters and digits, or digits only: a
/// legacy Connected App's consumer secret is a run of 19 digits): a key, secret or base64 run,
/// not a template's name (`CONSUMER_SECRET`, `BASE64`, `2024`). Eight digits in the whole value
/// are data too, however they are grouped (`8812-3456-7890-1234`).
fn looks_like_data(word: &str) -> bool {
    word.len() >= MIN_DATA_LENGTH && word.bytes().any(|byte| byte.is_ascii_digit())
}

const MIN_DATA_LENGTH: usize = 8;

/// Every placeholder in the credential and endpoint elements of `document`, in document order.
pub(crate) fn placeholders(document: &MetadataDocument) -> Vec<Placeholder> {
    let mut found = Vec::new();
    collect(&document.root, &document.path, &mut found);
    found
}

fn collect(element: &Element, path: &str, found: &mut Vec<Placeholder>) {
    if CHECKED_ELEMENTS.contains(&element.name.as_str()) && element.children.is_empty() {
        // A callback element may hold several URLs; any one of them can be a template. A
        // certificate that decodes is data, whatever words an export tool wrote before it.
        let certificate = element.name == "certificate"
            && crate::model::cert::decode_certificate_text(&element.text).is_ok_and(|der| der.first() == Some(&0x30));
        let templated = !certificate
            && (element.text.split([' ', '\t', '\r', '\n', ',']).any(is_placeholder) || is_placeholder(&element.text));
        if templated {
            let secret =
                SECRET_ELEMENTS.contains(&element.name.as_str()) || crate::xml::holds_private_key(&element.text);
            found.push(Placeholder {
                element: element.name.to_string(),
                path: path.to_string(),
                line: element.line,
                value: (!secret).then(|| element.text.trim().to_string()),
            });
        }
    }
    for child in &element.children {
        collect(child, path, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_values_seen_in_public_projects_are_placeholders() {
        for value in [
            "REPLACE_CLIENT_SECRET",
            "REPLACE_ME",
            "${CONSUMER_SECRET}",
            "${this.connectedapp_certificate}",
            "$CERT",
            "{{BASE64_CERTIFICATE}}",
            "__CERTIFICATE_PEM__",
            "<your-secret>",
            "YOUR_CONSUMER_KEY",
            "YOUR_CERT_IF_NEEDED",
            "yourappkey",
            "changeme",
            "xxxxxxxx",
            "********",
            "AUTO_GENERATED",
            "%CLIENT_SECRET%",
            "@SECRET@",
            "TODO",
            "https://${DOMAIN}/callback",
            "Auto-Generated",
            "Change Me",
            "ÜBER_TODO",
            "Your-Key-Here",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn real_looking_values_are_not_placeholders() {
        for value in [
            "DEMO0SECRET0NOT0REAL0000000000000000000000000000000000000000000A",
            "8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C8D9E0F1A",
            "3MVG9DEMO0PartnerPortalSSO000000000000000000000000000000000000000",
            "MIIDsDCCApigAwIBAgIQIqCQ54iwNJjjZq6ohYCoKTANBgkqhkiG9w0BAQsFADBr",
            "https://app.example.com/oauth/callback",
            "sfdc://success",
            "integration@example.com",
            "Über automatic generation",
            // Data with template words written into or after it is still data.
            "8F3A0C9D51E24B7F-xxx-9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A",
            "Your8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F",
            "8F3A0C9D51E24B7F${x}9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F",
            "REPLACE 8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C",
            "MIIDsDCCApigAwIBAgIQIqCQ54iwNJjjZq6ohYCoKTANBgkqhkiG9w0BAQsFADBr\nTODO: rotate before expiry",
            // A legacy consumer secret is all digits.
            "8812345678901234567 TODO",
            "${SECRET}8812345678901234567",
            "8812-3456-7890-1234 REPLACE_ME",
            "",
        ] {
            assert!(!is_placeholder(value), "{value}");
        }
    }
}
