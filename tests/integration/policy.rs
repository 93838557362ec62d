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
    let summary = stderr(&output);
    assert!(summary.contains(" suppressed; "), "{summary}");
    let count = blocking_findings().len();
    assert!(
        summary
            .contains(&format!("; {count} policy loosenings (suppression: {count}); gate on high and above: passed")),
        "{summary}"
    );

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
    assert!(stderr(&output).contains("baseline: 0 new, 86 unchanged, 0 fixed"), "{}", stderr(&output));

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

#[test]
fn no_baseline_is_taken_over_input_problems_unless_they_are_allowed() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = folder.path().join("project");
    copy_tree(&crate::common::repo_root().join("tests/realworld9/duplicate-elements"), &project);
    let project_arg = project.display().to_string();
    let baseline = folder.path().join("baseline.json");
    let baseline_arg = baseline.display().to_string();
    let update = |extra: &[&str]| {
        let mut args = vec!["baseline", "update", &project_arg, "--as-of", DEMO_AS_OF, "--baseline", &baseline_arg];
        args.extend_from_slice(extra);
        sfaudit(&args)
    };
    let output = update(&[]);
    assert_eq!(code(&output), 2, "as `scan` exits: {}", stderr(&output));
    assert!(stderr(&output).contains("<isAdminApproved> is given twice"), "{}", stderr(&output));
    assert!(stderr(&output).contains("no baseline was written"), "{}", stderr(&output));
    assert!(!baseline.exists());
    let output = update(&["--allow-incomplete"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("(--allow-incomplete)"), "{}", stderr(&output));
    assert!(baseline.is_file());
}

/// A copy of the demo with `config` as its sfaudit.toml, and a rule folder replacing a built-in.
fn demo_with_config(folder: &std::path::Path, config: &str) -> String {
    let project = folder.join("project");
    copy_tree(&crate::common::repo_root().join(DEMO), &project);
    std::fs::write(project.join("sfaudit.toml"), config).expect("config");
    project.display().to_string()
}

const LOOSE_CONFIG: &str = r#"fail_on = "critical"
min_confidence = "medium"
ignore = ["legacy-connected-app", "certificates"]
rules_dirs = ["replacement-rules"]

[severity]
"full-scope-granted" = "low"
"pkce-not-required" = "critical"

[params]
max_refresh_token_days = 99999

[[suppressions]]
rule = "*"
reason = "trust me"
"#;

/// A rule that replaces `insecure-http-callback` and never fails.
fn write_replacement_rule(project: &str) {
    let builtin = walk(&crate::common::repo_root().join("rules"))
        .into_iter()
        .find(|path| path.ends_with("insecure-http-callback.toml"))
        .map(std::fs::read_to_string)
        .expect("the built-in rule file")
        .expect("rule text");
    let folder = std::path::Path::new(project).join("replacement-rules");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("insecure-http-callback.toml"), builtin).expect("write rule");
}

fn walk(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("folder").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn every_loosening_from_the_config_is_counted_and_listed_in_every_format() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = demo_with_config(folder.path(), LOOSE_CONFIG);
    write_replacement_rule(&project);
    let (exit, summary, texts) = crate::verdicts::every_format(folder.path(), &[&project]);
    assert_eq!(exit, 0, "the loosened gate passes: {summary}");
    assert!(
        summary.contains(
            "; 8 policy loosenings (gate threshold raised: 1, suppression: 1, rule ignored: 1, category ignored: 1, \
             severity lowered: 1, built-in rule replaced: 1, parameter changed: 1, low-confidence results hidden: 1)"
        ),
        "{summary}"
    );
    for (name, text) in &texts {
        for needle in ["trust me", "max_refresh_token_days", "insecure-http-callback", "legacy-connected-app"] {
            assert!(text.contains(needle), "{name} does not list {needle}");
        }
    }
    let json = &texts.iter().find(|(name, _)| name.ends_with(".json")).expect("json").1;
    let document: serde_json::Value = serde_json::from_str(json).expect("json");
    let loosenings = document["run"]["policy_loosenings"].as_array().expect("loosenings");
    let kinds: Vec<&str> = loosenings.iter().map(|loosening| loosening["kind"].as_str().expect("kind")).collect();
    assert_eq!(
        kinds,
        [
            "ignored_rule",
            "ignored_category",
            "severity_lowered",
            "gate_threshold",
            "min_confidence",
            "parameter",
            "suppression",
            "rule_override"
        ]
    );
    let severity = loosenings.iter().find(|loosening| loosening["kind"] == "severity_lowered").expect("severity");
    assert_eq!(severity["subject"], "full-scope-granted", "raising pkce-not-required is not a loosening");
    assert_eq!(severity["detail"], "high → low");
    assert!(severity["source"].as_str().expect("source").ends_with("sfaudit.toml:7"), "{severity}");
}

