//! Fleet scans (src/app/fleet.rs, src/fleet, src/report/fleet.rs) against three fake orgs
//! (tests/support/fake_org): one refuses the login, the others are scanned; the fleet report,
//! exit 3 naming the refusing org, each org's own reports, the apps that differ between orgs,
//! and one bound on API calls in flight for the whole fleet.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, stderr, stdout};
use crate::fake_org::{self, Config, FakeOrg, OrgData, TestKeys};

fn org(org_id: &str, name: &str, sandbox: bool) -> OrgData {
    let mut data = OrgData::from_project(&repo_root().join(DEMO));
    data.org_id = org_id.to_string();
    data.org_name = name.to_string();
    data.sandbox = sandbox;
    data
}

/// The dev sandbox: Payments_Gateway was never deployed there, and Legacy_Reporting_Sync is
/// open to self-authorization (stricter in production).
fn dev_org() -> OrgData {
    let mut data = org("00DFAKE00000000DV", "Dev", true);
    data.components.retain(|component| !component.full_name.starts_with("Payments_Gateway"));
    let legacy = data
        .components
        .iter_mut()
        .find(|component| component.type_name == "ConnectedApp" && component.full_name == "Legacy_Reporting_Sync")
        .expect("the demo has Legacy_Reporting_Sync");
    assert!(legacy.body.contains("<isAdminApproved>true</isAdminApproved>"));
    legacy.body =
        legacy.body.replace("<isAdminApproved>true</isAdminApproved>", "<isAdminApproved>false</isAdminApproved>");
    data
}

