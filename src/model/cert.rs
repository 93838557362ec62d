//! X.509 facts for the certificate that enables an app's JWT bearer flow.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::oid_registry::OidRegistry;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::when::{EvaluationDate, rfc3339};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days from the evaluation date to `not_after`; negative once expired.
    pub days_until_expiry: i64,
    /// Whole days from the evaluation date to `not_before`; positive while not yet valid.
    pub days_until_valid: i64,
    pub validity_days: i64,
    pub key_algorithm: String,
    pub key_bits: Option<u32>,
    pub signature_algorithm: String,
    pub self_signed: bool,
    pub sha256_fingerprint: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("the certificate element is empty")]
    Empty,
    #[error("the certificate is not valid base64 ({0})")]
    Base64(String),
    #[error("the certificate is not a valid X.509 DER structure ({0})")]
    Der(String),
    #[error("the certificate has {0} bytes after its end (truncated or concatenated data)")]
    TrailingData(usize),
    #[error("the element holds {0} certificates; it takes one, and which one Salesforce would use is not documented")]
    Several(usize),
    #[error(
        "the element holds text after the certificate (a second certificate or other data); it takes one certificate"
    )]
    TextAfter,
}

/// A long element text cut for a message: placeholders are short, but a broken certificate is not.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    let text = text.trim();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

const BEGIN_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";
const END_CERTIFICATE: &str = "-----END CERTIFICATE-----";

/// Accepts what people put into a `<certificate>` element: the bare base64 body Salesforce
/// stores (single-line or wrapped), a PEM file with its armour (and with the "Bag Attributes",
/// `subject=` and `issuer=` lines some export tools write before it), or base64 of such a PEM
/// file. The element takes one certificate: a second one (under any armour spelling) or other
/// text after it is refused, since checking only the first would let the verdict depend on what
/// follows. A private key after it is left to `private-key-in-source`.
pub fn decode_certificate_text(text: &str) -> Result<Vec<u8>, CertificateError> {
    let armoured = text.lines().filter(|line| armour_line(line, "BEGIN", "CERTIFICATE")).count();
    if armoured > 1 {
        return Err(CertificateError::Several(armoured));
    }
    if let Some(block) = armoured_block(text) {
        if text_after_certificate(text) {
            return Err(CertificateError::TextAfter);
        }
        return decode_base64(block);
    }
    let der = decode_base64(text)?;
    // Base64 of a PEM file decodes to text holding the armour: decode the block inside it.
    if !der.starts_with(&[0x30]) {
        if let Some(inner) = std::str::from_utf8(&der).ok().filter(|inner| inner.contains(BEGIN_CERTIFICATE)) {
            return decode_certificate_text(inner);
        }
    }
    Ok(der)
}

/// A `-----…-----` line whose words include `first` and `second` (upper case), in any letter
/// case. Base64 has no `-`, so other lines are passed over at the cost of one search.
pub(crate) fn armour_line(line: &str, first: &str, second: &str) -> bool {
    let contains = |needle: &str| {
        line.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
    };
    line.contains("--") && contains(first) && contains(second)
}

/// Whether anything but white space and private-key blocks follows the certificate's END line.
fn text_after_certificate(text: &str) -> bool {
    let Some(end) = text.find(END_CERTIFICATE) else { return false };
    let mut in_key = false;
    text[end + END_CERTIFICATE.len()..].lines().any(|line| {
        if armour_line(line, "BEGIN", "PRIVATE KEY") {
            in_key = true;
        } else if in_key && armour_line(line, "END", "PRIVATE KEY") {
            in_key = false;
            return false;
        }
        !in_key && !line.trim().is_empty()
    })
}

/// The base64 text between the first BEGIN/END CERTIFICATE lines, if the text has them.
fn armoured_block(text: &str) -> Option<&str> {
    let start = text.find(BEGIN_CERTIFICATE)? + BEGIN_CERTIFICATE.len();
    let length = text[start..].find(END_CERTIFICATE).unwrap_or(text.len() - start);
    Some(&text[start..start + length])
}

