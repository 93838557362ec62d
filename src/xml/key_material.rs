//! Private-key material in element text. A key pasted where a certificate belongs (or next to
//! it, or anywhere else) is a secret like a consumer secret: it must never reach a record, report
//! or snapshot, and its file is a finding of its own.

use base64::Engine as _;

use crate::model::cert::armour_line;

/// Base64 characters decoded to tell a key's first structure: enough for the outer headers and an
/// encrypted key's algorithm identifier (PBES2 parameters take about 80 bytes).
const SNIFFED_BASE64: usize = 512;

/// The shortest base64 run that can hold a private key (a SEC 1 P-256 key is about 160).
const SHORTEST_BARE_KEY: usize = 64;

/// Whether `text` holds a private key: a PEM-style private-key header in any letter case
/// (`-----BEGIN PRIVATE KEY-----`, `RSA`, `EC`, `ENCRYPTED`, `OPENSSH`, PGP's `PRIVATE KEY
/// BLOCK`, SSH2's `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`), a run of base64 shaped like a
/// private key's DER (alone, or after a certificate's armour), or base64 of a text that holds one.
pub(crate) fn holds_private_key(text: &str) -> bool {
    // Most element texts are short: a flag, a name, a URL.
    pem_private_key(text)
        || (text.len() >= SHORTEST_BARE_KEY
            && (key_as_text(text) || base64_runs(text).any(|run| bare_key_der(run) || encoded_text_holds_key(run))))
}

/// A key written out rather than encoded: a JSON Web Key with its private or secret member
/// (`"d"` of an RSA, EC or OKP key, `"k"` of a symmetric one), OpenSSL's `-text` dump of a
/// private key (`Private-Key: (2048 bit, 2 primes)`, as RSA and EC dumps start, or
/// `privateExponent:`), .NET's XML, a PuTTY key file, base64url DER, or hex DER.
fn key_as_text(text: &str) -> bool {
    // Either quote, as JSON or a language's own literal writes it, and a member name spelt with
    // a `\u` escape.
    static JWK_TYPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"["'](?:kty|\\u006[bB]ty)["']\s*:"#).expect("JWK type pattern compiles")
    });
    static JWK_SECRET: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"["'](?:d|k|\\u0064|\\u006[bB])["']\s*:\s*["']"#).expect("JWK member pattern compiles")
    });
    // Each form is looked for only where a cheap search finds its mark: this runs on every
    // certificate of a scan.
    ((text.contains("kty") || text.contains("\\u006")) && JWK_TYPE.is_match(text) && JWK_SECRET.is_match(text))
        || text.contains("Private-Key: (")
        || text.contains("privateExponent:")
        // .NET's `RSA.ToXmlString(true)`, and a PuTTY `.ppk` file.
        || (text.contains("<RSAKeyValue>") && (text.contains("<D>") || text.contains("<P>")))
        || text.contains("Private-Lines:")
        || ((text.contains('-') || text.contains('_')) && urlsafe_key_der(text))
        // A key's DER is longer than 127 bytes, so it starts `30 81`, `30 82` or `30 83`.
        || ((text.contains("308") || text.contains("30:8")) && hex_runs(text).any(|run| der_holds_key(&run)))
}

/// Base64url runs (`-` and `_` where base64 has `+` and `/`, as JOSE and some tools write DER)
/// that hold a key: the standard alphabet splits them at those characters.
fn urlsafe_key_der(text: &str) -> bool {
    text.as_bytes()
        .split(|byte| !(byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'=')))
        .filter(|run| run.len() >= SHORTEST_BARE_KEY && run.starts_with(b"M"))
        .filter(|run| run.iter().any(|byte| matches!(byte, b'-' | b'_')))
        .any(|run| {
            let digits: Vec<u8> = run.iter().copied().filter(|byte| *byte != b'=').collect();
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&digits[..digits.len() - digits.len() % 4])
                .is_ok_and(|der| der_holds_key(&der))
        })
}

