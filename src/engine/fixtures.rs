//! `sfaudit rules test`: every rule proves itself against its own fixtures.

use std::collections::BTreeMap;

use serde_json::Value;

use super::evaluate::evaluate_rule;
use super::kleene::Missing;
use super::rule::{Rule, RuleSet};
use super::{cel, schema};
use crate::model::{ResourceKind, SmallMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FixtureFailure {
    pub rule_id: String,
    pub source: String,
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Debug, Default)]
pub(crate) struct FixtureReport {
    pub rules: usize,
    pub fixtures: usize,
    pub failures: Vec<FixtureFailure>,
}

/// Runs every fixture; a rule without at least one failing and one passing fixture is itself a failure.
pub(crate) fn run(rules: &RuleSet) -> FixtureReport {
    let env = cel::new_env();
    let mut report = FixtureReport { rules: rules.rules.len(), ..FixtureReport::default() };
    for rule in &rules.rules {
        for expected in ["fail", "pass"] {
            if !rule.tests.iter().any(|test| test.expect == expected) {
                report.failures.push(FixtureFailure {
                    rule_id: rule.meta.id.clone(),
                    source: rule.meta.source.clone(),
                    line: None,
                    message: format!("has no fixture that expects '{expected}'; every rule needs one of each"),
                });
            }
        }
        for test in &rule.tests {
            report.fixtures += 1;
            let outcome = run_one(rule, test, &rules.params, &env);
            match outcome {
                Ok(outcome) if outcome.status.as_str() == test.expect => {}
                Ok(outcome) => report.failures.push(FixtureFailure {
                    rule_id: rule.meta.id.clone(),
                    source: rule.meta.source.clone(),
                    line: Some(test.line),
                    message: format!(
                        "fixture '{}' expected {} but got {}{}",
                        test.name,
                        test.expect,
                        outcome.status.as_str(),
                        outcome.reason.map(|reason| format!(" ({reason})")).unwrap_or_default()
                    ),
                }),
                Err(message) => report.failures.push(FixtureFailure {
                    rule_id: rule.meta.id.clone(),
                    source: rule.meta.source.clone(),
                    line: Some(test.line),
                    message: format!("fixture '{}': {message}", test.name),
                }),
            }
        }
    }
    report
}

fn run_one(
    rule: &Rule,
    test: &super::rule::RuleTest,
    shared_params: &BTreeMap<String, Value>,
    env: &std::sync::Arc<::cel::Env>,
) -> Result<super::result::Outcome, String> {
    let mut app = schema::sample_app();
    let mut org = schema::sample_org();
    if test.kind != ResourceKind::Org {
        schema::merge(&mut app, &serde_json::json!({"kind": test.kind.as_str()}));
    }
    schema::merge(&mut app, &test.app_patch);
    schema::merge(&mut org, &test.org_patch);
    let mut app_missing = SmallMap::new();
    let mut org_missing = SmallMap::new();
    let declared = test.null.iter().map(|path| (path, false)).chain(test.missing.iter().map(|path| (path, true)));
    for (path, unavailable) in declared {
        let (target, missing, rest) = match path.split_once('.') {
            Some(("app", rest)) => (&mut app, &mut app_missing, rest),
            Some(("org", rest)) => (&mut org, &mut org_missing, rest),
            _ => return Err(format!("path '{path}' must start with app. or org.")),
        };
        schema::set_null(target, rest);
        if unavailable {
            missing.insert(rest.to_string(), "left out by the fixture".to_string());
        }
    }
    let mut params: BTreeMap<String, Value> = shared_params.clone();
    params.extend(test.params.clone());
    let params = Value::Object(params.into_iter().collect());
    let app = if test.kind == ResourceKind::Org { Value::Null } else { app };
    let bindings = cel::Bindings::new(std::sync::Arc::clone(env), &app, &org, &params);
    Ok(evaluate_rule(rule, &bindings, Missing { app: &app_missing, org: &org_missing }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rule::{RuleSource, load};

    fn rule_with_fixtures(fixtures: &str) -> RuleSet {
        let text = format!(
            "id = \"self-authorized\"\ncontrol = \"c\"\ntitle = \"t\"\nseverity = \"high\"\ncvss = \"7.0\"\n\
             category = \"k\"\napplies_to = [\"external_client_app\"]\n\
             fail_if = \"app.policy.permitted_users == 'all_self_authorized' || app.oauth.flows.jwt_bearer\"\n\
             expected = \"e\"\noverview = \"o\"\nrisk = \"r\"\nthreat_scenarios = \"s\"\nremediation = \"m\"\n{fixtures}"
        );
        load(&[RuleSource { path: "self-authorized.toml".into(), text }]).expect("rule loads")
    }

    #[test]
    fn fixtures_leaving_out_data_the_verdict_does_not_need_get_the_verdict() {
        let rules = rule_with_fixtures(
            "[[tests]]\nname = \"self-authorized without the global OAuth file\"\nexpect = \"fail\"\n\
             app = { policy = { permitted_users = \"all_self_authorized\" } }\nmissing = [\"app.oauth\"]\n\
             [[tests]]\nname = \"admin-approved JWT app\"\nexpect = \"fail\"\n\
             [[tests]]\nname = \"admin-approved without the global OAuth file\"\nexpect = \"pass\"\n\
             missing = [\"app.oauth\"]\n",
        );
        let report = run(&rules);
        assert_eq!(report.fixtures, 3);
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        let failure = &report.failures[0];
        assert_eq!(
            failure.message,
            "fixture 'admin-approved without the global OAuth file' expected pass but got unknown \
             (oauth is not available: left out by the fixture)"
        );
    }
}
