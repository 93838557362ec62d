//! The JSON spelling of a results document: borrowed views that serialise the internal types
//! without copying them (schema version 2), and owned shapes that a document of version 1 or 2 is
//! read into and checked against before it becomes internal types again.

mod document;
mod lookup;
mod result;
mod result_v1;
mod results_compact;
mod rule;

pub(crate) use document::RESULTS_SCHEMA_VERSION;
pub(in crate::document) use document::{DocumentIn, DocumentOut};
pub(in crate::document) use result::ResultIn;
pub(in crate::document) use result_v1::ResultInV1;
