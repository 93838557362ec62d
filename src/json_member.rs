//! One top-level member of a JSON document, read without building the document.
//!
//! A saved result or snapshot can be hundreds of megabytes, and a JSON value tree of it takes
//! about seven times its size. Readers first look at the one member that decides how to read the
//! document (its `schema_version`; whether it holds an `inventory`), skipping everything else,
//! and then read the document straight into its typed shape.

use std::collections::BTreeSet;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The value of `text`'s top-level member `name`, as a JSON value tree of the document would hold
/// it (the last of duplicate keys); `None` when the document is not an object or lacks it.
/// Malformed JSON is an error, as it is when reading the whole document.
pub(crate) fn member(text: &[u8], name: &str) -> Result<Option<Value>, serde_json::Error> {
    read(text, Some(name)).map(|top| top.kept)
}

/// The names of `text`'s top-level members (none when it is not an object).
pub(crate) fn member_names(text: &[u8]) -> Result<BTreeSet<String>, serde_json::Error> {
    read(text, None).map(|top| top.names)
}

struct TopLevel {
    names: BTreeSet<String>,
    kept: Option<Value>,
}

impl TopLevel {
    fn empty() -> Self {
        Self { names: BTreeSet::new(), kept: None }
    }
}

fn read(text: &[u8], keep: Option<&str>) -> Result<TopLevel, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let top = MemberSeed { keep }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(top)
}

struct MemberSeed<'n> {
    keep: Option<&'n str>,
}

impl<'de> DeserializeSeed<'de> for MemberSeed<'_> {
    type Value = TopLevel;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<TopLevel, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed<'_> {
    type Value = TopLevel;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut top = TopLevel::empty();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.keep == Some(&*key) {
                top.kept = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            top.names.insert(key.into_owned());
        }
        Ok(top)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::empty())
    }

    fn visit_bool<E>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }

    fn visit_i64<E>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }

    fn visit_u64<E>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }

    fn visit_f64<E>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }

    fn visit_str<E>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }

    fn visit_unit<E>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENTS: [&str; 11] = [
        r#"{"schema_version": 2, "results": [{"a": [1, {"b": null}]}]}"#,
        r#"{"schema_version": 1, "schema_version": 2}"#,
        r#"{"results": [], "schema_version": "2"}"#,
        r#"{"results": []}"#,
        r#"{"inventory": {"apps": []}, "inventory": null}"#,
        r#"[2, {"schema_version": 2}]"#,
        r#""schema_version""#,
        "null",
        "true",
        "-1.5",
        "7",
    ];

    #[test]
    fn members_are_what_a_whole_value_would_give() {
        for text in DOCUMENTS {
            let whole: Value = serde_json::from_str(text).expect("valid JSON");
            for name in ["schema_version", "inventory"] {
                assert_eq!(member(text.as_bytes(), name).expect("valid JSON").as_ref(), whole.get(name), "{text}");
            }
            let names: BTreeSet<String> =
                whole.as_object().map(|object| object.keys().cloned().collect()).unwrap_or_default();
            assert_eq!(member_names(text.as_bytes()).expect("valid JSON"), names, "{text}");
        }
    }

    #[test]
    fn malformed_json_is_still_an_error() {
        for text in ["", "{", r#"{"schema_version": 2,}"#, "[1, 2", r#"{"a": tru}"#, "{} {}", "1 x"] {
            let error = member(text.as_bytes(), "schema_version").expect_err("an error");
            assert!(error.is_syntax() || error.is_eof(), "{text}: {error}");
        }
    }
}
