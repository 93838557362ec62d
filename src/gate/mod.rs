//! What a run is held to, decided once: the threshold, suppressions, the baseline, and the
//! incomplete-scan rule, turned into the typed [`Decision`] every renderer and the exit code use.

pub mod baseline;
pub mod confidence;
pub(crate) mod glob;
pub mod incomplete;
pub mod loosening;
pub mod suppress;

use std::fmt;

use crate::engine::{BaselineState, RuleResult};
use crate::error::exit;
use crate::model::{Severity, Status};

/// `--fail-on`: a severity, or `none` for report-only runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self::Never);
        }
        Severity::parse(&text.to_ascii_lowercase())
            .map(Self::Severity)
            .ok_or_else(|| format!("'{text}' is not one of critical, high, medium, low, info, none"))
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Severity(severity) => formatter.write_str(severity.as_str()),
            Self::Never => formatter.write_str("none"),
        }
    }
}

/// How the gate judges a run, from the config and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub fail_on: FailOn,
    /// With a baseline: any new finding fails, whatever its severity.
    pub fail_on_new: bool,
    /// Report only: exit 0 whatever the findings.
    pub no_fail: bool,
}

impl Policy {
    pub fn threshold(fail_on: FailOn) -> Self {
        Self { fail_on, fail_on_new: false, no_fail: false }
    }
}

/// The gate's verdict on one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub policy: Policy,
    /// Only findings new since a baseline were judged.
    pub baseline: bool,
    /// Failing results the gate counted.
    pub blocking: usize,
}

impl Decision {
    pub(crate) fn fail_on(&self) -> FailOn {
        self.policy.fail_on
    }

    /// Whether findings broke the threshold (even when `--no-fail` keeps the exit code at 0).
    pub(crate) fn failed(&self) -> bool {
        self.blocking > 0
    }

    pub(crate) fn exit_code(&self) -> u8 {
        if self.failed() && !self.policy.no_fail { exit::GATE_FAILED } else { exit::OK }
    }

    fn judges_any_new_finding(&self) -> bool {
        self.baseline && self.policy.fail_on_new
    }

    /// What the gate counts, e.g. `high and above` or `new findings at high and above`.
    pub(crate) fn scope(&self) -> String {
        if self.judges_any_new_finding() {
            return "any new finding".to_string();
        }
        match self.policy.fail_on {
            FailOn::Severity(threshold) => {
                format!("{}{threshold} and above", if self.baseline { "new findings at " } else { "" })
            }
            FailOn::Never => "never (fail_on none)".to_string(),
        }
    }

    /// `gate on high and above: FAILED (18 blocking)`, for the summary line.
    pub(crate) fn description(&self) -> String {
        let blocking = self.blocking;
        let outcome = match (self.failed(), self.policy.no_fail) {
            (true, true) => format!("would fail ({blocking} blocking), --no-fail"),
            (true, false) => format!("FAILED ({blocking} blocking)"),
            (false, _) => "passed".to_string(),
        };
        format!("gate on {}: {outcome}", self.scope())
    }
}

/// Judges the results: failing, not suppressed, new when there is a baseline, and at or above the
/// threshold (or any new finding with `fail_on_new`).
pub fn decide(results: &[RuleResult], policy: Policy, baseline: bool) -> Decision {
    let judged = |result: &&RuleResult| {
        result.status == Status::Fail
            && result.suppression.is_none()
            && (!baseline || result.baseline == Some(BaselineState::New))
    };
    let mut decision = Decision { policy, baseline, blocking: 0 };
    decision.blocking = if decision.judges_any_new_finding() {
        results.iter().filter(judged).count()
    } else {
        match policy.fail_on {
            FailOn::Severity(threshold) => {
                results.iter().filter(judged).filter(|result| result.severity >= threshold).count()
            }
            FailOn::Never => 0,
        }
    };
    decision
}
