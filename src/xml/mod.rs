//! Metadata XML → an owned element tree that keeps line numbers for messages and locations. Used
//! by the project collector for files and by the Metadata API client for `readMetadata` records.
//!
//! [`parse`] reads a document strictly: what XML 1.0 calls not well-formed is an input error even
//! where the underlying parser lets it through ([`strict`]), and nesting deeper than
//! [`crate::limits::MAX_XML_DEPTH`] is refused before any recursive conversion. [`tree`] is the
//! element tree, its JSON form, and the secrets kept out of both; [`key_material`] tells private
//! keys in element text; [`redact`] applies the same to documents read back from a file.

mod key_material;
mod parse;
mod redact;
mod strict;
mod tree;

pub(crate) use key_material::holds_private_key;
pub use parse::parse_metadata;
pub(crate) use parse::{METADATA_NAMESPACE, element_from_node, parse_document};
pub(crate) use redact::redact_raw_documents;
#[cfg(test)]
pub(crate) use tree::REDACTED;
pub(crate) use tree::remove_secrets;
pub use tree::{Element, MetadataDocument};
