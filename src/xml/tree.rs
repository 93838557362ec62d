//! The element tree sfaudit reads metadata into, its JSON form, and the secret elements kept out
//! of both.

use std::collections::BTreeMap;

use serde_json::Value;

use super::key_material::holds_private_key;
use crate::model::RawDocument;

/// Elements whose content is a secret: kept out of every record, report and snapshot, at any
/// depth and whatever they contain (`<consumerSecret><value>S</value></consumerSecret>` too).
const SECRET_ELEMENTS: &[&str] = &["consumerSecret", "privateKey", "password"];

/// Whether an element of this name holds a secret, in any letter case: a misspelt name is not
/// deployed, but its value is as secret.
pub(super) fn is_secret_element(name: &str) -> bool {
    SECRET_ELEMENTS.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

/// A leaf's text as records and reports may show it, and whether it held private-key material
/// (which becomes `[redacted]`).
fn shown_text(text: &str) -> (&str, bool) {
    if holds_private_key(text) { (REDACTED, true) } else { (text, false) }
}

pub(crate) const REDACTED: &str = "[redacted]";

/// An element as read: held in exact-size allocations, and its name shared with every other
/// element of that name, since a large project's trees all exist at once before they are joined
/// into records (each element took about 175 bytes with growable strings and lists, and
/// about 70 this way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: ElementName,
    pub text: Box<str>,
    pub line: u32,
    pub children: Box<[Element]>,
}

/// An element's tag name. Names repeat in every file, so each thread keeps one copy of each name
/// it has read: up to [`SHARED_NAMES`] names of up to [`SHARED_NAME_BYTES`] each, so that hostile
/// input cannot grow the cache. Other names (no metadata has them) get copies of their own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ElementName(std::sync::Arc<str>);

const SHARED_NAMES: usize = 4096;
const SHARED_NAME_BYTES: usize = 128;