/// The runs of hexadecimal text long enough to hold a key, decoded (`xxd -p`, or `:`-separated
/// as OpenSSL prints bytes); only a run that starts as a DER SEQUENCE (`30`) is decoded.
fn hex_runs(text: &str) -> impl Iterator<Item = Vec<u8>> + '_ {
    text.as_bytes()
        .split(|byte| !(byte.is_ascii_hexdigit() || *byte == b':' || byte.is_ascii_whitespace()))
        .filter(|run| run.len() >= 2 * SHORTEST_BARE_KEY)
        .filter_map(|run| {
            let digits: Vec<u8> = run.iter().copied().filter(u8::is_ascii_hexdigit).collect();
            if digits.len() < 2 * SHORTEST_BARE_KEY || !digits.starts_with(b"30") {
                return None;
            }
            let pair = |pair: &[u8]| {
                let text = std::str::from_utf8(pair).ok()?;
                u8::from_str_radix(text, 16).ok()
            };
            digits.chunks_exact(2).map(pair).collect::<Option<Vec<u8>>>()
        })
}

fn pem_private_key(text: &str) -> bool {
    text.contains("--") && text.lines().any(|line| armour_line(line, "BEGIN", "PRIVATE KEY"))
}

/// The runs of base64 text (white space included) long enough to hold a key: any character base64
/// does not use, the dashes of an armour line among them, ends a run.
fn base64_runs(text: &str) -> impl Iterator<Item = &str> {
    // Split on bytes: every byte of a multi-byte character ends a run, so runs are ASCII.
    text.as_bytes()
        .split(|byte| {
            !(byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=') || byte.is_ascii_whitespace())
        })
        .filter(|run| run.len() >= SHORTEST_BARE_KEY)
        .filter_map(|run| std::str::from_utf8(run).ok())
        .map(str::trim)
        .filter(|run| run.len() >= SHORTEST_BARE_KEY)
}

/// Whether a run of base64 holds a private key's DER: alone, or after other DER structures (a
/// bare certificate with the key run on after it). Each piece ending in `=` padding is decoded on
/// its own, since padding cannot sit inside one base64 text. Every DER SEQUENCE's base64 starts
/// with `M`.
fn bare_key_der(run: &str) -> bool {
    run.split_inclusive('=').map(str::trim_start).filter(|piece| piece.starts_with('M')).any(piece_holds_key)
}

/// Whether one padded piece of base64 holds a key. Its first structure is told from the first
/// [`SNIFFED_BASE64`] characters; the whole piece is decoded only when more than that first
/// structure is in it (a certificate is decoded once, by the certificate reader, not here too).
fn piece_holds_key(piece: &str) -> bool {
    let compact = || piece.bytes().filter(|byte| !byte.is_ascii_whitespace());
    let prefix: Vec<u8> = compact().take(SNIFFED_BASE64).collect();
    let Ok(head) = base64::engine::general_purpose::STANDARD.decode(&prefix[..prefix.len() - prefix.len() % 4]) else {
        return false;
    };
    if key_shape(&head) {
        return true;
    }
    let (Some((0x30, header_length)), Some(length)) = (header(&head), content_length(&head)) else { return false };
    let characters = compact().count();
    // Four characters carry three bytes; padding may round the last group up.
    if (header_length + length) / 3 * 4 + 4 >= characters {
        return false;
    }
    let whole: Vec<u8> = compact().collect();
    base64::engine::general_purpose::STANDARD
        .decode(&whole[..whole.len() - whole.len() % 4])
        .is_ok_and(|der| der_holds_key(&der))
}

/// Whether `der`, or one of the DER structures that follow its first ones, is a private key.
fn der_holds_key(mut der: &[u8]) -> bool {
    // A certificate chain and its key are a handful of structures; more is not a paste.
    for _ in 0..MAX_STRUCTURES {
        if key_shape(der) {
            return true;
        }
        let (Some((0x30, head)), Some(length)) = (header(der), content_length(der)) else { return false };
        match der.get(head + length..) {
            Some(rest) if !rest.is_empty() => der = rest,
            _ => return false,
        }
    }
    false
}

const MAX_STRUCTURES: usize = 8;

/// A private key starts `SEQUENCE { INTEGER 0|1, … }` (PKCS#1, PKCS#8, SEC 1) or `SEQUENCE {
/// AlgorithmIdentifier, OCTET STRING }` (encrypted PKCS#8). A certificate starts `SEQUENCE {
/// SEQUENCE { … } … }` whose first inner element is a version or serial, and a public key
/// `SEQUENCE { AlgorithmIdentifier, BIT STRING }`.
fn key_shape(der: &[u8]) -> bool {
    let Some((0x30, outer)) = header(der) else { return false };
    match header(&der[outer..]) {
        Some((0x02, _)) => {
            matches!(der.get(outer..outer + 3), Some([0x02, 0x01, 0x00 | 0x01])) || pkcs12_shape(&der[outer..])
        }
        Some((0x30, first)) => match header(&der[outer + first..]) {
            // An AlgorithmIdentifier: what follows it says key (OCTET STRING) or public key.
            Some((0x06, _)) => content_length(&der[outer..])
                .is_some_and(|length| matches!(der.get(outer + first + length), Some(0x04))),
            _ => false,
        },
        _ => false,
    }
}

/// A PKCS#12 bundle (`.p12`, `.pfx`), which holds a private key, encrypted or not: `SEQUENCE {
/// INTEGER 3, ContentInfo { OID pkcs7-data or pkcs7-encryptedData, … } … }`; `inner` starts
/// at the version.
fn pkcs12_shape(inner: &[u8]) -> bool {
    const PKCS7_OID_PREFIX: &[u8] = &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07];
    let Some(content_info) = inner.strip_prefix(&[0x02, 0x01, 0x03]) else { return false };
    let Some((0x30, start)) = header(content_info) else { return false };
    content_info.get(start..).is_some_and(|rest| rest.starts_with(PKCS7_OID_PREFIX))
}

