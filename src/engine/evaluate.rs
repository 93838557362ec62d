//! Evaluating every rule against every resource it applies to: each (rule, resource) pair gets
//! exactly one outcome, in a deterministic order.

use serde_json::Value;

use super::assumed::AssumedDefaults;
use super::cel;
use super::kleene::{Evaluated, Missing};
use super::memo::{Memo, Memoized, RulePlan};
use super::reads::ReadTree;
use super::record_json::app_json;
use super::result::{Outcome, ResourceRef, Results, RuleResult, TableIndex};
use super::rule::{Rule, RuleConfidence, RuleSet};
use crate::model::{Confidence, Inventory, Origin, Resource, Status, Text};

/// Evaluates one rule against one resource's bindings, under three-valued logic: a result is
/// `unknown` only when its outcome depends on data in `missing` ([`super::kleene`]).
pub(crate) fn evaluate_rule(rule: &Rule, bindings: &cel::Bindings, missing: Missing<'_>) -> Outcome {
    let unknown = |reason: String| Outcome { status: Status::Unknown, actual: None, reason: Some(reason.into()) };
    if let Some(when) = &rule.when {
        match when.evaluate(bindings, missing) {
            Evaluated::Known(::cel::Value::Bool(true)) => {}
            Evaluated::Known(::cel::Value::Bool(false)) => {
                return Outcome {
                    status: Status::NotApplicable,
                    actual: None,
                    reason: Some(rule.not_applicable.clone()),
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

/// Every file a resource's results can point at, in one table: each resource's origin, then its
/// located files ([`Resource::located_files`]) in name order. Returns the table and where each
/// resource's entries start.
fn location_table(resources: &[Resource<'_>]) -> (Vec<Origin>, Vec<u32>) {
    // Exactly sized: the table lives until the report is written.
    let mut locations = Vec::with_capacity(resources.iter().map(|resource| 1 + resource.located_files().count()).sum());
    let mut first = Vec::with_capacity(resources.len());
    for resource in resources {
        first.push(u32::try_from(locations.len()).unwrap_or(u32::MAX));
        locations.push(resource.origin().clone());
        locations.extend(resource.located_files().map(|(_, origin)| origin.clone()));
    }
    (locations, first)
}

/// Evaluates every rule against every resource it applies to. Results are sorted by rule id,
/// then resource kind and name, so output is deterministic.
pub(crate) fn evaluate(inventory: &Inventory, rules: &RuleSet) -> Results {
    let org_json = serde_json::to_value(&inventory.org).unwrap_or(Value::Null);
    let params = Value::Object(rules.params.clone().into_iter().collect());
    // Resources come sorted by kind and name and rules by id, so sorting results by these two
    // indexes gives the documented order without comparing strings.
    let resources: Vec<Resource<'_>> = inventory.resources().collect();
    let plans: Vec<RulePlan> = rules.rules.iter().map(RulePlan::new).collect();
    let (locations, first_location) = location_table(&resources);
    // Every result gets its slot up front and workers fill disjoint parts of one list, so a
    // large org's results exist once in memory, not once per worker and again when merged.
    let per_resource: Vec<usize> =
        resources.iter().map(|resource| plans.iter().filter(|plan| plan.applies_to(resource.kind())).count()).collect();
    let mut slots: Vec<Option<RuleResult>> = std::iter::repeat_with(|| None).take(per_resource.iter().sum()).collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk_size = resources.len().div_ceil(workers).max(1);
    let app_reads = ReadTree::of(&rules.rules, "app");
    let input_groups = super::memo::input_groups(&plans);
    let worker_texts: Vec<(usize, Vec<Text>)> = std::thread::scope(|scope| {
        let mut workers = Vec::new();
        let mut remaining: &mut [Option<RuleResult>] = &mut slots;
        for (chunk_index, chunk) in resources.chunks(chunk_size).enumerate() {
            let first = chunk_index * chunk_size;
            let count: usize = per_resource[first..first + chunk.len()].iter().sum();
            let (mine, rest) = std::mem::take(&mut remaining).split_at_mut(count);
            remaining = rest;
            let shared = Shared {
                org_json: &org_json,
                params: &params,
                app_reads: &app_reads,
                plans: &plans,
                input_groups: &input_groups,
                rules,
                inventory,
            };
            workers.push(scope.spawn(move || {
                let mut worker = Worker::new(shared);
                let mut slots = mine.iter_mut();
                for (offset, resource) in chunk.iter().enumerate() {
                    let resource_index = u32::try_from(first + offset).unwrap_or(u32::MAX);
                    worker.evaluate_resource(*resource, resource_index, &mut |result| {
                        if let Some(slot) = slots.next() {
                            *slot = Some(result);
                        }
                    });
                }
                (count, worker.texts)
            }));
        }
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let texts = join_texts(&mut slots, worker_texts);
    // `Option<RuleResult>` has the size of `RuleResult`, and `filter_map` (unlike `flatten`) lets
    // the standard library reuse the allocation, so the results are never copied.
    #[allow(clippy::filter_map_identity, reason = "flatten would not collect in place")]
    let mut results: Vec<RuleResult> = slots.into_iter().filter_map(|slot| slot).collect();
    results.sort_unstable_by_key(|result| (result.rule, result.resource));
    Results {
        results,
        rules: rules.rules.iter().map(|rule| rule.meta.clone()).collect(),
        resources: resources.iter().map(|resource| resource_ref(*resource)).collect(),
        locations,
        first_location,
        params: rules.params.clone(),
        texts,
        suppressions: Vec::new(),
    }
}

/// One table of the texts every worker kept: each worker's `(slots, texts)` in slot order, its
/// results' indexes moved past the texts of the workers before it.
fn join_texts(slots: &mut [Option<RuleResult>], workers: Vec<(usize, Vec<Text>)>) -> Vec<Text> {
    let mut texts = Vec::with_capacity(workers.iter().map(|(_, texts)| texts.len()).sum());
    let mut remaining = slots;
    for (count, worker_texts) in workers {
        let (mine, rest) = std::mem::take(&mut remaining).split_at_mut(count);
        remaining = rest;
        let offset = u32::try_from(texts.len()).expect("fewer than 4,294,967,295 texts");
        if offset > 0 {
            for result in mine.iter_mut().flatten() {
                result.actual = result.actual.map(|index| index.after(offset));
                result.reason = result.reason.map(|index| index.after(offset));
            }
        }
        texts.extend(worker_texts);
    }
    texts
}

fn resource_ref(resource: Resource<'_>) -> ResourceRef {
    ResourceRef {
        kind: resource.kind(),
        name: resource.name().into(),
        label: resource.label().into(),
        namespace: resource.namespace().into(),
    }
}

/// What every worker reads and nobody changes.
#[derive(Clone, Copy)]
struct Shared<'a> {
    org_json: &'a Value,
    params: &'a Value,
    /// The parts of an app record the rules read: the only parts converted for CEL.
    app_reads: &'a ReadTree,
    plans: &'a [RulePlan],
    /// Per plan, the first plan with the same reads ([`super::memo::input_groups`]).
    input_groups: &'a [usize],
    rules: &'a RuleSet,
    inventory: &'a Inventory,
}

/// One worker's state: the CEL values shared by its resources, converted once, and what each
/// rule gave for the inputs it has seen ([`Memo`]).
struct Worker<'a> {
    shared: Shared<'a>,
    /// One context for all of the worker's resources: only `app` changes from one to the next.
    bindings: cel::Bindings,
    memos: Vec<Memo>,
    /// The current app's inputs, one per input group, written when a rule of the group first
    /// needs it: `keys[spans[group]]`.
    keys: Vec<u8>,
    spans: Vec<Option<std::ops::Range<usize>>>,
    assumed: AssumedDefaults<'a>,
    /// The texts of the worker's results, which they point into until [`join_texts`].
    texts: Vec<Text>,
}

impl<'a> Worker<'a> {
    fn new(shared: Shared<'a>) -> Self {
        Self {
            bindings: cel::Bindings::new(cel::new_env(), &Value::Null, shared.org_json, shared.params),
            memos: shared.plans.iter().map(|_| Memo::default()).collect(),
            keys: Vec::new(),
            spans: vec![None; shared.plans.len()],
            assumed: AssumedDefaults::new(&shared.rules.rules, &shared.inventory.org),
            texts: Vec::new(),
            shared,
        }
    }

    /// Hands `emit` one result per rule that applies to `resource`, in rule order.
    fn evaluate_resource(&mut self, resource: Resource<'a>, resource_index: u32, emit: &mut dyn FnMut(RuleResult)) {
        let Shared { rules, plans, inventory, app_reads, input_groups, .. } = self.shared;
        let Self { bindings, memos, keys, spans, texts, assumed, .. } = self;
        assumed.set_resource(resource);
        keys.clear();
        spans.fill(None);
        let kind = resource.kind();
        let missing = Missing { app: resource.missing(), org: &inventory.org.missing };
        let app_json = match resource {
            Resource::App(app) => Some(app_json(app, app_reads)),
            Resource::Org(_) => None,
        };
        let located: Vec<&str> = resource.located_files().map(|(type_name, _)| type_name).collect();
        let undeployed = match resource {
            Resource::App(app) if app.undeployed => Some(app),
            _ => None,
        };
        let mut undeployed_reason = None;
        for (rule_index, (rule, plan)) in rules.rules.iter().zip(plans).enumerate() {
            if !plan.applies_to(kind) {
                continue;
            }
            if undeployed.is_some_and(|app| !plan.applies_to_app(app)) {
                let reason = *undeployed_reason.get_or_insert_with(|| TableIndex::push(texts, UNDEPLOYED.into()));
                let outcome = Memoized {
                    status: Status::NotApplicable,
                    actual: None,
                    reason: Some(reason),
                    confidence: declared_confidence(rule),
                };
                emit(result_of(rule_index, resource_index, plan.location_slot(&located), rule, outcome, false));
                continue;
            }
            let mut evaluate = || {
                // Only what this rule reads: most of an app's rules are answered from the memo,
                // so converting every read part of the app for the few that are not cost more.
                bindings.set_app(plan.app_value(app_json.as_ref().unwrap_or(&Value::Null)));
                outcome(rule, bindings, missing, texts)
            };
            let outcome = match &app_json {
                Some(json) => {
                    let group = input_groups[rule_index];
                    let span = spans[group].get_or_insert_with(|| {
                        let start = keys.len();
                        plan.write_key(json, resource.missing(), keys);
                        start..keys.len()
                    });
                    memos[rule_index].get_or_insert(&keys[span.clone()], evaluate)
                }
                None => evaluate(),
            };
            let assumed = outcome.actual.is_some() && assumed.assumed(rule_index);
            emit(result_of(rule_index, resource_index, plan.location_slot(&located), rule, outcome, assumed));
        }
    }
}

/// Why an app known only from files the CLI would not deploy gets no result but its
/// source-control ones.
const UNDEPLOYED: &str = "does not apply: the app is known only from files the Salesforce CLI would not deploy \
                          (ignored, or outside the package directories); only its source-control findings apply";

fn result_of(
    rule_index: usize,
    resource: u32,
    location: u8,
    rule: &Rule,
    outcome: Memoized,
    assumed: bool,
) -> RuleResult {
    RuleResult {
        rule: u16::try_from(rule_index).unwrap_or(u16::MAX),
        resource,
        location,
        status: outcome.status,
        severity: rule.meta.severity,
        confidence: outcome.confidence,
        assumed,
        baseline: None,
        actual: outcome.actual,
        reason: outcome.reason,
        suppression: None,
    }
}

/// The rule's fixed confidence, or high when an expression computes it per resource.
fn declared_confidence(rule: &Rule) -> Confidence {
    match &rule.confidence {
        RuleConfidence::Fixed(confidence) => *confidence,
        RuleConfidence::Computed(_) => Confidence::High,
    }
}

/// Evaluates `rule` on one resource, as [`Memo`] keeps it: its texts join `texts`.
fn outcome(rule: &Rule, bindings: &cel::Bindings, missing: Missing<'_>, texts: &mut Vec<Text>) -> Memoized {
    let outcome = evaluate_rule(rule, bindings, missing);
    let mut keep = |text: Text| TableIndex::push(texts, text);
    Memoized {
        status: outcome.status,
        actual: outcome.actual.map(|actual| keep(actual.into())),
        reason: outcome.reason.map(&mut keep),
        confidence: result_confidence(rule, bindings, missing),
    }
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
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::rule::{RuleSource, parse_rule};
    use crate::model::{RecordText, SmallMap};

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
    fn self_authorized_without_oauth() -> (cel::Bindings, SmallMap<RecordText, RecordText>) {
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
            .map(|(path, reason)| (RecordText::from(path), RecordText::from(reason)))
            .collect();
        (bindings, missing)
    }

    #[test]
    fn a_verdict_decidable_from_the_files_present_is_given() {
        let (bindings, app_missing) = self_authorized_without_oauth();
        let no_org = SmallMap::new();
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
        let no_org = SmallMap::new();
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

    fn scan(app_patch: serde_json::Value, rule_texts: &[&str]) -> Results {
        let mut app = crate::engine::schema::sample_app();
        crate::engine::schema::merge(&mut app, &app_patch);
        let inventory: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "source": {"kind": "project", "location": "p", "files_read": 1},
            "apps": [app],
            "org": crate::engine::schema::sample_org(),
        }))
        .expect("inventory");
        evaluate(&inventory, &numbered_rules(rule_texts))
    }

    /// Rules `r0`, `r1`, … with `rule_texts` as their expressions.
    fn numbered_rules(rule_texts: &[&str]) -> RuleSet {
        let sources: Vec<RuleSource> = rule_texts
            .iter()
            .enumerate()
            .map(|(index, extra)| RuleSource {
                path: format!("r{index}.toml"),
                text: rule_text(&format!("r{index}"), extra),
            })
            .collect();
        crate::engine::rule::load(&sources).expect("rules load")
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
        let assumed: Vec<bool> = results.results.iter().map(|result| result.assumed).collect();
        assert_eq!(assumed, [true, false, true, false]);
        assert!(results.iter().all(|result| &*result.resource.namespace == "acme"));
    }

    #[test]
    fn rules_reading_the_same_parts_share_one_input() {
        let rules = numbered_rules(&[
            "fail_if = \"app.policy.ip_relaxation == 'x'\"\n",
            "fail_if = \"app.name == 'n'\"\n",
            "fail_if = \"app.policy.ip_relaxation != 'y'\"\n",
        ]);
        let plans: Vec<RulePlan> = rules.rules.iter().map(RulePlan::new).collect();
        assert_eq!(super::super::memo::input_groups(&plans), [0, 1, 0]);
    }

    #[test]
    fn assumed_defaults_are_per_app_and_the_org_defaults_count_for_every_app() {
        let app = |name: &str, defaults: serde_json::Value| {
            let mut app = crate::engine::schema::sample_app();
            crate::engine::schema::merge(&mut app, &serde_json::json!({"name": name, "defaults": defaults}));
            app
        };
        let mut inventory = inventory_of(vec![
            app("A", serde_json::json!(["policy.ip_relaxation"])),
            app("B", serde_json::json!([])),
            app("C", serde_json::json!(["policy"])),
        ]);
        inventory.org.defaults.insert(std::borrow::Cow::Borrowed("oauth_oidc.pkce_required"));
        let rules = numbered_rules(&[
            "fail_if = \"true\"\nactual = \"app.policy.ip_relaxation\"\n",
            "fail_if = \"true\"\nactual = \"org.oauth_oidc.pkce_required\"\n",
        ]);
        let results = evaluate(&inventory, &rules);
        let assumed: Vec<String> = results
            .iter()
            .map(|result| format!("{} {} {}", result.resource.name, result.rule_id(), result.assumed))
            .collect();
        let expected = ["A r0 true", "B r0 false", "C r0 true", "A r1 true", "B r1 true", "C r1 true"];
        assert_eq!(assumed, expected, "in rule order, then app order");
    }

    #[test]
    fn a_rule_sees_the_documents_it_reads_in_any_of_its_expressions() {
        let read_label = "app.raw.ConnectedApp.label";
        let rules = [
            (format!("fail_if = \"true\"\nconfidence = \"{read_label} == 'Docs' ? 'high' : 'medium'\"\n"), None),
            (format!("fail_if = \"{read_label} == 'Docs'\"\nconfidence = \"medium\"\n"), None),
            (format!("fail_if = \"true\"\nactual = \"{read_label}\"\n"), Some("Docs")),
        ];
        // Each rule alone: the documents must not reach it only because another rule reads them.
        for (rule, actual) in rules {
            let results = scan(serde_json::json!({"raw": {"ConnectedApp": {"label": "Docs"}}}), &[&rule]);
            let result = results.iter().next().expect("one result");
            assert_eq!(result.status, Status::Fail, "{rule}");
            assert_eq!(result.actual(), actual, "{rule}");
            let confidence = if rule.contains("\"medium\"") { Confidence::Medium } else { Confidence::High };
            assert_eq!(result.confidence, confidence, "{rule}");
        }
    }

    #[test]
    fn confidence_is_fixed_or_computed_and_never_surer_than_it_can_tell() {
        let bindings = cel::Bindings::new(
            cel::new_env(),
            &serde_json::json!({"integration": {"kind": "uncertain"}}),
            &serde_json::json!({}),
            &serde_json::json!({}),
        );
        let none = SmallMap::new();
        let missing = Missing { app: &none, org: &none };
        assert_eq!(result_confidence(&rule_with_confidence("medium"), &bindings, missing), Confidence::Medium);
        let computed = rule_with_confidence("app.integration.kind == 'certain' ? 'high' : 'medium'");
        assert_eq!(result_confidence(&computed, &bindings, missing), Confidence::Medium);
        let broken = rule_with_confidence("app.integration.kind");
        assert_eq!(result_confidence(&broken, &bindings, missing), Confidence::Low);
    }

    fn inventory_of(apps: Vec<serde_json::Value>) -> Inventory {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "source": {"kind": "project", "location": "p", "files_read": 1},
            "apps": apps,
            "org": crate::engine::schema::sample_org(),
        }))
        .expect("inventory")
    }

    /// What each result says, with the texts looked up, per app.
    fn outcomes(results: &Results) -> BTreeMap<(String, String), String> {
        results
            .iter()
            .map(|result| {
                let key = (result.resource.name.to_string(), result.rule_id().to_string());
                let outcome = format!(
                    "{:?} {:?} {:?} {:?} {} {:?}",
                    result.status,
                    result.actual(),
                    result.reason(),
                    result.confidence,
                    result.assumed,
                    result.location
                );
                (key, outcome)
            })
            .collect()
    }

    /// Remembering outcomes by input changes no result: a large varied inventory gives, app by
    /// app, what each app gives when it is scanned alone.
    #[test]
    fn remembered_outcomes_are_the_outcomes_of_a_scan_of_each_app_alone() {
        let rules = crate::engine::rule::load(&crate::engine::rule_files::builtin_sources()).expect("built-in rules");
        let users = ["admin_approved", "all_self_authorized", "admin_approved"];
        let apps: Vec<serde_json::Value> = (0..300)
            .map(|index| {
                let mut app = crate::engine::schema::sample_app();
                let patch = serde_json::json!({
                    "name": format!("App_{index:04}"),
                    "policy": {"permitted_users": users[index % 3], "permission_sets": if index % 4 == 0 { vec![] } else { vec![format!("Set_{index}")] }},
                    "oauth": {"scopes": if index % 5 == 0 { vec!["full"] } else { vec!["api", "refresh_token"] }, "callback_urls": [if index % 7 == 0 { format!("http://app{index}.example.com") } else { format!("https://app{index}.example.com") }]},
                });
                crate::engine::schema::merge(&mut app, &patch);
                if index % 6 == 0 {
                    crate::engine::schema::set_null(&mut app, "certificate");
                }
                if index % 11 == 0 {
                    app["missing"] = serde_json::json!({"policy": "no policies file"});
                }
                if index % 13 == 0 {
                    app["defaults"] = serde_json::json!(["policy.ip_relaxation"]);
                }
                app
            })
            .collect();
        let together = outcomes(&evaluate(&inventory_of(apps.clone()), &rules));
        let mut alone = BTreeMap::new();
        for app in apps {
            let results = evaluate(&inventory_of(vec![app]), &rules);
            alone.extend(outcomes(&results).into_iter().filter(|((name, _), _)| name.starts_with("App_")));
        }
        let together: BTreeMap<_, _> = together.into_iter().filter(|((name, _), _)| name.starts_with("App_")).collect();
        assert_eq!(together.len(), alone.len());
        for (key, outcome) in &together {
            assert_eq!(Some(outcome), alone.get(key), "{key:?}");
        }
    }
}
