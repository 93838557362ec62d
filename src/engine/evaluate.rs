//! Evaluating every rule against every resource it applies to: each (rule, resource) pair gets
//! exactly one outcome, in a deterministic order.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::cel;
use super::kleene::{Evaluated, Missing};
use super::reads::ReadTree;
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

/// Evaluates one rule against one resource's bindings, under three-valued logic: a result is
/// `unknown` only when its outcome depends on data in `missing` ([`super::kleene`]).
pub(crate) fn evaluate_rule(rule: &Rule, bindings: &cel::Bindings, missing: Missing<'_>) -> Outcome {
    let unknown = |reason: String| Outcome { status: Status::Unknown, actual: None, reason: Some(reason) };
    if let Some(when) = &rule.when {
        match when.evaluate(bindings, missing) {
            Evaluated::Known(::cel::Value::Bool(true)) => {}
            Evaluated::Known(::cel::Value::Bool(false)) => {
                return Outcome {
                    status: Status::NotApplicable,
                    actual: None,
                    reason: Some(not_applicable_reason(rule)),
                };
            }
            Evaluated::Known(other) => {
                return unknown(format!("rule error: `when` gave {} instead of true or false", cel::display(&other)));
            }
            Evaluated::Unknown(reason) => return unknown(reason),
            Evaluated::Failed(error) => return unknown(format!("could not evaluate `when`: {error}")),
        }
    }
    let actual = rule.actual.as_ref().and_then(|actual| match actual.evaluate(bindings, missing) {
        Evaluated::Known(value) => Some(cel::display(&value)),
        Evaluated::Unknown(_) | Evaluated::Failed(_) => None,
    });
    match rule.fail_if.evaluate(bindings, missing) {
        Evaluated::Known(::cel::Value::Bool(true)) => Outcome { status: Status::Fail, actual, reason: None },
        Evaluated::Known(::cel::Value::Bool(false)) => Outcome { status: Status::Pass, actual, reason: None },
        Evaluated::Known(other) => {
            unknown(format!("rule error: `fail_if` gave {} instead of true or false", cel::display(&other)))
        }
        Evaluated::Unknown(reason) => unknown(reason),
        Evaluated::Failed(error) => unknown(format!("could not evaluate `fail_if`: {error}")),
    }
}

/// Whether "your value" rests on an assumed default: the `actual` expression reads a record path
/// in `defaults`, a field below one, or a record holding one (`app.policy` when
/// `policy.ip_relaxation` was assumed).
fn reads_default(rule: &Rule, resource: Resource<'_>, org: &crate::model::OrgRecord) -> bool {
    let Some(actual) = &rule.actual else { return false };
    actual.paths.iter().any(|path| {
        let (defaults, path) = match (path.strip_prefix("app."), path.strip_prefix("org.")) {
            (Some(rest), _) => (resource.defaults(), rest),
            (_, Some(rest)) => (&org.defaults, rest),
            _ => return false,
        };
        defaults.iter().any(|default| related(path, default))
    })
}

