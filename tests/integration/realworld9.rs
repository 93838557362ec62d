//! The verdicts of issue 9 on the shapes of real public projects (tests/realworld9/, provenance
//! in its SOURCES.md): the project collector (src/collect/project/, src/collect/normalize/) and
//! the rule pack (rules/).

use serde_json::{Value, json};

use crate::common::{code, repo_root, scan_json, sfaudit, status_of, stderr, stdout};

const AS_OF: &str = "2026-11-23";

fn scan(folder: &str) -> Value {
    scan_json(&repo_root().join("tests/realworld9").join(folder).display().to_string(), AS_OF)
}

fn app<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["inventory"]["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|app| app["name"] == name)
        .unwrap_or_else(|| panic!("app {name} in the inventory"))
}

fn result<'a>(document: &'a Value, rule: &str, resource: &str) -> &'a Value {
    document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["rule_id"] == rule && result["resource"]["name"] == resource)
        .unwrap_or_else(|| panic!("a result of {rule} for {resource}"))
}

fn status(document: &Value, rule: &str, resource: &str) -> String {
    status_of(document, rule, resource).unwrap_or_else(|| format!("no result of {rule} for {resource}"))
}

#[test]
fn a_self_authorized_eca_without_its_global_settings_fails_the_permitted_users_control() {
    let document = scan("self-authorized-eca");
    let finding = result(&document, "app-self-authorization-allowed", "Order_Status");
    assert_eq!(finding["status"], "fail", "{finding}");
    assert_eq!(finding["actual"], "all_self_authorized");
    assert_eq!(finding["confidence"], "medium", "the app may be a JWT integration whose file is absent");
    // Whether it is a JWT bearer integration depends on the absent file.
    assert_eq!(status(&document, "integration-not-admin-approved", "Order_Status"), "unknown");
    assert_eq!(app(&document, "Order_Status")["integration"]["kind"], "uncertain");
}

#[test]
fn integrations_are_decided_from_evidence_not_from_scopes() {
    let document = scan("integration-evidence");
    // Canvas apps and browser apps that require PKCE are interactive, whatever their scopes.
    for interactive in ["Canvas_App", "Browser_Portal"] {
        assert_eq!(app(&document, interactive)["integration"]["kind"], "interactive", "{interactive}");
        assert_eq!(status(&document, "jwt-bearer-not-used-for-integration", interactive), "not_applicable");
    }
    assert!(
        app(&document, "Canvas_App")["integration"]["evidence"]
            .as_array()
            .expect("evidence")
            .contains(&json!("canvas app (canvasConfig)"))
    );
    // A CI app with only the full scope and no certificate is an integration, with medium confidence.
    let ci = result(&document, "jwt-bearer-not-used-for-integration", "CI_Full_Access");
    assert_eq!((&ci["status"], &ci["confidence"]), (&json!("fail"), &json!("medium")), "{ci}");
    // Client credentials make it certain; the evidence is "your value".
    let bulk = result(&document, "jwt-bearer-not-used-for-integration", "Bulk_Sync");
    assert_eq!((&bulk["status"], &bulk["confidence"]), (&json!("fail"), &json!("high")), "{bulk}");
    let actual = bulk["actual"].as_str().expect("actual");
    assert!(
        actual.contains("no certificate") && actual.contains("run-as user bulk.integration@example.com"),
        "{actual}"
    );
    // Client credentials run as the run-as user: Permitted Users decides nothing for them.
    assert_eq!(status(&document, "integration-not-admin-approved", "Bulk_Sync"), "not_applicable");
    assert_eq!(status(&document, "app-self-authorization-allowed", "Bulk_Sync"), "not_applicable");
    // PKCE applies to authorization code flows only.
    assert_eq!(status(&document, "connected-app-pkce-not-required", "Bulk_Sync"), "not_applicable");
    assert_eq!(status(&document, "connected-app-pkce-not-required", "Canvas_App"), "fail");
}

