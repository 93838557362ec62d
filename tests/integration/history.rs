//! The history database (src/history, src/app/history.rs): two scans of the demo and what
//! `sfaudit history` says about them, the trend chart in the second HTML report (in headless
//! Chromium too), retention, concurrent writers, and no secret in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{DEMO, code, repo_root, sfaudit_in, stderr, stdout};
use crate::html::{browser_unavailable, chromium, chromium_binary, file_url};

/// Copies the demo project into `folder`; returns the copy.
pub fn copy_demo(folder: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let project = folder.join("demo");
    copy(&repo_root().join(DEMO), &project);
    project
}

/// Opens Legacy_Reporting_Sync to self-authorization: a weaker setting and a new high finding.
pub fn weaken_legacy_app(project: &Path) {
    let path = project.join("force-app/main/default/connectedApps/Legacy_Reporting_Sync.connectedApp-meta.xml");
    let text = std::fs::read_to_string(&path).expect("read the app");
    assert!(text.contains("<isAdminApproved>true</isAdminApproved>"));
    std::fs::write(
        &path,
        text.replace("<isAdminApproved>true</isAdminApproved>", "<isAdminApproved>false</isAdminApproved>"),
    )
    .expect("write the app");
}

fn scan(folder: &Path, project: &Path, database: &Path, as_of: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "scan".to_string(),
        project.display().to_string(),
        "--as-of".into(),
        as_of.into(),
        "--fail-on".into(),
        "none".into(),
        "--history".into(),
        database.display().to_string(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sfaudit_in(folder, &args)
}

fn history(folder: &Path, database: &Path, extra: &[&str]) -> Output {
    let database = database.display().to_string();
    let mut args = vec!["history", "--history", &database];
    args.extend_from_slice(extra);
    sfaudit_in(folder, &args)
}

struct TwoScans {
    folder: tempfile::TempDir,
    database: PathBuf,
    second_html: PathBuf,
    /// What the two runs found, from their own JSON results: the history must say the same.
    first: RunFacts,
    second: RunFacts,
}

/// A run's figures and failing findings (`rule_id app`), read from its JSON result.
struct RunFacts {
    score: u64,
    band: String,
    unknown: u64,
    failing: BTreeMap<String, String>,
}

impl RunFacts {
    fn of(folder: &Path, project: &Path, as_of: &str) -> Self {
        let output = sfaudit_in(
            folder,
            &["scan", &project.display().to_string(), "--as-of", as_of, "--fail-on", "none", "--format", "json"],
        );
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON result");
        let summary = &document["summary"];
        let failing = document["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|result| result["status"] == "fail")
            .map(|result| {
                let key = format!(
                    "{} {}",
                    result["rule_id"].as_str().unwrap_or(""),
                    result["resource"]["name"].as_str().unwrap_or("")
                );
                (key, result["severity"].as_str().unwrap_or("").to_string())
            })
            .collect();
        Self {
            score: summary["score"].as_u64().expect("a score"),
            band: summary["band"].as_str().expect("a band").to_string(),
            unknown: summary["by_status"]["unknown"].as_u64().expect("unknown count"),
            failing,
        }
    }

    /// Findings failing here and not in `earlier`.
    fn new_since(&self, earlier: &RunFacts) -> Vec<String> {
        self.failing.keys().filter(|key| !earlier.failing.contains_key(*key)).cloned().collect()
    }
}

/// The demo scanned on 2026-11-01, then changed (an app opened to self-authorization) and scanned
/// again on 2026-12-01 (a certificate also moved into its last 30 days), with an HTML report.
fn two_scans() -> TwoScans {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = copy_demo(folder.path());
    let database = folder.path().join("history.sqlite");
    let first = scan(folder.path(), &project, &database, "2026-11-01", &["--quiet"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let first_facts = RunFacts::of(folder.path(), &project, "2026-11-01");
    weaken_legacy_app(&project);
    let second_html = folder.path().join("second.html");
    let second = scan(
        folder.path(),
        &project,
        &database,
        "2026-12-01",
        &["--format", "html", "--output", &second_html.display().to_string()],
    );
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let second_facts = RunFacts::of(folder.path(), &project, "2026-12-01");
    TwoScans { folder, database, second_html, first: first_facts, second: second_facts }
}

#[test]
fn two_scans_show_two_runs_and_the_change_between_them() {
    let scans = two_scans();
    let output = history(scans.folder.path(), &scans.database, &["--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let view: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let targets = view["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 1, "one project");
    let target = &targets[0];
    assert_eq!(target["org_name"], "demo");
    let runs = target["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    let (first, second) = (&scans.first, &scans.second);
    assert_eq!(
        (runs[0]["score"].as_u64(), runs[1]["score"].as_u64()),
        (Some(first.score), Some(second.score)),
        "the score over time"
    );
    assert!(runs[0]["new"].is_null(), "the first run has nothing to compare with");
    let names = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .expect("list")
            .iter()
            .map(|finding| {
                format!(
                    "{} {}",
                    finding["rule_id"].as_str().unwrap_or(""),
                    finding["resource"]["name"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let (new, fixed) = (second.new_since(first), first.new_since(second));
    assert!(
        new.iter().any(|finding| finding.ends_with(" Legacy_Reporting_Sync")),
        "opening the app to self-authorization is a new finding: {new:?}"
    );
    let sorted = |mut list: Vec<String>| {
        list.sort();
        list
    };
    assert_eq!(sorted(names(&runs[1]["new"])), new, "new in the second run");
    assert_eq!(sorted(names(&runs[1]["fixed"])), fixed, "fixed in the second run");
    let open = target["open_findings"].as_array().expect("open findings");
    assert_eq!(open.len(), second.failing.len(), "the failing results of the latest run");
    let age = |rule: &str, app: &str| {
        open.iter().find(|finding| finding["rule_id"] == rule && finding["resource"]["name"] == app).map(|finding| {
            (finding["first_seen"].as_str().unwrap_or("").to_string(), finding["age_days"].as_i64().unwrap_or(-1))
        })
    };
    assert_eq!(age("certificate-expired", "Legacy_Reporting_Sync"), Some(("2026-11-01T00:00:00Z".into(), 30)));
    for finding in &new {
        let (rule, app) = finding.split_once(' ').expect("rule and app");
        assert_eq!(age(rule, app), Some(("2026-12-01T00:00:00Z".into(), 0)), "{finding} is first seen today");
    }

    let table = history(scans.folder.path(), &scans.database, &[]);
    let text = stdout(&table);
    assert!(text.contains("2 run(s) shown"), "{text}");
    for (run, list, facts) in [("new", &new, second), ("fixed", &fixed, first)] {
        for finding in list {
            let (rule, app) = finding.split_once(' ').expect("rule and app");
            let line = format!("run 2 {run}: {} {rule} × {app}", facts.failing[finding]);
            assert!(text.contains(&line), "{line} is missing:\n{text}");
        }
    }
    let markdown = stdout(&history(scans.folder.path(), &scans.database, &["--format", "markdown"]));
    let row = format!(
        "| 2 | 2026-12-01 | {} | {} | {} | {} | {} | {} | passed |",
        second.score,
        second.band,
        second.failing.len(),
        second.unknown,
        new.len(),
        fixed.len()
    );
    assert!(markdown.contains(&row), "{row} is missing:\n{markdown}");

    let since = stdout(&history(scans.folder.path(), &scans.database, &["--since", "2026-11-15", "--format", "json"]));
    let since: serde_json::Value = serde_json::from_str(&since).expect("JSON");
    let runs = since["targets"][0]["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "--since leaves the first run out");
    assert_eq!(runs[0]["new"].as_array().map(Vec::len), Some(new.len()), "but still compares with it");
    let unknown = history(scans.folder.path(), &scans.database, &["--org", "production"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no recorded run matches --org production"));
    assert_eq!(code(&history(scans.folder.path(), &scans.database, &["--org", "demo"])), 0, "the org name matches");
}

#[test]
fn the_second_report_draws_the_trend_and_what_changed() {
    let scans = two_scans();
    let html = std::fs::read_to_string(&scans.second_html).expect("the HTML report");
    let chart = &html[html.find("<svg class=\"trend-chart\"").expect("the trend chart")..];
    let chart = &chart[..chart.find("</svg>").expect("end of the chart")];
    assert_eq!(chart.matches("<circle").count(), 2, "one marker per run");
    let (first, second) = (&scans.first, &scans.second);
    let (new, fixed) = (second.new_since(first).len(), first.new_since(second).len());
    let first_point = format!("2026-11-01: {}/100 ({})", first.score, first.band);
    let second_point = format!(
        "2026-12-01: {}/100 ({}); {} failed, {new} new, {fixed} fixed",
        second.score,
        second.band,
        second.failing.len()
    );
    assert!(chart.contains(&first_point) && chart.contains(&second_point), "{first_point} / {second_point}: {chart}");
    let delta = i64::try_from(second.score).expect("score") - i64::try_from(first.score).expect("score");
    let since = format!(
        "id=\"since-summary\">Previous scan <time datetime=\"2026-11-01T00:00:00Z\">2026-11-01</time>: score {} → {} ({delta:+})",
        first.score, second.score
    );
    assert!(html.contains(&since), "{since} is missing");
    assert!(html.contains("<td>Legacy_Reporting_Sync</td><td class=\"mono\">policy.permitted_users</td><td>admin_approved</td><td>all_self_authorized</td><td class=\"dir-weaker\">weaker</td>"), "the weaker setting");
    assert!(!html.to_ascii_lowercase().contains("<script"), "no script for the chart");

    let Some(binary) = chromium_binary() else {
        browser_unavailable("no chromium binary was found");
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let dom = match chromium(&binary, profile.path(), &["--dump-dom".to_string(), file_url(&scans.second_html)]) {
        Ok(dom) if dom.contains("<html") => dom,
        Ok(dom) => return browser_unavailable(&format!("it printed no DOM ({} bytes)", dom.len())),
        Err(why) => return browser_unavailable(&why),
    };
    let rendered = &dom[dom.find("id=\"trend-chart\"").expect("Chromium rendered the chart")..];
    let rendered = &rendered[..rendered.find("</svg>").expect("end")];
    assert_eq!(rendered.matches("<circle").count(), 2, "two runs drawn");
    assert!(rendered.contains("<polyline"), "the line between them");
    assert!(
        dom.contains(&format!("id=\"since-new\">{new}</strong>"))
            && dom.contains(&format!("id=\"since-fixed\">{fixed}</strong>"))
    );
    let shot_profile = tempfile::tempdir().expect("profile dir");
    let png = scans.folder.path().join("trend.png");
    chromium(
        &binary,
        shot_profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,1400".to_string(),
            file_url(&scans.second_html),
        ],
    )
    .unwrap_or_else(|why| panic!("Chromium rendered the DOM but could not take a screenshot: {why}"));
    assert!(std::fs::read(&png).is_ok_and(|bytes| bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000));
}

#[test]
fn keep_days_deletes_older_runs() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = copy_demo(folder.path());
    let database = folder.path().join("history.sqlite");
    for as_of in ["2026-09-01", "2026-11-01", "2026-12-01"] {
        let output = scan(folder.path(), &project, &database, as_of, &["--quiet"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    let output = scan(folder.path(), &project, &database, "2026-12-15", &["--quiet", "--keep-days", "60"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let view: serde_json::Value =
        serde_json::from_str(&stdout(&history(folder.path(), &database, &["--format", "json"]))).expect("JSON");
    let dates: Vec<&str> = view["targets"][0]["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|run| run["evaluated_at"].as_str())
        .collect();
    assert_eq!(
        dates,
        ["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-15T00:00:00Z"],
        "the run of 2026-09-01 is gone"
    );
    let first_seen = view["targets"][0]["open_findings"][0]["first_seen"].as_str().unwrap_or_default().to_string();
    assert_eq!(first_seen, "2026-11-01T00:00:00Z", "first seen counts from the oldest run kept");

    let without = sfaudit_in(folder.path(), &["scan", &project.display().to_string(), "--keep-days", "60", "--quiet"]);
    assert_eq!(code(&without), 2, "--keep-days without a database is a mistake");
    assert!(stderr(&without).contains("--keep-days applies to a history database"), "{}", stderr(&without));
}

/// Two writers at once: threads of this process through the library, and two processes.
#[test]
fn concurrent_writers_are_safe() {
    use sfaudit::history::{RunRecord, Store, Target};
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("shared.sqlite");
    let (rules, version) =
        sfaudit::app::load_rules(&sfaudit::cli::RuleOptions { rules_dirs: Vec::new(), params: Vec::new() })
            .expect("the built-in rules");
    let as_of: sfaudit::model::EvaluationDate = "2026-12-01".parse().expect("date");
    let inventory = sfaudit::collect::project::collect_project(&repo_root().join(DEMO), &as_of).expect("the demo");
    let policy = sfaudit::gate::Policy::threshold(sfaudit::gate::FailOn::Never);
    let scan = sfaudit::app::evaluate(inventory, &rules, version, &as_of, policy);
    let record =
        |writer: usize| RunRecord::new(&scan.report(), Target { key: format!("writer-{writer}"), profile: None });
    let records = [record(0), record(1)];
    std::thread::scope(|threads| {
        for record in &records {
            let database = &database;
            threads.spawn(move || {
                for _ in 0..15 {
                    let mut store = Store::open(database).expect("open while the other writes");
                    store.record(record).expect("record while the other writes");
                }
            });
        }
    });
    let store = Store::open(&database).expect("open");
    let view = sfaudit::history::timeline(&store, &sfaudit::history::Filter::default()).expect("timeline");
    assert_eq!(view.targets.len(), 2);
    assert!(view.targets.iter().all(|target| target.runs.len() == 15), "every run of both writers is there");

    let project = copy_demo(folder.path());
    let processes: Vec<std::process::Child> = ["2026-11-01", "2026-12-01"]
        .iter()
        .map(|as_of| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("sfaudit"))
                .current_dir(folder.path())
                .env_clear()
                .args(["scan", &project.display().to_string(), "--as-of", as_of, "--fail-on", "none", "--quiet"])
                .args(["--history", &database.display().to_string()])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start sfaudit")
        })
        .collect();
    for process in processes {
        let output = process.wait_with_output().expect("sfaudit ends");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let view: serde_json::Value =
        serde_json::from_str(&stdout(&history(folder.path(), &database, &["--format", "json", "--org", "demo"])))
            .expect("JSON");
    assert_eq!(view["targets"][0]["runs"].as_array().map(Vec::len), Some(2), "both processes recorded their run");
}

/// Everything SQLite wrote: the database and its write-ahead log.
fn database_bytes(database: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(database).expect("the database");
    let wal = PathBuf::from(format!("{}-wal", database.display()));
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[test]
fn the_database_holds_no_secret_of_a_project() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = copy_demo(folder.path());
    let app = std::fs::read_to_string(
        project.join("force-app/main/default/connectedApps/Partner_Portal_SSO.connectedApp-meta.xml"),
    )
    .expect("the demo app");
    let start = app.find("<consumerSecret>").expect("the demo commits a consumer secret") + "<consumerSecret>".len();
    let secret = &app[start..start + app[start..].find('<').expect("end")];
    assert!(secret.len() >= 16, "a real-looking secret: {secret}");
    let database = folder.path().join("history.sqlite");
    let output = scan(folder.path(), &project, &database, "2026-12-01", &["--quiet"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let bytes = database_bytes(&database);
    assert!(contains(&bytes, "Partner_Portal_SSO"), "the check reads the data it should");
    assert!(!contains(&bytes, secret), "the consumer secret is in the history database");
}

#[test]
fn the_database_holds_no_secret_of_a_live_scan() {
    use crate::fake_org::{self, Config, FakeOrg, OrgData, TestKeys};
    let fake = FakeOrg::start(OrgData::from_project(&repo_root().join(DEMO)), Config::default());
    let folder = tempfile::tempdir().expect("temp dir");
    let key = folder.path().join("server.key");
    std::fs::write(&key, &TestKeys::scanner().private_key_pem).expect("write key");
    let database = folder.path().join("history.sqlite");
    let output = sfaudit_in(
        folder.path(),
        &[
            "scan",
            "--org",
            "--client-id",
            fake_org::CONSUMER_KEY,
            "--username",
            fake_org::USERNAME,
            "--jwt-key-file",
            &key.display().to_string(),
            "--instance-url",
            &fake.url,
            "--as-of",
            "2026-12-01",
            "--fail-on",
            "none",
            "--quiet",
            "--history",
            &database.display().to_string(),
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let bytes = database_bytes(&database);
    let tokens = fake.issued_tokens();
    assert!(!tokens.is_empty(), "the scan logged in");
    for token in &tokens {
        assert!(!contains(&bytes, token), "an access token is in the history database");
    }
    let key_body: String = TestKeys::scanner()
        .private_key_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    for chunk in key_body.as_bytes().chunks(32).map(|chunk| String::from_utf8_lossy(chunk).into_owned()) {
        assert!(!contains(&bytes, &chunk), "part of the private key is in the history database");
    }
    let view: serde_json::Value =
        serde_json::from_str(&stdout(&history(folder.path(), &database, &["--format", "json"]))).expect("JSON");
    assert!(
        view["targets"][0]["org_id"].as_str().is_some_and(|id| id.starts_with("00D")),
        "a live run is keyed by its org id: {view}"
    );
}

/// A database edited by hand or damaged is refused naming it, never read as other values: a
/// score of 255 drawn off the chart, a negative count shown as 0, an unknown severity as info.
#[test]
fn a_value_sfaudit_never_writes_is_refused_naming_the_database() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = repo_root().join(DEMO);
    let database = folder.path().join("history.sqlite");
    let output = scan(folder.path(), &project, &database, "2026-12-01", &["--quiet"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for (edit, needle) in [
        ("UPDATE runs SET score = 255", "runs.score"),
        ("UPDATE runs SET score = 100000", "out of range"),
        ("UPDATE runs SET failed = -1", "a count of -1"),
        ("UPDATE run_results SET severity = 'critical!'", "is not a severity"),
        ("UPDATE run_results SET status = 'pass'", "is not fail or unknown"),
    ] {
        let damaged = folder.path().join("damaged.sqlite");
        std::fs::copy(&database, &damaged).expect("copy");
        rusqlite::Connection::open(&damaged).expect("open").execute_batch(edit).expect("edit");
        let damaged_shown = damaged.display().to_string();
        for args in [
            vec!["history", "--history", damaged_shown.as_str(), "--format", "table"],
            vec!["history", "--history", damaged_shown.as_str(), "--format", "json"],
        ] {
            let output = sfaudit_in(folder.path(), &args);
            assert_eq!(code(&output), 2, "{edit}: {}", stdout(&output));
            let message = stderr(&output);
            assert!(message.contains(&damaged_shown) && message.contains(needle), "{edit}: {message}");
            assert!(message.contains("restore it from a backup"), "{message}");
        }
    }
}
