//! What a live scan sees beyond settings (src/collect/org/{permissions, login_history,
//! health_check, eca_usage, eca_settings, access}.rs) against the fake org: each new finding with
//! its evidence in JSON, the table and HTML; the live sample report; each new read refused for
//! lack of permission ending in `unknown` and exit 3; a missing permission column as `unknown`.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, repo_root, stderr};
use crate::fake_org::demo::{demo_access, demo_org};
use crate::fake_org::{self, Config, FakeOrg, TestKeys};

pub fn run(args: &[&str]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("sfaudit").expect("sfaudit binary");
    command.current_dir(repo_root()).env_clear();
    command.args(args).timeout(Duration::from_secs(120)).output().expect("sfaudit runs")
}

pub struct Org {
    pub fake: FakeOrg,
    _folder: tempfile::TempDir,
    pub key: PathBuf,
}

pub fn start(config: Config) -> Org {
    let folder = tempfile::tempdir().expect("temp dir");
    let key = folder.path().join("server.key");
    std::fs::write(&key, &TestKeys::scanner().private_key_pem).expect("key");
    let fake = FakeOrg::start(demo_org(&repo_root().join(DEMO)), config);
    Org { fake, _folder: folder, key }
}

pub fn demo() -> Config {
    Config { access: demo_access(), ..Config::default() }
}

impl Org {
    pub fn login(&self) -> Vec<String> {
        [
            "--client-id",
            fake_org::CONSUMER_KEY,
            "--username",
            fake_org::USERNAME,
            "--jwt-key-file",
            &self.key.display().to_string(),
            "--instance-url",
            &self.fake.url,
        ]
        .into_iter()
        .map(str::to_string)
        .collect()
    }

    pub fn run(&self, fixed: &[&str]) -> Output {
        let login = self.login();
        let all: Vec<&str> = fixed.iter().copied().chain(login.iter().map(String::as_str)).collect();
        run(&all)
    }

    /// A live scan of the demo as of its fixed date, gate off, its reports written to a new
    /// folder; `extra` names the formats and any other options.
    pub fn reports(&self, extra: &[&str]) -> (tempfile::TempDir, Output) {
        let folder = tempfile::tempdir().expect("temp dir");
        let out = folder.path().display().to_string();
        let mut fixed = vec!["scan", "--org", "--as-of", DEMO_AS_OF, "--fail-on", "none", "--output-dir", &out];
        fixed.extend_from_slice(extra);
        (folder, self.run(&fixed))
    }

    fn scan(&self, extra: &[&str]) -> (Output, serde_json::Value) {
        let mut fixed = vec!["scan", "--org", "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none"];
        fixed.extend_from_slice(extra);
        let output = self.run(&fixed);
        let document = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
        (output, document)
    }
}

fn result<'a>(document: &'a serde_json::Value, rule: &str, resource: &str) -> &'a serde_json::Value {
    document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| {
            result["rule_id"] == rule
                && (result["resource"]["name"] == resource
                    || (resource == "org" && result["resource"]["kind"] == "org"))
        })
        .unwrap_or_else(|| panic!("a result for {rule} × {resource}"))
}

fn check(document: &serde_json::Value, rule: &str, resource: &str, status: &str, evidence: &[&str]) {
    let found = result(document, rule, resource);
    assert_eq!(found["status"], status, "{rule} × {resource}: {found}");
    let actual = found["actual"].as_str().unwrap_or_default();
    for text in evidence {
        assert!(actual.contains(text), "{rule} × {resource}: expected '{text}' in '{actual}'");
    }
}

