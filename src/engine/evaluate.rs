//! Evaluating every rule against every resource it applies to: each (rule, resource) pair gets
//! exactly one outcome, in a deterministic order.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::cel;
use super::result::{Outcome, ResourceRef, Results, RuleResult};
use super::rule::{Rule, RuleConfidence, RuleSet};
use crate::model::{Confidence, Inventory, Origin, Resource, ResourceKind, Status, Text};

/// The JSON view of a resource that rules read, with `raw` left out unless a rule needs it.
pub(crate) fn resource_json(resource: Resource<'_>, include_raw: bool) -> Value {
    let value = match (resource, include_raw) {
        (Resource::App(app), true) => serde_json::to_value(app),
        (Resource::App(app), false) => serde_json::to_value(AppWithoutRaw::from(app)),
        (Resource::Org(org), _) => serde_json::to_value(org),
    };
    value.unwrap_or(Value::Null)
}

/// An app record serialized with an empty `raw`: the parsed documents are the bulk of a record
/// and no built-in rule reads them, so they are not converted unless a rule does.
#[derive(Serialize)]
struct AppWithoutRaw<'a> {
    kind: ResourceKind,
    name: &'a str,
    label: &'a str,
    namespace: &'a str,
    origin: &'a Origin,
    files: &'a BTreeMap<String, Origin>,
    enabled: bool,
    oauth_enabled: bool,
    integration: &'a crate::model::Integration,
    oauth: &'a Option<crate::model::OAuth>,
    certificate: &'a Option<crate::model::Certificate>,
    saml: &'a Option<crate::model::Saml>,
    policy: &'a Option<crate::model::Policy>,
    source_control: &'a Option<crate::model::SourceControl>,
    usage: &'a Option<crate::model::Usage>,
    run_as_user: &'a Option<crate::model::RunAsUser>,
    trusted_ip_ranges: &'a Option<Vec<String>>,
    missing: &'a BTreeMap<String, String>,
    defaults: &'a std::collections::BTreeSet<String>,
    raw: BTreeMap<String, Value>,
}

impl<'a> From<&'a crate::model::AppRecord> for AppWithoutRaw<'a> {
    fn from(app: &'a crate::model::AppRecord) -> Self {
        // Destructured so that a new record field is a compile error here, not a silent omission.
        let crate::model::AppRecord {
            kind,
            name,
            label,
            namespace,
            origin,
            files,
            enabled,
            oauth_enabled,
            integration,
            oauth,
            certificate,
            saml,
            policy,
            source_control,
            usage,
            run_as_user,
            trusted_ip_ranges,
            missing,
            defaults,
            raw: _,
        } = app;
        Self {
            kind: *kind,
            name,
            label,
            namespace,
            origin,
            files,
            enabled: *enabled,
            oauth_enabled: *oauth_enabled,
            integration,
            oauth,
            certificate,
            saml,
            policy,
            source_control,
            usage,
            run_as_user,
            trusted_ip_ranges,
            missing,
            defaults,
            raw: BTreeMap::new(),
        }
    }
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
            let touches =
                rest.strip_prefix(missing_path.as_str()).is_some_and(|tail| tail.is_empty() || tail.starts_with('.'));
            if touches {
                return Some(format!("{missing_path} is not available: {reason}"));
            }
        }
    }
    None
}

