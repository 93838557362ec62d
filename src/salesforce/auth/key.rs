//! The RSA private key that signs JWT bearer assertions, loaded and checked before any network call.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

use super::error::AuthError;

/// The RSA private key that signs assertions. Its `Debug` shows where it came from, never the key.
pub struct SigningKey {
    key: jsonwebtoken::EncodingKey,
    source: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("SigningKey").field("source", &self.source).field("key", &"[redacted]").finish()
    }
}

pub(super) const NEW_KEY_HINT: &str = "create a key and certificate with `openssl req -x509 -sha256 -nodes -days 365 -newkey \
                            rsa:2048 -keyout server.key -out server.crt -subj /CN=sfaudit`, upload server.crt to the \
                            app (Use digital signatures) and pass --jwt-key-file server.key";

impl SigningKey {
    /// Loads a PEM private key; `source` (a path or a variable name) is the only thing messages show.
    pub(crate) fn from_pem(pem: &SecretString, source: &str) -> Result<Self, AuthError> {
        let text = pem.expose_secret();
        let labels: Vec<&str> =
            text.lines().filter_map(|line| line.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----")).collect();
        let refuse = |message: String, hint: &str| Err(AuthError::config(message, hint));
        if labels.contains(&"ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return refuse(
                format!("the private key in {source} is encrypted with a passphrase"),
                "sfaudit needs the key unencrypted: `openssl pkey -in encrypted.key -out server.key` (then restrict \
                 the file to the scanning account, or keep it in a secret store and pass it in SFAUDIT_JWT_KEY)",
            );
        }
        // A bundle (`cat server.crt server.key`) holds the certificate too, in either order.
        let Some(label) = labels.iter().find(|label| label.ends_with("PRIVATE KEY")).or(labels.first()) else {
            return refuse(
                format!("{source} is not a PEM private key (no -----BEGIN … PRIVATE KEY----- line)"),
                NEW_KEY_HINT,
            );
        };
        match *label {
            "RSA PRIVATE KEY" | "PRIVATE KEY" => {}
            "CERTIFICATE" => {
                return refuse(
                    format!("{source} holds a certificate, not the private key"),
                    "the certificate is what you upload to the app in Salesforce; pass the private key that goes \
                     with it (the file with -----BEGIN PRIVATE KEY-----)",
                );
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return refuse(
                    format!("{source} holds a public key, not the private key"),
                    "pass the private key whose certificate is uploaded to the app",
                );
            }
            other => {
                return refuse(
                    format!(
                        "{source} holds a '{}', not an RSA private key; Salesforce's JWT bearer flow only accepts RS256",
                        crate::escape::clip(other, 60)
                    ),
                    NEW_KEY_HINT,
                );
            }
        }
        let invalid = |detail: String| {
            AuthError::config(format!("{source} is not a valid RSA private key ({detail})"), NEW_KEY_HINT)
        };
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem_block(text, label).as_bytes())
            .map_err(|error| invalid(error.to_string()))?;
        // aws-lc parses the key when it first signs: sign once now, so a broken key is a
        // configuration error before any network call.
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::encode(&header, &serde_json::json!({"probe": true}), &key)
            .map_err(|error| invalid(error.to_string()))?;
        Ok(Self { key, source: source.to_string() })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn encoding_key(&self) -> &jsonwebtoken::EncodingKey {
        &self.key
    }
}

/// The PEM block labelled `label` in `text`, armour included (all of `text` if it has no end line).
fn pem_block<'a>(text: &'a str, label: &str) -> &'a str {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).unwrap_or(0);
    text[start..].find(&end).map_or(&text[start..], |length| &text[start..start + length + end.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_cannot_sign_are_refused_with_a_reason() {
        let check = |pem: &str, expected: &str| {
            let error = SigningKey::from_pem(&SecretString::from(pem), "key.pem").expect_err("refused");
            assert!(error.message.contains(expected), "{}", error.message);
            assert!(error.config);
        };
        check("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted");
        check(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            "encrypted",
        );
        check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate");
        check("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "RS256");
        check("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", "not a valid RSA private key");
        check("hello", "not a PEM");
    }

    #[test]
    fn a_bundle_of_certificate_and_key_gives_the_key_in_either_order() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
        let certificate = rcgen::CertificateParams::new(vec!["bundle".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate")
            .pem();
        let key = key.serialize_pem();
        for bundle in [format!("{certificate}{key}"), format!("{key}{certificate}")] {
            SigningKey::from_pem(&SecretString::from(bundle), "bundle.pem").expect("the key of the bundle");
        }
    }
}
