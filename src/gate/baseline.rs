//! Baselines: a saved JSON result whose failing findings are accepted as the starting point, so
//! the gate only fails on what is new. Findings are matched by their stable fingerprint.

use std::collections::BTreeSet;

use crate::engine::{BaselineState, Results};
use crate::model::Status;

/// What the report says about the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineSummary {
    pub file: String,
    pub new: usize,
    pub unchanged: usize,
    /// Failing in the baseline, not failing now.
    pub fixed: usize,
}

/// The failing fingerprints of a saved result.
#[derive(Debug, Clone)]
pub(crate) struct Baseline {
    pub file: String,
    failing: BTreeSet<String>,
}

impl Baseline {
    pub(crate) fn from_results(file: String, results: &Results) -> Self {
        let failing = results
            .iter()
            .filter(|result| result.status == Status::Fail)
            .map(|result| result.fingerprint().to_string())
            .collect();
        Self { file, failing }
    }

    /// Marks every failing result new or unchanged and counts what was fixed.
    pub(crate) fn apply(&self, results: &mut Results) -> BaselineSummary {
        let mut summary = BaselineSummary { file: self.file.clone(), new: 0, unchanged: 0, fixed: 0 };
        let mut still_failing = BTreeSet::new();
        let states: Vec<(usize, BaselineState)> = results
            .iter()
            .enumerate()
            .filter(|(_, result)| result.status == Status::Fail)
            .map(|(index, result)| {
                let fingerprint = result.fingerprint();
                let state = match self.failing.get(fingerprint.as_str()) {
                    Some(known) => {
                        still_failing.insert(known.as_str());
                        BaselineState::Unchanged
                    }
                    None => BaselineState::New,
                };
                (index, state)
            })
            .collect();
        for (index, state) in states {
            match state {
                BaselineState::Unchanged => summary.unchanged += 1,
                BaselineState::New => summary.new += 1,
            }
            results.results[index].baseline = Some(state);
        }
        summary.fixed = self.failing.iter().filter(|fingerprint| !still_failing.contains(fingerprint.as_str())).count();
        summary
    }
}
