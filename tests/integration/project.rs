//! The project collector (src/collect/project.rs): real-world files, and bad input.

use std::path::Path;

use crate::common::{code, realworld_root, scan_json, sfaudit, sfaudit_in, status_of, stderr, stdout};

fn realworld(name: &str) -> String {
    realworld_root().join(name).display().to_string()
}

#[test]
fn every_realworld_folder_scans_without_error() {
    let mut folders: Vec<_> = std::fs::read_dir(realworld_root())
        .expect("shared/realworld-metadata exists beside the repository")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .collect();
    folders.sort_by_key(|entry| entry.file_name());
    assert!(folders.len() >= 5, "expected the five real-world repositories");
    for folder in folders {
        let path = folder.path().display().to_string();
        let output = sfaudit(&["scan", &path, "--as-of", "2026-11-23", "--fail-on", "none"]);
        assert_eq!(code(&output), 0, "{path}: {}", stderr(&output));
        assert!(stdout(&output).contains("Score:"), "{path}");
    }
}

#[test]
fn realworld_known_facts_show_up() {
    let backup = scan_json(&realworld("sarath16581__AP-Backup"), "2026-11-23");
    assert_eq!(status_of(&backup, "certificate-expired", "Service_Now_Integration_Consumers").as_deref(), Some("fail"));
    assert_eq!(status_of(&backup, "certificate-sha1-signature", "DDC_Community").as_deref(), Some("fail"));
    assert_eq!(status_of(&backup, "certificate-validity-too-long", "DDC_Community").as_deref(), Some("fail"));
    assert_eq!(status_of(&backup, "app-self-authorization-allowed", "Alteryx_Test").as_deref(), Some("fail"));
    assert_eq!(status_of(&backup, "full-scope-granted", "GCP_Connected_Clients").as_deref(), Some("fail"));
    assert_eq!(status_of(&backup, "ip-restrictions-bypassed", "DDC_Community").as_deref(), Some("fail"));
    assert_eq!(
        status_of(&backup, "preauthorized-via-system-administrator", "SalesforcepagelayoutAPI").as_deref(),
        Some("fail")
    );
    let apps = backup["inventory"]["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 8);
    let service_now = apps.iter().find(|app| app["name"] == "Service_Now_Integration_Consumers").expect("app");
    assert_eq!(service_now["certificate"]["not_after"], "2024-12-14T01:34:41Z");
    assert_eq!(service_now["policy"]["permission_sets"][0], "Integration User - Service Now");

    let cicd = scan_json(&realworld("RamiroHernandez__CICD"), "2026-11-23");
    assert_eq!(status_of(&cicd, "integration-not-admin-approved", "SOLU_CI_CD").as_deref(), Some("fail"));
    assert_eq!(status_of(&cicd, "jwt-token-inherits-session-timeout", "SOLU_CI_CD").as_deref(), Some("fail"));

    let devops = scan_json(&realworld("N-P-N-P__SFDX-SFDX"), "2026-11-23");
    assert_eq!(status_of(&devops, "ip-restrictions-relaxed-for-refresh", "Devops_JWT").as_deref(), Some("fail"));
    assert_eq!(
        status_of(&devops, "certificate-expires-within-30-days", "Devops_JWT").as_deref(),
        Some("not_applicable")
    );
    assert_eq!(status_of(&devops, "certificate-expired", "Devops_JWT").as_deref(), Some("fail"));
    assert_eq!(status_of(&devops, "preauthorized-via-system-administrator", "Devops_JWT").as_deref(), Some("fail"));
    assert_eq!(
        status_of(&devops, "org-username-password-flow-not-blocked", "N-P-N-P__SFDX-SFDX").as_deref(),
        Some("fail")
    );

    let token_exchange = scan_json(&realworld("lekkimworld__salesforce-tokenexchange-poc"), "2026-11-23");
    let org = "lekkimworld__salesforce-tokenexchange-poc";
    assert_eq!(status_of(&token_exchange, "org-username-password-flow-not-blocked", org).as_deref(), Some("pass"));
    assert_eq!(status_of(&token_exchange, "org-api-access-control-off", org).as_deref(), Some("unknown"));

    let learning = scan_json(&realworld("nruiz209487__Salesforce-Learning-Code-Archive"), "2026-11-23");
    let app = "Customer_Order_Status";
    assert_eq!(status_of(&learning, "app-self-authorization-allowed", app).as_deref(), Some("fail"));
    assert_eq!(status_of(&learning, "pkce-not-required", app).as_deref(), Some("fail"));
    assert_eq!(status_of(&learning, "certificate-expired", app).as_deref(), Some("not_applicable"));
}

/// Writes `files` (relative path, content) into a fresh folder and scans it.
fn scan_files(files: &[(&str, &[u8])]) -> (i32, String, String) {
    let folder = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let full = folder.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    let output = sfaudit_in(folder.path(), &["scan", ".", "--as-of", "2026-11-23"]);
    (code(&output), stdout(&output), stderr(&output))
}

const CONNECTED_APP: &str = "connectedApps/Broken.connectedApp-meta.xml";

fn connected_app(body: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>Broken</label>\n{body}\n</ConnectedApp>\n"
    )
    .into_bytes()
}

