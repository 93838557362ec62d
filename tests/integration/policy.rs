//! Suppressions, baselines and the gate (src/policy.rs, src/config/suppress.rs, src/baseline.rs).

use crate::common::{DEMO, DEMO_AS_OF, code, sfaudit, stderr, stdout};
use crate::config::copy_tree;

/// The demo's high and critical failures, as (rule, app) pairs.
fn blocking_findings() -> Vec<(String, String)> {
    let document = crate::common::scan_json(DEMO, DEMO_AS_OF);
    document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| {
            result["status"] == "fail" && (result["severity"] == "high" || result["severity"] == "critical")
        })
        .map(|result| {
            (
                result["rule_id"].as_str().expect("id").to_string(),
                result["resource"]["name"].as_str().expect("name").to_string(),
            )
        })
        .collect()
}

fn suppressions_for(findings: &[(String, String)], expires: &str) -> String {
    findings
        .iter()
        .map(|(rule, app)| {
            format!("[[suppressions]]\nrule = \"{rule}\"\napp = \"{app}\"\nreason = \"accepted for the test\"\nowner = \"sec@example.com\"\nexpires = {expires}\n\n")
        })
        .collect()
}

#[test]
fn a_suppression_hides_a_failure_from_the_gate_but_not_from_the_report() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("sfaudit.toml");
    std::fs::write(&config, suppressions_for(&blocking_findings(), "2027-06-30")).expect("write");
    let config = config.display().to_string();

    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config]);
    assert_eq!(code(&output), 0, "every blocking finding is suppressed: {}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("(suppressed)") && table.contains("accepted for the test"), "{table}");
    assert!(stderr(&output).contains("suppressed; gate on high and above: passed"), "{}", stderr(&output));

    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config, "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let suppressed: Vec<&serde_json::Value> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["suppression"].is_object())
        .collect();
    assert_eq!(suppressed.len(), blocking_findings().len());
    assert!(suppressed.iter().all(|result| result["status"] == "fail"), "suppressed results stay failures");
    assert_eq!(document["summary"]["suppressed"], suppressed.len());

    // The auditor view disables every suppression.
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config, "--no-ignores"]);
    assert_eq!(code(&output), 1);
    assert!(!stdout(&output).contains("(suppressed)"));
}

#[test]
fn an_expired_suppression_no_longer_applies_and_warns() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("sfaudit.toml");
    std::fs::write(&config, suppressions_for(&blocking_findings(), "2026-11-30")).expect("write");
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config.display().to_string()]);
    assert_eq!(code(&output), 1, "expired suppressions do not protect the gate");
    assert!(stderr(&output).contains("expired on 2026-11-30"), "{}", stderr(&output));
    assert!(stdout(&output).contains("Warning: suppression"), "{}", stdout(&output));
}

#[test]
fn suppressions_expiring_soon_are_listed() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("sfaudit.toml");
    std::fs::write(
        &config,
        "[[suppressions]]\nrule = \"full-scope-granted\"\nreason = \"soon\"\nexpires = 2026-12-15\n\n[[suppressions]]\nrule = \"pkce-not-required\"\nreason = \"later\"\nexpires = 2027-12-31\n",
    )
    .expect("write");
    let config = config.display().to_string();
    let output = sfaudit(&["suppressions", "--config", &config, "--as-of", DEMO_AS_OF, "--expiring-within", "30"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let listing = stdout(&output);
    assert!(listing.contains("full-scope-granted") && listing.contains("expires in 14 days"), "{listing}");
    assert!(!listing.contains("pkce-not-required"), "{listing}");
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config, "--fail-on", "none"]);
    assert!(stderr(&output).contains("expires on 2026-12-15, in 14 day(s)"), "{}", stderr(&output));
}

#[test]
fn a_baseline_passes_old_findings_and_fails_new_ones() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = folder.path().join("project");
    copy_tree(&crate::common::repo_root().join(DEMO), &project);
    std::fs::create_dir_all(&project).expect("mkdir");
    let project_arg = project.display().to_string();
    let baseline = folder.path().join("baseline.json").display().to_string();

    let output = sfaudit(&["baseline", "update", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("new baseline"), "{}", stdout(&output));

    let output = sfaudit(&["scan", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline]);
    assert_eq!(code(&output), 0, "nothing is new: {}", stderr(&output));
    assert!(stderr(&output).contains("baseline: 0 new, 85 unchanged, 0 fixed"), "{}", stderr(&output));

    // A new high-risk finding: the well-configured app starts bypassing IP restrictions.
    let policy = project
        .join("force-app/main/default/extlClntAppOauthPolicies/Payments_Gateway_oauthPlcy.ecaOauthPlcy-meta.xml");
    let text = std::fs::read_to_string(&policy).expect("policy");
    std::fs::write(&policy, text.replace("<ipRelaxationPolicyType>Enforce<", "<ipRelaxationPolicyType>Bypass<"))
        .expect("write");
    let output = sfaudit(&["scan", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains("baseline: 1 new"), "{}", stderr(&output));
    assert!(stdout(&output).contains("Critical (new)"), "{}", stdout(&output));

    // --fail-on-new fails on a new finding of any severity; --no-fail never fails.
    let output =
        sfaudit(&["scan", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline, "--fail-on", "critical"]);
    assert_eq!(code(&output), 0, "the new finding is high, below critical");
    let output = sfaudit(&[
        "scan",
        &project_arg,
        "--as-of",
        DEMO_AS_OF,
        "--baseline",
        &baseline,
        "--fail-on",
        "critical",
        "--fail-on-new",
    ]);
    assert_eq!(code(&output), 1);
    let output =
        sfaudit(&["scan", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline, "--no-fail", "--quiet"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).is_empty(), "--quiet prints no report");
    assert!(stderr(&output).contains("would fail"), "{}", stderr(&output));

    // Rolling the baseline forward accepts the new finding.
    let output = sfaudit(&["baseline", "update", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline]);
    assert!(stdout(&output).contains("since the previous baseline: 1 new, 0 fixed"), "{}", stdout(&output));
    assert_eq!(code(&sfaudit(&["scan", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline])), 0);
}