/// `a` and `b` are the same record path, or one is below the other.
fn related(a: &str, b: &str) -> bool {
    let below = |child: &str, parent: &str| child.strip_prefix(parent).is_some_and(|tail| tail.starts_with('.'));
    a == b || below(a, b) || below(b, a)
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
                    app_reads: ReadTree::of(&rules.rules, "app"),
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
    /// The parts of an app record the rules read: the only parts converted for CEL.
    app_reads: ReadTree,
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
        Resource::App(_) => shared.app_reads.to_cel(&resource_json(resource, shared.include_raw)),
        Resource::Org(_) => ::cel::Value::Null,
    };
    let bindings = cel::Bindings::from_values(Arc::clone(&shared.env), app, shared.org.clone(), shared.params.clone());
    let missing = Missing { app: resource.missing(), org: &inventory.org.missing };
    let resource_ref = ResourceRef {
        kind,
        name: resource.name().into(),
        label: resource.label().into(),
        namespace: resource.namespace().into(),
    };
    applicable
        .into_iter()
        .map(|(rule_index, rule)| {
            let texts = &shared.rule_texts[rule_index];
            let outcome = evaluate_rule(rule, &bindings, missing);
            let reason = match (outcome.status, outcome.reason) {
                (Status::NotApplicable, _) => Some(texts.not_applicable.clone()),
                (_, reason) => reason.map(Text::from),
            };
            let confidence = result_confidence(rule, &bindings, missing);
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
                assumed: outcome.actual.is_some() && reads_default(rule, resource, &inventory.org),
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
/// or `low` (an error, or unknown because it reads missing data) counts as `low`, so a broken
/// expression never makes a result look surer than it is.
fn result_confidence(rule: &Rule, bindings: &cel::Bindings, missing: Missing<'_>) -> Confidence {
    match &rule.confidence {
        RuleConfidence::Fixed(confidence) => *confidence,
        RuleConfidence::Computed(expression) => match expression.evaluate(bindings, missing) {
            Evaluated::Known(value) => Confidence::parse(&cel::display(&value)).unwrap_or(Confidence::Low),
            Evaluated::Unknown(_) | Evaluated::Failed(_) => Confidence::Low,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rule::{RuleSource, parse_rule};

    fn rule_text(id: &str, extra: &str) -> String {
        format!(
            "id = \"{id}\"\ncontrol = \"c\"\ntitle = \"t\"\nseverity = \"high\"\ncvss = \"7.0\"\ncategory = \"k\"\n\
             applies_to = [\"external_client_app\"]\nexpected = \"e\"\noverview = \"o\"\nrisk = \"r\"\n\
             threat_scenarios = \"s\"\nremediation = \"m\"\n{extra}"
        )
    }

    fn rule(extra: &str) -> Rule {
        parse_rule(&RuleSource { path: "x.toml".into(), text: rule_text("x", extra) }).expect("rule parses")
    }

    fn rule_with_confidence(confidence: &str) -> Rule {
        rule(&format!("fail_if = \"true\"\nconfidence = {confidence:?}\n"))
    }

    /// An ECA whose policies say `all_self_authorized` and whose global OAuth file is absent.
    fn self_authorized_without_oauth() -> (cel::Bindings, BTreeMap<String, String>) {
        let app = serde_json::json!({
            "kind": "external_client_app",
            "oauth": null,
            "certificate": null,
            "policy": {"permitted_users": "all_self_authorized", "profiles": []},
            "integration": {"kind": "uncertain"},
        });
        let bindings = cel::Bindings::new(cel::new_env(), &app, &serde_json::json!({}), &serde_json::json!({}));
        let missing = [("oauth", "no .ecaGlblOauth file"), ("certificate", "no .ecaGlblOauth file")]
            .into_iter()
            .map(|(path, reason)| (path.to_string(), reason.to_string()))
            .collect();
        (bindings, missing)
    }

    #[test]
    fn a_verdict_decidable_from_the_files_present_is_given() {
        let (bindings, app_missing) = self_authorized_without_oauth();
        let no_org = BTreeMap::new();
        let missing = Missing { app: &app_missing, org: &no_org };
        let fails = rule(
            "when = \"app.policy != null\"\n\
             fail_if = \"app.policy.permitted_users == 'all_self_authorized' || app.oauth.flows.jwt_bearer\"\n\
             actual = \"app.policy.permitted_users\"\n",
        );
        let outcome = evaluate_rule(&fails, &bindings, missing);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.actual.as_deref(), Some("all_self_authorized"));
        let passes = rule("fail_if = \"app.policy.permitted_users == 'admin_approved' && app.certificate == null\"\n");
        assert_eq!(evaluate_rule(&passes, &bindings, missing).status, Status::Pass);
        let not_applicable = rule(
            "when = \"app.policy.permitted_users == 'admin_approved' && app.oauth.flows.jwt_bearer\"\n\
             fail_if = \"app.oauth.scopes.exists(scope, scope == 'full')\"\n",
        );
        assert_eq!(evaluate_rule(&not_applicable, &bindings, missing).status, Status::NotApplicable);
    }

    #[test]
    fn an_outcome_that_depends_on_missing_data_is_unknown_and_names_the_path() {
        let (bindings, app_missing) = self_authorized_without_oauth();
        let no_org = BTreeMap::new();
        let missing = Missing { app: &app_missing, org: &no_org };
        let depends = rule(
            "fail_if = \"app.policy.permitted_users == 'all_self_authorized' && app.oauth.flows.jwt_bearer\"\n\
             actual = \"app.oauth.scopes\"\nconfidence = \"app.certificate != null ? 'high' : 'medium'\"\n",
        );
        let outcome = evaluate_rule(&depends, &bindings, missing);
        assert_eq!(outcome.status, Status::Unknown);
        assert_eq!(outcome.actual, None);
        assert_eq!(outcome.reason.as_deref(), Some("oauth is not available: no .ecaGlblOauth file"));
        assert_eq!(result_confidence(&depends, &bindings, missing), Confidence::Low);
        let guarded = rule("when = \"app.certificate != null\"\nfail_if = \"true\"\n");
        let outcome = evaluate_rule(&guarded, &bindings, missing);
        assert_eq!(outcome.reason.as_deref(), Some("certificate is not available: no .ecaGlblOauth file"));
    }

    fn scan(app_patch: serde_json::Value, rule_texts: &[&str]) -> Vec<RuleResult> {
        let mut app = crate::engine::schema::sample_app();
        crate::engine::schema::merge(&mut app, &app_patch);
        let inventory: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "source": {"kind": "project", "location": "p", "files_read": 1},
            "apps": [app],
            "org": crate::engine::schema::sample_org(),
        }))
        .expect("inventory");
        let sources: Vec<RuleSource> = rule_texts
            .iter()
            .enumerate()
            .map(|(index, extra)| RuleSource {
                path: format!("r{index}.toml"),
                text: rule_text(&format!("r{index}"), extra),
            })
            .collect();
        let rules = crate::engine::rule::load(&sources).expect("rules load");
        evaluate(&inventory, &rules).results
    }

    #[test]
    fn a_value_read_from_an_assumed_default_is_marked() {
        let results = scan(
            serde_json::json!({"namespace": "acme", "defaults": ["policy.ip_relaxation"]}),
            &[
                "fail_if = \"true\"\nactual = \"app.policy.ip_relaxation\"\n",
                "fail_if = \"true\"\nactual = \"app.policy.permitted_users\"\n",
                "fail_if = \"true\"\nactual = \"app.policy\"\n",
                "fail_if = \"true\"\n",
            ],
        );
        let assumed: Vec<bool> = results.iter().map(|result| result.assumed).collect();
        assert_eq!(assumed, [true, false, true, false]);
        assert!(results.iter().all(|result| &*result.resource.namespace == "acme"));
    }

    #[test]
    fn confidence_is_fixed_or_computed_and_never_surer_than_it_can_tell() {
        let bindings = cel::Bindings::new(
            cel::new_env(),
            &serde_json::json!({"integration": {"kind": "uncertain"}}),
            &serde_json::json!({}),
            &serde_json::json!({}),
        );
        let none = BTreeMap::new();
        let missing = Missing { app: &none, org: &none };
        assert_eq!(result_confidence(&rule_with_confidence("medium"), &bindings, missing), Confidence::Medium);
        let computed = rule_with_confidence("app.integration.kind == 'certain' ? 'high' : 'medium'");
        assert_eq!(result_confidence(&computed, &bindings, missing), Confidence::Medium);
        let broken = rule_with_confidence("app.integration.kind");
        assert_eq!(result_confidence(&broken, &bindings, missing), Confidence::Low);
    }
}
