//! A rule's write-up as the document spells it.

use std::collections::BTreeMap;

use serde::ser::SerializeSeq as _;
use serde::{Deserialize, Serialize, Serializer};

use crate::engine::{DeclaredConfidence, RuleMeta};
use crate::model::{Confidence, ResourceKind, Severity};

#[derive(Serialize, Deserialize)]
pub(super) struct RuleShape<S: Ord> {
    id: S,
    control: S,
    title: S,
    severity: Severity,
    /// `high`, `medium`, `low` or `computed`; documents written before rules had one are `high`.
    #[serde(default)]
    confidence: Option<S>,
    cvss: S,
    category: S,
    applies_to: Vec<ResourceKind>,
    expected: S,
    overview: S,
    risk: S,
    threat_scenarios: S,
    higher_risk_when: S,
    lower_risk_when: S,
    business_considerations: S,
    remediation: S,
    references: Vec<S>,
    mappings: BTreeMap<S, Vec<S>>,
    source: S,
}

pub(super) fn rules_out<S: Serializer>(rules: &&[RuleMeta], serializer: S) -> Result<S::Ok, S::Error> {
    let mut sequence = serializer.serialize_seq(Some(rules.len()))?;
    for rule in *rules {
        sequence.serialize_element(&RuleShape {
            id: rule.id.as_str(),
            control: &rule.control,
            title: &rule.title,
            severity: rule.severity,
            confidence: Some(rule.confidence.as_str()),
            cvss: &rule.cvss,
            category: &rule.category,
            applies_to: rule.applies_to.clone(),
            expected: &rule.expected,
            overview: &rule.overview,
            risk: &rule.risk,
            threat_scenarios: &rule.threat_scenarios,
            higher_risk_when: &rule.higher_risk_when,
            lower_risk_when: &rule.lower_risk_when,
            business_considerations: &rule.business_considerations,
            remediation: &rule.remediation,
            references: rule.references.iter().map(String::as_str).collect(),
            mappings: rule
                .mappings
                .iter()
                .map(|(name, ids)| (name.as_str(), ids.iter().map(String::as_str).collect()))
                .collect(),
            source: &rule.source,
        })?;
    }
    sequence.end()
}

impl RuleShape<String> {
    pub(super) fn into_rule_meta(self) -> Result<RuleMeta, String> {
        // Destructured so that a new field is a compile error here, not a silent omission.
        let RuleShape {
            id,
            control,
            title,
            severity,
            confidence,
            cvss,
            category,
            applies_to,
            expected,
            overview,
            risk,
            threat_scenarios,
            higher_risk_when,
            lower_risk_when,
            business_considerations,
            remediation,
            references,
            mappings,
            source,
        } = self;
        let confidence = match confidence.as_deref() {
            None => DeclaredConfidence::Fixed(Confidence::High),
            Some(text) => DeclaredConfidence::parse(text)
                .ok_or_else(|| format!("rules[{id}].confidence '{text}' is not one of high, medium, low, computed"))?,
        };
        Ok(RuleMeta {
            id,
            control,
            title,
            severity,
            confidence,
            cvss,
            category,
            applies_to,
            expected,
            overview,
            risk,
            threat_scenarios,
            higher_risk_when,
            lower_risk_when,
            business_considerations,
            remediation,
            references,
            mappings: mappings.into_iter().collect(),
            source,
        })
    }
}
