//! Live scans (src/auth, src/salesforce, src/collect/org.rs, src/live.rs) against the fake org of
//! tests/support/fake_org: the demo project served as an org must give the offline results plus
//! usage; faults recover or end with exit 3; login errors say what to fix; secrets stay secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, scan_json, stderr, stdout};
use crate::fake_org::{self, Config, FakeOrg, Fault, OrgData, TestKeys};

/// Runs sfaudit with a scrubbed environment plus `envs`.
pub(crate) fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("sfaudit").expect("sfaudit binary");
    command.current_dir(repo_root()).env_clear();
    for (name, value) in envs {
        command.env(name, value);
    }
    command.args(args).timeout(Duration::from_secs(120)).output().expect("sfaudit runs")
}

pub(crate) struct Keys {
    _folder: tempfile::TempDir,
    pub(crate) scanner: PathBuf,
    pub(crate) other: PathBuf,
}

pub(crate) fn keys() -> Keys {
    let folder = tempfile::tempdir().expect("temp dir");
    let scanner = folder.path().join("server.key");
    let other = folder.path().join("other.key");
    std::fs::write(&scanner, &TestKeys::scanner().private_key_pem).expect("write key");
    std::fs::write(&other, &TestKeys::other().private_key_pem).expect("write key");
    Keys { _folder: folder, scanner, other }
}

pub(crate) fn login_args(fake: &FakeOrg, key: &Path) -> Vec<String> {
    [
        "--client-id",
        fake_org::CONSUMER_KEY,
        "--username",
        fake_org::USERNAME,
        "--jwt-key-file",
        &key.display().to_string(),
        "--instance-url",
        &fake.url,
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

pub(crate) fn args<'a>(fixed: &[&'a str], extra: &'a [String]) -> Vec<&'a str> {
    fixed.iter().copied().chain(extra.iter().map(String::as_str)).collect()
}

/// The demo project as an org, with OAuth tokens: a recently used app, a dormant one, an
/// External Client App, and tokens of an app nobody installed.
pub(crate) fn demo_org() -> OrgData {
    let mut data = OrgData::from_project(&repo_root().join(DEMO));
    data.add_tokens("Field Service Mobile", 6, 3, 1, Some("2026-11-25T10:00:00.000+0000"));
    data.add_tokens("Data Loader Bulk", 4, 2, 10, Some("2026-03-01T08:30:00.000+0000"));
    data.add_tokens("Payments Gateway", 2, 2, 20, Some("2026-11-30T23:00:00.000+0000"));
    data.add_tokens("Shadow Data Export", 5, 5, 30, Some("2026-11-28T12:00:00.000+0000"));
    data
}

/// The demo org with `apps` more Connected Apps, `Generated_App_0000` on: a `readMetadata` call
/// per ten, for the tests of a busy org.
pub(crate) fn demo_org_with_apps(apps: usize) -> OrgData {
    let mut data = demo_org();
    for index in 0..apps {
        let name = format!("Generated_App_{index:04}");
        let body = format!(
            "<contactEmail>owner@example.com</contactEmail><label>Generated App {index:04}</label><oauthConfig>\
             <callbackUrl>https://example.com/{index}</callbackUrl><consumerKey>3MVG9GEN{index:04}</consumerKey>\
             <isAdminApproved>true</isAdminApproved><scopes>Api</scopes></oauthConfig>"
        );
        data.add_component_xml("ConnectedApp", &name, Some(&format!("Generated App {index:04}")), body);
    }
    data
}

pub(crate) fn live_scan(fake: &FakeOrg, key: &Path, extra: &[&str]) -> Output {
    let login = login_args(fake, key);
    let mut all = args(&["scan", "--org", "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none"], &login);
    all.extend_from_slice(extra);
    run(&all, &[])
}

pub(crate) fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("JSON on stdout ({error}); stderr: {}", stderr(output)))
}

/// Rules that only make sense for one source: source control (project) and what only an org
/// knows (usage, permission holders, login history, Health Check, run-as users, org settings no
/// project file holds).
fn source_specific(rule: &str) -> bool {
    matches!(
        rule,
        "consumer-secret-in-source"
            | "client-credentials-secret-in-source"
            | "private-key-in-source"
            | "placeholder-in-source"
            | "eca-global-oauth-settings-in-source"
            | "app-unused"
            | "tokens-for-uninstalled-app"
            | "uninstalled-app-approvers"
            | "use-any-api-client-holders"
            | "consumer-secret-access-holders"
            | "api-enabled-app-administrators"
            | "client-credentials-run-as-user-overprivileged"
            | "username-password-flow-in-use"
            | "user-agent-flow-in-use"
            | "salesforce-health-check-high-risk-settings"
            | "eca-consumer-secrets-readable-via-metadata-api"
            | "eca-client-secrets-readable-via-rest-api"
    )
}