#[test]
fn system_administrator_is_recognised_under_its_translated_labels() {
    let document = scan("translated-profiles");
    assert_eq!(status(&document, "preauthorized-via-system-administrator", "I18n_Admin"), "fail");
    assert_eq!(status(&document, "preauthorized-via-system-administrator", "Global_Sales"), "fail");
    assert_eq!(status(&document, "preauthorized-via-system-administrator", "Copy_Of_Admin"), "pass");
    assert_eq!(app(&document, "Global_Sales")["policy"]["standard_profiles"], json!(["Admin"]));
    assert_eq!(
        app(&document, "I18n_Admin")["policy"]["profiles"],
        json!(["Systemadministrator", "システム管理者"]),
        "the labels themselves are kept as written"
    );
}

#[test]
fn values_taken_from_salesforce_defaults_are_marked_as_such() {
    let document = scan("defaults");
    let defaults = app(&document, "Old_Reporting")["defaults"].as_array().expect("defaults").clone();
    for path in ["policy.ip_relaxation", "policy.refresh_token", "policy.permitted_users", "oauth.pkce_required"] {
        assert!(defaults.contains(&json!(path)), "{path} not in {defaults:?}");
    }
    assert_eq!(status(&document, "refresh-token-never-expires", "Old_Reporting"), "fail");
    // Commented-out settings are absent: defaults, marked, not explicit values.
    let org = &document["inventory"]["org"];
    assert_eq!(org["oauth_oidc"]["block_username_password_flow"], false);
    assert!(
        org["defaults"].as_array().expect("org defaults").contains(&json!("oauth_oidc.block_username_password_flow")),
        "{org}"
    );
}

#[test]
fn namespaces_come_from_the_component_name_and_the_project() {
    let document = scan("namespaces");
    assert_eq!(app(&document, "Partner_App")["namespace"], "acme", "sfdx-project.json declares acme");
    assert_eq!(app(&document, "other__Installed_App")["namespace"], "other", "the prefix wins");
}

#[test]
fn every_scope_has_one_name_and_unknown_ones_are_listed() {
    let document = scan("scopes");
    assert_eq!(
        app(&document, "Scope_Names")["oauth"]["scopes"],
        json!(["full", "openid", "refresh_token", "sfap_api", "visualforce"])
    );
    assert_eq!(
        app(&document, "Agent_Api")["oauth"]["scopes"],
        json!(["HubApi", "api", "einstein_gpt_api", "mcp_api", "refresh_token", "sfap_api"])
    );
    assert_eq!(
        document["inventory"]["coverage"]["unknown_scopes"],
        json!([{"app": {"kind": "external_client_app", "name": "Agent_Api"}, "scope": "HubApi"}])
    );
}

#[test]
fn placeholders_are_reported_as_what_they_are() {
    let document = scan("placeholders");
    // A template secret is not a committed secret; a real-looking one is.
    assert_eq!(status(&document, "consumer-secret-in-source", "Template_App"), "pass");
    assert_eq!(status(&document, "consumer-secret-in-source", "Real_Secret"), "fail");
    let placeholder = result(&document, "placeholder-in-source", "Template_App");
    assert_eq!((&placeholder["status"], &placeholder["severity"]), (&json!("fail"), &json!("info")));
    let actual = placeholder["actual"].as_str().expect("actual");
    assert!(actual.contains("consumerSecret in ") && !actual.contains("REPLACE_CLIENT_SECRET"), "{actual}");
    assert!(actual.contains("{{BASE64_CERTIFICATE}}") && actual.contains("${DOMAIN}"), "{actual}");
    // A placeholder certificate is an unknown certificate with that reason, never an input error.
    assert!(document["inventory"]["problems"].as_array().is_none_or(Vec::is_empty));
    let expired = result(&document, "certificate-expired", "UDLO_Notifier");
    assert_eq!(expired["status"], "unknown");
    assert!(expired["reason"].as_str().expect("reason").contains("__CERTIFICATE_PEM__"), "{expired}");
    assert_eq!(app(&document, "UDLO_Notifier")["integration"]["kind"], "certain");
}

