//! Ways a run's policy was made looser than sfaudit's defaults: what a `sfaudit.toml` in a pull
//! request could use to slip a finding past the gate. Every report lists them and the summary
//! line counts them, so a reviewer sees them whether the change was meant or not.

use std::fmt;

/// One loosening, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loosening {
    pub kind: LooseningKind,
    /// What it applies to: a rule id or glob, a category, a parameter, a level.
    pub subject: String,
    /// What it does, in a sentence fragment (`critical → low`, `until 2027-03-31`, …).
    pub detail: String,
    /// `sfaudit.toml:12`, a suppressions file, a rule file, or `command line`.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LooseningKind {
    /// The gate's threshold set above the default (`fail_on = "critical"` or `"none"`).
    GateThreshold,
    /// A baseline: only findings new since it fail the gate.
    Baseline,
    /// A suppression: matching failures do not fail the gate.
    Suppression,
    /// A rule left out by `ignore`.
    IgnoredRule,
    /// A whole category left out by `ignore`.
    IgnoredCategory,
    /// `select`: only the named rules or categories run.
    Selection,
    /// A rule's severity lowered.
    SeverityLowered,
    /// A built-in rule replaced by a rule file with its id.
    RuleOverride,
    /// A rule parameter changed from its default.
    Parameter,
    /// `min_confidence`: results less sure than a level are hidden.
    MinConfidence,
}

impl LooseningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GateThreshold => "gate_threshold",
            Self::Baseline => "baseline",
            Self::Suppression => "suppression",
            Self::IgnoredRule => "ignored_rule",
            Self::IgnoredCategory => "ignored_category",
            Self::Selection => "selection",
            Self::SeverityLowered => "severity_lowered",
            Self::RuleOverride => "rule_override",
            Self::Parameter => "parameter",
            Self::MinConfidence => "min_confidence",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub const ALL: [Self; 10] = [
        Self::GateThreshold,
        Self::Baseline,
        Self::Suppression,
        Self::IgnoredRule,
        Self::IgnoredCategory,
        Self::Selection,
        Self::SeverityLowered,
        Self::RuleOverride,
        Self::Parameter,
        Self::MinConfidence,
    ];

    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::GateThreshold => "gate threshold raised",
            Self::Baseline => "baseline",
            Self::Suppression => "suppression",
            Self::IgnoredRule => "rule ignored",
            Self::IgnoredCategory => "category ignored",
            Self::Selection => "rules selected",
            Self::SeverityLowered => "severity lowered",
            Self::RuleOverride => "built-in rule replaced",
            Self::Parameter => "parameter changed",
            Self::MinConfidence => "low-confidence results hidden",
        }
    }
}

impl fmt::Display for LooseningKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.label())
    }
}

/// `5 policy loosenings (suppression: 2, rule ignored: 1, …)` for the summary line; `None` when
/// the policy is sfaudit's own.
pub(crate) fn count_text(loosenings: &[Loosening]) -> Option<String> {
    if loosenings.is_empty() {
        return None;
    }
    let parts: Vec<String> = LooseningKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let count = loosenings.iter().filter(|loosening| loosening.kind == kind).count();
            (count > 0).then(|| format!("{}: {count}", kind.label()))
        })
        .collect();
    let noun = if loosenings.len() == 1 { "loosening" } else { "loosenings" };
    Some(format!("{} policy {noun} ({})", loosenings.len(), parts.join(", ")))
}