impl ElementName {
    pub fn new(name: &str) -> Self {
        thread_local! {
            static NAMES: std::cell::RefCell<std::collections::HashSet<std::sync::Arc<str>>> =
                std::cell::RefCell::default();
        }
        NAMES.with_borrow_mut(|names| {
            if let Some(shared) = names.get(name) {
                return Self(shared.clone());
            }
            let shared: std::sync::Arc<str> = name.into();
            if names.len() < SHARED_NAMES && name.len() <= SHARED_NAME_BYTES {
                names.insert(shared.clone());
            }
            Self(shared)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ElementName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ElementName {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl From<&str> for ElementName {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl PartialEq<str> for ElementName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for ElementName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

/// A parsed metadata file: its path relative to the scan root, and its root element.
#[derive(Debug, Clone)]
pub struct MetadataDocument {
    pub path: crate::model::Text,
    pub root: Element,
    /// The text of every XML comment in the file. No element holds it, but a secret commented out
    /// is as exposed in the repository as one in an element, so the committed-secret checks read
    /// it too. Metadata files rarely have comments.
    pub comments: Box<[Box<str>]>,
}

impl Element {
    /// Drops the children `keep` refuses.
    pub fn retain_children(&mut self, keep: impl FnMut(&Element) -> bool) {
        let mut children = std::mem::take(&mut self.children).into_vec();
        children.retain(keep);
        self.children = children.into_boxed_slice();
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// Trimmed text of a child element; `None` when absent or empty (Salesforce treats both alike).
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.trim()).filter(|text| !text.is_empty())
    }

    /// Whether the element or anything inside it has text other than whitespace.
    pub fn has_content(&self) -> bool {
        !self.text.trim().is_empty() || self.children.iter().any(Element::has_content)
    }

    /// Whether an element named `name` with content sits anywhere in this tree (this element
    /// included), however deep and however it wraps its value.
    pub fn contains_filled(&self, name: &str) -> bool {
        self.filled_named(name).next().is_some()
    }

    /// Every element named `name` with content in this tree (this element included), however
    /// deep; walked with a stack, so depth costs memory, never the call stack.
    pub fn filled_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.descendants().filter(move |element| element.name == name && element.has_content())
    }

    /// This element and every element below it, walked with a stack, so depth costs memory,
    /// never the call stack.
    pub fn descendants(&self) -> impl Iterator<Item = &Element> {
        let mut pending = vec![self];
        std::iter::from_fn(move || {
            let element = pending.pop()?;
            pending.extend(&element.children);
            Some(element)
        })
    }

    /// The element as JSON: leaves become strings, repeated children become arrays, and a secret
    /// element with any content becomes `[redacted]` whatever it holds.
    pub fn to_json(&self) -> Value {
        if is_secret_element(&self.name) {
            return Value::String(if self.has_content() { REDACTED.to_string() } else { String::new() });
        }
        if self.children.is_empty() {
            return Value::String(shown_text(self.text.trim()).0.to_string());
        }
        let mut map: BTreeMap<&str, Value> = BTreeMap::new();
        for child in &self.children {
            let value = child.to_json();
            match map.get_mut(child.name.as_str()) {
                Some(Value::Array(items)) if self.children_named(&child.name).count() > 1 => items.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    let repeated = self.children_named(&child.name).count() > 1;
                    map.insert(&child.name, if repeated { Value::Array(vec![value]) } else { value });
                }
            }
        }
        Value::Object(map.into_iter().map(|(key, value)| (key.to_string(), value)).collect())
    }

    /// The element as a record's `raw` document: the JSON of [`Element::to_json`], written
    /// straight to text without building the value.
    pub fn to_raw_document(&self) -> RawDocument {
        self.to_raw_document_noting_keys().0
    }

    /// [`Element::to_raw_document`], and whether some text in it held private-key material (so
    /// a collector need not look through every text a second time).
    pub fn to_raw_document_noting_keys(&self) -> (RawDocument, bool) {
        let mut out = Vec::with_capacity(256);
        let mut held_key = false;
        self.write_json(&mut out, &mut held_key);
        // Copied into an allocation of its exact size: every app's documents are kept until the
        // report is written, and the writing buffer's spare capacity would stay with them.
        (RawDocument::from_json_text(String::from_utf8_lossy(&out).into_owned()), held_key)
    }

    fn write_json(&self, out: &mut Vec<u8>, held_key: &mut bool) {
        if is_secret_element(&self.name) {
            return write_json_string(out, if self.has_content() { REDACTED } else { "" });
        }
        if self.children.is_empty() {
            let (shown, key) = shown_text(self.text.trim());
            *held_key |= key;
            return write_json_string(out, shown);
        }
        // Name order, and document order among children of one name (a stable sort): the order
        // a map keyed by name would give, without a list per name.
        let mut children: Vec<&Element> = self.children.iter().collect();
        children.sort_by(|left, right| left.name.as_str().cmp(right.name.as_str()));
        out.push(b'{');
        for (index, elements) in children.chunk_by(|left, right| left.name == right.name).enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_json_string(out, elements[0].name.as_str());
            out.push(b':');
            match elements {
                [only] => only.write_json(out, held_key),
                repeated => {
                    out.push(b'[');
                    for (index, element) in repeated.iter().enumerate() {
                        if index > 0 {
                            out.push(b',');
                        }
                        element.write_json(out, held_key);
                    }
                    out.push(b']');
                }
            }
        }
        out.push(b'}');
    }
}

fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(out, text);
}

/// Drops every secret-bearing element (consumer secret, private key, password) from the tree, at
/// any depth, so a secret read from an org is gone before anything else sees the record.
pub(crate) fn remove_secrets(element: &mut Element) {
    element.retain_children(|child| !is_secret_element(&child.name));
    for child in &mut element.children {
        remove_secrets(child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(name: &str, text: &str, children: Vec<Element>) -> Element {
        Element { name: name.into(), text: text.into(), line: 1, children: children.into() }
    }

    #[test]
    fn secrets_are_redacted_whatever_wraps_them() {
        for secret in SECRET_ELEMENTS {
            let wrapped = element(
                "X",
                "",
                vec![element(
                    "oauthConfig",
                    "",
                    vec![element(secret, "", vec![element("value", "", vec![element("inner", "S3cr3t", vec![])])])],
                )],
            );
            let json = wrapped.to_json().to_string();
            assert!(!json.contains("S3cr3t"), "{secret}: {json}");
            assert!(json.contains(REDACTED), "{secret}: {json}");
            assert!(wrapped.contains_filled(secret));
            let mut removed = wrapped.clone();
            remove_secrets(&mut removed);
            assert!(!removed.contains_filled(secret) && !format!("{removed:?}").contains("S3cr3t"));
        }
        let empty = element("X", "", vec![element("consumerSecret", " ", vec![element("value", "", vec![])])]);
        assert!(!empty.contains_filled("consumerSecret"));
        assert_eq!(empty.to_json(), serde_json::json!({"consumerSecret": ""}));
    }

    #[test]
    fn short_tag_names_are_shared_and_long_ones_are_not_kept() {
        let shared = |name: &str| std::sync::Arc::ptr_eq(&ElementName::new(name).0, &ElementName::new(name).0);
        assert!(shared("oauthConfig"));
        assert!(!shared(&"x".repeat(SHARED_NAME_BYTES + 1)));
        assert_eq!(ElementName::new("label"), "label");
    }

    #[test]
    fn the_raw_document_is_the_json_of_the_tree_byte_for_byte() {
        let tree = element(
            "ConnectedApp",
            "",
            vec![
                element("scopes", " Api ", vec![]),
                element("label", "\u{1b}[2J \"quoted\" \\ é\u{202e}", vec![]),
                element("scopes", "Web", vec![]),
                element("oauthConfig", "", vec![element("consumerSecret", "S3cr3t", vec![]), element("x", "", vec![])]),
                element("scopes", "Full", vec![]),
                element(
                    "attributes",
                    "",
                    vec![element("a", "1", vec![]), element("a", "", vec![element("b", "2", vec![])])],
                ),
            ],
        );
        let document = tree.to_raw_document();
        assert_eq!(document.as_json_text(), tree.to_json().to_string());
        assert!(!document.as_json_text().contains("S3cr3t"));
        assert_eq!(element("leaf", " text ", vec![]).to_raw_document().as_json_text(), "\"text\"");
    }
}