/// Base64 of a text (a PEM file, as some export tools paste a certificate, whatever precedes its
/// armour) that holds a key in any form [`holds_private_key`] reads as text.
fn encoded_text_holds_key(run: &str) -> bool {
    let compact: Vec<u8> = run.bytes().filter(|byte| !byte.is_ascii_whitespace()).collect();
    // Only what starts as text is decoded whole: a certificate's DER starts with 0x30 0x82.
    let starts_as_text = compact.get(..8).is_some_and(|head| {
        base64::engine::general_purpose::STANDARD
            .decode(head)
            .is_ok_and(|start| start.iter().all(|byte| byte.is_ascii_graphic() || byte.is_ascii_whitespace()))
    });
    if !starts_as_text {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(&compact[..compact.len() - compact.len() % 4])
    else {
        return false;
    };
    std::str::from_utf8(&decoded).is_ok_and(|text| pem_private_key(text) || key_as_text(text))
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

    /// `prefix` padded to a DER length that a key of `total` bytes would have.
    fn der(prefix: &[u8], total: usize) -> Vec<u8> {
        let mut bytes = prefix.to_vec();
        bytes.resize(total, 0x5a);
        bytes
    }

    #[test]
    fn pem_private_keys_of_every_kind_and_case_are_found_anywhere_in_the_text() {
        for header in [
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----begin private key-----",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----",
        ] {
            let text = format!("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n{header}\nMIIE\n");
            assert!(holds_private_key(&text), "{header}");
        }
        assert!(!holds_private_key("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"));
        assert!(!holds_private_key("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"));
        assert!(!holds_private_key("Rotate the private key every year"), "words about keys are not keys");
    }

    #[test]
    fn bare_der_keys_are_told_from_certificates_and_public_keys_wherever_they_sit() {
        let pkcs1 = der(&[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00], 120);
        let pkcs8 = der(&[0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a], 120);
        let sec1 = der(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0x11], 120);
        // SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING }
        let encrypted = der(&[0x30, 0x81, 0x80, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48, 0x04, 0x02, 0xaa], 120);
        let public = der(&[0x30, 0x81, 0x80, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48, 0x03, 0x02, 0x00], 120);
        let certificate_v3 = der(&[0x30, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x00, 0xa0, 0x03, 0x02, 0x01, 0x02], 120);
        let certificate_v1 = der(&[0x30, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x00, 0x02, 0x09, 0x00, 0xc1], 120);
        let public_pkcs1 = der(&[0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc1, 0x00, 0x00], 120);
        let pem_certificate =
            format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", base64_of(&certificate_v3));
        for key in [&pkcs1, &pkcs8, &sec1, &encrypted] {
            let bare = base64_of(key);
            let wrapped: String = bare.chars().flat_map(|c| [c, '\n']).collect();
            for text in
                [bare.clone(), wrapped, format!("{pem_certificate}{bare}"), format!("{bare}€€"), format!("€{bare}")]
            {
                assert!(holds_private_key(&text), "{text:.80}");
            }
        }
        for not_key in [&public, &certificate_v3, &certificate_v1, &public_pkcs1] {
            assert!(!holds_private_key(&base64_of(not_key)), "{not_key:02x?}");
        }
        assert!(!holds_private_key(&pem_certificate));
        // A bare certificate with the key's base64 run on after it, in one run or two.
        let mut small_certificate = vec![0x30, 0x10, 0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x05];
        small_certificate.resize(18, 0);
        let mut chained = small_certificate.clone();
        chained.extend_from_slice(&sec1);
        assert!(holds_private_key(&base64_of(&chained)));
        assert!(holds_private_key(&format!("{}\n{}", base64_of(&small_certificate), base64_of(&sec1))));
        assert!(!holds_private_key(&base64_of(&small_certificate).repeat(8)));
        for junk in ["", "%%%", "MII", "not base64 at all!", "€€", "M€", &"M".repeat(200), &"€".repeat(300)] {
            assert!(!holds_private_key(junk), "{junk}");
        }
    }

    #[test]
    fn base64_of_a_pem_file_holding_a_key_is_found() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
        assert!(holds_private_key(&base64_of(pem.as_bytes())));
        assert!(!holds_private_key(&base64_of(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")));
    }

    #[test]
    fn keys_written_as_json_web_keys_pkcs12_or_openssl_text_are_found() {
        let jwk = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","d":"X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q"}"#;
        assert!(holds_private_key(jwk));
        assert!(holds_private_key(&format!("signing key {}", jwk.replace(',', ", "))));
        assert!(holds_private_key(
            r#"{"kty":"oct","alg":"HS256","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#
        ));
        let public_jwk = jwk.split(r#","d":"#).next().expect("public part").to_string() + "}";
        assert!(!holds_private_key(&public_jwk));
        assert!(holds_private_key(
            "Private-Key: (2048 bit, 2 primes)\nmodulus:\n    00:c3:5e:7f:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"
        ));
        // PKCS#12: SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data, … } … }.
        let pfx = der(
            &[
                0x30, 0x82, 0x02, 0x00, 0x02, 0x01, 0x03, 0x30, 0x82, 0x01, 0xf0, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                0xf7, 0x0d, 0x01, 0x07, 0x01,
            ],
            120,
        );
        assert!(holds_private_key(&base64_of(&pfx)));
        // Other spellings: hex DER, a JWK in a language's own quotes or with an escaped member
        // name, .NET's XML, and base64 of a text holding a key after other words.
        let pkcs8_der = der(&[0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d], 200);
        let hex: String = pkcs8_der.iter().map(|byte| format!("{byte:02x}")).collect();
        assert!(holds_private_key(&hex));
        assert!(holds_private_key(&pkcs8_der.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(":")));
        assert!(holds_private_key(&jwk.replace(r#""d":"#, r#""\u0064":"#)));
        assert!(holds_private_key(&jwk.replace('"', "'")));
        assert!(holds_private_key(
            "<RSAKeyValue><Modulus>0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc</Modulus><Exponent>AQAB</Exponent><D>X4cTteJY</D></RSAKeyValue>"
        ));
        let prefixed =
            format!("key:\n-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64_of(&pkcs8_der));
        assert!(holds_private_key(&base64_of(prefixed.as_bytes())));
        let certificate_hex: String = [0x30u8, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x00, 0xa0, 0x03, 0x02, 0x01, 0x02]
            .iter()
            .chain(&[0u8; 120])
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert!(!holds_private_key(&certificate_hex), "a certificate in hex is not a key");
        // Base64url with its `-` and `_` early, and a PuTTY key file.
        let mut urlsafe_der = pkcs8_der.clone();
        urlsafe_der[10] = 0xfb;
        urlsafe_der[11] = 0xff;
        let urlsafe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&urlsafe_der);
        assert!(urlsafe[..64].contains(['-', '_']), "{urlsafe:.80}");
        assert!(holds_private_key(&urlsafe));
        assert!(holds_private_key(
            "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 6\nAAAA\nPrivate-Lines: 14\nAAAA"
        ));
        let mut version_three = pfx.clone();
        version_three[12] = 0x05;
        assert!(!holds_private_key(&base64_of(&version_three)), "version 3 alone is not enough");
    }
}
