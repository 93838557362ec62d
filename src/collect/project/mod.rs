//! Offline collector: a Salesforce DX project (source format) or a Metadata API folder. `walk`
//! decides which files the Salesforce CLI would deploy, `group` reads, parses and normalizes
//! each app's files together (`parse` reads one file), `assemble` joins the outcomes into
//! records (problems with one file stay with its app), `source_only` reads the files that
//! are not deployed for committed secrets, and `scan` puts it together.

mod assemble;
mod group;
mod parse;
mod scan;
mod source_only;
mod walk;

pub use scan::collect_project;
