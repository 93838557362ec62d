//! Offline collector: a Salesforce DX project (source format) or a Metadata API folder. `walk`
//! decides which files the Salesforce CLI would deploy, `parse` reads them, `assemble` builds
//! the records (problems with one file stay with its app), `source_only` reads the files that
//! are not deployed for committed secrets, and `scan` puts it together.

mod assemble;
mod parse;
mod scan;
mod source_only;
mod walk;

pub use scan::collect_project;
pub(crate) use scan::fatal_problems;
