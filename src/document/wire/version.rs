//! A document's `schema_version`, read before the document itself so that the document can be
//! read straight into the typed shape of its version.

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The top-level `schema_version` of a document, as a JSON value reading it as a whole would give
/// it: the last of duplicate keys, and none for a document that is not an object. Every other
/// value is skipped without being kept.
pub(in crate::document) struct SchemaVersion(pub Option<Value>);

impl<'de> serde::Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SchemaVersionVisitor)
    }
}

struct SchemaVersionVisitor;

impl<'de> Visitor<'de> for SchemaVersionVisitor {
    type Value = SchemaVersion;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SchemaVersion, A::Error> {
        let mut version = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "schema_version" {
                version = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(SchemaVersion(version))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SchemaVersion, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(SchemaVersion(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }

    fn visit_unit<E>(self) -> Result<SchemaVersion, E> {
        Ok(SchemaVersion(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_of(text: &str) -> Option<Value> {
        serde_json::from_str::<SchemaVersion>(text).expect("valid JSON").0
    }

    #[test]
    fn the_version_is_read_as_a_whole_value_would_give_it() {
        for text in [
            r#"{"schema_version": 2, "results": [{"a": [1, {"b": null}]}]}"#,
            r#"{"schema_version": 1, "schema_version": 2}"#,
            r#"{"results": [], "schema_version": "2"}"#,
            r#"{"results": []}"#,
            r#"[2, {"schema_version": 2}]"#,
            r#""schema_version""#,
            "null",
            "true",
            "-1.5",
            "7",
        ] {
            let whole: Value = serde_json::from_str(text).expect("valid JSON");
            assert_eq!(version_of(text), whole.get("schema_version").cloned(), "{text}");
        }
    }

    #[test]
    fn malformed_json_is_still_an_error() {
        for text in ["", "{", r#"{"schema_version": 2,}"#, "[1, 2", r#"{"a": tru}"#] {
            let error = serde_json::from_str::<SchemaVersion>(text).err().expect("an error");
            assert!(error.is_syntax() || error.is_eof(), "{text}: {error}");
        }
    }
}
