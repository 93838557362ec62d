//! What every format must say about a verdict beyond pass and fail (src/report/tables.rs,
//! src/document/summary.rs, src/gate/{confidence,incomplete,loosening}.rs): confidence and
//! `--min-confidence`, assumed defaults, input problems and an incomplete report, coverage, the
//! capped score with per-app scores, and a scan that found nothing.

use std::path::{Path, PathBuf};

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, scan_json, sfaudit, stderr, stdout};
use crate::config::copy_tree;
use crate::report::{format_names, save_demo_result};

/// Every format of a scan, rendered with `args` into files: format name → text.
pub fn every_format(folder: &Path, args: &[&str]) -> (i32, String, Vec<(String, String)>) {
    let out = folder.join("reports");
    let formats = format_names().join(",");
    let mut all: Vec<&str> = vec!["scan"];
    all.extend(args);
    let out_text = out.display().to_string();
    all.extend(["--as-of", DEMO_AS_OF, "--format", &formats, "--output-dir", &out_text]);
    let output = sfaudit(&all);
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&out).expect("reports written").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        texts.push((name, std::fs::read_to_string(entry.path()).expect("report text")));
    }
    texts.sort();
    assert_eq!(texts.len(), format_names().len(), "{}", stderr(&output));
    (code(&output), stderr(&output), texts)
}

/// The demo's inventory as a snapshot, changed by `edit`.
fn demo_snapshot(folder: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let saved = save_demo_result(folder);
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved).expect("saved")).expect("json");
    let mut inventory = document["inventory"].clone();
    edit(&mut inventory);
    let path = folder.join("snapshot.json");
    std::fs::write(&path, serde_json::to_string(&inventory).expect("snapshot")).expect("write");
    path
}

fn app_mut<'a>(inventory: &'a mut serde_json::Value, name: &str) -> &'a mut serde_json::Value {
    inventory["apps"].as_array_mut().expect("apps").iter_mut().find(|app| app["name"] == name).expect("app")
}

fn assert_every_format_contains(texts: &[(String, String)], needle: &str) {
    for (name, text) in texts {
        assert!(text.contains(needle), "{name} lacks {needle:?}");
    }
}

const LOW_CONFIDENCE_RULE: &str = r#"id = "guessed-integration"
control = "OAuth Flow Enablement: Guessed"
title = "A guess about the app"
severity = "high"
cvss = "7.0-8.9"
category = "flows"
applies_to = ["connected_app"]
fail_if = "app.label != ''"
actual = "app.kind"
confidence = "low"
expected = "nothing"
overview = "o"
risk = "r"
threat_scenarios = "t"
remediation = "m"

[[tests]]
name = "an app with a label"
expect = "fail"

[[tests]]
name = "an app without one"
expect = "pass"
app = { label = "" }
"#;

fn low_confidence_rules(folder: &Path) -> String {
    let rules = folder.join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(rules.join("guessed-integration.toml"), LOW_CONFIDENCE_RULE).expect("write rule");
    rules.display().to_string()
}

#[test]
fn min_confidence_hides_less_sure_results_and_every_format_says_how_many() {
    let folder = tempfile::tempdir().expect("temp dir");
    let rules = low_confidence_rules(folder.path());
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--rules-dir", &rules, "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let guessed: Vec<&serde_json::Value> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["rule_id"] == "guessed-integration")
        .collect();
    let connected_apps = document["inventory"]["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .filter(|app| app["kind"] == "connected_app")
        .count();
    assert!(connected_apps > 0, "the demo has Connected Apps");
    assert_eq!(guessed.len(), connected_apps, "one per Connected App");
    let below_medium =
        document["results"].as_array().expect("results").iter().filter(|r| r["confidence"] == "low").count();
    assert!(guessed.iter().all(|result| result["confidence"] == "low" && result["status"] == "fail"));
    let rule = document["rules"].as_array().expect("rules").iter().find(|rule| rule["id"] == "guessed-integration");
    assert_eq!(rule.expect("rule")["confidence"], "low");
    let table = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--rules-dir", &rules]));
    let row = table.lines().find(|line| line.contains("guessed-integration")).expect("row");
    assert!(row.contains("┆ low "), "the table shows the confidence: {row}");

    let (exit, summary, texts) =
        every_format(folder.path(), &[DEMO, "--rules-dir", &rules, "--min-confidence", "medium"]);
    assert_eq!(exit, 1, "{summary}");
    let hidden = format!("{below_medium} results below medium confidence hidden");
    assert!(summary.contains(&format!("; {hidden} (--min-confidence medium)")), "{summary}");
    assert_every_format_contains(&texts, &hidden);
    for (name, text) in &texts {
        assert!(!text.contains("guessed-integration ::") && !text.contains("| guessed-integration |"), "{name}");
    }
    let json = &texts.iter().find(|(name, _)| name.ends_with(".json")).expect("json").1;
    let document: serde_json::Value = serde_json::from_str(json).expect("json");
    assert_eq!(document["run"]["hidden"], serde_json::json!({"below": "medium", "count": below_medium}));
    assert!(!document["results"].as_array().expect("results").iter().any(|r| r["rule_id"] == "guessed-integration"));
}