fn decode_base64(text: &str) -> Result<Vec<u8>, CertificateError> {
    // Unicode white space is dropped too (a pasted non-breaking space), but ASCII text, nearly
    // every certificate, is filtered byte by byte: a certificate is decoded for every app.
    let body: Vec<u8> = if text.is_ascii() {
        text.bytes().filter(|byte| !char::from(*byte).is_whitespace()).collect()
    } else {
        text.split_whitespace().flat_map(str::bytes).collect()
    };
    if body.is_empty() {
        return Err(CertificateError::Empty);
    }
    base64::engine::general_purpose::STANDARD.decode(&body).map_err(|error| CertificateError::Base64(error.to_string()))
}

/// Building the registry costs more than parsing a certificate, so it is built once.
static OID_NAMES: std::sync::LazyLock<OidRegistry<'static>> =
    std::sync::LazyLock::new(|| OidRegistry::default().with_crypto().with_x509());

pub fn parse_certificate(text: &str, as_of: &EvaluationDate) -> Result<Certificate, CertificateError> {
    let der = decode_certificate_text(text)?;
    let (rest, cert) = X509Certificate::from_der(&der).map_err(|error| CertificateError::Der(error.to_string()))?;
    if !rest.is_empty() {
        return Err(CertificateError::TrailingData(rest.len()));
    }
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let oid_name = |oid: &x509_parser::der_parser::oid::Oid| {
        OID_NAMES.get(oid).map(|entry| entry.sn().to_string()).unwrap_or_else(|| oid.to_id_string())
    };
    let (key_algorithm, key_bits) = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => ("rsa".to_string(), Some(significant_bits(rsa.modulus))),
        Ok(PublicKey::EC(point)) => ("ec".to_string(), u32::try_from(point.key_size()).ok()),
        Ok(PublicKey::DSA(_)) => ("dsa".to_string(), None),
        Ok(_) => (oid_name(&cert.public_key().algorithm.algorithm), None),
        Err(_) => (oid_name(&cert.public_key().algorithm.algorithm), None),
    };
    Ok(Certificate {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_until_expiry: whole_days(not_after - as_of.instant()),
        days_until_valid: whole_days(not_before - as_of.instant()),
        validity_days: whole_days(not_after - not_before),
        key_algorithm,
        key_bits,
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        self_signed: cert.subject() == cert.issuer(),
        sha256_fingerprint: hex_colon(&Sha256::digest(&der)),
    })
}

impl Certificate {
    /// Recomputes the day counts against another evaluation date.
    pub fn refresh_dates(&mut self, as_of: &EvaluationDate) {
        let parse = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
        if let (Some(not_before), Some(not_after)) = (parse(&self.not_before), parse(&self.not_after)) {
            self.days_until_expiry = whole_days(not_after - as_of.instant());
            self.days_until_valid = whole_days(not_before - as_of.instant());
        }
    }
}

fn whole_days(duration: time::Duration) -> i64 {
    duration.whole_seconds().div_euclid(86_400)
}

fn significant_bits(big_endian: &[u8]) -> u32 {
    let trimmed: &[u8] = match big_endian.iter().position(|byte| *byte != 0) {
        Some(first) => &big_endian[first..],
        None => return 0,
    };
    let leading = trimmed[0].leading_zeros();
    u32::try_from(trimmed.len() * 8).unwrap_or(u32::MAX).saturating_sub(leading)
}

