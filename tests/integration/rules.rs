//! Rule loading and fixtures (src/engine/rule.rs, src/engine/fixtures.rs).

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{DEMO, DEMO_AS_OF, code, scan_json, sfaudit, stderr, stdout};

#[test]
fn every_builtin_rule_passes_its_own_fixtures() {
    let output = sfaudit(&["rules", "test"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).contains(" 0 failed"), "{}", stdout(&output));
}

/// Rules outside the usage category whose data only a live org has.
const LIVE_ONLY: [&str; 6] = [
    "uninstalled-app-approvers",
    "use-any-api-client-holders",
    "consumer-secret-access-holders",
    "api-enabled-app-administrators",
    "client-credentials-run-as-user-overprivileged",
    "salesforce-health-check-high-risk-settings",
];

#[test]
fn every_app_rule_both_passes_and_fails_somewhere_in_the_demo() {
    let document = scan_json(DEMO, DEMO_AS_OF);
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for result in document["results"].as_array().expect("results") {
        seen.entry(result["rule_id"].as_str().expect("id").to_string())
            .or_default()
            .insert(result["status"].as_str().expect("status").to_string());
    }
    let mut gaps = Vec::new();
    for rule in document["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let statuses = seen.get(id).cloned().unwrap_or_default();
        let org_rule = rule["applies_to"] == serde_json::json!(["org"]);
        // One demo org cannot both pass and fail an org rule: it must at least be evaluated.
        // Usage rules and rules on what only an org knows need live data (tokens, installs,
        // permission holders, Health Check, run-as users): the
        // fake-org tests (tests/integration/org_access.rs) cover them both ways.
        let covered = if rule["category"] == "usage" || LIVE_ONLY.contains(&id) {
            statuses == BTreeSet::from(["not_applicable".to_string()])
        } else if org_rule {
            statuses.contains("fail") || statuses.contains("pass")
        } else {
            statuses.contains("fail") && statuses.contains("pass")
        };
        if !covered {
            gaps.push(format!("{id}: {statuses:?}"));
        }
    }
    assert!(gaps.is_empty(), "rules the demo does not exercise both ways:\n{}", gaps.join("\n"));
}

fn write_rules(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(folder.path().join(name), text).expect("write rule");
    }
    folder
}

const VALID_RULE: &str = r#"
id = "custom-no-web-scope"
control = "Custom: Web scope"
title = "App has the web scope"
severity = "low"
cvss = "0.1-3.9"
category = "custom"
applies_to = ["external_client_app", "connected_app"]
when = "app.oauth != null && app.oauth.scopes != null"
fail_if = "'web' in app.oauth.scopes"
actual = "app.oauth.scopes"
expected = "no web scope"
overview = "o"
risk = "r"
threat_scenarios = "t"
remediation = "m"

[[tests]]
name = "web"
expect = "fail"
app = { oauth = { scopes = ["api", "web"] } }

[[tests]]
name = "api only"
expect = "pass"
"#;

#[test]
fn a_rules_dir_adds_rules_that_run_in_scans() {
    let folder = write_rules(&[("custom.toml", VALID_RULE)]);
    let dir = folder.path().display().to_string();
    let output = sfaudit(&["rules", "test", &dir]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let output =
        sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--rules-dir", &dir, "--format", "json", "--fail-on", "none"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        crate::common::status_of(&document, "custom-no-web-scope", "CI_Deploy_Pipeline").as_deref(),
        Some("fail")
    );
    assert_eq!(crate::common::status_of(&document, "custom-no-web-scope", "Payments_Gateway").as_deref(), Some("pass"));
}