#[test]
fn a_value_salesforce_supplied_shows_default_beside_it_in_every_format() {
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = demo_snapshot(folder.path(), |inventory| {
        app_mut(inventory, "Partner_Portal_SSO")["defaults"] = serde_json::json!(["policy.ip_relaxation"]);
    });
    let snapshot = snapshot.display().to_string();
    let (_, _, texts) = every_format(folder.path(), &["--snapshot", &snapshot]);
    let assumed_results = |document: &serde_json::Value| -> std::collections::BTreeSet<(String, String)> {
        document["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|result| result["assumed"] == true)
            .map(|result| (result["rule_id"].to_string(), result["resource"]["name"].to_string()))
            .collect()
    };
    let before = assumed_results(&scan_json(DEMO, DEMO_AS_OF));
    for (name, text) in &texts {
        if name.ends_with(".json") {
            let document: serde_json::Value = serde_json::from_str(text).expect("json");
            let assumed = assumed_results(&document);
            let added: Vec<&(String, String)> = assumed.difference(&before).collect();
            assert!(!added.is_empty(), "the edited default makes results assumed");
            assert!(added.iter().all(|(_, app)| app == "\"Partner_Portal_SSO\""), "{added:?}");
            assert!(added.iter().any(|(rule, _)| rule == "\"ip-restrictions-bypassed\""), "{added:?}");
        } else {
            assert!(
                text.contains("bypass (default)")
                    || text.contains("bypass</span> <span class=\"small default\">(default)"),
                "{name}"
            );
        }
    }
}

#[test]
fn input_problems_are_listed_in_every_format_and_leave_the_exit_code_to_the_gate() {
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = demo_snapshot(folder.path(), |inventory| {
        inventory["problems"] = serde_json::json!([{
            "path": "force-app/main/default/certs/broken.crt",
            "line": 3,
            "message": "the certificate cannot be read: not base64",
            "hint": "export the certificate again as PEM",
            "resource": {"kind": "connected_app", "name": "Partner_Portal_SSO"},
            "fatal": false,
        }]);
    });
    let snapshot = snapshot.display().to_string();
    let (exit, summary, texts) = every_format(folder.path(), &["--snapshot", &snapshot]);
    assert_eq!(exit, 1, "the demo's gate decides: {summary}");
    assert!(
        summary.contains(
            "warning: input problem: force-app/main/default/certs/broken.crt:3: the certificate cannot be read"
        ),
        "{summary}"
    );
    assert!(summary.contains("; 1 input problem(s);"), "{summary}");
    assert_every_format_contains(&texts, "the certificate cannot be read: not base64");
    for (name, text) in &texts {
        if name.ends_with(".sarif") {
            let sarif: serde_json::Value = serde_json::from_str(text).expect("sarif");
            let invocation = &sarif["runs"][0]["invocations"][0];
            assert_eq!(invocation["executionSuccessful"], true);
            let notification = invocation["toolExecutionNotifications"]
                .as_array()
                .expect("notifications")
                .iter()
                .find(|n| n["descriptor"]["id"] == "input_problem")
                .expect("the problem");
            assert_eq!(notification["level"], "warning");
            let location = &notification["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uri"], "force-app/main/default/certs/broken.crt");
            assert_eq!(location["region"]["startLine"], 3);
        }
        if name.ends_with(".junit.xml") {
            assert!(text.contains("<testcase name=\"input :: force-app/main/default/certs/broken.crt\""), "{text}");
            assert!(text.contains("<error message=") && text.contains("type=\"input_problem\""));
        }
        if name.ends_with(".csv") {
            assert!(text.lines().any(|line| line.starts_with(",input_problem,Warning,")), "{text}");
        }
        if name.ends_with(".txt") || name.ends_with(".md") || name.ends_with(".html") {
            assert!(text.contains("Input problems"), "{name}");
        }
    }
}

