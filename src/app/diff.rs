//! `sfaudit diff OLD NEW`: drift between two runs; exit 1 when something got worse.

use super::console::write_text;
use crate::cli::{DiffArgs, RuleOptions};
use crate::diff::{Side, compare};
use crate::error::{Error, exit};
use crate::model::EvaluationDate;
use crate::report::drift;

pub(super) fn diff(args: &DiffArgs) -> Result<u8, Error> {
    let load = |path| Side::load(path).map_err(|problem| Error::SavedResult(vec![problem]));
    let (mut old, mut new) = (load(&args.old)?, load(&args.new)?);
    // A snapshot carries no findings, and judging its settings field by field cannot know every
    // way a setting weakens. So when either side is one, both sides' settings are evaluated with
    // the built-in rules on one date: a change that makes a rule fail is a new finding.
    let evaluated = if old.results.is_none() || new.results.is_none() {
        let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
        let (rules, _) = super::rules::load_rules(&RuleOptions { rules_dirs: Vec::new(), params: Vec::new() })?;
        for side in [&mut old, &mut new] {
            // Only what changes by itself moves: the settings compared leave those numbers out.
            side.inventory.refresh_dates(&as_of);
            side.results = Some(crate::engine::evaluate(&side.inventory, &rules));
        }
        Some(as_of)
    } else {
        None
    };
    let mut drift = compare(&old, &new);
    drift.evaluated_as_of = evaluated.map(|as_of| as_of.to_string());
    let text = match args.format.as_str() {
        "json" => drift::json(&drift),
        "markdown" => drift::markdown(&drift),
        _ => drift::table(&drift),
    };
    write_text(args.output.as_deref(), &text)?;
    Ok(if drift.got_worse() { exit::GATE_FAILED } else { exit::OK })
}