fn assert_input_error(result: (i32, String, String), needles: &[&str]) {
    let (code, stdout, stderr) = result;
    assert_eq!(code, 2, "bad input must exit 2; stderr: {stderr}");
    assert!(stdout.is_empty(), "no report may be produced for bad input, got: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}:\n{stderr}");
    }
}

#[test]
fn broken_xml_names_the_file_and_line() {
    let xml = connected_app("    <oauthConfig>\n        <scopes>Api</scopes>\n    </oauthConfg>");
    assert_input_error(scan_files(&[(CONNECTED_APP, &xml)]), &[CONNECTED_APP, ":6:", "malformed XML", "hint:"]);
}

/// Scans `files` as JSON and returns the exit code and the document.
fn scan_files_json(files: &[(&str, &[u8])]) -> (i32, serde_json::Value) {
    let folder = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let full = folder.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    let output = sfaudit_in(folder.path(), &["scan", ".", "--as-of", "2026-11-23", "--format", "json"]);
    let document = serde_json::from_str(&stdout(&output)).unwrap_or_else(|_| panic!("JSON: {}", stderr(&output)));
    (code(&output), document)
}

#[test]
fn an_unreadable_certificate_is_a_problem_of_its_app_and_the_rest_of_the_report_stands() {
    let certificate = "MIIDHjCCAgYCCQDmyqJj9dhZRzANBgkqhkiG9w0BAQsFADBRMQswCQYDVQQGEwJBVTEMMAoGA1UECAwDVklD";
    let xml = connected_app(&format!(
        "    <oauthConfig>\n        <callbackUrl>https://x.example.com</callbackUrl>\n        <certificate>{certificate}</certificate>\n    </oauthConfig>"
    ));
    let other = b"<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>Other</label><oauthConfig><callbackUrl>https://o.example.com</callbackUrl><scopes>Full</scopes></oauthConfig></ConnectedApp>";
    let (code, document) =
        scan_files_json(&[(CONNECTED_APP, &xml), ("connectedApps/Other.connectedApp-meta.xml", other)]);
    assert_eq!(code, 1, "the gate decides: Other fails full-scope-granted");
    let problems = document["inventory"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["path"], CONNECTED_APP);
    assert_eq!(problems[0]["line"], 6);
    assert!(problems[0]["message"].as_str().expect("message").contains("<certificate> cannot be read"));
    assert_eq!(problems[0]["resource"], serde_json::json!({"kind": "connected_app", "name": "Broken"}));
    assert_eq!(problems[0]["fatal"], false);
    assert_eq!(status_of(&document, "certificate-expired", "Broken").as_deref(), Some("unknown"));
    assert_eq!(status_of(&document, "full-scope-granted", "Other").as_deref(), Some("fail"));
}