#[test]
fn one_bad_file_does_not_hide_the_rest() {
    let folder = repo_root().join("tests/realworld9/bad-files").display().to_string();
    let output = sfaudit(&["scan", &folder, "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(code(&output), 1, "the gate decides (Wide_Open fails): {}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let problems = document["inventory"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{problems:?}");
    let duplicate =
        problems.iter().find(|problem| problem["message"].as_str().unwrap_or("").contains("second")).expect("dup");
    assert_eq!(duplicate["resource"], json!({"kind": "connected_app", "name": "Finance_Sync"}));
    assert!(duplicate["message"].as_str().expect("message").contains("backup/connectedApps"), "{duplicate}");
    assert_eq!(duplicate["fatal"], false);
    let certificate = problems.iter().find(|problem| problem["resource"]["name"] == "Broken_Cert").expect("cert");
    assert_eq!(certificate["fatal"], false);
    // The affected apps' rules are unknown; the others are evaluated as usual.
    assert_eq!(status(&document, "app-self-authorization-allowed", "Finance_Sync"), "unknown");
    assert_eq!(status(&document, "certificate-expired", "Broken_Cert"), "unknown");
    assert_eq!(status(&document, "admin-approved-without-assignments", "Broken_Cert"), "pass");
    assert_eq!(status(&document, "full-scope-granted", "Wide_Open"), "fail");

    // A file that is not well-formed XML still ends the run with exit 2, naming it.
    let temporary = tempfile::tempdir().expect("temp dir");
    crate::config::copy_tree(std::path::Path::new(&folder), temporary.path());
    let broken = temporary.path().join("force-app/main/default/connectedApps/Wide_Open.connectedApp-meta.xml");
    std::fs::write(&broken, "<ConnectedApp><label>x</ConnectedApp>").expect("write");
    let output = sfaudit(&["scan", &temporary.path().display().to_string(), "--as-of", AS_OF]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("Wide_Open.connectedApp-meta.xml") && stderr(&output).contains("malformed XML"));
}

#[test]
fn enabled_and_oauth_enabled_are_two_fields() {
    let document = scan("plugin-switches");
    let oauth_off = app(&document, "Oauth_Off");
    assert_eq!((&oauth_off["enabled"], &oauth_off["oauth_enabled"]), (&json!(true), &json!(false)));
    let app_off = app(&document, "App_Off");
    assert_eq!((&app_off["enabled"], &app_off["oauth_enabled"]), (&json!(false), &json!(false)));
    assert!(oauth_off["missing"].as_object().expect("missing").is_empty(), "no OAuth is expected: {oauth_off}");
}

#[test]
fn metadata_read_partly_is_said_to_be_missing_and_the_rest_is_read() {
    let document = scan("partial-metadata");
    // A header-only ECA: its settings are missing, its rules unknown, never a clean pass.
    let header = app(&document, "Header_Only");
    for path in ["oauth", "policy", "certificate"] {
        assert!(header["missing"][path].is_string(), "{path}: {header}");
    }
    assert_eq!(status(&document, "app-self-authorization-allowed", "Header_Only"), "unknown");
    // ExternalClientAppSettings, with an xsi:nil element.
    let settings = &document["inventory"]["org"]["external_client_app_settings"];
    assert_eq!(settings, &json!({"consumer_secret_api_access": true, "client_secret_rest_api_access": true}));
    // Canvas and OAuth security settings join their app; canvas makes it interactive.
    let canvas = app(&document, "Canvas_Eca");
    assert_eq!(canvas["raw"]["ExtlClntAppOauthSecuritySettings"]["someFutureElement"], "x");
    assert!(canvas["files"]["ExtlClntAppCanvasSettings"]["path"].is_string(), "{canvas}");
    assert_eq!(canvas["integration"]["kind"], "interactive");
    assert_eq!(
        document["inventory"]["coverage"]["unused"],
        json!([{"path": "force-app/main/default/extlClntAppMobileSettings/Canvas_Eca_mobile.ecaMobile-meta.xml", "type_name": "ExtlClntAppMobileSettings"}])
    );
    // A SAML-only Connected App: its certificate is read, SHA-1 signing and expiry are checked.
    let saml = &app(&document, "Saml_Sp")["saml"];
    assert_eq!(saml["signing_algorithm"], "sha1");
    assert_eq!(saml["certificate"]["not_after"], "2027-02-15T00:00:00Z");
    assert_eq!(status(&document, "saml-sha1-signing", "Saml_Sp"), "fail");
    assert_eq!(status(&document, "saml-certificate-expires-within-90-days", "Saml_Sp"), "fail");
    // base64 of a PEM file with "Bag Attributes" lines is a certificate.
    assert_eq!(app(&document, "Bagged_Cert")["certificate"]["not_after"], "2028-02-29T00:00:00Z");
    assert_eq!(status(&document, "certificate-expired", "Bagged_Cert"), "pass");
}

#[test]
fn the_scan_covers_what_the_cli_would_deploy_and_secrets_everywhere() {
    let document = scan("forceignore");
    let names: Vec<&str> =
        document["inventory"]["apps"].as_array().expect("apps").iter().filter_map(|app| app["name"].as_str()).collect();
    // node_modules and target inside a package directory are deployed, so they are scanned.
    for deployed in ["Good", "Modules", "Target"] {
        assert_eq!(status(&document, "full-scope-granted", deployed), "fail", "{deployed}");
    }
    // The CLI's default ignore patterns skip dot folders; the project's .forceignore skips __tests__.
    assert!(!names.contains(&"Hidden"), "{names:?}");
    let skipped = document["inventory"]["coverage"]["skipped"].as_array().expect("skipped");
    assert!(skipped.contains(&json!({"path": "force-app/main/default/.hidden/", "reason": "the Salesforce CLI's default ignore pattern `**/.*`"})), "{skipped:?}");
    assert!(skipped.contains(&json!({"path": "force-app/main/default/__tests__/Tested.connectedApp-meta.xml", "reason": ".forceignore line 2: `**/__tests__/**`"})), "{skipped:?}");
    // An ignored file is still in the repository: its consumer secret is reported.
    let secret = result(&document, "consumer-secret-in-source", "Tested");
    assert_eq!(secret["status"], "fail");
    assert_eq!(secret["actual"], "force-app/main/default/__tests__/Tested.connectedApp-meta.xml");
    assert_eq!(status(&document, "full-scope-granted", "Tested"), "not_applicable", "not deployed");

    // A line of the project's file re-includes what a default excludes.
    let reinclude = scan("forceignore-reinclude");
    assert_eq!(status(&reinclude, "full-scope-granted", "Hidden"), "fail");
    // Without a .forceignore the CLI ignores nothing, and neither does sfaudit.
    let none = scan("forceignore-none");
    for deployed in ["Good", "Modules", "Target", "Hidden", "Tested"] {
        assert_eq!(status(&none, "full-scope-granted", deployed), "fail", "{deployed}");
    }
    assert!(none["inventory"]["coverage"].get("skipped").is_none(), "{}", none["inventory"]["coverage"]);
}

#[test]
fn a_single_valued_element_given_twice_is_refused_naming_both_lines() {
    let folder = repo_root().join("tests/realworld9/duplicate-elements").display().to_string();
    let output = sfaudit(&["scan", &folder, "--as-of", AS_OF, "--format", "json", "--fail-on", "none"]);
    // A second copy of a value is no way past the gate: even with nothing blocking, it exits 2.
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("--allow-incomplete"), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let problems = document["inventory"]["problems"].as_array().expect("problems");
    let messages: Vec<&str> = problems.iter().filter_map(|problem| problem["message"].as_str()).collect();
    assert!(
        messages.iter().any(|message| message.contains("<oauthConfig> is given twice (lines 5 and 10)")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|message| message.contains("<isAdminApproved> is given twice (lines 7 and 8)")),
        "{messages:?}"
    );
    // Neither copy is trusted: the app's rules are unknown, never the first value's pass.
    assert_eq!(status(&document, "app-self-authorization-allowed", "Twice_Approved"), "unknown");
    assert_eq!(status(&document, "insecure-http-callback", "Two_Configs"), "unknown");
}