/// (rule, resource, status, texts the evidence must name)
const FINDINGS: &[(&str, &str, &str, &[&str])] = &[
    (
        "uninstalled-app-approvers",
        "org",
        "fail",
        &[
            "4 users",
            "ada.admin@demo.example.com (profile System Administrator)",
            "helpdesk@demo.example.com (permission set Connected_App_Approver)",
        ],
    ),
    (
        "use-any-api-client-holders",
        "org",
        "fail",
        &["1 user: sales.bot@demo.example.com (permission set Any_API_Client)"],
    ),
    (
        "consumer-secret-access-holders",
        "org",
        "pass",
        &["jane.developer@demo.example.com (permission set ECA_Developer)"],
    ),
    ("api-enabled-app-administrators", "org", "pass", &["3 users", "ops.admin@demo.example.com"]),
    (
        "client-credentials-run-as-user-overprivileged",
        "Vendor_Sandbox_Tool",
        "fail",
        &["vendor.integration@example.com: View All Data through permission set Vendor_Data_Access"],
    ),
    ("client-credentials-run-as-user-overprivileged", "Data_Loader_Bulk", "pass", &["API-only"]),
    (
        "username-password-flow-in-use",
        "org",
        "fail",
        &["blocking the OAuth username-password flow breaks Data Loader Bulk (123 logins, 4 users)"],
    ),
    (
        "org-username-password-flow-not-blocked",
        "org",
        "fail",
        &["allowed; blocking the OAuth username-password flow breaks Data Loader Bulk (123 logins, 4 users)"],
    ),
    ("user-agent-flow-in-use", "org", "fail", &["Field Service Mobile (40 logins, 6 users)"]),
    (
        "org-pkce-not-required",
        "org",
        "fail",
        &["requiring PKCE affects the web server flow logins of Customer Portal Web (25 logins, 10 users)"],
    ),
    (
        "salesforce-health-check-high-risk-settings",
        "org",
        "fail",
        &["score 62/100; 2 high-risk settings: Password Policies: Minimum password length (8; standard 12)"],
    ),
    ("eca-client-secrets-readable-via-rest-api", "org", "fail", &["allowed"]),
    ("eca-consumer-secrets-readable-via-metadata-api", "org", "pass", &["off"]),
    (
        "tokens-for-uninstalled-app",
        "Shadow Data Export",
        "fail",
        &["tokens for uninstalled app Shadow Data Export: 5 users, 5 tokens, last used 2 days ago"],
    ),
    ("app-unused", "Vendor_Sandbox_Tool", "fail", &["last used 243 days ago"]),
    ("refresh-token-rotation-disabled", "Partner_Portal_SSO", "fail", &["rotation off"]),
    ("guest-code-credential-flow-enabled", "Customer_Portal_Web", "fail", &["enabled for guest users"]),
    ("server-integration-without-trusted-ip-ranges", "Payments_Gateway", "pass", &["203.0.113.10-203.0.113.14"]),
];

