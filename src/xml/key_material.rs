//! Private-key material in element text. A key pasted where a certificate belongs (or next to
//! it) is a secret like a consumer secret: it must never reach a record, report or snapshot, and
//! its file is a finding of its own.

use base64::Engine as _;

/// The end of every PEM private-key header: `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`,
/// `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`, …
const PEM_PRIVATE_KEY: &str = "PRIVATE KEY-----";

/// Base64 characters decoded to tell a bare key from a bare certificate: enough for the outer
/// headers and an encrypted key's algorithm identifier (PBES2 parameters take about 80 bytes).
const SNIFFED_BASE64: usize = 512;

/// Whether `text` holds a private key: a PEM private-key block anywhere in it, or (for an element
/// meant to hold a certificate) bare base64 whose DER is shaped like a private key, not a
/// certificate or public key.
pub(crate) fn holds_private_key(text: &str, holds_certificate: bool) -> bool {
    text.contains(PEM_PRIVATE_KEY) || (holds_certificate && !text.contains("-----") && bare_key_der(text))
}

/// A bare private key starts `SEQUENCE { INTEGER 0|1, … }` (PKCS#1, PKCS#8, SEC 1) or
/// `SEQUENCE { AlgorithmIdentifier, OCTET STRING }` (encrypted PKCS#8). A certificate starts
/// `SEQUENCE { SEQUENCE { … } … }` whose first inner element is a version or serial, and a public
/// key `SEQUENCE { AlgorithmIdentifier, BIT STRING }`.
fn bare_key_der(text: &str) -> bool {
    let sniffed: String = text.chars().filter(|c| !c.is_whitespace()).take(SNIFFED_BASE64).collect();
    // Only whole 4-character groups decode without padding errors.
    let whole = &sniffed[..sniffed.len() - sniffed.len() % 4];
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(whole) else {
        return false;
    };
    let Some((0x30, outer)) = header(&der) else {
        return false;
    };
    match header(&der[outer..]) {
        Some((0x02, _)) => matches!(der.get(outer..outer + 3), Some([0x02, 0x01, 0x00 | 0x01])),
        Some((0x30, first)) => {
            let first_inner = outer + first;
            match header(&der[first_inner..]) {
                // An AlgorithmIdentifier: what follows it says key (OCTET STRING) or public key.
                Some((0x06, _)) => {
                    let Some(length) = content_length(&der[outer..]) else {
                        return false;
                    };
                    let after_algorithm = outer + first + length;
                    matches!(der.get(after_algorithm), Some(0x04))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The tag of the DER element at the start of `der` and where its content starts.
fn header(der: &[u8]) -> Option<(u8, usize)> {
    let tag = *der.first()?;
    let first_length = *der.get(1)?;
    let length_bytes = if first_length < 0x80 { 0 } else { usize::from(first_length & 0x7f) };
    (length_bytes <= 4 && der.len() >= 2 + length_bytes).then_some((tag, 2 + length_bytes))
}

/// The content length of the DER element at the start of `der`.
fn content_length(der: &[u8]) -> Option<usize> {
    let first_length = *der.get(1)?;
    if first_length < 0x80 {
        return Some(usize::from(first_length));
    }
    let bytes = der.get(2..2 + usize::from(first_length & 0x7f))?;
    (bytes.len() <= 4).then(|| bytes.iter().fold(0, |length, byte| (length << 8) | usize::from(*byte)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64_of(der: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(der)
    }

    #[test]
    fn pem_private_keys_of_every_kind_are_found_anywhere_in_the_text() {
        for header in
            ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"]
        {
            let text = format!(
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN {header}-----\nMIIE\n"
            );
            assert!(holds_private_key(&text, false), "{header}");
        }
        assert!(!holds_private_key("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", true));
        assert!(!holds_private_key("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", true));
    }

    #[test]
    fn bare_der_keys_are_told_from_certificates_and_public_keys() {
        let pkcs1 = [0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00];
        let pkcs8 = [0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a];
        let sec1 = [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0x11];
        // SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING }
        let encrypted = [0x30, 0x14, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48, 0x04, 0x02, 0xaa, 0xbb, 0x00];
        let public = [0x30, 0x14, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48, 0x03, 0x02, 0x00, 0xbb, 0x00];
        let certificate_v3 = [0x30, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x00, 0xa0, 0x03, 0x02, 0x01, 0x02];
        let certificate_v1 = [0x30, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x00, 0x02, 0x09, 0x00, 0xc1];
        let public_pkcs1 = [0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc1, 0x00, 0x00];
        for key in [&pkcs1[..], &pkcs8, &sec1, &encrypted] {
            assert!(holds_private_key(&base64_of(key), true), "{key:02x?}");
            assert!(!holds_private_key(&base64_of(key), false), "only a certificate element is sniffed");
        }
        for not_key in [&public[..], &certificate_v3, &certificate_v1, &public_pkcs1] {
            assert!(!holds_private_key(&base64_of(not_key), true), "{not_key:02x?}");
        }
        let wrapped: String = base64_of(&pkcs1).chars().flat_map(|c| [c, '\n']).collect();
        assert!(holds_private_key(&wrapped, true), "line breaks do not hide a key");
        for junk in ["", "%%%", "MII", "not base64 at all!"] {
            assert!(!holds_private_key(junk, true), "{junk}");
        }
    }
}
