//! `sfaudit tokens` (src/app/tokens.rs, src/report/{tokens, revoke_plan}.rs) against the fake org:
//! per-app and per-user listings in every format, and a revocation plan that names the calls an
//! admin could run, holds no token value, and that sfaudit never runs.

use crate::common::{DEMO_AS_OF, code, stderr, stdout};
use crate::org_access::{demo, start};

#[test]
fn tokens_are_listed_per_app_and_per_user() {
    let org = start(demo());
    let output = org.run(&["tokens", "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let table = stdout(&output);
    for text in
        ["Shadow Data Export", "Payments Gateway", "not installed", "Connect REST /apps/oauth/usage", "OauthToken"]
    {
        assert!(table.contains(text), "expected '{text}' in:\n{table}");
    }

    let output = org.run(&["tokens", "--as-of", DEMO_AS_OF, "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let app = |name: &str| {
        listing["apps"].as_array().expect("apps").iter().find(|app| app["name"] == name).cloned().expect("app")
    };
    let shadow = app("Shadow Data Export");
    assert_eq!((shadow["installed"].as_bool(), shadow["user_count"].as_i64()), (Some(false), Some(5)));
    assert_eq!(shadow["first_used"], "2025-06-02T09:00:00Z");
    assert_eq!(shadow["users"].as_array().map(Vec::len), Some(5));
    let payments = app("Payments_Gateway");
    assert_eq!(payments["identifier"], "Payments_Gateway");
    assert_eq!(payments["users"][0]["username"], "payments.svc@demo.example.com");
    assert_eq!(listing["unused_days"], 90);

    let output = org.run(&["tokens", "--as-of", DEMO_AS_OF, "--format", "csv", "--app", "data loader bulk"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let csv = stdout(&output);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("app_kind,app_name,app_label,installed"), "{csv}");
    assert_eq!(lines.len(), 1 + 2, "one row per user of the one app: {csv}");
    assert!(lines.iter().skip(1).all(|line| line.starts_with("connected_app,Data_Loader_Bulk,")), "{csv}");

    let output = org.run(&["tokens", "--app", "Data_Loader_Bulk", "--as-of", DEMO_AS_OF]);
    assert!(stdout(&output).contains("tokens for app Data Loader Bulk: 2 users, 4 tokens, last used 274 days ago"));
    let output = org.run(&["tokens", "--app", "No Such App"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("apps holding tokens: "), "{}", stderr(&output));
}

#[test]
fn the_revocation_plan_names_the_calls_and_holds_no_token() {
    let org = start(demo());
    let folder = tempfile::tempdir().expect("temp dir");
    let plan_path = folder.path().join("revoke.sh");
    let plan_arg = plan_path.display().to_string();
    let output = org.run(&["tokens", "--as-of", DEMO_AS_OF, "--revoke-plan", &plan_arg, "-vv"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("sfaudit revoked nothing"), "{}", stderr(&output));
    let plan = std::fs::read_to_string(&plan_path).expect("plan");
    assert!(plan.starts_with("#!/bin/sh\n"), "{plan}");
    assert!(plan.contains("sfaudit never revokes anything"));
    // Uninstalled: Shadow Data Export; unused for more than 90 days: Data Loader Bulk and the
    // vendor tool; recently used, installed apps stay.
    assert!(
        plan.contains("revoke_with_delete_tokens 'SELECT DeleteToken FROM OauthToken WHERE AppName = '\\''Shadow Data Export'\\'''"),
        "{plan}"
    );
    assert!(plan.contains("# Shadow Data Export (Shadow Data Export): not installed"), "{plan}");
    assert!(plan.contains("tokens for uninstalled app Shadow Data Export: 5 users, 5 tokens, last used 2 days ago"));
    assert!(plan.contains(
        "revoke_with_delete_tokens 'SELECT DeleteToken FROM OauthToken WHERE AppName = '\\''Data Loader Bulk'\\'''"
    ));
    assert!(plan.contains("revoke_external_client_app_tokens 'Vendor_Sandbox_Tool'"), "{plan}");
    assert!(!plan.contains("Payments_Gateway") && !plan.contains("Field Service Mobile"), "{plan}");
    // The plan carries no token: sfaudit never reads DeleteToken or any token column.
    for token in org.fake.issued_tokens() {
        assert!(!plan.contains(&token) && !stdout(&output).contains(&token) && !stderr(&output).contains(&token));
    }
    assert!(!stderr(&output).contains("DeleteToken,") && !stderr(&output).contains("AccessToken"));
    // A shorter threshold plans more; the plan is valid shell.
    let output = org.run(&["tokens", "--as-of", DEMO_AS_OF, "--unused-days", "2", "--revoke-plan", &plan_arg]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let plan = std::fs::read_to_string(&plan_path).expect("plan");
    assert!(plan.contains("AppName = '\\''Field Service Mobile'\\'''"), "{plan}");
    let syntax = std::process::Command::new("sh").arg("-n").arg(&plan_path).output().expect("sh -n");
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
}

#[test]
fn hostile_app_names_cannot_break_out_of_the_plan() {
    let mut data = crate::fake_org::demo::demo_org(&crate::common::repo_root().join(crate::common::DEMO));
    data.add_tokens("Evil'; touch /tmp/sfaudit-pwned; echo '\n#", 2, 1, 90, Some("2025-01-01T00:00:00.000+0000"));
    let folder = tempfile::tempdir().expect("temp dir");
    let key = folder.path().join("server.key");
    std::fs::write(&key, &crate::fake_org::TestKeys::scanner().private_key_pem).expect("key");
    let fake = crate::fake_org::FakeOrg::start(data, demo());
    let plan_path = folder.path().join("revoke.sh");
    let key_arg = key.display().to_string();
    let plan_arg = plan_path.display().to_string();
    let output = crate::org_access::run(&[
        "tokens",
        "--as-of",
        DEMO_AS_OF,
        "--revoke-plan",
        &plan_arg,
        "--client-id",
        crate::fake_org::CONSUMER_KEY,
        "--username",
        crate::fake_org::USERNAME,
        "--jwt-key-file",
        &key_arg,
        "--instance-url",
        &fake.url,
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let plan = std::fs::read_to_string(&plan_path).expect("plan");
    assert!(plan.contains("\\u{a}#"), "the newline is shown escaped: {plan}");
    assert!(!plan.lines().any(|line| line.starts_with("touch") || line.trim_start().starts_with("echo '")), "{plan}");
    let syntax = std::process::Command::new("sh").arg("-n").arg(&plan_path).output().expect("sh -n");
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
}
