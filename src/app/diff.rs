//! `sfaudit diff OLD NEW`: drift between two runs; exit 1 when something got worse.

use super::console::write_text;
use crate::cli::DiffArgs;
use crate::diff::{Side, compare};
use crate::error::{Error, exit};
use crate::report::drift;

pub(super) fn diff(args: &DiffArgs) -> Result<u8, Error> {
    let load = |path| Side::load(path).map_err(|problem| Error::SavedResult(vec![problem]));
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    let drift = compare(&old, &new);
    let text = match args.format.as_str() {
        "json" => drift::json(&drift),
        "markdown" => drift::markdown(&drift),
        _ => drift::table(&drift),
    };
    write_text(args.output.as_deref(), &text)?;
    Ok(if drift.got_worse() { exit::GATE_FAILED } else { exit::OK })
}
