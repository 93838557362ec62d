//! One result as version 2 of the document spells it: written from a [`ResultView`] without
//! copying, read back and checked. The rule's texts (control, title, category) and the resource's
//! label and namespace are not repeated here: they are read from `rules[]` and the inventory
//! ([`Tables`]). The fingerprint is written for the tools that read the document, but is not
//! read back: it is a function of the rule id and the resource, computed again.

use serde::ser::SerializeSeq as _;
use serde::{Deserialize, Serialize, Serializer};

use super::lookup::Tables;
use crate::engine::{BaselineState, Fingerprint, ResourceRef, ResultView, Results, RuleResult, Suppression};
use crate::model::{Confidence, Origin, ResourceKind, Severity, Status, Text};

#[derive(Serialize)]
pub(super) struct ResourceOut<'a> {
    kind: ResourceKind,
    name: &'a str,
}

#[derive(Serialize)]
pub(super) struct SuppressionOut<'a> {
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    source: &'a str,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    rule_id: &'a str,
    status: Status,
    severity: Severity,
    confidence: Confidence,
    resource: ResourceOut<'a>,
    location: &'a Origin,
    actual: Option<&'a str>,
    assumed: bool,
    expected: &'a str,
    reason: Option<&'a str>,
    fingerprint: Fingerprint,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

impl<'a> ResourceOut<'a> {
    pub(super) fn new(resource: &'a ResourceRef) -> Self {
        Self { kind: resource.kind, name: &resource.name }
    }
}

impl<'a> SuppressionOut<'a> {
    pub(super) fn new(suppression: &'a Suppression) -> Self {
        Self {
            reason: &suppression.reason,
            owner: suppression.owner.as_deref(),
            ticket: suppression.ticket.as_deref(),
            expires: suppression.expires.map(|date| date.to_string()),
            source: &suppression.source,
        }
    }
}

impl<'a> From<ResultView<'a>> for ResultOut<'a> {
    fn from(result: ResultView<'a>) -> Self {
        let stored = result.stored();
        Self {
            rule_id: result.rule_id(),
            status: stored.status,
            severity: stored.severity,
            confidence: stored.confidence,
            resource: ResourceOut::new(result.resource),
            location: result.location,
            actual: result.actual(),
            assumed: stored.assumed,
            expected: &result.rule.expected,
            reason: result.reason(),
            fingerprint: result.fingerprint(),
            suppression: result.suppression().map(SuppressionOut::new),
            baseline: stored.baseline.map(BaselineState::as_str),
        }
    }
}

pub(super) fn results_out<S: Serializer>(results: &&Results, serializer: S) -> Result<S::Ok, S::Error> {
    let mut sequence = serializer.serialize_seq(Some(results.results.len()))?;
    for result in results.iter() {
        sequence.serialize_element(&ResultOut::from(result))?;
    }
    sequence.end()
}

#[derive(Deserialize)]
struct ResourceIn {
    kind: ResourceKind,
    name: Text,
}

#[derive(Deserialize)]
pub(super) struct SuppressionIn {
    reason: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    source: String,
}

/// A result of either version, read into the internal type; `tables` holds what version 2 leaves
/// to `rules[]` and the inventory, and gathers the resources and files results name.
pub(in crate::document) trait IntoResult {
    fn into_result(self, index: usize, tables: &mut Tables<'_>) -> Result<RuleResult, String>;
}

#[derive(Deserialize)]
pub(in crate::document) struct ResultIn {
    rule_id: Text,
    status: Status,
    severity: Severity,
    confidence: Confidence,
    resource: ResourceIn,
    location: Origin,
    actual: Option<Text>,
    #[serde(default)]
    assumed: bool,
    expected: Text,
    reason: Option<Text>,
    /// Derived from the rule and resource, so not read.
    #[serde(rename = "fingerprint")]
    _fingerprint: String,
    #[serde(default)]
    suppression: Option<SuppressionIn>,
    #[serde(default)]
    baseline: Option<String>,
}

impl IntoResult for ResultIn {
    fn into_result(self, index: usize, tables: &mut Tables<'_>) -> Result<RuleResult, String> {
        let place = format!("results[{index}]");
        let (rule, meta) = tables.rule(&self.rule_id).ok_or_else(|| {
            format!("{place}.rule_id '{}' is not one of the rules in the document's rules[]", self.rule_id)
        })?;
        if *self.expected != *meta.expected {
            return Err(format!(
                "{place}.expected '{}' is not the expected value of rule '{}' in rules[] ('{}')",
                self.expected, self.rule_id, meta.expected
            ));
        }
        let (label, namespace) =
            tables.inventory_resource(self.resource.kind, &self.resource.name).ok_or_else(|| {
                format!(
                    "{place}.resource ({} '{}') is not in the document's inventory",
                    self.resource.kind.as_str(),
                    self.resource.name
                )
            })?;
        let resource =
            tables.resource(ResourceRef { kind: self.resource.kind, name: self.resource.name, label, namespace })?;
        Ok(RuleResult {
            rule,
            resource,
            location: tables.location(resource, self.location, &place)?,
            status: self.status,
            severity: self.severity,
            confidence: self.confidence,
            assumed: self.assumed,
            baseline: baseline_in(self.baseline.as_deref(), &place)?,
            actual: tables.text(self.actual),
            reason: tables.text(self.reason),
            suppression: tables.suppression(suppression_in(self.suppression, &place)?),
        })
    }
}

/// A result's suppression as written; `place` names the result in the problem it reports.
pub(super) fn suppression_in(suppression: Option<SuppressionIn>, place: &str) -> Result<Option<Suppression>, String> {
    let Some(suppression) = suppression else { return Ok(None) };
    let expires = match suppression.expires {
        None => None,
        Some(text) => Some(
            time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| format!("{place}.suppression.expires '{text}' is not a date"))?,
        ),
    };
    Ok(Some(Suppression {
        reason: suppression.reason,
        owner: suppression.owner,
        ticket: suppression.ticket,
        expires,
        source: suppression.source,
    }))
}

/// A result's baseline state as written; `place` names the result in the problem it reports.
pub(super) fn baseline_in(baseline: Option<&str>, place: &str) -> Result<Option<BaselineState>, String> {
    match baseline {
        None => Ok(None),
        Some("new") => Ok(Some(BaselineState::New)),
        Some("unchanged") => Ok(Some(BaselineState::Unchanged)),
        Some(other) => Err(format!("{place}.baseline '{other}' is not new or unchanged")),
    }
}
