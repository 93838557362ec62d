//! A record's documents as rules may read them (`raw`), kept as compact JSON text.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One document of a record's `raw`, as compact JSON text. The documents are the bulk of a
/// record and no built-in rule reads them: as text they take a fraction of the memory of a JSON
/// value tree, are written into documents as they are, and are parsed only when a rule reads
/// `raw`.
#[derive(Debug, Clone)]
pub struct RawDocument(Box<RawValue>);

impl RawDocument {
    /// The document of a JSON value.
    pub fn from_value(value: &Value) -> Self {
        Self::from_json_text(value.to_string())
    }

    /// The document of text that is already JSON (an element tree's own spelling).
    pub(crate) fn from_json_text(text: String) -> Self {
        // `text` is always JSON spelled by serde_json; should it ever not be, the document is
        // kept as a JSON string of it rather than lost.
        match RawValue::from_string(text) {
            Ok(raw) => Self(raw),
            Err(error) => Self::from_json_text(Value::String(error.to_string()).to_string()),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    pub fn as_json_text(&self) -> &str {
        self.0.get()
    }

    /// The names of the document's top-level members (none when it is not an object), read
    /// without building their values.
    pub fn member_names(&self) -> std::collections::BTreeSet<String> {
        serde_json::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(self.0.get())
            .map(|members| members.into_keys().collect())
            .unwrap_or_default()
    }
}

impl PartialEq for RawDocument {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for RawDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawDocument {
    // Read through a value, not as raw text, so that a document read from a JSON value (a
    // snapshot, a results document) works as well as one read from text.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| Self::from_value(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_written_and_read_as_the_json_it_holds() {
        let value =
            serde_json::json!({"oauthConfig": {"callbackUrl": "https://x/\u{1b}[2J", "scopes": ["Api", "Web"]}});
        let document = RawDocument::from_value(&value);
        assert_eq!(document.to_value(), value);
        assert_eq!(serde_json::to_string(&document).expect("serializes"), value.to_string());
        assert_eq!(serde_json::to_value(&document).expect("serializes"), value);
        let read: RawDocument = serde_json::from_value(value.clone()).expect("reads");
        assert_eq!(read, document);
        let read: RawDocument = serde_json::from_str(&value.to_string()).expect("reads");
        assert_eq!(read, document);
        assert_eq!(document.member_names().into_iter().collect::<Vec<_>>(), ["oauthConfig"]);
        assert!(RawDocument::from_value(&serde_json::json!("text")).member_names().is_empty());
    }
}