#[test]
fn the_demo_org_shows_each_new_finding_with_its_evidence_in_json_table_and_html() {
    let org = start(demo());
    let (folder, output) = org.reports(&["--format", "json,table,html"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let read = |name: &str| std::fs::read_to_string(folder.path().join(name)).expect("report");
    let document: serde_json::Value = serde_json::from_str(&read("sfaudit-report.json")).expect("json");
    let (table, html) = (read("sfaudit-report.txt"), read("sfaudit-report.html"));
    for (rule, resource, status, evidence) in FINDINGS {
        check(&document, rule, resource, status, evidence);
        if *status == "fail" {
            for text in *evidence {
                assert!(table.contains(text), "table lacks '{text}' of {rule}");
                assert!(html.contains(&crate_html(text)), "HTML lacks '{text}' of {rule}");
            }
        }
    }
    // Salesforce's score beside sfaudit's, in every format, and as a JSON field.
    let check = &document["inventory"]["org"]["health_check"];
    assert_eq!((check["score"].as_i64(), check["high_risk"].as_array().map(Vec::len)), (Some(62), Some(2)));
    assert!(table.contains("Salesforce Health Check: 62/100 (2 high-risk settings, 1 medium-risk)"), "{table}");
    assert!(table.contains("Lock sessions to the IP address from which they originated"));
    assert!(html.contains("id=\"salesforce-health-check\"") && html.contains("62/100"));
    // Usage of External Client Apps comes from the Connect REST resources, with first use.
    let payments =
        document["inventory"]["apps"].as_array().expect("apps").iter().find(|app| app["name"] == "Payments_Gateway");
    let usage = &payments.expect("Payments_Gateway")["usage"];
    assert_eq!((usage["user_count"].as_i64(), usage["use_count"].as_i64()), (Some(2), Some(909)));
    assert_eq!(usage["first_used"], "2026-03-02T08:00:00Z");
    // Nothing is incomplete and every call stayed within the batch limits: 26 calls of the
    // default scan plus one Connect REST call per External Client App with usage.
    let collection = &document["run"]["source"]["collection"];
    assert!(collection["incomplete"].as_array().is_some_and(Vec::is_empty), "{collection}");
    assert_eq!(collection["api_calls"], 28, "{collection}");
    assert_eq!(org.fake.stats().connect_calls, 3);
}

fn crate_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[test]
fn the_live_demo_scan_matches_the_committed_sample() {
    let org = start(demo());
    let (folder, output) = org.reports(&["--format", "json,table,html,markdown", "--pretty"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let read = |name: &str| std::fs::read_to_string(folder.path().join(name)).expect("report");
    let json = read("sfaudit-report.json");
    let document: serde_json::Value = serde_json::from_str(&json).expect("json");
    let collection = &document["run"]["source"]["collection"];
    let collected_at = collection["collected_at"].as_str().expect("collected_at").to_string();
    let used = format!("\"used\": {},", collection["api_usage"]["used"]);
    // The fake org listens on a random port, the collection time is the clock's, and which REST
    // answer reports the org's API usage last depends on timing: all three are replaced so the
    // sample is the same on every run.
    let stable = |text: String| {
        text.replace(&org.fake.url, "https://demo-org.my.salesforce.com")
            .replace(&org.fake.url.replacen(':', "&#58;", 1), "https&#58;//demo-org.my.salesforce.com")
            .replace(&collected_at, "2026-12-01T06:00:00Z")
            .replace(&used, "\"used\": 1023,")
    };
    assert_matches_sample("live-demo.json", &stable(json));
    assert_matches_sample("live-demo.table.txt", &stable(read("sfaudit-report.txt")));
    assert_matches_sample("live-demo.html", &stable(read("sfaudit-report.html")));
    assert_matches_sample("live-demo.md", &stable(read("sfaudit-report.md")));
}

/// (what is refused, fake org change, record path now unknown, a rule now unknown, words of the reason)
type Refusal = (&'static str, fn(&mut Config), &'static str, &'static str, &'static [&'static str]);

#[test]
fn every_new_read_refused_for_permission_ends_in_unknown_and_exit_3() {
    let cases: &[Refusal] = &[
        (
            "PermissionSetAssignment",
            |config| {
                config.unreadable.insert("PermissionSetAssignment".into());
            },
            "permission_holders",
            "uninstalled-app-approvers",
            &["PermissionSetAssignment could not be read", "View Setup and Configuration"],
        ),
        (
            "LoginHistory",
            |config| {
                config.unreadable.insert("LoginHistory".into());
            },
            "login_history",
            "username-password-flow-in-use",
            &["LoginHistory could not be read", "Monitor Login History"],
        ),
        (
            "Health Check",
            |config| {
                config.unreadable.insert("SecurityHealthCheck".into());
            },
            "health_check",
            "salesforce-health-check-high-risk-settings",
            &["SecurityHealthCheck could not be read", "INSUFFICIENT_ACCESS", "View Setup and Configuration"],
        ),
        (
            "ExternalClientAppSettings",
            |config| {
                config.unreadable.insert("ExternalClientAppSettings".into());
            },
            "external_client_app_settings",
            "eca-client-secrets-readable-via-rest-api",
            &["ExternalClientAppSettings could not be read", "Modify Metadata Through Metadata API Functions"],
        ),
        (
            "a scanner without Manage Users",
            |config| {
                config.access.assignments[0].permissions.retain(|permission| permission != "PermissionsManageUsers");
            },
            "login_history",
            "user-agent-flow-in-use",
            &["shows only the integration user's own logins"],
        ),
    ];
    for (name, change, path, rule, words) in cases {
        let mut config = demo();
        change(&mut config);
        let org = start(config);
        let (output, document) = org.scan(&[]);
        assert_eq!(code(&output), 3, "{name}: {}", stderr(&output));
        let reason = document["inventory"]["org"]["missing"][path].as_str().unwrap_or_default();
        for word in *words {
            assert!(reason.contains(word), "{name}: expected '{word}' in '{reason}'");
            assert!(stderr(&output).contains(word), "{name}: stderr names it: {}", stderr(&output));
        }
        let found = result(&document, rule, "org");
        assert_eq!(found["status"], "unknown", "{name}: {found}");
        assert!(found["reason"].as_str().unwrap_or_default().contains(path), "{name}: {found}");
    }
}

#[test]
fn connect_usage_refused_makes_external_client_app_usage_unknown_and_exit_3() {
    let mut config = demo();
    config.unreadable.insert("OAuthUsage".into());
    let org = start(config);
    let (output, document) = org.scan(&[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Connect REST /apps/oauth/usage could not be read from the org (INSUFFICIENT_ACCESS"),
        "{}",
        stderr(&output)
    );
    assert_eq!(result(&document, "app-unused", "Vendor_Sandbox_Tool")["status"], "unknown");
    assert_eq!(result(&document, "app-unused", "Data_Loader_Bulk")["status"], "fail", "Connected Apps are unaffected");
    // And with --allow-incomplete the same scan exits 0.
    let (output, _) = org.scan(&["--allow-incomplete"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn a_permission_column_the_org_lacks_is_unknown_not_nobody() {
    let mut config = demo();
    config.access.missing_columns.insert("PermissionsUseAnyApiClient".into());
    config.access.missing_columns.insert("PermissionsCanApproveUninstalledApps".into());
    let org = start(config);
    let (output, document) = org.scan(&[]);
    // The column does not exist: nothing failed to be read, so the scan is complete.
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for rule in ["use-any-api-client-holders", "uninstalled-app-approvers"] {
        let found = result(&document, rule, "org");
        assert_eq!(found["status"], "unknown", "{found}");
        assert!(found["reason"].as_str().unwrap_or_default().contains("has no column"), "{found}");
    }
    assert_eq!(result(&document, "consumer-secret-access-holders", "org")["status"], "pass");
    assert!(stderr(&output).contains("note: permission_holders.use_any_api_client"), "{}", stderr(&output));
    // One query, then one again per refused column.
    assert_eq!(org.fake.stats().query_calls, 7 + 2);
}

#[test]
fn login_history_is_grouped_here_when_the_org_refuses_grouping() {
    let mut config = demo();
    config.access.refuse_grouping = true;
    let org = start(config);
    let (output, document) = org.scan(&[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    check(&document, "username-password-flow-in-use", "org", "fail", &["Data Loader Bulk (123 logins, 4 users)"]);
}

#[test]
fn usage_and_assignments_are_paged() {
    let mut config = demo();
    // 250 users of one app: pages of 100 stop at the short third page; 4,100 assignment rows.
    let users: Vec<serde_json::Value> = (0..250)
        .map(|index| serde_json::json!({"userIdentifier": format!("005PAGE{index:08}"), "lastUsedAt": "2026-11-20T10:00:00.000Z"}))
        .collect();
    config.access.eca_usage[0].users = users;
    for index in 0..4_100 {
        config.access.assignments.push(fake_org::access::PermissionAssignment::new(
            &format!("viewer{index}@demo.example.com"),
            "Read_Everything",
            false,
            &["PermissionsViewAllData"],
        ));
    }
    let org = start(config);
    let (output, document) = org.scan(&[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let payments =
        document["inventory"]["apps"].as_array().expect("apps").iter().find(|app| app["name"] == "Payments_Gateway");
    assert_eq!(payments.expect("app")["usage"]["user_count"], 250);
    assert!(stderr(&output).contains("each user counts as one token"), "{}", stderr(&output));
    let stats = org.fake.stats();
    assert_eq!(stats.connect_calls, 1 + 3 + 1, "apps, 3 pages of Payments_Gateway users, 1 of the vendor tool's");
    assert_eq!(stats.query_more_calls, 2, "4,100 rows and more are 3 pages of 2,000");
}
