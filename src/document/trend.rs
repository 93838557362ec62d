//! What the history store knows about earlier runs of the same org or project, as the reports
//! show it: the score over time and what changed since the previous scan. Plain data, filled by
//! [`crate::history`]; the HTML report draws it when a run has history.

use time::OffsetDateTime;

use crate::model::{ResourceKind, Severity};

/// The runs of one org or project, oldest first; the run being reported is the last point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trend {
    pub points: Vec<TrendPoint>,
    /// `None` for the first recorded run.
    pub since_previous: Option<SincePrevious>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub evaluated_at: OffsetDateTime,
    pub score: Option<u8>,
    pub band: String,
    pub failed: usize,
    /// Failing now and not in the run before (every failing result of the first run counts).
    pub new: usize,
    /// Failing in the run before and not now.
    pub fixed: usize,
}

/// What changed between the previous run and this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SincePrevious {
    pub previous_at: OffsetDateTime,
    pub previous_score: Option<u8>,
    pub new_findings: Vec<ChangedFinding>,
    pub fixed_findings: Vec<ChangedFinding>,
    pub apps_added: Vec<(ResourceKind, String)>,
    pub apps_removed: Vec<(ResourceKind, String)>,
    pub setting_changes: Vec<ChangedSetting>,
}

impl SincePrevious {
    /// Drift worth an alert: a new finding or a setting judged weaker.
    pub fn got_worse(&self) -> bool {
        !self.new_findings.is_empty() || self.setting_changes.iter().any(|change| change.weaker)
    }

    pub fn is_empty(&self) -> bool {
        self.new_findings.is_empty()
            && self.fixed_findings.is_empty()
            && self.apps_added.is_empty()
            && self.apps_removed.is_empty()
            && self.setting_changes.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFinding {
    pub rule_id: String,
    pub severity: Severity,
    pub kind: ResourceKind,
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedSetting {
    pub kind: ResourceKind,
    pub name: String,
    /// Record path, as rules name it (`policy.permitted_users`).
    pub field: String,
    pub old: String,
    pub new: String,
    /// `weaker`, `stronger` or `changed`, as `sfaudit diff` judges it.
    pub direction: &'static str,
    pub weaker: bool,
}
