//! The incomplete-scan rule: a live scan that could not read data rules need exits 3, unless the
//! user accepts that with `--allow-incomplete`. Notes (data no built-in rule reads) never change
//! the exit code.

use crate::error::exit;
use crate::model::Collection;

/// The exit code after the rule, and the lines standard error must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncompleteVerdict {
    pub code: u8,
    pub lines: Vec<String>,
}

pub(crate) fn judge(collection: Option<&Collection>, allow_incomplete: bool, code: u8) -> IncompleteVerdict {
    let Some(collection) = collection else { return IncompleteVerdict { code, lines: Vec::new() } };
    let mut lines: Vec<String> = collection.notes.iter().map(|note| format!("note: {note}")).collect();
    if collection.incomplete.is_empty() {
        return IncompleteVerdict { code, lines };
    }
    let verdict = if allow_incomplete { "warning" } else { "error" };
    lines.push(format!("{verdict}: the scan is incomplete; results that need this data are `unknown`:"));
    lines.extend(collection.incomplete.iter().map(|item| format!("  - {item}")));
    if allow_incomplete {
        return IncompleteVerdict { code, lines };
    }
    lines.push(
        "  hint: each line says what to check; pass --allow-incomplete to accept an incomplete scan (exit 3 \
         otherwise)"
            .into(),
    );
    IncompleteVerdict { code: exit::INCOMPLETE, lines }
}