type Comparable = BTreeMap<(String, String, String), (String, Option<String>)>;

/// (rule, kind, app name or "org") → (status, actual), for every result both sources share.
fn comparable(document: &serde_json::Value) -> Comparable {
    document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| !source_specific(result["rule_id"].as_str().unwrap_or_default()))
        .map(|result| {
            let kind = result["resource"]["kind"].as_str().unwrap_or_default().to_string();
            // A live org's flow settings add their LoginHistory evidence after "; ".
            let actual = result["actual"].as_str().map(|actual| match kind.as_str() {
                "org" => actual.split("; ").next().unwrap_or_default().to_string(),
                _ => actual.to_string(),
            });
            let name = if kind == "org" {
                "org".to_string()
            } else {
                result["resource"]["name"].as_str().unwrap_or_default().to_string()
            };
            (
                (result["rule_id"].as_str().unwrap_or_default().to_string(), kind, name),
                (result["status"].as_str().unwrap_or_default().to_string(), actual),
            )
        })
        .collect()
}

fn status(document: &serde_json::Value, rule: &str, resource: &str) -> String {
    crate::common::status_of(document, rule, resource).unwrap_or_else(|| format!("no result for {rule} × {resource}"))
}

fn app<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["inventory"]["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|app| app["name"] == name)
        .unwrap_or_else(|| panic!("app {name} in the inventory"))
}

#[test]
fn the_demo_org_scanned_live_gives_the_offline_results_plus_usage() {
    let keys = keys();
    let fake = FakeOrg::start(demo_org(), Config::default());
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let live = json_of(&output);
    let offline = scan_json(DEMO, DEMO_AS_OF);

    let (live_results, offline_results) = (comparable(&live), comparable(&offline));
    let uninstalled = ("Shadow Data Export").to_string();
    let live_without_extra: Comparable =
        live_results.into_iter().filter(|((_, _, name), _)| *name != uninstalled).collect();
    assert_eq!(live_without_extra.len(), offline_results.len());
    for (key, value) in &offline_results {
        assert_eq!(live_without_extra.get(key), Some(value), "{key:?} differs between the offline and the live scan");
    }

    // Usage: counts, last use, and the two usage rules.
    let loader = &app(&live, "Data_Loader_Bulk")["usage"];
    assert_eq!((loader["token_count"].as_i64(), loader["user_count"].as_i64()), (Some(4), Some(2)));
    assert_eq!(loader["last_used"], "2026-03-01T08:30:00Z");
    assert_eq!(loader["days_since_last_used"], 274);
    assert_eq!(app(&live, "Payments_Gateway")["usage"]["token_count"], 2);
    assert_eq!(status(&live, "app-unused", "Data_Loader_Bulk"), "fail");
    assert_eq!(status(&live, "app-unused", "Field_Service_Mobile"), "pass");
    assert_eq!(status(&live, "app-unused", "Partner_Portal_SSO"), "not_applicable");
    assert_eq!(status(&live, "tokens-for-uninstalled-app", "Shadow Data Export"), "fail");
    assert_eq!(status(&live, "tokens-for-uninstalled-app", "Payments_Gateway"), "pass");
    assert_eq!(app(&live, "Shadow Data Export")["usage"]["installed"], false);
    // Offline there is no usage: the usage rules do not apply.
    assert_eq!(status(&offline, "app-unused", "Data_Loader_Bulk"), "not_applicable");

    // Org identity and assignments from SetupEntityAccess.
    assert_eq!(live["inventory"]["org"]["identity"]["name"], "Demo Org");
    assert_eq!(
        app(&live, "Legacy_Reporting_Sync")["raw"]["SetupEntityAccess"]["permission_sets"],
        serde_json::json!(["Reporting_Integration"])
    );
    // Locations point at the org's components.
    assert_eq!(app(&live, "Data_Loader_Bulk")["origin"]["path"], "connectedApps/Data_Loader_Bulk.connectedApp");

    // The fewest calls the batch limits allow: 5 listMetadata (the 6 types rules read and the 8
    // other ECA settings and policies types, 3 a call), 8 readMetadata (one per listed type with
    // components, each under 10 names; of the other 8 the demo has canvas and push settings), 3
    // settings reads (the External Client App settings too), 7 REST queries (the Connected App JWT
    // timeouts, PermissionSetAssignment and LoginHistory too), 2 Tooling queries (Health Check)
    // and 1 Connect REST call (no ECA has OAuth usage).
    let collection = &live["run"]["source"]["collection"];
    let stats = fake.stats();
    assert_eq!(collection["api_calls"], 26, "{collection}");
    assert_eq!(stats.api_calls, 26);
    assert_eq!((stats.list_calls, stats.read_calls, stats.query_calls, stats.query_more_calls), (5, 11, 7, 0));
    assert_eq!((stats.tooling_calls, stats.connect_calls), (2, 1));
    assert!(collection.get("notes").is_none(), "nothing to note: {collection}");
    assert_eq!(collection["retries"], 0);
    assert!(collection["api_usage"]["max"].as_u64().is_some(), "{collection}");
    assert!(collection["incomplete"].as_array().is_some_and(Vec::is_empty));
    assert!(stats.max_assertion_lifetime <= 180, "exp {} s ahead", stats.max_assertion_lifetime);
}

