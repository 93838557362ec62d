//! The rule engine: every (rule, resource) pair gets exactly one outcome.
//!
//! Nothing here knows where the inventory came from or how results are shown.

pub mod cel;
pub mod embedded;
pub mod fixtures;
pub mod rule;
pub mod schema;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use rule::{Rule, RuleError, RuleMeta, RuleSet, RuleSource, Severity};

use crate::model::{Inventory, Origin, Resource, ResourceKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    Unknown,
    Pass,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [Self::Fail, Self::Unknown, Self::Pass, Self::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Unknown => "unknown",
            Self::Pass => "pass",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// The resource a result is about, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub name: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    pub rule_id: String,
    pub status: Status,
    pub severity: Severity,
    pub control: String,
    pub title: String,
    pub category: String,
    pub resource: ResourceRef,
    pub location: Origin,
    /// The "your value" column; `None` when it could not be computed.
    pub actual: Option<String>,
    pub expected: String,
    /// Why the result is not a plain pass or fail (what was missing, why it does not apply).
    pub reason: Option<String>,
    /// Stable across runs for the same rule and resource, for baselines and SARIF.
    pub fingerprint: String,
    /// Set when a suppression covers this result: it is still reported, but does not fail the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

/// Why a result is accepted as a known risk, as written in the suppression that matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`; after this date the suppression no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the suppression is written (`sfaudit.toml:12`).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// The JSON view of a resource that rules read, with `raw` left out unless a rule needs it.
pub fn resource_json(resource: Resource<'_>, include_raw: bool) -> Value {
    let mut value = match resource {
        Resource::App(app) => serde_json::to_value(app),
        Resource::Org(org) => serde_json::to_value(org),
    }
    .unwrap_or(Value::Null);
    if !include_raw {
        if let Some(map) = value.as_object_mut() {
            map.insert("raw".to_string(), Value::Object(serde_json::Map::new()));
        }
    }
    value
}

/// Finds which declared-missing record path an expression touches, if any.
fn missing_reason(
    expression: &cel::Expression,
    app_missing: &BTreeMap<String, String>,
    org_missing: &BTreeMap<String, String>,
) -> Option<String> {
    for path in &expression.paths {
        let (missing, rest) = if let Some(rest) = path.strip_prefix("app.") {
            (app_missing, rest)
        } else if let Some(rest) = path.strip_prefix("org.") {
            (org_missing, rest)
        } else {
            continue;
        };
        for (missing_path, reason) in missing {
            // Reading a parent (`app.policy != null`) is fine when only a child is missing.
            let touches = rest == missing_path || rest.starts_with(&format!("{missing_path}."));
            if touches {
                return Some(format!("{missing_path} is not available: {reason}"));
            }
        }
    }
    None
}

/// Evaluates one rule against one resource's bindings.
pub fn evaluate_rule(
    rule: &Rule,
    bindings: &cel::Bindings,
    app_missing: &BTreeMap<String, String>,
    org_missing: &BTreeMap<String, String>,
) -> Outcome {
    let unknown = |reason: String| Outcome { status: Status::Unknown, actual: None, reason: Some(reason) };
    if let Some(when) = &rule.when {
        if let Some(reason) = missing_reason(when, app_missing, org_missing) {
            return unknown(reason);
        }
        match when.evaluate(bindings) {
            Ok(::cel::Value::Bool(true)) => {}
            Ok(::cel::Value::Bool(false)) => {
                return Outcome {
                    status: Status::NotApplicable,
                    actual: None,
                    reason: Some(format!(
                        "does not apply: {}",
                        rule.when.as_ref().map_or("", |when| when.source.trim())
                    )),
                };
            }
            Ok(other) => {
                return unknown(format!("rule error: `when` gave {} instead of true or false", cel::display(&other)));
            }
            Err(error) => return unknown(format!("could not evaluate `when`: {error}")),
        }
    }
    let actual = rule.actual.as_ref().and_then(|actual| {
        if missing_reason(actual, app_missing, org_missing).is_some() {
            return None;
        }
        actual.evaluate(bindings).ok().map(|value| cel::display(&value))
    });
    if let Some(reason) = missing_reason(&rule.fail_if, app_missing, org_missing) {
        return unknown(reason);
    }
    match rule.fail_if.evaluate(bindings) {
        Ok(::cel::Value::Bool(true)) => Outcome { status: Status::Fail, actual, reason: None },
        Ok(::cel::Value::Bool(false)) => Outcome { status: Status::Pass, actual, reason: None },
        Ok(other) => unknown(format!("rule error: `fail_if` gave {} instead of true or false", cel::display(&other))),
        Err(error) => unknown(format!("could not evaluate `fail_if`: {error}")),
    }
}

/// The file a reviewer has to change: the one behind the first record path `fail_if` reads.
fn result_location<'a>(rule: &Rule, resource: Resource<'a>) -> &'a Origin {
    let first =
        rule.fail_if.paths.iter().find_map(|path| path.strip_prefix("app.").or_else(|| path.strip_prefix("org.")));
    match first {
        Some(path) => crate::model::location_for(resource.origin(), resource.files(), path),
        None => resource.origin(),
    }
}

