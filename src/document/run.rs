//! What a results document holds besides the results: run metadata, and the report as every
//! renderer borrows it.

use crate::engine::Results;
use crate::gate::baseline::BaselineSummary;
use crate::gate::confidence::Hidden;
use crate::gate::loosening::Loosening;
use crate::gate::{Decision, FailOn};
use crate::model::{EvaluationDate, Inventory, ScanSource};

use super::summary::Summary;
use super::trend::Trend;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePackInfo {
    pub version: String,
    pub rules: usize,
}

/// Everything about a run that is not a result or the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub tool: ToolInfo,
    pub rule_pack: RulePackInfo,
    pub source: ScanSource,
    /// The evaluation date (`--as-of`).
    pub evaluated_at: EvaluationDate,
    /// Problems worth a reader's attention that are not results (expired suppressions, …).
    pub warnings: Vec<String>,
    /// Set when the run compared against a baseline.
    pub baseline: Option<BaselineSummary>,
    /// Set with `--min-confidence` (or `min_confidence`): the results left out.
    pub hidden: Option<Hidden>,
    /// Every way the policy was made looser than sfaudit's defaults, in the order found.
    pub loosenings: Vec<Loosening>,
}

/// A whole report, borrowed: what every renderer receives.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub run: &'a RunInfo,
    pub inventory: &'a Inventory,
    pub results: &'a Results,
    pub summary: &'a Summary,
    pub gate: &'a Decision,
    /// Earlier runs of the same org or project, when a history database is in use.
    pub trend: Option<&'a Trend>,
}

/// A JSON result read back from disk, owning everything a [`Report`] borrows but the gate, which
/// the reader decides again from `fail_on` (see [`crate::gate::decide`]).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub run: RunInfo,
    pub fail_on: FailOn,
    pub summary: Summary,
    pub results: Results,
    pub inventory: Inventory,
}

impl Loaded {
    pub fn report<'a>(&'a self, gate: &'a Decision) -> Report<'a> {
        Report {
            run: &self.run,
            inventory: &self.inventory,
            results: &self.results,
            summary: &self.summary,
            gate,
            trend: None,
        }
    }
}