#[test]
fn an_unknown_enum_value_makes_its_app_unknown_and_lists_the_known_values() {
    let xml = connected_app(
        "    <oauthConfig>\n        <callbackUrl>https://x.example.com</callbackUrl>\n    </oauthConfig>\n    <oauthPolicy>\n        <ipRelaxation>SOMETIMES</ipRelaxation>\n        <refreshTokenPolicy>zero</refreshTokenPolicy>\n    </oauthPolicy>",
    );
    let (_, document) = scan_files_json(&[(CONNECTED_APP, &xml)]);
    let problem = &document["inventory"]["problems"][0];
    assert_eq!(problem["line"], 8);
    let message = problem["message"].as_str().expect("message");
    assert!(message.contains("'SOMETIMES'") && message.contains("ENFORCE, ENFORCE_RELAXREFRESH"), "{message}");
    assert_eq!(status_of(&document, "ip-restrictions-bypassed", "Broken").as_deref(), Some("unknown"));
}

#[test]
fn empty_binary_and_oversized_files_are_refused() {
    assert_input_error(scan_files(&[(CONNECTED_APP, b"")]), &[CONNECTED_APP, "empty"]);
    assert_input_error(
        scan_files(&[(CONNECTED_APP, &[0x00, 0xff, 0xfe, 0x9c, 0x00, 0x01])]),
        &[CONNECTED_APP, "UTF-8"],
    );
    let mut huge = connected_app("");
    huge.resize(5 * 1024 * 1024, b' ');
    assert_input_error(scan_files(&[(CONNECTED_APP, &huge)]), &[CONNECTED_APP, "limit of 4 MiB"]);
}