struct Fleet {
    folder: tempfile::TempDir,
    config: PathBuf,
    orgs: Vec<(&'static str, FakeOrg)>,
}

fn write_config(folder: &Path, orgs: &[(&'static str, FakeOrg)]) -> PathBuf {
    let key = folder.join("server.key");
    std::fs::write(&key, &TestKeys::scanner().private_key_pem).expect("write key");
    let mut text = String::from("fail_on = \"high\"\n");
    for (name, fake) in orgs {
        text.push_str(&format!(
            "\n[orgs.{name}]\ninstance_url = \"{}\"\nclient_id = \"{}\"\nusername = \"{}\"\njwt_key_file = \"server.key\"\n",
            fake.url,
            fake_org::CONSUMER_KEY,
            fake_org::USERNAME
        ));
    }
    let config = folder.join("sfaudit.toml");
    std::fs::write(&config, text).expect("write config");
    config
}

/// prod and dev answer; uat refuses the login (the user is not pre-authorized for the app).
fn three_orgs(latency: Duration) -> Fleet {
    let folder = tempfile::tempdir().expect("temp dir");
    let with_latency = || Config { latency, ..Config::default() };
    let orgs = vec![
        ("prod", FakeOrg::start(org("00DFAKE00000000PR", "Production", false), with_latency())),
        (
            "uat",
            FakeOrg::start(org("00DFAKE00000000UA", "UAT", true), Config { user_approved: false, ..with_latency() }),
        ),
        ("dev", FakeOrg::start(dev_org(), with_latency())),
    ];
    let config = write_config(folder.path(), &orgs);
    Fleet { folder, config, orgs }
}

fn run(fleet: &Fleet, args: &[&str]) -> Output {
    let config = fleet.config.display().to_string();
    let mut all = vec!["scan", "--config", &config, "--as-of", DEMO_AS_OF];
    all.extend_from_slice(args);
    assert_cmd::Command::cargo_bin("sfaudit")
        .expect("sfaudit binary")
        .current_dir(fleet.folder.path())
        .env_clear()
        .args(&all)
        .timeout(Duration::from_secs(180))
        .output()
        .expect("sfaudit runs")
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn a_fleet_with_one_org_refusing_the_login_reports_the_others_and_exits_3() {
    let fleet = three_orgs(Duration::ZERO);
    let out = fleet.folder.path().join("reports");
    let output =
        run(&fleet, &["--orgs", "prod,uat,dev", "--format", "html,json,markdown,table", "--output-dir", "reports"]);
    assert_eq!(code(&output), 3, "an org could not be scanned: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(errors.contains("error: [uat] login failed:"), "the failing org is named: {errors}");
    assert!(errors.contains("incomplete or not scanned: uat"), "{errors}");
    assert!(
        errors.contains("[prod] sfaudit: score") && errors.contains("[dev] sfaudit: score"),
        "the others were scanned"
    );

    for extension in ["html", "json", "md", "txt"] {
        assert!(out.join(format!("sfaudit-fleet.{extension}")).is_file(), "the fleet report in {extension}");
    }
    for (org, name) in [("prod", "Production"), ("dev", "Dev")] {
        for extension in ["html", "json", "md", "txt"] {
            assert!(
                out.join(org).join(format!("sfaudit-report.{extension}")).is_file(),
                "{org}'s own {extension} report"
            );
        }
        let own = read_json(&out.join(org).join("sfaudit-report.json"));
        assert_eq!(own["inventory"]["org"]["identity"]["name"], name, "{org}'s report is about {org}");
    }
    assert!(!out.join("uat").exists(), "no report for an org that was not scanned");

    let report = read_json(&out.join("sfaudit-fleet.json"));
    assert_eq!(report["schema"], "sfaudit.fleet/1");
    assert_eq!(report["exit_code"], 3);
    assert_eq!(report["incomplete"], serde_json::json!(["uat"]));
    let orgs = report["orgs"].as_array().expect("orgs");
    let names: Vec<&str> = orgs.iter().filter_map(|org| org["name"].as_str()).collect();
    assert_eq!(names, ["prod", "uat", "dev"], "in the order asked");
    assert_eq!(orgs[1]["outcome"], "not_scanned");
    assert!(orgs[1]["error"].as_str().is_some_and(|error| error.contains("login failed")), "{}", orgs[1]);
    for index in [0, 2] {
        assert!(orgs[index]["score"].as_u64().is_some(), "per-org score: {}", orgs[index]);
        assert!(orgs[index]["band"].as_str().is_some_and(|band| !band.is_empty()));
        assert_eq!(orgs[index]["reports"], orgs[index]["name"], "the folder of its own reports");
    }
    assert!(orgs[2]["score"].as_u64() < orgs[0]["score"].as_u64(), "dev is weaker than prod");

    let worst = report["worst_findings"].as_array().expect("worst findings");
    assert_eq!(worst[0]["severity"], "critical");
    let fleet_orgs: std::collections::BTreeSet<&str> =
        worst.iter().filter_map(|finding| finding["org"].as_str()).collect();
    assert_eq!(fleet_orgs, ["dev", "prod"].into(), "findings from both scanned orgs");

    let differences = report["app_differences"].as_array().expect("differences");
    let app = |name: &str| {
        differences
            .iter()
            .find(|difference| difference["resource"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not among the differences: {differences:?}"))
    };
    assert_eq!(app("Payments_Gateway")["missing_in"], serde_json::json!(["dev"]), "missing in one org");
    let legacy = app("Legacy_Reporting_Sync");
    assert_eq!(legacy["strictest"], serde_json::json!({"strictest": "prod", "most_lenient": "dev"}));
    let rule = legacy["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|rule| rule["rule_id"] == "integration-not-admin-approved")
        .expect("the rule that differs");
    let statuses: Vec<(&str, &str)> = rule["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|value| (value["org"].as_str().unwrap_or(""), value["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(statuses, [("dev", "fail"), ("prod", "pass")]);
    assert!(
        differences.iter().all(|difference| difference["resource"]["name"] != "Field_Service_Mobile"),
        "an app configured the same everywhere is not listed"
    );

    let html = std::fs::read_to_string(out.join("sfaudit-fleet.html")).expect("fleet HTML");
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("<a href=\"prod/sfaudit-report.html\">prod</a>"), "links to each org's own report");
    assert!(html.contains("Stricter in <strong>prod</strong> than in <strong>dev</strong>"));
    let markdown = std::fs::read_to_string(out.join("sfaudit-fleet.md")).expect("fleet Markdown");
    assert!(markdown.contains("- **Missing in** dev"), "{markdown}");
    let table = std::fs::read_to_string(out.join("sfaudit-fleet.txt")).expect("fleet table");
    assert!(table.contains("not scanned (exit 3): login failed"), "{table}");
}

/// `--all-orgs` scans every profile; `--concurrency 1` is one call in flight for the whole fleet,
/// so the orgs' calls cannot overlap: the run takes at least all their calls' latency in turn.
#[test]
fn all_orgs_share_one_bound_on_calls_in_flight() {
    let latency = Duration::from_millis(25);
    let folder = tempfile::tempdir().expect("temp dir");
    let orgs = vec![
        (
            "prod",
            FakeOrg::start(org("00DFAKE00000000PR", "Production", false), Config { latency, ..Config::default() }),
        ),
        ("dev", FakeOrg::start(dev_org(), Config { latency, ..Config::default() })),
    ];
    let config = write_config(folder.path(), &orgs);
    let fleet = Fleet { folder, config, orgs };
    let started = Instant::now();
    let output = run(&fleet, &["--all-orgs", "--concurrency", "1", "--fail-on", "none", "--format", "json"]);
    let elapsed = started.elapsed();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("the fleet JSON on stdout");
    assert_eq!(report["orgs"].as_array().map(Vec::len), Some(2));
    let calls: u64 = fleet.orgs.iter().map(|(_, fake)| fake.stats().api_calls).sum();
    for (name, fake) in &fleet.orgs {
        assert_eq!(fake.stats().max_in_flight, 1, "{name} never had two calls in flight");
    }
    let serial = latency * u32::try_from(calls).expect("calls");
    assert!(elapsed >= serial, "{calls} calls of {latency:?} took {elapsed:?}: they overlapped across orgs");
}

#[test]
fn fleet_mistakes_are_usage_errors() {
    let fleet = three_orgs(Duration::ZERO);
    let unknown = run(&fleet, &["--orgs", "prod,staging"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no org profile 'staging' in the config"), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("known profiles: dev, prod, uat"), "{}", stderr(&unknown));
    let baseline = run(&fleet, &["--orgs", "prod", "--baseline", "x.json"]);
    assert_eq!(code(&baseline), 2, "{}", stderr(&baseline));
    assert!(stderr(&baseline).contains("a fleet scan cannot compare every org with it"), "{}", stderr(&baseline));
    let update = assert_cmd::Command::cargo_bin("sfaudit")
        .expect("sfaudit binary")
        .current_dir(fleet.folder.path())
        .env_clear()
        .args(["baseline", "update", "--orgs", "prod"])
        .output()
        .expect("sfaudit runs");
    assert_eq!(code(&update), 2);
    assert!(stderr(&update).contains("does not take --orgs"), "{}", stderr(&update));
    let path = run(&fleet, &["examples", "--orgs", "prod"]);
    assert_eq!(code(&path), 2, "a folder and a fleet are two different scans");
}

/// An org whose data cannot be read (a corrupt certificate) is no way past a fleet's gate: with
/// nothing blocking, that org is incomplete, and so the fleet exits 3 naming it, unless
/// `--allow-incomplete`.
#[test]
fn unreadable_data_in_one_org_fails_the_fleet_that_would_pass() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut broken = org("00DFAKE00000000BR", "Broken", true);
    let legacy = broken
        .components
        .iter_mut()
        .find(|component| component.type_name == "ConnectedApp" && component.full_name == "Legacy_Reporting_Sync")
        .expect("the demo has Legacy_Reporting_Sync");
    let start = legacy.body.find("<certificate>").expect("a certificate") + "<certificate>".len();
    let end = legacy.body.find("</certificate>").expect("its end");
    legacy.body.replace_range(start..end, "MIIBnotAcertificate");
    let orgs = vec![
        ("prod", FakeOrg::start(org("00DFAKE00000000PR", "Production", false), Config::default())),
        ("broken", FakeOrg::start(broken, Config::default())),
    ];
    let config = write_config(folder.path(), &orgs);
    let fleet = Fleet { folder, config, orgs };
    let output = run(&fleet, &["--all-orgs", "--fail-on", "none", "--format", "json"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(error.contains("[broken] error: the scan is incomplete"), "{error}");
    assert!(error.contains("Legacy_Reporting_Sync: <certificate> cannot be read"), "{error}");
    assert!(!error.contains("[prod] error"), "{error}");
    let output = run(&fleet, &["--all-orgs", "--fail-on", "none", "--format", "json", "--allow-incomplete"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}
