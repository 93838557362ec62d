//! Reading and parsing one file a walk found.

use super::walk::FoundFile;
use crate::diag::Diagnostic;
use crate::input::{self, ReadError};
use crate::limits::MAX_METADATA_FILE_BYTES;
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

/// Reads and parses one file the walk found.
pub(super) fn parse_one(file: &FoundFile) -> Result<ParsedFile, ParseProblem> {
    let relative = file.relative.as_str();
    let bytes = input::read_bytes(&file.path(), MAX_METADATA_FILE_BYTES).map_err(|error| {
        let hint = match error {
            ReadError::Io(_) => "check the file's permissions",
            ReadError::NotRegular(_) => "metadata files are regular files; remove or rename this one",
            ReadError::TooLarge { .. } => {
                "Salesforce metadata files are a few kilobytes; check that this is the file you meant to commit"
            }
        };
        ParseProblem::Unparsable(Diagnostic::at(relative, None, error.to_string(), hint))
    })?;
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
    Ok(ParsedFile { kind: file.kind, stem: file.stem().to_string(), document })
}