#[test]
fn every_bad_file_is_reported_in_one_run() {
    let xml = connected_app("<oauthConfig>");
    let (code, _, stderr) = scan_files(&[
        (CONNECTED_APP, &xml),
        ("connectedApps/Empty.connectedApp-meta.xml", b""),
        (
            "settings/OauthOidc.settings-meta.xml",
            b"<OauthOidcSettings><blockOAuthUnPwFlow>maybe</blockOAuthUnPwFlow></OauthOidcSettings>",
        ),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("3 input problem(s)"), "{stderr}");
    assert!(stderr.contains("'maybe', not a boolean"), "{stderr}");
}

#[test]
fn files_sfaudit_does_not_understand_are_ignored() {
    let xml = connected_app("");
    let (code, stdout, stderr) = scan_files(&[
        (CONNECTED_APP, &xml),
        ("classes/Thing.cls", b"public class Thing {}"),
        ("settings/Security.settings-meta.xml", b"not even xml"),
        ("README.md", &[0xff, 0x00]),
    ]);
    assert_ne!(code, 2, "{stderr}");
    assert!(stdout.contains("1 metadata files, 1 apps"), "{stdout}");
}

#[test]
fn a_scan_that_finds_nothing_says_so_and_exits_2() {
    let (code, stdout, stderr) = scan_files(&[
        ("classes/Thing.cls", b"public class Thing {}"),
        ("settings/Security.settings-meta.xml", b"not even xml"),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "no report that could pass for a clean one: {stdout}");
    assert!(
        stderr.contains("error: no OAuth app and no OAuth settings metadata found: project ")
            && stderr.contains("(0 metadata files read)"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: point sfaudit at the folder holding the metadata"), "{stderr}");
    assert!(stderr.contains("NOTHING FOUND"), "the summary line says it too: {stderr}");
}

#[test]
fn eca_files_are_joined_by_their_element_not_their_file_name() {
    let header = b"<ExternalClientApplication xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>Real Name</label></ExternalClientApplication>";
    let policy = b"<ExtlClntAppOauthConfigurablePolicies xmlns=\"http://soap.sforce.com/2006/04/metadata\"><externalClientApplication>Real</externalClientApplication><permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType></ExtlClntAppOauthConfigurablePolicies>";
    let folder = tempfile::tempdir().expect("temp dir");
    for (path, content) in [
        ("externalClientApps/Real.eca-meta.xml", &header[..]),
        ("extlClntAppOauthPolicies/Whatever_defaultPolicy.ecaOauthPlcy-meta.xml", &policy[..]),
    ] {
        let full = folder.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    let path = folder.path().display().to_string();
    let document = scan_json(&path, "2026-11-23");
    let apps = document["inventory"]["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert_eq!(apps[0]["name"], "Real");
    assert_eq!(apps[0]["policy"]["permitted_users"], "all_self_authorized");
}

/// A part is read with the app its file name suggests; one that names another app in its
/// `externalClientApplication` must still end up with that app, and the first file of a kind in
/// walk order must still win, whichever app's name its file carries.
#[test]
fn a_part_filed_under_another_apps_name_joins_the_app_it_names() {
    let header = |name: &str| {
        format!(
            "<ExternalClientApplication xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>{name}</label></ExternalClientApplication>"
        )
    };
    let settings = |app: &str, scopes: &str| {
        format!(
            "<ExtlClntAppOauthSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\"><commaSeparatedOauthScopes>{scopes}</commaSeparatedOauthScopes><externalClientApplication>{app}</externalClientApplication></ExtlClntAppOauthSettings>"
        )
    };
    // Walk order in the folder: Alpha.ecaOauth, Alpha_oauth, Beta_oauth, Zed_oauth.
    let files = [
        ("externalClientApps/Alpha.eca-meta.xml", header("Alpha")),
        ("externalClientApps/Beta.eca-meta.xml", header("Beta")),
        ("extlClntAppOauthSettings/Alpha.ecaOauth-meta.xml", settings("Alpha", "Web")),
        ("extlClntAppOauthSettings/Alpha_oauth.ecaOauth-meta.xml", settings("Beta", "Api")),
        ("extlClntAppOauthSettings/Beta_oauth.ecaOauth-meta.xml", settings("Beta", "Full")),
        ("extlClntAppOauthSettings/Zed_oauth.ecaOauth-meta.xml", settings("Alpha", "Full")),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(path, text)| (*path, text.as_bytes())).collect();
    let (code, document) = scan_files_json(&files);
    assert_eq!(code, 2, "the second copies are input problems, and the gate passed: {document}");
    let apps = document["inventory"]["apps"].as_array().expect("apps");
    let names: Vec<&str> = apps.iter().filter_map(|app| app["name"].as_str()).collect();
    assert_eq!(names, ["Alpha", "Beta"], "no app is made up from a file name");
    let settings_file = |app: &serde_json::Value| app["files"]["ExtlClntAppOauthSettings"]["path"].clone();
    // Each app's first settings file in walk order is its settings; the later one is a second copy.
    assert_eq!(apps[0]["oauth"]["scopes"], serde_json::json!(["web"]), "{}", apps[0]);
    assert_eq!(settings_file(&apps[0]), "extlClntAppOauthSettings/Alpha.ecaOauth-meta.xml");
    assert_eq!(apps[1]["oauth"]["scopes"], serde_json::json!(["api"]), "{}", apps[1]);
    assert_eq!(settings_file(&apps[1]), "extlClntAppOauthSettings/Alpha_oauth.ecaOauth-meta.xml");
    for app in apps {
        assert!(app["missing"]["oauth.scopes"].as_str().expect("scopes in doubt").contains("a second"), "{app}");
    }
    let problems: Vec<(&str, &str)> = document["inventory"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|problem| Some((problem["path"].as_str()?, problem["resource"]["name"].as_str()?)))
        .collect();
    assert_eq!(
        problems,
        [
            ("extlClntAppOauthSettings/Beta_oauth.ecaOauth-meta.xml", "Beta"),
            ("extlClntAppOauthSettings/Zed_oauth.ecaOauth-meta.xml", "Alpha")
        ]
    );
}

#[test]
fn missing_policy_file_gives_unknown_naming_what_is_missing() {
    let header = b"<ExternalClientApplication xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>Solo</label></ExternalClientApplication>";
    let settings = b"<ExtlClntAppOauthSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\"><commaSeparatedOauthScopes>Api,RefreshToken</commaSeparatedOauthScopes><externalClientApplication>Solo</externalClientApplication></ExtlClntAppOauthSettings>";
    let folder = tempfile::tempdir().expect("temp dir");
    for (path, content) in [
        ("externalClientApps/Solo.eca-meta.xml", &header[..]),
        ("extlClntAppOauthSettings/Solo_oauth.ecaOauth-meta.xml", &settings[..]),
    ] {
        let full = folder.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    let document = scan_json(&folder.path().display().to_string(), "2026-11-23");
    let result = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["rule_id"] == "refresh-token-never-expires")
        .expect("policy rule evaluated");
    assert_eq!(result["status"], "unknown");
    assert!(result["reason"].as_str().expect("reason").starts_with("policy is not available"), "{result}");
    assert!(result["reason"].as_str().expect("reason").contains(".ecaOauthPlcy"), "{result}");
    assert!(
        !document["results"].as_array().expect("results").iter().any(|r| r["status"] == "pass"
            && r["rule_id"].as_str().is_some_and(|id| id.starts_with("ip-restrictions"))),
        "a policy rule passed without policy data"
    );
}

#[test]
fn metadata_api_format_is_read_too() {
    let folder = tempfile::tempdir().expect("temp dir");
    let source = Path::new(&realworld("sarath16581__AP-Backup")).join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(folder.path().join("connectedApps")).expect("mkdir");
    for entry in std::fs::read_dir(source).expect("read").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().replace("-meta.xml", "");
        std::fs::copy(entry.path(), folder.path().join("connectedApps").join(name)).expect("copy");
    }
    let document = scan_json(&folder.path().display().to_string(), "2026-11-23");
    assert_eq!(document["inventory"]["apps"].as_array().expect("apps").len(), 8);
    assert_eq!(
        status_of(&document, "certificate-expired", "Service_Now_Integration_Consumers").as_deref(),
        Some("fail")
    );
}

#[test]
fn a_missing_folder_or_broken_project_file_is_a_usage_error() {
    let output = sfaudit(&["scan", "no/such/folder"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("no/such/folder"), "{}", stderr(&output));
    let (code, _, stderr) = scan_files(&[("sfdx-project.json", b"{\"packageDirectories\": [{\"path\": \"gone\"}]}")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("package directory 'gone' does not exist"), "{stderr}");
}

/// Org settings a project lacks give `unknown` with a hint naming the file in both layouts, since
/// a Metadata API format project spells it `settings/X.settings`.
#[test]
fn missing_org_settings_name_their_file_in_both_layouts() {
    let app = b"<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>A</label></ConnectedApp>";
    let (_, document) = scan_files_json(&[("connectedApps/A.connectedApp-meta.xml", app)]);
    let missing = &document["inventory"]["org"]["missing"];
    for (field, settings) in [
        ("oauth_oidc", "OauthOidc"),
        ("connected_app_settings", "ConnectedApp"),
        ("external_client_app_settings", "ExternalClientApp"),
    ] {
        let reason = missing[field].as_str().unwrap_or_else(|| panic!("{field} is missing: {missing}"));
        assert!(
            reason.contains(&format!(
                "settings/{settings}.settings-meta.xml (settings/{settings}.settings in Metadata API format)"
            )),
            "{reason}"
        );
    }
}
