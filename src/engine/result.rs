//! What evaluation produces: one result per (rule, resource), and what later stages record on it
//! (a suppression that accepts it, its state against a baseline).

use std::collections::BTreeMap;

use serde_json::Value;

use super::rule::RuleMeta;
use crate::model::{Confidence, Origin, ResourceKind, Severity, Status, Text};

/// The resource a result is about, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub name: Text,
    pub label: Text,
    /// The app's namespace prefix (`Namespace__Name` or the project's); empty when it has none.
    pub namespace: Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResult {
    pub rule_id: Text,
    pub status: Status,
    pub severity: Severity,
    /// How sure the result is (the rule's `confidence`).
    pub confidence: Confidence,
    pub control: Text,
    pub title: Text,
    pub category: Text,
    pub resource: ResourceRef,
    pub location: Origin,
    /// The "your value" column; `None` when it could not be computed.
    pub actual: Option<String>,
    /// "Your value" rests on a value no file set: Salesforce's documented default was assumed
    /// (the `actual` expression reads a path in the record's `defaults`). Reports show "(default)".
    pub assumed: bool,
    pub expected: Text,
    /// Why the result is not a plain pass or fail (what was missing, why it does not apply).
    pub reason: Option<Text>,
    /// Stable across runs for the same rule and resource, for baselines and SARIF.
    pub fingerprint: String,
    /// Set when a suppression covers this result: it is still reported, but does not fail the gate.
    pub suppression: Option<Box<Suppression>>,
    /// With `--baseline`: whether a failing result is new or was already failing.
    pub baseline: Option<BaselineState>,
    /// (rule index, resource index) during evaluation: sorting on it in place gives the
    /// documented order without comparing strings or copying a large result list.
    pub(crate) order: (u32, u32),
}

/// Why a result is accepted as a known risk, as written in the suppression that matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// After this date the suppression no longer applies.
    pub expires: Option<time::Date>,
    /// Where the suppression is written (`sfaudit.toml:12`).
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineState {
    /// Failing now and not in the baseline: the gate judges these.
    New,
    /// Failing now and already failing in the baseline.
    Unchanged,
}

impl BaselineState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub results: Vec<RuleResult>,
    pub rules: Vec<RuleMeta>,
    pub params: BTreeMap<String, Value>,
}

/// One evaluation's outcome before it is attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub actual: Option<String>,
    pub reason: Option<String>,
}
