//! `--min-confidence`: results less sure than the level are left out of the reports and the gate,
//! and every report says how many (as zizmor does).

use crate::engine::RuleResult;
use crate::model::Confidence;

/// Results left out because their confidence is below `below`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden {
    pub below: Confidence,
    pub count: usize,
}

impl Hidden {
    /// `12 results below medium confidence hidden (--min-confidence medium)`.
    pub(crate) fn describe(&self) -> String {
        let noun = if self.count == 1 { "result" } else { "results" };
        format!("{} {noun} below {} confidence hidden (--min-confidence {})", self.count, self.below, self.below)
    }
}

/// Removes the results below `minimum`, keeping the order of the rest.
pub(crate) fn hide_below(results: &mut Vec<RuleResult>, minimum: Confidence) -> Hidden {
    let before = results.len();
    results.retain(|result| result.confidence >= minimum);
    Hidden { below: minimum, count: before - results.len() }
}