pub fn fingerprint(rule_id: &str, kind: ResourceKind, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{rule_id}\u{0}{}\u{0}{name}", kind.as_str()).as_bytes());
    digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

fn rule_reads_raw(rule: &Rule) -> bool {
    [Some(&rule.fail_if), rule.when.as_ref(), rule.actual.as_ref()].into_iter().flatten().any(|expression| {
        expression.paths.iter().any(|path| path.starts_with("app.raw") || path.starts_with("org.raw"))
    })
}

/// Evaluates every rule against every resource it applies to. Results are sorted by rule id,
/// then resource kind and name, so output is deterministic.
pub fn evaluate(inventory: &Inventory, rules: &RuleSet) -> Results {
    let include_raw = rules.rules.iter().any(rule_reads_raw);
    let org_json = resource_json(Resource::Org(&inventory.org), include_raw);
    let params = Value::Object(rules.params.clone().into_iter().collect());
    let resources: Vec<Resource<'_>> = inventory.resources().collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk_size = resources.len().div_ceil(workers).max(1);
    let chunks: Vec<Vec<RuleResult>> = std::thread::scope(|scope| {
        let handles: Vec<_> = resources
            .chunks(chunk_size)
            .map(|chunk| {
                let org_json = &org_json;
                let params = &params;
                scope.spawn(move || {
                    let env = cel::new_env();
                    chunk
                        .iter()
                        .flat_map(|resource| {
                            evaluate_resource(*resource, inventory, rules, &env, org_json, params, include_raw)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap_or_default()).collect()
    });
    let mut results: Vec<RuleResult> = chunks.into_iter().flatten().collect();
    results.sort_by(|a, b| {
        (&a.rule_id, a.resource.kind, &a.resource.name).cmp(&(&b.rule_id, b.resource.kind, &b.resource.name))
    });
    Results { results, rules: rules.rules.iter().map(|rule| rule.meta.clone()).collect(), params: rules.params.clone() }
}

fn evaluate_resource(
    resource: Resource<'_>,
    inventory: &Inventory,
    rules: &RuleSet,
    env: &Arc<::cel::Env>,
    org_json: &Value,
    params: &Value,
    include_raw: bool,
) -> Vec<RuleResult> {
    let kind = resource.kind();
    let applicable: Vec<&Rule> = rules.rules.iter().filter(|rule| rule.meta.applies_to.contains(&kind)).collect();
    if applicable.is_empty() {
        return Vec::new();
    }
    let app_json = match resource {
        Resource::App(_) => resource_json(resource, include_raw),
        Resource::Org(_) => Value::Null,
    };
    let app_missing = match resource {
        Resource::App(app) => &app.missing,
        Resource::Org(_) => &inventory.org.missing,
    };
    let bindings = cel::Bindings::new(Arc::clone(env), &app_json, org_json, params);
    applicable
        .into_iter()
        .map(|rule| {
            let outcome = match &bindings {
                Ok(bindings) => evaluate_rule(rule, bindings, app_missing, &inventory.org.missing),
                Err(error) => Outcome {
                    status: Status::Unknown,
                    actual: None,
                    reason: Some(format!("record conversion failed: {error}")),
                },
            };
            RuleResult {
                rule_id: rule.meta.id.clone(),
                status: outcome.status,
                severity: rule.meta.severity,
                control: rule.meta.control.clone(),
                title: rule.meta.title.clone(),
                category: rule.meta.category.clone(),
                resource: ResourceRef { kind, name: resource.name().to_string(), label: resource.label().to_string() },
                location: result_location(rule, resource).clone(),
                actual: outcome.actual,
                expected: rule.meta.expected.clone(),
                reason: outcome.reason,
                fingerprint: fingerprint(&rule.meta.id, kind, resource.name()),
                suppression: None,
            }
        })
        .collect()
}
