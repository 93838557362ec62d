//! Orchestration and the command line (src/app.rs, src/cli.rs): gate, dates, outputs, secrets.

use crate::common::{
    DEMO, DEMO_AS_OF, code, realworld_root, replay_json, scan_json, sfaudit, status_of, stderr, stdout,
};

#[test]
fn the_gate_follows_fail_on() {
    let devops = realworld_root().join("N-P-N-P__SFDX-SFDX").display().to_string();
    // The worst failure is critical: the org allows the username-password flow.
    assert_eq!(code(&sfaudit(&["scan", &devops, "--as-of", "2026-01-01", "--fail-on", "critical"])), 1);
    assert_eq!(code(&sfaudit(&["scan", &devops, "--as-of", "2026-08-01", "--fail-on", "none"])), 0);
    // This org blocks that flow: its worst failures are high.
    let blocked = realworld_root().join("lekkimworld__salesforce-tokenexchange-poc").display().to_string();
    assert_eq!(code(&sfaudit(&["scan", &blocked, "--as-of", "2026-01-01", "--fail-on", "critical"])), 0);
    assert_eq!(code(&sfaudit(&["scan", &blocked, "--as-of", "2026-01-01", "--fail-on", "high"])), 1);
    let output = sfaudit(&["scan", &devops, "--fail-on", "severe"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("'severe'"), "{}", stderr(&output));
}

#[test]
fn as_of_moves_certificate_findings_in_time() {
    let devops = realworld_root().join("N-P-N-P__SFDX-SFDX").display().to_string();
    let before = scan_json(&devops, "2026-05-01");
    assert_eq!(status_of(&before, "certificate-expires-within-90-days", "Devops_JWT").as_deref(), Some("fail"));
    let close = scan_json(&devops, "2026-07-15");
    assert_eq!(status_of(&close, "certificate-expires-within-30-days", "Devops_JWT").as_deref(), Some("fail"));
    let output = sfaudit(&["scan", &devops, "--as-of", "+30d", "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&output), 0);
    let output = sfaudit(&["scan", &devops, "--as-of", "next week"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn params_change_thresholds_and_unknown_params_are_refused() {
    let devops = realworld_root().join("N-P-N-P__SFDX-SFDX").display().to_string();
    let output = sfaudit(&[
        "scan",
        &devops,
        "--as-of",
        "2026-05-01",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--param",
        "cert_expiry_high_days=120",
        "--param",
        "cert_expiry_medium_days=180",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(status_of(&document, "certificate-expires-within-30-days", "Devops_JWT").as_deref(), Some("fail"));
    let output = sfaudit(&["scan", &devops, "--param", "cert_expiry_weeks=3"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("cert_expiry_high_days"), "{}", stderr(&output));
}

#[test]
fn several_formats_go_to_an_output_folder() {
    let folder = tempfile::tempdir().expect("temp dir");
    let dir = folder.path().display().to_string();
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "table,json",
        "--output-dir",
        &dir,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let json = std::fs::read_to_string(folder.path().join("sfaudit-report.json")).expect("json written");
    let table = std::fs::read_to_string(folder.path().join("sfaudit-report.txt")).expect("table written");
    assert!(json.contains("\"schema_version\":2") && table.contains("Score:"));
    let output = sfaudit(&["scan", DEMO, "--format", "table,json", "--output", "x"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn a_consumer_secret_or_private_key_in_source_is_flagged_but_never_printed() {
    let secrets = ["DEMO0SECRET0NOT0REAL", "DEMO0NotARealPrivateKey"];
    let folder = tempfile::tempdir().expect("temp dir");
    let dir = folder.path().display().to_string();
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "table,json",
        "--output-dir",
        &dir,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0);
    let document = scan_json(DEMO, DEMO_AS_OF);
    assert_eq!(status_of(&document, "consumer-secret-in-source", "Partner_Portal_SSO").as_deref(), Some("fail"));
    assert_eq!(status_of(&document, "private-key-in-source", "Vendor_Sandbox_Tool").as_deref(), Some("fail"));
    let table = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--fail-on", "none"]));
    for secret in secrets {
        for entry in std::fs::read_dir(folder.path()).expect("read").filter_map(Result::ok) {
            let text = std::fs::read_to_string(entry.path()).expect("text");
            assert!(!text.contains(secret), "{} contains {secret}", entry.path().display());
        }
        assert!(!table.contains(secret));
        assert!(!document.to_string().contains(secret));
    }
}

#[test]
fn a_hostile_app_name_cannot_inject_terminal_escapes() {
    let folder = tempfile::tempdir().expect("temp dir");
    let app = folder.path().join("connectedApps");
    std::fs::create_dir_all(&app).expect("mkdir");
    // XML 1.0 cannot carry an escape character, but a file name (the app's API name) can.
    std::fs::write(
        app.join("Evil\u{1b}[2J.connectedApp-meta.xml"),
        "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>&lt;img src=x onerror=alert(1)&gt;</label><oauthConfig><callbackUrl>http://evil.example.com/</callbackUrl><scopes>Full</scopes></oauthConfig></ConnectedApp>",
    )
    .expect("write");
    let output = sfaudit(&["scan", &folder.path().display().to_string(), "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stdout(&output).contains('\u{1b}'), "raw escape character reached the terminal");
    assert!(stdout(&output).contains("\\u{1b}"), "{}", stdout(&output));
}

#[test]
fn snapshot_of_a_json_result_evaluates_the_same() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = folder.path().join("results.json");
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "json",
        "--output",
        &saved.display().to_string(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0);
    let replayed = replay_json(&saved, DEMO_AS_OF);
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    assert_eq!(original["results"], replayed["results"]);
    assert_eq!(original["summary"], replayed["summary"]);
    // `report --from` without --format prints the table, like `scan`.
    let table = sfaudit(&["report", "--from", &saved.display().to_string()]);
    assert_eq!(code(&table), 0);
    assert!(stdout(&table).contains("Score:"), "{}", stdout(&table));
}

/// A result names its file in one byte, among the files of its app that hold rule data. A
/// snapshot whose records list hundreds of other files (ahead of the real ones in name order)
/// must not push a result's file out of reach: every result still names the file it did.
#[test]
fn a_snapshot_listing_hundreds_of_other_files_per_app_names_the_same_files() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = crate::report::save_demo_result(folder.path());
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    let mut inventory = original["inventory"].clone();
    for app in inventory["apps"].as_array_mut().expect("apps") {
        let files = app["files"].as_object_mut().expect("files");
        for number in 0..300 {
            files.insert(format!("AAA_Other{number:03}"), serde_json::json!({"source": "project", "path": "x.xml"}));
        }
    }
    let snapshot = folder.path().join("snapshot.json");
    std::fs::write(&snapshot, inventory.to_string()).expect("write");
    assert_eq!(original["results"], replay_json(&snapshot, DEMO_AS_OF)["results"]);
}

#[test]
fn no_path_outside_a_project_is_a_usage_error() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output = crate::common::sfaudit_in(folder.path(), &["scan"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("sfdx-project.json"), "{}", stderr(&output));
}
