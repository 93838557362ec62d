//! Reading metadata XML: a file's bytes, or one element of a SOAP answer, into [`Element`]s.

use super::strict;
use super::tree::{Element, MetadataDocument};
use crate::diag::{Diagnostic, LineIndex, line_of};
use crate::input::bytes_text;
use crate::limits::{MAX_METADATA_FILE_BYTES, MAX_XML_DEPTH};

pub(crate) const METADATA_NAMESPACE: &str = "http://soap.sforce.com/2006/04/metadata";

const FIX_XML: &str = "fix the XML (an unclosed or misspelt tag is the usual cause) or retrieve the component again";

/// Parses XML text strictly (see [`strict`]), without DTDs and with at most `nodes_limit` nodes.
/// `Err` is the 1-based line and what is wrong.
pub(crate) fn parse_document(text: &str, nodes_limit: u32) -> Result<roxmltree::Document<'_>, (u32, String)> {
    strict::check_before(text)?;
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit, ..Default::default() };
    let document = roxmltree::Document::parse_with_options(text, options)
        .map_err(|error| (error.pos().row, format!("malformed XML: {error}")))?;
    strict::check_after(&document)?;
    Ok(document)
}

/// Parses one metadata file's bytes; `path` is only used in messages.
pub fn parse_metadata(path: &str, bytes: &[u8]) -> Result<MetadataDocument, Diagnostic> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_METADATA_FILE_BYTES {
        return Err(Diagnostic::at(
            path,
            None,
            format!(
                "the file is {} bytes, over sfaudit's limit of {} for one metadata file",
                bytes.len(),
                bytes_text(MAX_METADATA_FILE_BYTES)
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
    let document = parse_document(text, 1_000_000)
        .map_err(|(line, message)| Diagnostic::at(path, Some(line), message, FIX_XML))?;
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
    if let Some(foreign) = element_in_another_namespace(root_node) {
        return Err(Diagnostic::at(
            path,
            Some(document.text_pos_at(foreign.range().start).row),
            format!(
                "element '{}' is in namespace '{}', not its file's; Salesforce does not read it as the setting of that name",
                foreign.tag_name().name(),
                foreign.tag_name().namespace().unwrap_or_default()
            ),
            "write metadata elements without a prefix or namespace of their own, as Salesforce retrieves them",
        ));
    }
    let root = element_from_node(&document, root_node)
        .map_err(|(line, message)| Diagnostic::at(path, Some(line), message, FIX_XML))?;
    let comments = document
        .descendants()
        .filter(roxmltree::Node::is_comment)
        .filter_map(|node| node.text())
        .map(Box::from)
        .collect();
    Ok(MetadataDocument { path: path.into(), root, comments })
}

/// The first element below `root` whose namespace is not `root`'s. Elements are read by their
/// local name, so `<x:isAdminApproved xmlns:x="urn:other">` would otherwise pass for the setting
/// while Salesforce, which reads names in the Metadata API namespace, does not see it.
fn element_in_another_namespace<'a, 'input>(root: roxmltree::Node<'a, 'input>) -> Option<roxmltree::Node<'a, 'input>> {
    let expected = root.tag_name().namespace();
    root.descendants().filter(roxmltree::Node::is_element).find(|node| node.tag_name().namespace() != expected)
}

/// Converts one element of an already parsed document (a file's root, or a SOAP `records`
/// element) into the tree. Nesting deeper than [`MAX_XML_DEPTH`] below `node` is refused with
/// the line of the first element too deep, so the recursive conversions that follow (to JSON,
/// to CEL values) stay bounded and what sfaudit writes can be read again.
pub(crate) fn element_from_node(
    document: &roxmltree::Document<'_>,
    node: roxmltree::Node<'_, '_>,
) -> Result<Element, (u32, String)> {
    if let Some(deep) = too_deep(node, MAX_XML_DEPTH) {
        return Err((
            document.text_pos_at(deep.range().start).row,
            format!("elements are nested more than {MAX_XML_DEPTH} deep (sfaudit's limit); metadata nests about 5"),
        ));
    }
    Ok(convert(&LineIndex::new(document.input_text()), node))
}

/// The first element (in document order) more than `limit` elements below and including `start`.
fn too_deep<'a, 'input>(start: roxmltree::Node<'a, 'input>, limit: usize) -> Option<roxmltree::Node<'a, 'input>> {
    // Descendants are a contiguous run of node ids in document order, parents first.
    let from = start.id().get();
    let mut depths: Vec<usize> = Vec::with_capacity(start.descendants().len());
    for node in start.descendants() {
        let parent_depth = match node.parent() {
            Some(parent) if node != start => {
                parent.id().get().checked_sub(from).and_then(|index| depths.get(index as usize)).copied()
            }
            _ => None,
        };
        let depth = parent_depth.unwrap_or(0) + usize::from(node.is_element());
        if node.is_element() && depth > limit {
            return Some(node);
        }
        depths.push(depth);
    }
    None
}

fn convert(lines: &LineIndex, node: roxmltree::Node<'_, '_>) -> Element {
    let children: Box<[Element]> =
        node.children().filter(roxmltree::Node::is_element).map(|child| convert(lines, child)).collect();
    let mut texts = node.children().filter(roxmltree::Node::is_text).filter_map(|child| child.text());
    let text: Box<str> = match (texts.next(), texts.next()) {
        (None, _) => Box::default(),
        (Some(only), None) => only.into(),
        (Some(first), Some(second)) => [first, second].into_iter().chain(texts).collect::<String>().into(),
    };
    // Indentation between child elements is not content; dropping it keeps large scans small.
    let text = if !children.is_empty() && text.trim().is_empty() { Box::default() } else { text };
    Element { name: node.tag_name().name().into(), text, line: lines.line(node.range().start), children }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::REDACTED;

    #[test]
    fn an_element_in_another_namespace_is_refused() {
        for (xml, line) in [
            (
                "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n<x:label xmlns:x=\"urn:other\">A</x:label>\n</ConnectedApp>",
                2,
            ),
            (
                "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n<oauthConfig>\n<isAdminApproved xmlns=\"\">true</isAdminApproved>\n</oauthConfig>\n</ConnectedApp>",
                3,
            ),
            ("<ConnectedApp>\n<label xmlns=\"http://soap.sforce.com/2006/04/metadata\">A</label>\n</ConnectedApp>", 2),
        ] {
            let refused = parse_metadata("x.connectedApp-meta.xml", xml.as_bytes()).expect_err(xml);
            assert_eq!(refused.location.line, Some(line), "{xml}");
            assert!(refused.message.contains("not its file's"), "{}", refused.message);
        }
        let prefixed = "<md:ConnectedApp xmlns:md=\"http://soap.sforce.com/2006/04/metadata\"><md:label>A</md:label></md:ConnectedApp>";
        let document = parse_metadata("x.connectedApp-meta.xml", prefixed.as_bytes()).expect("one namespace, prefixed");
        assert_eq!(document.root.child("label").map(|label| &*label.text), Some("A"));
    }

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
        let nested = "<X><oauthConfig><consumerSecret><value>s3cr3t</value></consumerSecret></oauthConfig></X>";
        let document = parse_metadata("x", nested.as_bytes()).expect("valid xml");
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
        let big = vec![b' '; usize::try_from(MAX_METADATA_FILE_BYTES).expect("fits") + 1];
        assert!(parse_metadata("big.xml", &big).expect_err("big").message.contains("limit"));
    }

    fn nested(depth: usize) -> String {
        let mut xml = String::from("<?xml version=\"1.0\"?>\n");
        for level in 0..depth {
            xml.push_str(&format!("<e{level}>\n"));
        }
        for level in (0..depth).rev() {
            xml.push_str(&format!("</e{level}>"));
        }
        xml
    }

    #[test]
    fn nesting_is_bounded_with_the_line_of_the_first_element_too_deep() {
        assert!(parse_metadata("ok.xml", nested(MAX_XML_DEPTH).as_bytes()).is_ok());
        let error = parse_metadata("deep.xml", nested(MAX_XML_DEPTH + 1).as_bytes()).expect_err("too deep");
        assert_eq!(error.location.path, "deep.xml");
        assert_eq!(error.location.line, Some(u32::try_from(MAX_XML_DEPTH).expect("small") + 2));
        assert!(error.message.contains("nested more than 32"), "{}", error.message);
        // What crashed the process before: thousands of levels, a few dozen kilobytes.
        let error = parse_metadata("bomb.xml", nested(6_000).as_bytes()).expect_err("too deep");
        assert!(error.message.contains("nested"), "{}", error.message);
    }
}
