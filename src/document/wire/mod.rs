//! The JSON spelling of a results document (schema version 1): borrowed views that serialise the
//! internal types without copying them, and owned shapes that a document is read into and checked
//! against before it becomes internal types again.

mod document;
mod result;
mod rule;

pub(crate) use document::RESULTS_SCHEMA_VERSION;
pub(in crate::document) use document::{DocumentIn, DocumentOut};
