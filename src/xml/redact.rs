//! Raw documents read back from a file (a snapshot, a saved result or a baseline) pass through the
//! same redaction as those read from metadata: sfaudit never writes a secret into them, but a file
//! it did not write, or one edited since, may hold one, and writing the document again (JSON
//! output, a new snapshot) would copy it on.

use serde_json::Value;

use super::key_material::holds_private_key;
use super::tree::{REDACTED, is_secret_element};
use crate::model::{Inventory, RawDocument};

/// Redacts every app's and the org's raw documents; returns how many documents changed.
pub(crate) fn redact_raw_documents(inventory: &mut Inventory) -> usize {
    let documents =
        inventory.apps.iter_mut().flat_map(|app| app.raw.values_mut()).chain(inventory.org.raw.values_mut());
    let mut changed = 0;
    for document in documents {
        let mut value = document.to_value();
        if redact(&mut value) {
            *document = RawDocument::from_value(&value);
            changed += 1;
        }
    }
    changed
}

/// A secret element's content and any text holding private-key material become `[redacted]`,
/// as [`super::Element::to_json`] writes them; returns whether anything changed.
fn redact(value: &mut Value) -> bool {
    match value {
        Value::Object(members) => {
            let mut changed = false;
            for (name, member) in members.iter_mut() {
                if is_secret_element(name) {
                    if has_content(member) && member.as_str() != Some(REDACTED) {
                        *member = Value::String(REDACTED.to_string());
                        changed = true;
                    }
                } else {
                    changed |= redact(member);
                }
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| redact(item) | changed),
        Value::String(text) if holds_private_key(text) => {
            *text = REDACTED.to_string();
            true
        }
        _ => false,
    }
}

fn has_content(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.trim().is_empty(),
        Value::Array(items) => items.iter().any(has_content),
        Value::Object(members) => members.values().any(has_content),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_keys_in_any_document_are_redacted_and_clean_ones_kept() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
        let mut value = serde_json::json!({
            "oauthConfig": {"ConsumerSecret": "SUPERSECRETVALUE123", "consumerKey": "3MVG9", "scopes": ["Api"]},
            "privateKey": {"value": "x"},
            "password": "",
            "notes": [key, "plain"],
        });
        assert!(redact(&mut value));
        assert_eq!(
            value,
            serde_json::json!({
                "oauthConfig": {"ConsumerSecret": REDACTED, "consumerKey": "3MVG9", "scopes": ["Api"]},
                "privateKey": REDACTED,
                "password": "",
                "notes": [REDACTED, "plain"],
            })
        );
        assert!(!redact(&mut value), "a redacted document stays as it is");
    }
}