fn hex_colon(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_bits_ignores_leading_zero_bytes_and_bits() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(significant_bits(&[0x01, 0x00]), 9);
        assert_eq!(significant_bits(&[0x00]), 0);
    }

    #[test]
    fn whole_days_rounds_towards_the_past() {
        assert_eq!(whole_days(time::Duration::hours(-1)), -1);
        assert_eq!(whole_days(time::Duration::hours(47)), 1);
    }

    #[test]
    fn accepts_pem_single_line_and_wrapped_base64_alike() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org/certs/payments.crt");
        let pem = std::fs::read_to_string(path).expect("demo certificate");
        let body: Vec<&str> = pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let as_of = EvaluationDate::parse_relative_to("2026-12-01", OffsetDateTime::now_utc()).expect("date");
        // Any Unicode white space between the lines: a vertical tab, a non-breaking space.
        let parsed = [
            pem.clone(),
            body.concat(),
            body.join("\n"),
            format!("  {}\r\n", body.join("\r\n")),
            body.join("\u{b}\u{c}"),
            body.join("\u{a0}\u{2028}"),
        ]
        .map(|text| parse_certificate(&text, &as_of).expect("certificate parses"));
        assert!(parsed.iter().all(|certificate| certificate == &parsed[0]));
        let certificate = &parsed[0];
        assert_eq!(certificate.not_after, "2028-02-29T00:00:00Z");
        assert_eq!(certificate.days_until_expiry, 455);
        assert_eq!(certificate.key_bits, Some(2048));
        assert_eq!(certificate.signature_algorithm, "sha256WithRSAEncryption");
        assert!(certificate.self_signed);
    }

    #[test]
    fn several_certificates_in_one_element_are_refused_whatever_their_order_or_wrapping() {
        let read = |name: &str| {
            std::fs::read_to_string(format!("{}/examples/demo-org/certs/{name}.crt", env!("CARGO_MANIFEST_DIR")))
                .expect("demo certificate")
        };
        let (valid, expired) = (read("payments"), read("legacy-reporting"));
        let as_of = EvaluationDate::parse_relative_to("2026-12-01", OffsetDateTime::now_utc()).expect("date");
        let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let lower = expired.replace("BEGIN CERTIFICATE", "begin certificate");
        let x509 = expired.replace("BEGIN CERTIFICATE", "BEGIN X509 CERTIFICATE");
        for text in [
            format!("{valid}{expired}"),
            format!("{expired}\n{valid}"),
            encode(&format!("{valid}{expired}")),
            format!("{valid}{lower}"),
            format!("{valid}{x509}"),
        ] {
            assert!(matches!(parse_certificate(&text, &as_of), Err(CertificateError::Several(2))), "{text:.60}");
        }
        let body: String = expired.lines().filter(|line| !line.starts_with("-----")).collect();
        for after in [body.as_str(), "not a certificate"] {
            let text = format!("{valid}{after}\n");
            assert!(matches!(parse_certificate(&text, &as_of), Err(CertificateError::TextAfter)), "{after:.40}");
        }
        let key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
        assert!(parse_certificate(&format!("{valid}{key}"), &as_of).is_ok(), "a key after it is another rule's");
    }

    #[test]
    fn truncated_der_is_an_error() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org/certs/payments.crt");
        let pem = std::fs::read_to_string(path).expect("demo certificate");
        let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let as_of = EvaluationDate::now();
        assert!(matches!(parse_certificate(&body[..400], &as_of), Err(CertificateError::Der(_))));
    }

    #[test]
    fn reads_a_pem_file_with_bag_attributes_plain_or_in_base64() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org/certs/payments.crt");
        let pem = std::fs::read_to_string(path).expect("demo certificate");
        let as_of = EvaluationDate::now();
        let expected = parse_certificate(&pem, &as_of).expect("plain PEM");
        let bagged = format!(
            "Bag Attributes\n    friendlyName: payments\n    localKeyID: 34 9E 67 9D\nsubject=CN = payments\nissuer=CN = payments\n{pem}"
        );
        assert_eq!(parse_certificate(&bagged, &as_of).expect("PEM with bag attributes"), expected);
        let encoded = base64::engine::general_purpose::STANDARD.encode(bagged.as_bytes());
        assert!(encoded.starts_with("QmFnIEF0dHJpYnV0ZXM"), "{encoded}");
        assert_eq!(parse_certificate(&encoded, &as_of).expect("base64 of a PEM file"), expected);
        let wrapped: Vec<String> =
            encoded.as_bytes().chunks(64).map(|line| String::from_utf8_lossy(line).into_owned()).collect();
        assert_eq!(parse_certificate(&wrapped.join("\n"), &as_of).expect("wrapped base64 of a PEM file"), expected);
    }

    #[test]
    fn rejects_empty_and_non_base64_text() {
        assert_eq!(decode_certificate_text("  \n "), Err(CertificateError::Empty));
        assert!(matches!(decode_certificate_text("not*base64"), Err(CertificateError::Base64(_))));
    }
}