/// Evaluates one rule against one resource's bindings.
pub(crate) fn evaluate_rule(
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
                    reason: Some(not_applicable_reason(rule)),
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

/// There is one org per scan, and its name varies with where the project was checked out, so
/// org findings are fingerprinted without it.
pub(crate) fn fingerprint(rule_id: &str, kind: ResourceKind, name: &str) -> String {
    let name = if kind == ResourceKind::Org { "" } else { name };
    use sha2::{Digest, Sha256};
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::new()
        .chain_update(rule_id.as_bytes())
        .chain_update([0])
        .chain_update(kind.as_str().as_bytes())
        .chain_update([0])
        .chain_update(name.as_bytes())
        .finalize();
    let mut text = String::with_capacity(16);
    for byte in digest.iter().take(8) {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

fn rule_reads_raw(rule: &Rule) -> bool {
    [Some(&rule.fail_if), rule.when.as_ref(), rule.actual.as_ref()].into_iter().flatten().any(|expression| {
        expression.paths.iter().any(|path| path.starts_with("app.raw") || path.starts_with("org.raw"))
    })
}

/// Evaluates every rule against every resource it applies to. Results are sorted by rule id,
/// then resource kind and name, so output is deterministic.
pub(crate) fn evaluate(inventory: &Inventory, rules: &RuleSet) -> Results {
    let include_raw = rules.rules.iter().any(rule_reads_raw);
    let org_json = resource_json(Resource::Org(&inventory.org), include_raw);
    let params = Value::Object(rules.params.clone().into_iter().collect());
    // Resources come sorted by kind and name and rules by id, so sorting results by these two
    // indexes gives the documented order without comparing strings.
    let resources: Vec<(usize, Resource<'_>)> = inventory.resources().enumerate().collect();
    // Every result gets its slot up front and workers fill disjoint parts of one list, so a
    // large org's results exist once in memory, not once per worker and again when merged.
    let per_resource: Vec<usize> = resources
        .iter()
        .map(|(_, resource)| rules.rules.iter().filter(|rule| rule.meta.applies_to.contains(&resource.kind())).count())
        .collect();
    let mut slots: Vec<Option<RuleResult>> = std::iter::repeat_with(|| None).take(per_resource.iter().sum()).collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk_size = resources.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let mut remaining: &mut [Option<RuleResult>] = &mut slots;
        for (chunk_index, chunk) in resources.chunks(chunk_size).enumerate() {
            let first = chunk_index * chunk_size;
            let count: usize = per_resource[first..first + chunk.len()].iter().sum();
            let (mine, rest) = std::mem::take(&mut remaining).split_at_mut(count);
            remaining = rest;
            let org_json = &org_json;
            let params = &params;
            scope.spawn(move || {
                let shared = SharedValues {
                    env: cel::new_env(),
                    org: cel::to_cel(org_json),
                    params: cel::to_cel(params),
                    include_raw,
                    rule_texts: rules.rules.iter().map(RuleTexts::new).collect(),
                };
                let mut slots = mine.iter_mut();
                for (index, resource) in chunk {
                    let resource_index = u32::try_from(*index).unwrap_or(u32::MAX);
                    for (rule_index, mut result) in evaluate_resource(*resource, inventory, rules, &shared) {
                        result.order = (u32::try_from(rule_index).unwrap_or(u32::MAX), resource_index);
                        if let Some(slot) = slots.next() {
                            *slot = Some(result);
                        }
                    }
                }
            });
        }
    });
    // `Option<RuleResult>` has the size of `RuleResult`, and `filter_map` (unlike `flatten`) lets
    // the standard library reuse the allocation, so the results are never copied.
    #[allow(clippy::filter_map_identity, reason = "flatten would not collect in place")]
    let mut results: Vec<RuleResult> = slots.into_iter().filter_map(|slot| slot).collect();
    results.sort_unstable_by_key(|result| result.order);
    Results { results, rules: rules.rules.iter().map(|rule| rule.meta.clone()).collect(), params: rules.params.clone() }
}

/// What every resource of one worker shares, converted once.
struct SharedValues {
    env: Arc<::cel::Env>,
    org: ::cel::Value,
    params: ::cel::Value,
    include_raw: bool,
    rule_texts: Vec<RuleTexts>,
}

/// A rule's strings as every one of its results carries them.
struct RuleTexts {
    id: Text,
    control: Text,
    title: Text,
    category: Text,
    expected: Text,
    not_applicable: Text,
}

impl RuleTexts {
    fn new(rule: &Rule) -> Self {
        let meta = &rule.meta;
        Self {
            id: meta.id.as_str().into(),
            control: meta.control.as_str().into(),
            title: meta.title.as_str().into(),
            category: meta.category.as_str().into(),
            expected: meta.expected.as_str().into(),
            not_applicable: not_applicable_reason(rule).into(),
        }
    }
}

/// Expressions may span lines in the rule file; reasons are shown in table cells.
fn not_applicable_reason(rule: &Rule) -> String {
    let when = rule.when.as_ref().map_or("", |when| when.source.as_str());
    format!("does not apply: {}", when.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn evaluate_resource(
    resource: Resource<'_>,
    inventory: &Inventory,
    rules: &RuleSet,
    shared: &SharedValues,
) -> Vec<(usize, RuleResult)> {
    let kind = resource.kind();
    let applicable: Vec<(usize, &Rule)> =
        rules.rules.iter().enumerate().filter(|(_, rule)| rule.meta.applies_to.contains(&kind)).collect();
    if applicable.is_empty() {
        return Vec::new();
    }
    let app = match resource {
        Resource::App(_) => cel::to_cel(&resource_json(resource, shared.include_raw)),
        Resource::Org(_) => ::cel::Value::Null,
    };
    let bindings = cel::Bindings::from_values(Arc::clone(&shared.env), app, shared.org.clone(), shared.params.clone());
    let app_missing = resource.missing();
    let resource_ref = ResourceRef { kind, name: resource.name().into(), label: resource.label().into() };
    applicable
        .into_iter()
        .map(|(rule_index, rule)| {
            let texts = &shared.rule_texts[rule_index];
            let outcome = evaluate_rule(rule, &bindings, app_missing, &inventory.org.missing);
            let reason = match (outcome.status, outcome.reason) {
                (Status::NotApplicable, _) => Some(texts.not_applicable.clone()),
                (_, reason) => reason.map(Text::from),
            };
            let confidence = result_confidence(rule, &bindings);
            let result = RuleResult {
                rule_id: texts.id.clone(),
                status: outcome.status,
                severity: rule.meta.severity,
                confidence,
                control: texts.control.clone(),
                title: texts.title.clone(),
                category: texts.category.clone(),
                resource: resource_ref.clone(),
                location: result_location(rule, resource).clone(),
                actual: outcome.actual,
                expected: texts.expected.clone(),
                reason,
                fingerprint: fingerprint(&rule.meta.id, kind, resource.name()),
                suppression: None,
                baseline: None,
                order: (0, 0),
            };
            (rule_index, result)
        })
        .collect()
}

/// The rule's confidence for this resource; a computed one that does not give `high`, `medium`
/// or `low` counts as `low`, so a broken expression never makes a result look surer than it is.
fn result_confidence(rule: &Rule, bindings: &cel::Bindings) -> Confidence {
    match &rule.confidence {
        RuleConfidence::Fixed(confidence) => *confidence,
        RuleConfidence::Computed(expression) => expression
            .evaluate(bindings)
            .ok()
            .and_then(|value| Confidence::parse(&cel::display(&value)))
            .unwrap_or(Confidence::Low),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rule::{RuleSource, parse_rule};

    fn rule_with_confidence(confidence: &str) -> Rule {
        let text = format!(
            "id = \"x\"\ncontrol = \"c\"\ntitle = \"t\"\nseverity = \"high\"\ncvss = \"7.0\"\ncategory = \"k\"\n\
             applies_to = [\"connected_app\"]\nfail_if = \"true\"\nexpected = \"e\"\noverview = \"o\"\nrisk = \"r\"\n\
             threat_scenarios = \"s\"\nremediation = \"m\"\nconfidence = {confidence:?}\n"
        );
        parse_rule(&RuleSource { path: "x.toml".into(), text }).expect("rule parses")
    }

    #[test]
    fn confidence_is_fixed_or_computed_and_never_surer_than_it_can_tell() {
        let bindings = cel::Bindings::new(
            cel::new_env(),
            &serde_json::json!({"integration": {"kind": "uncertain"}}),
            &serde_json::json!({}),
            &serde_json::json!({}),
        );
        assert_eq!(result_confidence(&rule_with_confidence("medium"), &bindings), Confidence::Medium);
        let computed = rule_with_confidence("app.integration.kind == 'certain' ? 'high' : 'medium'");
        assert_eq!(result_confidence(&computed, &bindings), Confidence::Medium);
        let broken = rule_with_confidence("app.integration.kind");
        assert_eq!(result_confidence(&broken, &bindings), Confidence::Low);
    }
}
