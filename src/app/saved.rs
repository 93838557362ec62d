//! Results written by an earlier run, read back: a baseline, or the input of `report --from`.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::document::{self, Loaded};
use crate::error::Error;

/// A JSON result written by an earlier run: a baseline, or the input of `report --from`.
pub(super) fn read_saved_result(path: &Path) -> Result<Loaded, Error> {
    let shown = path.display().to_string();
    let text = crate::input::read_text(path, crate::limits::MAX_SAVED_RESULT_BYTES).map_err(|error| {
        Error::SavedResult(vec![Diagnostic::new(&shown, None, error.to_string()).with_hint("check the path")])
    })?;
    document::parse(&shown, &text).map_err(|problem| Error::SavedResult(vec![problem]))
}
