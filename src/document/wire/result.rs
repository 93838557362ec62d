//! One result as the document spells it: written from a [`RuleResult`] without copying, read back
//! and checked.

use serde::ser::SerializeSeq as _;
use serde::{Deserialize, Serialize, Serializer};

use crate::engine::{BaselineState, ResourceRef, RuleResult, Suppression};
use crate::model::{Confidence, Origin, ResourceKind, Severity, Status, Text};

#[derive(Serialize)]
struct ResourceOut<'a> {
    kind: ResourceKind,
    name: &'a str,
    label: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
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
    control: &'a str,
    title: &'a str,
    category: &'a str,
    resource: ResourceOut<'a>,
    location: &'a Origin,
    actual: Option<&'a str>,
    assumed: bool,
    expected: &'a str,
    reason: Option<&'a str>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

impl<'a> From<&'a RuleResult> for ResultOut<'a> {
    fn from(result: &'a RuleResult) -> Self {
        Self {
            rule_id: &result.rule_id,
            status: result.status,
            severity: result.severity,
            confidence: result.confidence,
            control: &result.control,
            title: &result.title,
            category: &result.category,
            resource: ResourceOut {
                kind: result.resource.kind,
                name: &result.resource.name,
                label: &result.resource.label,
                namespace: &result.resource.namespace,
            },
            location: &result.location,
            actual: result.actual.as_deref(),
            assumed: result.assumed,
            expected: &result.expected,
            reason: result.reason.as_deref(),
            fingerprint: &result.fingerprint,
            suppression: result.suppression.as_deref().map(|suppression| SuppressionOut {
                reason: &suppression.reason,
                owner: suppression.owner.as_deref(),
                ticket: suppression.ticket.as_deref(),
                expires: suppression.expires.map(|date| date.to_string()),
                source: &suppression.source,
            }),
            baseline: result.baseline.map(BaselineState::as_str),
        }
    }
}

pub(super) fn results_out<S: Serializer>(results: &&[RuleResult], serializer: S) -> Result<S::Ok, S::Error> {
    let mut sequence = serializer.serialize_seq(Some(results.len()))?;
    for result in *results {
        sequence.serialize_element(&ResultOut::from(result))?;
    }
    sequence.end()
}

/// A rule as the document spells it; `S` is `&str` when written and `String` when read.
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
struct SuppressionIn {
    reason: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    source: String,
}

#[derive(Deserialize)]
pub(super) struct ResultIn {
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
    actual: Option<String>,
    #[serde(default)]
    assumed: bool,
    expected: Text,
    reason: Option<Text>,
    fingerprint: String,
    #[serde(default)]
    suppression: Option<SuppressionIn>,
    #[serde(default)]
    baseline: Option<String>,
}

/// Documents written before results carried a confidence held only high-confidence results.
fn certain() -> Confidence {
    Confidence::High
}

impl ResultIn {
    pub(super) fn into_result(self, index: usize) -> Result<RuleResult, String> {
        let place = || format!("results[{index}]");
        let suppression = match self.suppression {
            None => None,
            Some(suppression) => {
                let expires = match suppression.expires {
                    None => None,
                    Some(text) => Some(
                        time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
                            .map_err(|_| format!("{}.suppression.expires '{text}' is not a date", place()))?,
                    ),
                };
                Some(Box::new(Suppression {
                    reason: suppression.reason,
                    owner: suppression.owner,
                    ticket: suppression.ticket,
                    expires,
                    source: suppression.source,
                }))
            }
        };
        let baseline = match self.baseline.as_deref() {
            None => None,
            Some("new") => Some(BaselineState::New),
            Some("unchanged") => Some(BaselineState::Unchanged),
            Some(other) => return Err(format!("{}.baseline '{other}' is not new or unchanged", place())),
        };
        Ok(RuleResult {
            rule_id: self.rule_id,
            status: self.status,
            severity: self.severity,
            confidence: self.confidence,
            control: self.control,
            title: self.title,
            category: self.category,
            resource: ResourceRef {
                kind: self.resource.kind,
                name: self.resource.name,
                label: self.resource.label,
                namespace: self.resource.namespace,
            },
            location: self.location,
            actual: self.actual,
            assumed: self.assumed,
            expected: self.expected,
            reason: self.reason,
            fingerprint: self.fingerprint,
            suppression,
            baseline,
            order: (0, 0),
        })
    }
}
