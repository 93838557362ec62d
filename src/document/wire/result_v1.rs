//! One result as version 1 of the document spelt it, every result carrying its rule's texts and
//! its resource's label and namespace: read back so that results saved by an earlier sfaudit
//! still work as `report --from`, `diff` and `--baseline` input.

use serde::Deserialize;

use super::lookup::{CarriedRule, Tables};
use super::result::{IntoResult, SuppressionIn, baseline_in, suppression_in};
use crate::engine::{ResourceRef, RuleResult};
use crate::model::{Confidence, Origin, ResourceKind, Severity, Status, Text};

#[derive(Deserialize)]
struct ResourceIn {
    kind: ResourceKind,
    name: Text,
    label: Text,
    #[serde(default = "no_namespace")]
    namespace: Text,
}

fn no_namespace() -> Text {
    "".into()
}

#[derive(Deserialize)]
pub(in crate::document) struct ResultInV1 {
    rule_id: Text,
    status: Status,
    severity: Severity,
    #[serde(default = "certain")]
    confidence: Confidence,
    control: Text,
    title: Text,
    category: Text,
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

/// Documents written before results carried a confidence held only high-confidence results.
fn certain() -> Confidence {
    Confidence::High
}

impl IntoResult for ResultInV1 {
    /// A version 1 result carries its rule's texts and its resource's label itself.
    fn into_result(self, index: usize, tables: &mut Tables<'_>) -> Result<RuleResult, String> {
        let place = format!("results[{index}]");
        let rule = tables.carried_rule(CarriedRule {
            id: self.rule_id,
            control: self.control,
            title: self.title,
            category: self.category,
            expected: self.expected,
            severity: self.severity,
        })?;
        let resource = tables.resource(ResourceRef {
            kind: self.resource.kind,
            name: self.resource.name,
            label: self.resource.label,
            namespace: self.resource.namespace,
        })?;
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
