//! Metadata XML → an owned element tree that keeps line numbers for messages and locations. Used
//! by the project collector for files and by the Metadata API client for `readMetadata` records.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::{Diagnostic, LineIndex, line_of};

/// Larger metadata files are refused: real ones are a few kilobytes, and a cap keeps a hostile
/// or mistaken input (a log, a binary) from exhausting memory.
pub(crate) const MAX_METADATA_FILE_BYTES: usize = 4 * 1024 * 1024;

pub(crate) const METADATA_NAMESPACE: &str = "http://soap.sforce.com/2006/04/metadata";

/// Elements whose text is a secret: kept out of every record, report and snapshot.
const SECRET_ELEMENTS: &[&str] = &["consumerSecret", "privateKey", "password"];

pub(crate) const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub line: u32,
    pub children: Vec<Element>,
}

/// A parsed metadata file: its path relative to the scan root, and its root element.
#[derive(Debug, Clone)]
pub struct MetadataDocument {
    pub path: crate::model::Text,
    pub root: Element,
}

impl Element {
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

    /// The element as JSON: leaves become strings, repeated children become arrays.
    pub fn to_json(&self) -> Value {
        if self.children.is_empty() {
            if SECRET_ELEMENTS.contains(&self.name.as_str()) && !self.text.trim().is_empty() {
                return Value::String(REDACTED.to_string());
            }
            return Value::String(self.text.trim().to_string());
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
}

/// Parses one metadata file's bytes; `path` is only used in messages.
pub fn parse_metadata(path: &str, bytes: &[u8]) -> Result<MetadataDocument, Diagnostic> {
    if bytes.len() > MAX_METADATA_FILE_BYTES {
        return Err(Diagnostic::at(
            path,
            None,
            format!(
                "the file is {} bytes, over sfaudit's limit of {} bytes for one metadata file",
                bytes.len(),
                MAX_METADATA_FILE_BYTES
            ),
            "Salesforce metadata files are a few kilobytes; check that this is the file you meant to commit",
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Diagnostic::at(
            path,
            None,
            "the file is empty".to_string(),
            "retrieve the component again, or delete the file if the component was removed",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        Diagnostic::at(
            path,
            Some(line_of(bytes, error.valid_up_to())),
            "the file is not UTF-8 text (binary or corrupted content)".to_string(),
            "metadata files are UTF-8 XML; retrieve the component again",
        )
    })?;
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000, ..Default::default() };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|error| {
        Diagnostic::at(
            path,
            Some(error.pos().row),
            format!("malformed XML: {error}"),
            "fix the XML (an unclosed or misspelt tag is the usual cause) or retrieve the component again",
        )
    })?;
    let root_node = document.root_element();
    if let Some(namespace) = root_node.tag_name().namespace() {
        if namespace != METADATA_NAMESPACE {
            return Err(Diagnostic::at(
                path,
                Some(document.text_pos_at(root_node.range().start).row),
                format!("root element is in namespace '{namespace}', not the Metadata API namespace"),
                "metadata files use xmlns=\"http://soap.sforce.com/2006/04/metadata\"",
            ));
        }
    }
    let lines = LineIndex::new(text);
    Ok(MetadataDocument { path: path.into(), root: convert(&lines, root_node) })
}

/// Converts one element of an already parsed document (a SOAP `records` element, say) into the
/// same tree the file parser builds.
pub(crate) fn element_from_node(document: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> Element {
    convert(&LineIndex::new(document.input_text()), node)
}

/// Drops every secret-bearing element (consumer secret, private key, password) from the tree, so
/// a secret read from an org is gone before anything else sees the record.
pub(crate) fn remove_secrets(element: &mut Element) {
    element.children.retain(|child| !SECRET_ELEMENTS.contains(&child.name.as_str()));
    for child in &mut element.children {
        remove_secrets(child);
    }
}

fn convert(lines: &LineIndex, node: roxmltree::Node<'_, '_>) -> Element {
    let mut text = String::new();
    let mut children = Vec::new();
    for child in node.children() {
        if child.is_element() {
            children.push(convert(lines, child));
        } else if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        }
    }
    if !children.is_empty() && text.trim().is_empty() {
        // Indentation between child elements is not content; dropping it keeps large scans small.
        text = String::new();
    }
    Element { name: node.tag_name().name().to_string(), text, line: lines.line(node.range().start), children }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_repeated_children() {
        let xml = "<?xml version=\"1.0\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n  <scopes>Api</scopes>\n  <scopes>Full</scopes>\n  <label>X</label>\n</ConnectedApp>";
        let document = parse_metadata("x.connectedApp-meta.xml", xml.as_bytes()).expect("valid xml");
        assert_eq!(document.root.name, "ConnectedApp");
        assert_eq!(document.root.child("label").map(|label| label.line), Some(5));
        assert_eq!(document.root.to_json(), serde_json::json!({"label": "X", "scopes": ["Api", "Full"]}));
    }

    #[test]
    fn redacts_secrets_in_the_raw_tree() {
        let xml = "<X><oauthConfig><consumerSecret>s3cr3t</consumerSecret></oauthConfig></X>";
        let document = parse_metadata("x", xml.as_bytes()).expect("valid xml");
        assert_eq!(document.root.to_json(), serde_json::json!({"oauthConfig": {"consumerSecret": REDACTED}}));
    }

    #[test]
    fn reports_the_line_of_malformed_xml() {
        let error = parse_metadata("a.xml", b"<A>\n<b>\n</A>").expect_err("malformed");
        assert_eq!(error.location.line, Some(3));
        assert!(error.message.contains("malformed XML"), "{}", error.message);
    }

    #[test]
    fn refuses_empty_binary_and_oversized_files() {
        assert!(parse_metadata("e.xml", b"  \n").expect_err("empty").message.contains("empty"));
        assert!(parse_metadata("b.xml", &[0xff, 0xfe, 0x00, 0x01]).expect_err("binary").message.contains("UTF-8"));
        let big = vec![b' '; MAX_METADATA_FILE_BYTES + 1];
        assert!(parse_metadata("big.xml", &big).expect_err("big").message.contains("limit"));
    }
}