#[test]
fn a_file_that_could_not_be_read_exits_2_and_the_written_report_is_marked_incomplete() {
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = demo_snapshot(folder.path(), |inventory| {
        inventory["problems"] = serde_json::json!([{
            "path": "force-app/main/default/connectedApps/Backup.connectedApp-meta.xml",
            "line": 7,
            "message": "malformed XML: unexpected end of file",
            "hint": "fix the XML; every element must be closed",
            "fatal": true,
        }]);
    });
    let snapshot = snapshot.display().to_string();
    let (exit, summary, texts) = every_format(folder.path(), &["--snapshot", &snapshot]);
    assert_eq!(exit, 2, "{summary}");
    assert!(
        summary.contains("error: force-app/main/default/connectedApps/Backup.connectedApp-meta.xml:7: malformed XML")
    );
    assert!(summary.contains("INCOMPLETE"), "the summary line says it: {summary}");
    assert_every_format_contains(&texts, "INCOMPLETE: 1 file(s) could not be read");
    for (name, text) in &texts {
        if name.ends_with(".json") {
            let document: serde_json::Value = serde_json::from_str(text).expect("json");
            assert_eq!(document["run"]["incomplete"], true);
        }
        if name.ends_with(".sarif") {
            let sarif: serde_json::Value = serde_json::from_str(text).expect("sarif");
            assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], false);
        }
        if name.ends_with(".junit.xml") {
            assert!(text.contains("<property name=\"sfaudit.incomplete\" value=\"true\"/>"), "{text}");
        }
    }

    let output = sfaudit(&["scan", "--snapshot", &snapshot, "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty(), "no report on standard output that could pass for a complete one");
    assert!(stderr(&output).contains("hint: fix the XML"), "{}", stderr(&output));
}

#[test]
fn coverage_lists_skipped_paths_unused_files_and_unknown_scopes() {
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = demo_snapshot(folder.path(), |inventory| {
        inventory["coverage"] = serde_json::json!({
            "skipped": [{"path": "force-app/main/default/backup", "reason": "listed in .forceignore"}],
            "unused": [{"path": "force-app/main/default/extlClntAppMobileSettings/A.ecaMobile-meta.xml", "type_name": "ExtlClntAppMobileSettings"}],
            "unknown_scopes": [{"app": {"kind": "connected_app", "name": "Partner_Portal_SSO"}, "scope": "NewScope2027"}],
        });
    });
    let snapshot = snapshot.display().to_string();
    let (_, _, texts) = every_format(folder.path(), &["--snapshot", &snapshot]);
    for (name, text) in &texts {
        if name.ends_with(".txt") || name.ends_with(".md") || name.ends_with(".html") {
            for needle in ["listed in .forceignore", "ExtlClntAppMobileSettings", "NewScope2027", "Skipped paths"] {
                assert!(text.contains(needle), "{name} lacks {needle}");
            }
        }
    }
}

/// A project of `count` copies of the demo's best External Client App (Payments_Gateway), each
/// failing one high-severity control and passing the rest, with the demo's org settings.
fn many_good_apps_with_one_high_finding(folder: &Path, count: usize) -> PathBuf {
    let demo = repo_root().join(DEMO).join("force-app/main/default");
    let project = folder.join("project");
    copy_tree(&demo.join("settings"), &project.join("force-app/main/default/settings"));
    std::fs::write(
        project.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
    )
    .expect("project file");
    for folder_name in [
        "externalClientApps",
        "extlClntAppGlobalOauthSets",
        "extlClntAppOauthPolicies",
        "extlClntAppOauthSettings",
        "extlClntAppPolicies",
    ] {
        for entry in std::fs::read_dir(demo.join(folder_name)).expect("demo folder").filter_map(Result::ok) {
            let file = entry.file_name().to_string_lossy().into_owned();
            if !file.starts_with("Payments_Gateway") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).expect("text");
            for index in 0..count {
                let name = format!("Payments_{index:02}");
                let target = project
                    .join("force-app/main/default")
                    .join(folder_name)
                    .join(file.replace("Payments_Gateway", &name));
                std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
                std::fs::write(target, text.replace("Payments_Gateway", &name)).expect("write");
            }
        }
    }
    project
}

