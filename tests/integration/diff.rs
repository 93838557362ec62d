//! `sfaudit diff` (src/diff/, src/report/drift.rs): drift between two runs.

use crate::common::{DEMO, DEMO_AS_OF, code, sfaudit, stderr, stdout};
use crate::config::copy_tree;

/// A copy of the demo with `edit` applied to one file, scanned to a JSON result.
fn variant(folder: &std::path::Path, name: &str, file: &str, from: &str, to: &str) -> String {
    let project = folder.join(name);
    copy_tree(&crate::common::repo_root().join(DEMO), &project);
    if !file.is_empty() {
        let path = project.join("force-app/main/default").join(file);
        let text = std::fs::read_to_string(&path).expect("file");
        assert!(text.contains(from), "{file} lacks {from}");
        std::fs::write(&path, text.replace(from, to)).expect("write");
    }
    let result = folder.join(format!("{name}.json"));
    let output = sfaudit(&[
        "scan",
        &project.display().to_string(),
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "json",
        "--output",
        &result.display().to_string(),
        "--no-fail",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    result.display().to_string()
}

#[test]
fn diff_lists_the_exact_setting_change_and_exits_1_when_it_got_weaker() {
    let folder = tempfile::tempdir().expect("temp dir");
    let before = variant(folder.path(), "before", "", "", "");
    let after = variant(
        folder.path(),
        "after",
        "extlClntAppOauthPolicies/Payments_Gateway_oauthPlcy.ecaOauthPlcy-meta.xml",
        "<permittedUsersPolicyType>AdminApprovedPreAuthorized<",
        "<permittedUsersPolicyType>AllSelfAuthorized<",
    );
    let output = sfaudit(&["diff", &before, &after]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let table = stdout(&output);
    let line = table.lines().find(|line| line.contains("policy.permitted_users")).expect("the change is listed");
    assert!(line.contains("weaker") && line.contains("Payments_Gateway"), "{line}");
    assert!(line.contains("admin_approved") && line.contains("all_self_authorized"), "{line}");
    assert!(table.contains("integration-not-admin-approved"), "the new finding is listed: {table}");

    let output = sfaudit(&["diff", &before, &after, "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(document["got_worse"], true);
    let changes = document["drift"]["setting_changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["field"], "policy.permitted_users");
    assert_eq!(changes[0]["direction"], "weaker");
    assert_eq!(document["drift"]["new_findings"].as_array().expect("new").len(), 1);

    let output = sfaudit(&["diff", &before, &after, "--format", "markdown"]);
    assert!(
        stdout(&output).contains("| weaker | Payments_Gateway (external_client_app) | `policy.permitted_users`"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn diff_exits_0_when_only_improvements_happened() {
    let folder = tempfile::tempdir().expect("temp dir");
    let before = variant(folder.path(), "before", "", "", "");
    let after = variant(
        folder.path(),
        "after",
        "connectedApps/Partner_Portal_SSO.connectedApp-meta.xml",
        "<ipRelaxation>BYPASS</ipRelaxation>",
        "<ipRelaxation>ENFORCE</ipRelaxation>",
    );
    let output = sfaudit(&["diff", &before, &after]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let table = stdout(&output);
    assert!(table.contains("stronger") && table.contains("policy.ip_relaxation"), "{table}");
    assert!(table.contains("Findings: 0 new, 1 fixed"), "{table}");
}

#[test]
fn diff_of_snapshots_compares_settings_and_apps() {
    let folder = tempfile::tempdir().expect("temp dir");
    let before = variant(folder.path(), "before", "", "", "");
    let project = folder.path().join("fewer");
    copy_tree(&crate::common::repo_root().join(DEMO), &project);
    std::fs::remove_file(project.join("force-app/main/default/connectedApps/Data_Loader_Bulk.connectedApp-meta.xml"))
        .expect("rm");
    let path = project.join("force-app/main/default/settings/OauthOidc.settings-meta.xml");
    let text = std::fs::read_to_string(&path).expect("settings");
    std::fs::write(&path, text.replace("<blockOAuthUsrAgtFlow>true<", "<blockOAuthUsrAgtFlow>false<")).expect("write");
    let after = folder.path().join("after.json");
    sfaudit(&[
        "scan",
        &project.display().to_string(),
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "json",
        "--output",
        &after.display().to_string(),
        "--no-fail",
    ]);
    let output = sfaudit(&["diff", &before, &after.display().to_string()]);
    assert_eq!(code(&output), 1);
    let table = stdout(&output);
    assert!(table.contains("Apps removed: Data_Loader_Bulk (connected_app)"), "{table}");
    assert!(
        table.lines().any(|line| line.contains("oauth_oidc.block_user_agent_flow") && line.contains("weaker")),
        "{table}"
    );
    let output = sfaudit(&["diff", &before, "no/such/file.json"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("no/such/file.json"));
}

#[test]
fn diff_refuses_a_damaged_result_or_one_of_another_schema_version_naming_the_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    let before = variant(folder.path(), "before", "", "", "");
    let after = variant(
        folder.path(),
        "after",
        "extlClntAppOauthPolicies/Payments_Gateway_oauthPlcy.ecaOauthPlcy-meta.xml",
        "<permittedUsersPolicyType>AdminApprovedPreAuthorized<",
        "<permittedUsersPolicyType>AllSelfAuthorized<",
    );
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&after).expect("after")).expect("json");
    let damaged = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut copy = document.clone();
        edit(&mut copy);
        let path = folder.path().join(name);
        std::fs::write(&path, serde_json::to_string(&copy).expect("json")).expect("write");
        path.display().to_string()
    };
    let future = damaged("future.json", &|copy| copy["schema_version"] = serde_json::json!(99));
    let broken = damaged("broken.json", &|copy| copy["results"][0]["status"] = serde_json::json!("mostly fine"));
    let no_version = damaged("no-version.json", &|copy| {
        copy.as_object_mut().expect("object").remove("schema_version");
    });
    for (bad, needle) in
        [(&future, "results schema version 99"), (&broken, "mostly fine"), (&no_version, "no schema_version")]
    {
        for (old, new) in [(&before, bad), (bad, &before)] {
            let output = sfaudit(&["diff", old, new]);
            assert_eq!(code(&output), 2, "{bad} must not be read as a snapshot: {}", stdout(&output));
            assert!(stderr(&output).contains(bad.as_str()) && stderr(&output).contains(needle), "{}", stderr(&output));
            assert!(stdout(&output).is_empty());
        }
    }
}

/// A snapshot has no findings: both sides are evaluated with the built-in rules on one date, so
/// a weaker setting no field-by-field judgement knows of still shows as a new finding.
#[test]
fn diff_with_a_snapshot_evaluates_both_sides_and_lists_new_findings() {
    let folder = tempfile::tempdir().expect("temp dir");
    let result = variant(folder.path(), "before", "", "", "");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&result).expect("result")).expect("json");
    let snapshot = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut inventory = document["inventory"].clone();
        edit(&mut inventory);
        let path = folder.path().join(name);
        std::fs::write(&path, serde_json::to_string(&inventory).expect("json")).expect("write");
        path.display().to_string()
    };
    let before = snapshot("before-snapshot.json", &|_| {});
    let after = snapshot("after-snapshot.json", &|inventory| {
        let apps = inventory["apps"].as_array_mut().expect("apps");
        let app = apps.iter_mut().find(|app| app["name"] == "Payments_Gateway").expect("app");
        app["policy"]["permitted_users"] = serde_json::json!("all_self_authorized");
    });
    let output = sfaudit(&["diff", &before, &after, "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("evaluated with sfaudit's built-in rules as of 2026-12-01"), "{table}");
    assert!(table.contains("Findings: 1 new, 0 fixed"), "{table}");
    assert!(table.contains("integration-not-admin-approved"), "{table}");

    // A saved result against a snapshot of the same settings: nothing new.
    let output = sfaudit(&["diff", &result, &before, "--as-of", DEMO_AS_OF, "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let drift: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(drift["drift"]["new_findings"], serde_json::json!([]));
    assert!(drift["drift"]["evaluated_as_of"].as_str().expect("date").starts_with("2026-12-01"));
}

/// What sfaudit derives from other fields is derived again from a snapshot, not read: a record
/// cannot contradict itself to pass a rule.
#[test]
fn a_snapshot_cannot_forge_what_sfaudit_derives() {
    let folder = tempfile::tempdir().expect("temp dir");
    let result = variant(folder.path(), "before", "", "", "");
    let mut inventory: serde_json::Value = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(&result).expect("result"),
    )
    .expect("json")["inventory"]
        .clone();
    let apps = inventory["apps"].as_array_mut().expect("apps");
    let token =
        &mut apps.iter_mut().find(|app| app["name"] == "Field_Service_Mobile").expect("app")["policy"]["refresh_token"];
    assert!(token["max_days"].as_i64().expect("days") > 30, "{token}");
    token["max_days"] = serde_json::json!(7);
    let forged = folder.path().join("forged.json");
    std::fs::write(&forged, serde_json::to_string(&inventory).expect("json")).expect("write");
    let replayed = crate::common::replay_json(&forged, DEMO_AS_OF);
    let status = |rule: &str| {
        replayed["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|result| result["rule_id"] == rule && result["resource"]["name"] == "Field_Service_Mobile")
            .map(|result| result["status"].clone())
    };
    assert_eq!(status("refresh-token-idle-limit-over-30-days"), Some(serde_json::json!("fail")));
}