#[test]
fn no_project_config_ignores_a_config_in_the_scanned_tree() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = demo_with_config(folder.path(), "fail_on = \"none\"\n");
    let output = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 0, "the tree's config turned the gate off: {}", stderr(&output));
    assert!(stderr(&output).contains("1 policy loosening (gate threshold raised: 1)"), "{}", stderr(&output));

    let output = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(!stderr(&output).contains("policy loosening"), "{}", stderr(&output));

    let pinned = folder.path().join("pinned.toml");
    std::fs::write(&pinned, "fail_on = \"critical\"\n").expect("pinned");
    let pinned = pinned.display().to_string();
    let output = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--config", &pinned]);
    assert_eq!(code(&output), 1, "the pinned policy applies: {}", stderr(&output));
    assert!(stderr(&output).contains("gate on critical and above"), "{}", stderr(&output));

    let inside = format!("{project}/sfaudit.toml");
    let output = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--config", &inside]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("is inside the scanned folder"), "{}", stderr(&output));
}

#[test]
fn no_project_config_refuses_a_baseline_or_rule_folder_in_the_scanned_tree() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = demo_with_config(folder.path(), "");
    let in_tree = format!("{project}/sfaudit-baseline.json");
    let update = sfaudit(&["baseline", "update", &project, "--as-of", DEMO_AS_OF, "--baseline", &in_tree]);
    assert_eq!(code(&update), 0, "{}", stderr(&update));
    let outside = folder.path().join("pinned-baseline.json");
    std::fs::copy(&in_tree, &outside).expect("copy the baseline");
    let outside = outside.display().to_string();

    // The pull request's own baseline accepts every finding it lists, new ones included.
    let trusted = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--baseline", &in_tree]);
    assert_eq!(code(&trusted), 0, "{}", stderr(&trusted));
    let refused = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--baseline", &in_tree]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(stderr(&refused).contains("sfaudit-baseline.json is inside the scanned folder"), "{}", stderr(&refused));
    assert!(stdout(&refused).is_empty(), "nothing is scanned: {}", stdout(&refused));

    let pinned = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--baseline", &outside]);
    assert_eq!(code(&pinned), 0, "a baseline outside the tree is used: {}", stderr(&pinned));

    // The same file named by the pinned config, and a rule folder inside the tree.
    let config = folder.path().join("pinned.toml");
    std::fs::write(&config, format!("baseline = {in_tree:?}\n")).expect("pinned config");
    let config = config.display().to_string();
    let refused = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--config", &config]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(stderr(&refused).contains("is inside the scanned folder"), "{}", stderr(&refused));

    let rules = format!("{project}/security-rules");
    std::fs::create_dir(&rules).expect("rule folder");
    let refused = sfaudit(&["scan", &project, "--as-of", DEMO_AS_OF, "--no-project-config", "--rules-dir", &rules]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(stderr(&refused).contains("security-rules is inside the scanned folder"), "{}", stderr(&refused));
}