#[test]
fn many_apps_each_failing_one_high_risk_control_do_not_come_out_good() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = many_good_apps_with_one_high_finding(folder.path(), 17);
    let output = sfaudit(&["scan", &project.display().to_string(), "--as-of", DEMO_AS_OF, "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let summary = &document["summary"];
    assert!(summary["score"].as_u64().expect("score") >= 70, "the score alone would be Good or better: {summary}");
    assert_eq!(summary["band"], "Poor", "{summary}");
    assert!(summary["band_cap"]["failed_high"].as_u64().expect("failed high") >= 17, "{summary}");
    let apps = summary["app_scores"].as_array().expect("app scores");
    assert_eq!(apps.len(), 17);
    for app in apps {
        assert!(app["score"].as_u64().expect("score") >= 70, "{app}");
        assert_eq!(app["band"], "Poor", "{app}");
        assert_eq!(app["band_cap"]["failed_high"], 1, "{app}");
    }
    assert!(stderr(&output).contains("(Poor, capped from "), "{}", stderr(&output));
    let table = stdout(&sfaudit(&["scan", &project.display().to_string(), "--as-of", DEMO_AS_OF]));
    assert!(table.contains("App scores (17)"), "{table}");
    assert!(table.lines().any(|line| line.contains("Payments_05") && line.contains("Poor, capped from")), "{table}");
    let html = stdout(&sfaudit(&["scan", &project.display().to_string(), "--as-of", DEMO_AS_OF, "--format", "html"]));
    assert!(html.contains("id=\"band-cap\""), "the overview says the band was capped");
}

#[test]
fn a_namespace_glob_suppresses_the_apps_of_that_namespace_only() {
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = demo_snapshot(folder.path(), |inventory| {
        app_mut(inventory, "Partner_Portal_SSO")["namespace"] = serde_json::json!("acme");
    });
    let config = folder.path().join("policy.toml");
    std::fs::write(
        &config,
        "[[suppressions]]\nrule = \"full-scope-granted\"\nnamespace = \"ac*\"\nreason = \"the acme package is reviewed\"\n",
    )
    .expect("config");
    let output = sfaudit(&[
        "scan",
        "--snapshot",
        &snapshot.display().to_string(),
        "--as-of",
        DEMO_AS_OF,
        "--config",
        &config.display().to_string(),
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let full_scope: Vec<&serde_json::Value> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["rule_id"] == "full-scope-granted" && result["status"] == "fail")
        .collect();
    assert_eq!(full_scope.len(), 2, "Partner_Portal_SSO and Analytics_Export fail it");
    for result in full_scope {
        let packaged = result["resource"]["name"] == "Partner_Portal_SSO";
        assert_eq!(crate::common::app_of(&document, result)["namespace"], if packaged { "acme" } else { "" });
        assert_eq!(result["suppression"].is_object(), packaged, "{result}");
    }
}

#[test]
fn an_emptied_project_exits_2_and_a_written_report_says_nothing_was_found() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = folder.path().join("project");
    std::fs::create_dir_all(project.join("force-app/main/default/classes")).expect("mkdir");
    std::fs::write(project.join("sfdx-project.json"), r#"{"packageDirectories":[{"path":"force-app"}]}"#)
        .expect("write");
    let project = project.display().to_string();
    let (exit, summary, texts) = every_format(folder.path(), &[&project]);
    assert_eq!(exit, 2, "{summary}");
    assert!(summary.contains("error: no OAuth app and no OAuth settings metadata found: project "), "{summary}");
    assert_every_format_contains(&texts, "No OAuth app and no OAuth settings metadata found");
    assert_every_format_contains(&texts, "(0 metadata files read)");
    let json = &texts.iter().find(|(name, _)| name.ends_with(".json")).expect("json").1;
    let document: serde_json::Value = serde_json::from_str(json).expect("json");
    assert_eq!(document["run"]["no_metadata_found"], true);
}
