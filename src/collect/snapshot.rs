//! A snapshot (`sfaudit collect`) or a JSON result written by an earlier run, as a source: its
//! inventory is evaluated again.

use std::path::Path;

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::input;
use crate::limits::{MAX_JSON_DEPTH, MAX_SAVED_RESULT_BYTES};
use crate::model::{Inventory, InventoryError, SourceKind};

pub(crate) fn read_snapshot(path: &Path) -> Result<Inventory, Diagnostic> {
    let shown = path.display().to_string();
    let bytes = input::read_bytes(path, MAX_SAVED_RESULT_BYTES)
        .map_err(|error| Diagnostic::new(&shown, None, format!("the snapshot {error}")).with_hint("check the path"))?;
    let mut inventory = parse_snapshot(&shown, &bytes)?;
    inventory.source.kind = SourceKind::Snapshot;
    Ok(inventory)
}

/// A snapshot's or a saved result's inventory from its bytes; `shown` names it in problems.
/// Nesting deeper than [`MAX_JSON_DEPTH`] is refused before parsing. Whether the document is a
/// result (with an `inventory` member) is read first, skipping everything else, and the inventory
/// is then read straight into its typed shape: a JSON value tree of a large result took seven
/// times its size.
pub fn parse_snapshot(shown: &str, bytes: &[u8]) -> Result<Inventory, Diagnostic> {
    let hint = "pass a file written by `sfaudit collect` or `sfaudit scan --format json`";
    input::check_json_depth(bytes, MAX_JSON_DEPTH).map_err(|line| {
        Diagnostic::new(shown, Some(line), format!("nests more than {MAX_JSON_DEPTH} levels deep (sfaudit's limit)"))
            .with_hint(hint)
    })?;
    let names = crate::json_member::member_names(bytes).map_err(|error| {
        Diagnostic::new(shown, u32::try_from(error.line()).ok(), format!("not valid JSON: {error}")).with_hint(hint)
    })?;
    let inventory = if names.contains("inventory") {
        serde_json::from_slice::<InResult>(bytes).map(|result| result.inventory)
    } else {
        serde_json::from_slice::<Inventory>(bytes)
    };
    let mut inventory = inventory
        .map_err(|error| InventoryError::Shape(error.to_string()))
        .and_then(Inventory::checked)
        .map_err(|error| Diagnostic::new(shown, None, error.message()).with_hint(error.hint()))?;
    crate::xml::redact_raw_documents(&mut inventory);
    derive_again(shown, &mut inventory)?;
    Ok(inventory)
}

/// What sfaudit derives from other fields of a record is derived again rather than read, so a
/// file written by hand cannot make a record contradict itself: a short `max_days` beside a
/// period of 18 months, or no `standard_profiles` beside System Administrator in `profiles`.
fn derive_again(shown: &str, inventory: &mut Inventory) -> Result<(), Diagnostic> {
    for app in &mut inventory.apps {
        let Some(policy) = app.policy.as_mut() else { continue };
        policy.standard_profiles = super::normalize::standard_profiles(&policy.profiles);
        let token = &mut policy.refresh_token;
        token.max_days =
            super::normalize::refresh_token_days(token.policy, token.period, token.unit).map_err(|period| {
                Diagnostic::new(
                    shown,
                    None,
                    format!("app {:?}: the refresh token period {period} is out of range", app.name),
                )
                .with_hint("collect the snapshot again")
            })?;
    }
    Ok(())
}

/// A saved result, of which only the inventory is read.
#[derive(Deserialize)]
struct InResult {
    inventory: Inventory,
}
