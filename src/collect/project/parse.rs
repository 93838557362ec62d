//! Reading and parsing the files a walk found, on every core.

use super::walk::FoundFile;
use crate::diag::Diagnostic;
use crate::xml::{MetadataDocument, parse_metadata};

pub(super) struct ParsedFile {
    pub kind: super::super::normalize::MetadataType,
    pub stem: String,
    pub document: MetadataDocument,
}

/// Why a file could not be used.
pub(super) enum ParseProblem {
    /// Not a metadata document at all: unreadable, empty, binary, too large or not well-formed
    /// XML. Nothing can be said about what it would deploy.
    Unparsable(Diagnostic),
    /// Well-formed, but its root element is not the type its name says.
    WrongRoot(Diagnostic),
}

/// Parses `files` on every core; results keep their order.
pub(super) fn parse_all(files: &[FoundFile]) -> Vec<Result<ParsedFile, ParseProblem>> {
    super::super::parallel_map(files, parse_one)
}

fn parse_one(file: &FoundFile) -> Result<ParsedFile, ParseProblem> {
    let relative = file.relative.as_str();
    let unreadable = |error: std::io::Error| {
        Diagnostic::at(relative, None, format!("cannot read: {error}"), "check the file's permissions")
    };
    let metadata = std::fs::metadata(&file.path).map_err(|error| ParseProblem::Unparsable(unreadable(error)))?;
    let limit = u64::try_from(crate::xml::MAX_METADATA_FILE_BYTES).unwrap_or(u64::MAX);
    if metadata.len() > limit {
        return Err(ParseProblem::Unparsable(Diagnostic::at(
            relative,
            None,
            format!(
                "the file is {} bytes, over sfaudit's limit of {limit} bytes for one metadata file",
                metadata.len()
            ),
            "Salesforce metadata files are a few kilobytes; check that this is the file you meant to commit",
        )));
    }
    let bytes = std::fs::read(&file.path).map_err(|error| ParseProblem::Unparsable(unreadable(error)))?;
    let document = parse_metadata(relative, &bytes).map_err(ParseProblem::Unparsable)?;
    if document.root.name != file.kind.type_name() {
        return Err(ParseProblem::WrongRoot(Diagnostic::at(
            relative,
            Some(document.root.line),
            format!(
                "the root element is <{}>, but a file with this name must hold <{}>",
                document.root.name,
                file.kind.type_name()
            ),
            "rename the file to match its content, or retrieve the component again",
        )));
    }
    Ok(ParsedFile { kind: file.kind, stem: file.stem.clone(), document })
}