#[test]
fn a_rules_dir_rule_overrides_the_builtin_with_the_same_id() {
    let overriding = VALID_RULE
        .replace("custom-no-web-scope", "full-scope-granted")
        .replace("severity = \"low\"", "severity = \"info\"");
    let folder = write_rules(&[("override.toml", &overriding)]);
    let output =
        sfaudit(&["rules", "explain", "full-scope-granted", "--rules-dir", &folder.path().display().to_string()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("Informational (info)"), "{}", stdout(&output));
    assert!(stdout(&output).contains("override.toml"), "{}", stdout(&output));
}

#[test]
fn every_rule_file_problem_is_reported_at_once_with_file_and_line() {
    let unknown_key = VALID_RULE.replace("category = \"custom\"", "category = \"custom\"\ncolour = \"red\"");
    let bad_severity =
        VALID_RULE.replace("custom-no-web-scope", "second").replace("severity = \"low\"", "severity = \"urgent\"");
    let bad_cel = VALID_RULE
        .replace("custom-no-web-scope", "third")
        .replace("fail_if = \"'web' in app.oauth.scopes\"", "fail_if = \"app.oauth.scopes ==\"");
    let typo = VALID_RULE
        .replace("custom-no-web-scope", "fourth")
        .replace("app.oauth.scopes\"\nexpected", "app.oauth.scope\"\nexpected");
    let folder =
        write_rules(&[("a.toml", &unknown_key), ("b.toml", &bad_severity), ("c.toml", &bad_cel), ("d.toml", &typo)]);
    let output = sfaudit(&["rules", "list", "--rules-dir", &folder.path().display().to_string()]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert!(errors.contains("4 rule file problem(s)"), "{errors}");
    assert!(errors.contains("a.toml:8:") && errors.contains("colour"), "{errors}");
    assert!(errors.contains("b.toml:5:") && errors.contains("'urgent'"), "{errors}");
    assert!(errors.contains("c.toml:10:") && errors.contains("syntax error"), "{errors}");
    assert!(errors.contains("d.toml:11:") && errors.contains("app.oauth.scope'"), "{errors}");
}

#[test]
fn rules_list_and_explain_describe_the_pack() {
    let output = sfaudit(&["rules", "list"]);
    assert_eq!(code(&output), 0);
    let list = stdout(&output);
    assert!(list.contains("certificate-expired") && list.contains("cert_expiry_high_days = 30"), "{list}");
    let output = sfaudit(&["rules", "explain", "certificate-expired"]);
    let explain = stdout(&output);
    for heading in ["Control:", "Threat scenarios", "Remediation", "CVSS"] {
        assert!(explain.contains(heading), "{heading} missing:\n{explain}");
    }
    let output = sfaudit(&["rules", "explain", "no-such-rule"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn rules_list_explain_and_the_json_show_each_rules_confidence() {
    let computed = VALID_RULE.replace(
        "expected = \"no web scope\"",
        "confidence = \"app.integration.kind == 'certain' ? 'high' : 'low'\"\nexpected = \"no web scope\"",
    );
    let folder = write_rules(&[("custom.toml", &computed)]);
    let dir = folder.path().display().to_string();
    let list = stdout(&sfaudit(&["rules", "list", "--rules-dir", &dir]));
    assert!(list.lines().next().is_some_and(|_| list.contains("┆ Confidence ┆")), "{list}");
    let row = list.lines().find(|line| line.contains("custom-no-web-scope")).expect("row");
    assert!(row.contains("┆ computed "), "{row}");
    let builtin = list.lines().find(|line| line.contains("full-scope-granted")).expect("row");
    assert!(builtin.contains("┆ high "), "{builtin}");
    let explain = stdout(&sfaudit(&["rules", "explain", "custom-no-web-scope", "--rules-dir", &dir]));
    assert!(explain.contains("Confidence:  computed: app.integration.kind == 'certain' ? 'high' : 'low'"), "{explain}");
    let output =
        sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--rules-dir", &dir, "--format", "json", "--fail-on", "none"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let rule = document["rules"].as_array().expect("rules").iter().find(|rule| rule["id"] == "custom-no-web-scope");
    assert_eq!(rule.expect("rule")["confidence"], "computed");
    let result = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["rule_id"] == "custom-no-web-scope" && result["resource"]["name"] == "CI_Deploy_Pipeline")
        .expect("result");
    assert!(result["confidence"] == "high" || result["confidence"] == "low", "{result}");
}
