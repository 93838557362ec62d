//! `sfaudit diff` (src/diff.rs, src/report/drift.rs): drift between two runs.

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