#[test]
fn a_snapshot_evaluates_offline_with_identical_results() {
    let keys = keys();
    let fake = FakeOrg::start(demo_org(), Config::default());
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = folder.path().join("snapshot.json");
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["collect", "--org", "-o", &snapshot.display().to_string()], &login), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = std::fs::read_to_string(&snapshot).expect("snapshot written");
    let document: serde_json::Value = serde_json::from_str(&text).expect("snapshot JSON");
    assert_eq!(document["source"]["collection"]["username"], fake_org::USERNAME);
    assert!(!text.contains("DEMO0SECRET0NOT0REAL"), "the consumer secret served by the org reached the snapshot");
    for token in fake.issued_tokens() {
        assert!(!text.contains(&token), "the access token reached the snapshot");
    }

    let live = json_of(&live_scan(&fake, &keys.scanner, &[]));
    let output = run(
        &[
            "scan",
            "--snapshot",
            &snapshot.display().to_string(),
            "--as-of",
            DEMO_AS_OF,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let offline = json_of(&output);
    assert_eq!(offline["results"], live["results"], "snapshot results differ from the live scan");
    assert_eq!(offline["run"]["source"]["kind"], "snapshot");
}

#[test]
fn faults_are_retried_and_the_results_stay_complete() {
    let keys = keys();
    let baseline = {
        let fake = FakeOrg::start(demo_org(), Config::default());
        comparable_all(&json_of(&live_scan(&fake, &keys.scanner, &[])))
    };
    let cases: Vec<(&str, Config)> = vec![
        ("HTTP 500", with_faults(&[(1, Fault::Status500), (7, Fault::Status500)])),
        ("HTTP 503 with Retry-After", with_faults(&[(3, Fault::Status503 { retry_after: Some(1) })])),
        (
            "HTTP 503",
            with_faults(&[(2, Fault::Status503 { retry_after: None }), (9, Fault::Status503 { retry_after: None })]),
        ),
        ("connection reset", with_faults(&[(4, Fault::Reset), (12, Fault::Reset)])),
        ("truncated body", with_faults(&[(5, Fault::Truncated), (11, Fault::Truncated)])),
        ("session expiry", Config { session_expires_after: Some(6), ..Config::default() }),
    ];
    for (name, config) in cases {
        let fake = FakeOrg::start(demo_org(), Config { latency: Duration::from_millis(2), ..config });
        let started = Instant::now();
        let output = live_scan(&fake, &keys.scanner, &["-vv"]);
        assert_eq!(code(&output), 0, "{name}: {}", stderr(&output));
        let document = json_of(&output);
        assert_eq!(comparable_all(&document), baseline, "{name}: results differ from the fault-free scan");
        let collection = &document["run"]["source"]["collection"];
        let stats = fake.stats();
        if name == "session expiry" {
            assert_eq!(stats.successful_logins, 2, "{name}: one re-login");
            assert!(stderr(&output).contains("logging in again"), "{name}: {}", stderr(&output));
        } else {
            assert!(stats.faults_injected >= 1 && collection["retries"].as_u64() >= Some(1), "{name}: {collection}");
            assert!(stderr(&output).contains("retry 1/4"), "{name}: {}", stderr(&output));
        }
        if name == "HTTP 503 with Retry-After" {
            assert!(started.elapsed() >= Duration::from_secs(1), "{name}: Retry-After was not honoured");
            assert!(stderr(&output).contains("as Retry-After asked"), "{}", stderr(&output));
        }
    }
}

pub(crate) fn with_faults(faults: &[(u64, Fault)]) -> Config {
    Config { faults: faults.iter().cloned().collect(), ..Config::default() }
}

/// Every result (usage included), keyed for comparison.
pub(crate) fn comparable_all(document: &serde_json::Value) -> BTreeMap<(String, String), (String, Option<String>)> {
    document["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            (
                (
                    result["rule_id"].as_str().unwrap_or_default().to_string(),
                    result["resource"]["name"].as_str().unwrap_or_default().to_string(),
                ),
                (
                    result["status"].as_str().unwrap_or_default().to_string(),
                    result["actual"].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

#[test]
fn failures_that_do_not_recover_end_with_exit_3_and_no_report() {
    let keys = keys();
    // Salesforce keeps failing: retries run out.
    let fake = FakeOrg::start(
        demo_org(),
        Config { always: Some(Fault::Status503 { retry_after: None }), ..Config::default() },
    );
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("gave up after 5 attempts"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "no report from an incomplete collection");

    // The org's daily API allowance runs out mid-scan.
    let fake = FakeOrg::start(demo_org(), Config { api_limit: (4_995, 5_000), ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("daily API request limit is used up"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    // 5 calls are answered; once the first REQUEST_LIMIT_EXCEEDED is in, no new call is sent (nor
    // a refused one again), so beyond those 5 only the calls already in flight went out: at most
    // the starting bound of 16 (the bound grows only after 16 answers without trouble).
    assert!(fake.stats().api_calls <= 5 + 16, "calls went on after REQUEST_LIMIT_EXCEEDED: {}", fake.stats().api_calls);
}

#[test]
fn unreadable_data_becomes_unknown_and_the_scan_exits_3() {
    let keys = keys();
    let mut config = Config::default();
    config.unreadable.insert("ExtlClntAppOauthConfigurablePolicies".into());
    config.unreadable.insert("OauthToken".into());
    let fake = FakeOrg::start(demo_org(), config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(error.contains("the scan is incomplete") && error.contains("--allow-incomplete"), "{error}");
    assert!(error.contains("ExtlClntAppOauthConfigurablePolicies could not be read"), "{error}");
    assert!(error.contains("Modify Metadata Through Metadata API Functions"), "{error}");
    assert!(error.contains("Customize Application"), "{error}");
    let document = json_of(&output);
    // The report says so itself, for whoever reads only the file.
    assert_eq!(document["run"]["incomplete"], true);
    assert!(
        document["run"]["notices"]
            .as_array()
            .is_some_and(|notices| notices.iter().any(|notice| notice["id"] == "incomplete"))
    );
    for (format, marked) in [
        ("sarif", "\"executionSuccessful\":false"),
        ("junit", "sfaudit.incomplete\" value=\"true"),
        ("markdown", "INCOMPLETE"),
    ] {
        let output = live_scan(&fake, &keys.scanner, &["--format", format, "--allow-incomplete"]);
        assert!(stdout(&output).replace(": ", ":").contains(marked), "{format} does not say the report is incomplete");
    }
    // Policy rules on External Client Apps are unknown (never pass); Connected Apps still evaluate.
    assert_eq!(status(&document, "integration-not-admin-approved", "CI_Deploy_Pipeline"), "unknown");
    assert_eq!(status(&document, "app-unused", "Data_Loader_Bulk"), "unknown");
    assert_ne!(status(&document, "integration-not-admin-approved", "Legacy_Reporting_Sync"), "unknown");
    let result = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| {
            result["rule_id"] == "integration-not-admin-approved" && result["resource"]["name"] == "CI_Deploy_Pipeline"
        })
        .expect("result");
    assert!(result["reason"].as_str().is_some_and(|reason| reason.contains("INSUFFICIENT_ACCESS")), "{result}");
    // The list call holding the unreadable type was split to read the other two types.
    assert!(document["inventory"]["apps"].as_array().is_some_and(|apps| apps.len() == 15));

    let output = live_scan(&fake, &keys.scanner, &["--allow-incomplete"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("warning: the scan is incomplete"));

    // Connected App metadata unreadable: the apps the org lists still appear, as unknown.
    let mut config = Config::default();
    config.unreadable.insert("ConnectedApp".into());
    let fake = FakeOrg::start(demo_org(), config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let document = json_of(&output);
    assert_eq!(status(&document, "integration-not-admin-approved", "Data Loader Bulk"), "unknown");
    assert_eq!(status(&document, "legacy-connected-app", "Data Loader Bulk"), "fail");
    assert_eq!(app(&document, "Data Loader Bulk")["usage"]["token_count"], 4);
}

#[test]
fn every_eca_settings_type_is_collected_into_its_apps_raw_map() {
    let keys = keys();
    let mut data = demo_org();
    // Named unlike its app: the join goes through <externalClientApplication>, not the name.
    data.add_component_xml(
        "ExtlClntAppMobileSettings",
        "Field_Mobile_Settings",
        None,
        "<externalClientApplication>CI_Deploy_Pipeline</externalClientApplication><label>Field Mobile</label>\
         <pinLength>6</pinLength><consumerSecret>MOBILE0SECRET0NOT0REAL</consumerSecret>\
         <pushServerKey>PUSH0KEY0NOT0REAL</pushServerKey>"
            .into(),
    );
    // A record of an app the org does not list, and one without its app element: notes only.
    data.add_component_xml(
        "ExtlClntAppCanvasSettings",
        "Orphan_canvas",
        None,
        "<externalClientApplication>No_Such_App</externalClientApplication><label>Orphan</label>".into(),
    );
    data.add_component_xml("ExtlClntAppPushSettings", "Unlinked_push", None, "<label>Unlinked</label>".into());
    let fake = FakeOrg::start(data, Config::default());
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = json_of(&output);
    let eca = app(&document, "CI_Deploy_Pipeline");
    assert_eq!(
        eca["raw"]["ExtlClntAppMobileSettings"],
        serde_json::json!({"externalClientApplication": "CI_Deploy_Pipeline", "label": "Field Mobile", "pinLength": "6"}),
        "secrets and credential-like elements are removed"
    );
    assert_eq!(
        eca["files"]["ExtlClntAppMobileSettings"]["path"],
        "extlClntAppMobileSettings/Field_Mobile_Settings.ecaMobile"
    );
    // The settings rules read are still there beside it.
    assert!(eca["raw"]["ExtlClntAppGlobalOauthSettings"].is_object(), "{eca}");
    assert!(app(&document, "Payments_Gateway")["raw"].get("ExtlClntAppMobileSettings").is_none());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("MOBILE0SECRET0NOT0REAL") && !text.contains("PUSH0KEY0NOT0REAL"));

    let collection = &document["run"]["source"]["collection"];
    assert!(collection["incomplete"].as_array().is_some_and(Vec::is_empty), "{collection}");
    let notes: Vec<&str> =
        collection["notes"].as_array().expect("notes").iter().filter_map(serde_json::Value::as_str).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.iter().any(|note| note.contains("Orphan_canvas") && note.contains("No_Such_App")), "{notes:?}");
    assert!(
        notes.iter().any(|note| note.contains("Unlinked_push") && note.contains("<externalClientApplication>")),
        "{notes:?}"
    );
    assert!(stderr(&output).contains("note: ExtlClntAppCanvasSettings Orphan_canvas"), "{}", stderr(&output));
    // One more readMetadata for each of the three extra types with a component (the demo's 9
    // include the External Client App settings).
    assert_eq!((fake.stats().list_calls, fake.stats().read_calls), (5, 12));
    assert_eq!(document["run"]["source"]["files_read"], fake.component_count(), "every component read is counted");
}

#[test]
fn an_extra_eca_type_the_org_does_not_know_or_hides_is_a_note_not_an_incomplete_scan() {
    let keys = keys();
    let mut data = demo_org();
    data.add_component_xml(
        "ExtlClntAppMobileSettings",
        "CI_Deploy_Pipeline_mobile",
        None,
        "<externalClientApplication>CI_Deploy_Pipeline</externalClientApplication><pinLength>6</pinLength>".into(),
    );
    let baseline = {
        let fake = FakeOrg::start(demo_org(), Config::default());
        comparable_all(&json_of(&live_scan(&fake, &keys.scanner, &[])))
    };

    // The org does not know one type: its list call is split, the type becomes a note, exit 0.
    let mut config = Config::default();
    config.unknown_types.insert("ExtlClntAppOauthSecuritySettings".into());
    let fake = FakeOrg::start(data.clone(), config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = json_of(&output);
    let collection = &document["run"]["source"]["collection"];
    assert!(collection["incomplete"].as_array().is_some_and(Vec::is_empty), "{collection}");
    let notes = collection["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{collection}");
    let note = notes[0].as_str().unwrap_or_default();
    assert!(
        note.starts_with("ExtlClntAppOauthSecuritySettings was not collected (INVALID_TYPE: Unknown type:")
            && note.contains("does not know this type")
            && note.contains("the scan is complete without it"),
        "{note}"
    );
    assert!(stderr(&output).contains(&format!("note: {note}")), "{}", stderr(&output));
    assert!(!stderr(&output).contains("incomplete"), "{}", stderr(&output));
    assert_eq!(comparable_all(&document), baseline, "rule results do not depend on the extra types");
    // The other types of the failed call were listed again one by one, and still collected.
    let eca = app(&document, "CI_Deploy_Pipeline");
    assert_eq!(eca["raw"]["ExtlClntAppMobileSettings"]["pinLength"], "6");
    assert!(eca["missing"]["raw.ExtlClntAppOauthSecuritySettings"].as_str().is_some_and(|reason| reason == note));
    assert_eq!(fake.stats().list_calls, 5 + 3);

    // The user may not read one type: a note naming the permission, exit 0 without --allow-incomplete.
    let mut config = Config::default();
    config.unreadable.insert("ExtlClntAppMobileSettings".into());
    let fake = FakeOrg::start(data, config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = json_of(&output);
    let collection = &document["run"]["source"]["collection"];
    assert!(collection["incomplete"].as_array().is_some_and(Vec::is_empty), "{collection}");
    let note = collection["notes"][0].as_str().unwrap_or_default();
    assert!(
        note.contains("ExtlClntAppMobileSettings was not collected (INSUFFICIENT_ACCESS")
            && note.contains("Modify Metadata Through Metadata API Functions"),
        "{note}"
    );
    assert!(app(&document, "CI_Deploy_Pipeline")["raw"].get("ExtlClntAppMobileSettings").is_none());
    assert_eq!(app(&document, "Payments_Gateway")["missing"]["raw.ExtlClntAppMobileSettings"], note);
    assert_eq!(comparable_all(&document), baseline);
}

/// (name, fake org config, key file, extra arguments, exit code, texts the error must contain)
type LoginCase<'a> = (&'a str, Config, &'a Path, Vec<&'a str>, i32, &'a [&'a str]);

#[test]
fn login_errors_say_what_to_fix() {
    let keys = keys();
    let folder = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = folder.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let encrypted = write(
        "encrypted.key",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let certificate = write("server.crt", &TestKeys::scanner().certificate_pem);
    let ec_key = write("ec.key", &rcgen::KeyPair::generate().expect("EC key").serialize_pem());

    // (name, fake config, key, extra args, exit code, expected text in stderr)
    let cases: Vec<LoginCase<'_>> = vec![
        (
            "wrong certificate",
            Config::default(),
            &keys.other,
            vec![],
            3,
            &["could not verify the signed assertion", "Use digital signatures"],
        ),
        (
            "wrong client id",
            Config { consumer_key: "3MVG9SOMETHINGELSE".into(), ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["--client-id is not the consumer key", "client identifier invalid"],
        ),
        (
            "user not pre-authorized",
            Config { user_approved: false, ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["not pre-authorized", "Permitted Users", "user hasn't approved this consumer"],
        ),
        (
            "no app access",
            Config { app_access: false, ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["may not use this app", "invalid_app_access", "Permission Sets"],
        ),
        (
            "clock skew",
            Config { clock_skew_seconds: 900, ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["expired authorization code", "clock"],
        ),
        (
            "audience refused both ways",
            Config { audience: "https://acme.my.site.com/portal".into(), ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["audience is invalid", "test.salesforce.com"],
        ),
        (
            "token endpoint down",
            Config { token_endpoint_status: Some(503), ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["failed with HTTP 503 after 3 attempts"],
        ),
        (
            "not a login host",
            Config { token_endpoint_status: Some(404), ..Config::default() },
            &keys.scanner,
            vec![],
            3,
            &["answered HTTP 404", "--instance-url"],
        ),
        ("encrypted key", Config::default(), &encrypted, vec![], 2, &["encrypted with a passphrase", "openssl pkey"]),
        (
            "certificate instead of key",
            Config::default(),
            &certificate,
            vec![],
            2,
            &["holds a certificate, not the private key"],
        ),
        ("EC key", Config::default(), &ec_key, vec![], 2, &["not a valid RSA private key"]),
    ];
    for (name, config, key, extra, expected_code, texts) in cases {
        let fake = FakeOrg::start(OrgData::empty("Login Org"), config);
        let login = login_args(&fake, key);
        let mut all = args(&["login"], &login);
        all.extend(extra);
        let output = run(&all, &[]);
        let error = stderr(&output);
        assert_eq!(code(&output), expected_code, "{name}: {error}");
        for text in texts {
            assert!(error.contains(text), "{name}: expected '{text}' in:\n{error}");
        }
        assert!(error.contains("hint:"), "{name}: every error says what to do:\n{error}");
        assert!(stdout(&output).is_empty(), "{name}");
    }

    // Plain http to anything but loopback, a missing flag, and an unreachable host.
    let key = keys.scanner.display().to_string();
    let base = ["login", "--client-id", "x", "--username", "u@example.com", "--jwt-key-file", key.as_str()];
    let output = run(&[&base[..], &["--instance-url", "http://login.salesforce.com"]].concat(), &[]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("unencrypted"), "{}", stderr(&output));
    let output = run(&["login", "--client-id", "x", "--jwt-key-file", key.as_str()], &[]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("--username is required"), "{}", stderr(&output));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("address").port();
    let output = run(&[&base[..], &["--instance-url", &format!("http://127.0.0.1:{closed}")]].concat(), &[]);
    assert_eq!(code(&output), 3);
    assert!(stderr(&output).contains("cannot reach the login host"), "{}", stderr(&output));
}

#[test]
fn a_sandbox_login_falls_back_to_the_other_audience_and_says_so() {
    let keys = keys();
    let fake = FakeOrg::start(
        OrgData { sandbox: true, ..OrgData::empty("Sandbox") },
        Config { audience: fake_org::TEST_AUDIENCE.into(), ..Config::default() },
    );
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["login"], &login), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("worked with audience https://test.salesforce.com"), "{}", stderr(&output));
    assert!(stderr(&output).contains("--audience https://test.salesforce.com"), "{}", stderr(&output));
    assert_eq!(fake.stats().audiences, vec![fake_org::LOGIN_AUDIENCE, fake_org::TEST_AUDIENCE]);
    assert!(stdout(&output).contains("audience: https://test.salesforce.com"));
}

#[test]
fn login_prints_the_org_user_and_instance_but_never_the_token() {
    let keys = keys();
    let fake = FakeOrg::start(OrgData::empty("Login Org"), Config::default());
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["login", "-v"], &login), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("00DFAKE0000000001") && text.contains(fake_org::USERNAME) && text.contains(&fake.url),
        "{text}"
    );
    let tokens = fake.issued_tokens();
    assert_eq!(tokens.len(), 1);
    assert!(!text.contains(&tokens[0]) && !stderr(&output).contains(&tokens[0]));
    assert!(fake.stats().max_assertion_lifetime <= 180);
}

#[test]
fn secrets_never_reach_output_logs_or_files_even_with_vv() {
    let fake = FakeOrg::start(
        demo_org(),
        Config {
            session_expires_after: Some(4),
            faults: [(2, Fault::Status500)].into_iter().collect(),
            ..Config::default()
        },
    );
    let folder = tempfile::tempdir().expect("temp dir");
    let pem = TestKeys::scanner().private_key_pem.clone();
    let base =
        ["--client-id", fake_org::CONSUMER_KEY, "--username", fake_org::USERNAME, "--instance-url", fake.url.as_str()];
    let reports = folder.path().join("reports");
    let snapshot = folder.path().join("snapshot.json");
    let env = [("SFAUDIT_JWT_KEY", pem.as_str())];
    let scan = run(
        &[
            &[
                "scan",
                "--org",
                "-vv",
                "--as-of",
                DEMO_AS_OF,
                "--fail-on",
                "none",
                "--format",
                "json,sarif,html,markdown,junit,csv,table",
                "--output-dir",
                &reports.display().to_string(),
            ][..],
            &base[..],
        ]
        .concat(),
        &env,
    );
    assert_eq!(code(&scan), 0, "{}", stderr(&scan));
    assert!(stderr(&scan).contains("SOAP readMetadata"), "-vv logs the API calls: {}", stderr(&scan));
    let collect = run(&[&["collect", "-vv", "-o", &snapshot.display().to_string()][..], &base[..]].concat(), &env);
    assert_eq!(code(&collect), 0, "{}", stderr(&collect));
    let login = run(&[&["login", "-vv"][..], &base[..]].concat(), &env);
    assert_eq!(code(&login), 0, "{}", stderr(&login));

    let mut haystacks: Vec<(String, String)> = Vec::new();
    for output in [&scan, &collect, &login] {
        haystacks.push(("stdout".into(), stdout(output)));
        haystacks.push(("stderr".into(), stderr(output)));
    }
    for entry in std::fs::read_dir(&reports).expect("reports").filter_map(Result::ok) {
        haystacks.push((entry.path().display().to_string(), std::fs::read_to_string(entry.path()).expect("report")));
    }
    haystacks.push(("snapshot".into(), std::fs::read_to_string(&snapshot).expect("snapshot")));
    let tokens = fake.issued_tokens();
    assert!(tokens.len() >= 3, "logins and re-logins happened: {tokens:?}");
    let key_lines: Vec<&str> = pem.lines().filter(|line| !line.starts_with("-----") && line.len() > 20).collect();
    for (name, text) in &haystacks {
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "an access token appears in {name}");
            assert!(!text.contains(token.split('!').nth(1).unwrap_or("x")), "part of a token appears in {name}");
        }
        for line in &key_lines {
            assert!(!text.contains(line), "private key material appears in {name}");
        }
        assert!(!text.contains("DEMO0SECRET0NOT0REAL"), "the consumer secret appears in {name}");
        assert!(
            !text.contains("DEMO0NotARealPrivateKey"),
            "the private key pasted into a certificate appears in {name}"
        );
        assert!(!text.to_ascii_lowercase().contains("authorization: bearer"), "a header appears in {name}");
        assert!(!text.contains("assertion="), "the assertion appears in {name}");
    }
}

#[test]
fn oauth_tokens_are_paged_around_the_2500_row_cap() {
    let keys = keys();
    let mut data = demo_org();
    // 6,000 tokens over 1,500 users, and one user who alone holds 2,600 tokens of two apps.
    data.add_tokens("Field Service Mobile", 6_000, 1_500, 100, Some("2026-11-20T10:00:00.000+0000"));
    data.add_tokens("Analytics Export", 1_300, 1, 9_999, Some("2026-11-21T10:00:00.000+0000"));
    data.add_tokens("Payments Gateway", 1_300, 1, 9_999, Some("2026-11-21T10:00:00.000+0000"));
    let expected: BTreeMap<&str, (i64, i64)> = [
        ("Field_Service_Mobile", (6_006, 1_503)),
        ("Analytics_Export", (1_300, 1)),
        ("Payments_Gateway", (1_302, 3)),
        ("Data_Loader_Bulk", (4, 2)),
    ]
    .into_iter()
    .collect();
    let fake = FakeOrg::start(data, Config::default());
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = json_of(&output);
    for (name, (tokens, users)) in expected {
        let usage = &app(&document, name)["usage"];
        assert_eq!(
            (usage["token_count"].as_i64(), usage["user_count"].as_i64()),
            (Some(tokens), Some(users)),
            "{name}"
        );
    }
    assert_eq!(app(&document, "Shadow Data Export")["usage"]["token_count"], 5);
    assert!(document["run"]["source"]["collection"]["incomplete"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn concurrency_is_bounded() {
    let keys = keys();
    let fake = FakeOrg::start(demo_org(), Config { latency: Duration::from_millis(20), ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &["--concurrency", "2"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(fake.stats().max_in_flight <= 2, "{:?}", fake.stats());
    let fake = FakeOrg::start(demo_org(), Config { latency: Duration::from_millis(20), ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(fake.stats().max_in_flight > 2, "calls run concurrently by default: {:?}", fake.stats());
    let output = live_scan(&fake, &keys.scanner, &["--concurrency", "0"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn connected_app_jwt_timeouts_come_from_connected_application_in_live_scans() {
    let keys = keys();
    let mut data = demo_org();
    // Data Loader Bulk issues JWT-based access tokens: 240 minutes for named users, the user's
    // session timeout for guests.
    let component = data
        .components
        .iter_mut()
        .find(|component| component.full_name == "Data_Loader_Bulk")
        .expect("the demo's Data_Loader_Bulk");
    component.body = component.body.replace(
        "<isNamedUserJwtEnabled>false</isNamedUserJwtEnabled>",
        "<isNamedUserJwtEnabled>true</isNamedUserJwtEnabled>",
    );
    let id = data
        .connected_applications
        .iter()
        .find(|(_, name)| name == "Data Loader Bulk")
        .map(|(id, _)| id.clone())
        .expect("its ConnectedApplication row");
    data.jwt_timeouts.insert(id, (Some("240".into()), None));
    let fake = FakeOrg::start(data, Config::default());
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let live = json_of(&output);
    let policy = &app(&live, "Data_Loader_Bulk")["policy"];
    assert_eq!(policy["named_user_jwt_timeout"], serde_json::json!({"type": "custom", "minutes": 240}));
    assert_eq!(policy["guest_jwt_timeout"], serde_json::json!({"type": "user_session", "minutes": null}));
    assert_eq!(status(&live, "jwt-token-timeout-too-long", "Data_Loader_Bulk"), "fail");
    assert_eq!(status(&live, "jwt-token-inherits-session-timeout", "Data_Loader_Bulk"), "pass");
    // Offline the timeouts are not in the files: unknown, with the reason.
    let offline = app(&scan_json(DEMO, DEMO_AS_OF), "Data_Loader_Bulk").clone();
    assert!(
        offline["missing"]["policy.named_user_jwt_timeout"].as_str().is_some_and(|why| why.contains("scan the org"))
    );
}
