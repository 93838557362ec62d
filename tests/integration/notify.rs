//! Alerts (src/notify, src/app/notify.rs) against a loopback receiver
//! (tests/support/webhook.rs): the Slack, Teams and generic payloads, retries on 5xx (bounded),
//! triggers, and the webhook URL, a secret, in neither the payload nor any message.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, stderr, stdout};
use crate::webhook::Receiver;

/// The secret part of every test webhook URL.
const SECRET: &str = "T0SECRET/B0SECRET/XXXXXXXXwebhookTOKEN";

fn receiver(statuses: &[u16]) -> Receiver {
    Receiver::start(&format!("/services/{SECRET}"), statuses)
}

fn sfaudit_with(directory: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("sfaudit").expect("sfaudit binary");
    command.current_dir(directory).env_clear();
    for (name, value) in envs {
        command.env(name, value);
    }
    command.args(args).timeout(Duration::from_secs(120)).output().expect("sfaudit runs")
}

/// Scans the demo (the default gate fails) with `notify` as the only `--notify` value, the URL
/// in `SFAUDIT_TEST_WEBHOOK`.
fn demo_scan(url: &str, notify: &str, extra: &[&str]) -> Output {
    let mut args = vec!["scan", DEMO, "--as-of", DEMO_AS_OF, "--quiet", "--notify", notify];
    args.extend_from_slice(extra);
    sfaudit_with(&repo_root(), &args, &[("SFAUDIT_TEST_WEBHOOK", url)])
}

/// The consumer secret committed in the demo project (reported by path only).
fn demo_consumer_secret() -> String {
    let path =
        repo_root().join(DEMO).join("force-app/main/default/connectedApps/Partner_Portal_SSO.connectedApp-meta.xml");
    let text = std::fs::read_to_string(path).expect("the demo app");
    let start = text.find("<consumerSecret>").expect("the demo commits a consumer secret") + "<consumerSecret>".len();
    text[start..start + text[start..].find('<').expect("end")].to_string()
}

fn assert_no_secret(output: &Output, bodies: &[String]) {
    let consumer_secret = demo_consumer_secret();
    for text in bodies.iter().map(String::as_str).chain([stdout(output).as_str(), stderr(output).as_str()]) {
        assert!(!text.contains("webhookTOKEN") && !text.contains("B0SECRET"), "the webhook URL leaked: {text}");
        assert!(!text.contains(&consumer_secret), "the consumer secret leaked: {text}");
    }
}

#[test]
fn slack_gets_blocks_with_the_worst_findings_and_no_secret() {
    let receiver = receiver(&[]);
    let output = demo_scan(&receiver.url, "slack=env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1, "the alert does not change the gate's exit code: {}", stderr(&output));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one alert");
    let request = &received[0];
    assert_eq!(request.path, format!("/services/{SECRET}"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert!(body["text"].as_str().expect("fallback text").starts_with("sfaudit: gate failed for demo-org"), "{body}");
    let blocks = body["blocks"].as_array().expect("Block Kit blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert!(blocks[0]["text"]["text"].as_str().expect("header").chars().count() <= 150);
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    let sections: String = blocks.iter().map(|block| block.to_string()).collect();
    let demo = crate::common::scan_json(crate::common::DEMO, crate::common::DEMO_AS_OF);
    let worst = format!("Worst findings ({})", demo["summary"]["by_status"]["fail"]);
    assert!(sections.contains(&worst) && sections.contains("[critical]"), "{sections}");
    assert!(blocks.len() <= 50, "Slack takes at most 50 blocks");
    assert_eq!(body["unfurl_links"], false);
    assert!(stderr(&output).contains("alert (gate-failure) sent to notification 1 (slack) (HTTP 200, attempt 1)"));
    assert_no_secret(&output, std::slice::from_ref(&request.body));
}

#[test]
fn teams_gets_an_adaptive_card_message() {
    let receiver = receiver(&[202]);
    let output = demo_scan(&receiver.url, "teams=env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "202 Accepted (Workflows) is success: {}", stderr(&output));
    let body = received[0].json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let kinds: Vec<&str> =
        card["body"].as_array().expect("card body").iter().filter_map(|item| item["type"].as_str()).collect();
    assert!(kinds.contains(&"TextBlock") && kinds.contains(&"FactSet"), "{kinds:?}");
    assert!(received[0].body.len() < 28 * 1024, "Teams takes at most 28 KB");
    // App names are escaped for the card's Markdown: `_` cannot start emphasis.
    let findings: Vec<&str> = card["body"]
        .as_array()
        .expect("card body")
        .iter()
        .filter_map(|item| item["text"].as_str())
        .filter(|text| text.starts_with('['))
        .collect();
    let apps: Vec<&str> = findings
        .iter()
        .filter_map(|text| text.split_once(" · ").and_then(|(_, rest)| rest.split_once(':')).map(|(app, _)| app))
        .collect();
    assert!(apps.iter().any(|app| app.contains("\\_")), "some listed app name has an escaped `_`: {apps:?}");
    assert!(apps.iter().all(|app| !app.replace("\\_", "").contains('_')), "no `_` is left unescaped: {apps:?}");
    assert_no_secret(&output, &[received[0].body.clone()]);
}

#[test]
fn a_generic_webhook_gets_the_alert_document() {
    let receiver = receiver(&[]);
    let output = demo_scan(&receiver.url, "env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{}", stderr(&output));
    let body = received[0].json();
    assert_eq!(body["schema"], "sfaudit.alert/1", "a loopback host gets the generic payload");
    assert_eq!(body["triggers"], serde_json::json!(["gate-failure"]));
    assert_eq!(body["gate"]["failed"], true);
    let demo = crate::common::scan_json(crate::common::DEMO, crate::common::DEMO_AS_OF);
    assert_eq!(body["score"], demo["summary"]["score"]);
    assert_eq!(body["failed_by_severity"]["critical"], demo["summary"]["failed_by_severity"]["critical"]);
    assert_eq!(body["worst_findings"][0]["severity"], "critical");
    assert_eq!(body["worst_findings"].as_array().map(Vec::len), Some(10), "at most ten listed");
    assert_eq!(body["failed_total"], demo["summary"]["by_status"]["fail"]);
    assert_no_secret(&output, &[received[0].body.clone()]);
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let recovering = receiver(&[503, 500]);
    let output = demo_scan(&recovering.url, "env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1);
    let received = recovering.received();
    assert_eq!(received.len(), 3, "two failures, then delivered: {}", stderr(&output));
    assert!(received.windows(2).all(|pair| pair[0].body == pair[1].body), "the same alert each time");
    assert!(stderr(&output).contains("(HTTP 200, attempt 3)"), "{}", stderr(&output));

    let failing = receiver(&[500, 500, 500, 500, 500]);
    let output = demo_scan(&failing.url, "env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1, "an undelivered alert does not change the exit code");
    assert_eq!(failing.received().len(), 3, "three attempts, no more");
    assert!(
        stderr(&output).contains(
            "warning: alert not delivered: notification 1 (webhook): gave up after 3 attempts; last: HTTP 500"
        ),
        "{}",
        stderr(&output)
    );
    assert_no_secret(&output, &[]);

    let refusing = receiver(&[404]);
    let output = demo_scan(&refusing.url, "env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(refusing.received().len(), 1, "a 4xx is not retried");
    assert!(stderr(&output).contains("the webhook refused the alert (HTTP 404"), "{}", stderr(&output));
    assert_no_secret(&output, &[]);
}

#[test]
fn an_unreachable_webhook_is_a_warning_without_its_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/services/{SECRET}");
    let output = demo_scan(&url, "env:SFAUDIT_TEST_WEBHOOK", &[]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("warning: alert not delivered: notification 1 (webhook): gave up after 3 attempts")
    );
    assert_no_secret(&output, &[]);
}

#[test]
fn nothing_is_sent_when_no_trigger_fires() {
    let receiver = receiver(&[]);
    let output = demo_scan(&receiver.url, "env:SFAUDIT_TEST_WEBHOOK", &["--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(receiver.received().is_empty(), "the gate passed, so no gate-failure alert");
}

/// New findings and drift compare with the previous scan in the history database.
#[test]
fn new_findings_and_drift_alert_on_the_second_scan() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = crate::history::copy_demo(folder.path());
    let database = folder.path().join("history.sqlite").display().to_string();
    let receiver = receiver(&[]);
    let scan = |as_of: &str| {
        sfaudit_with(
            folder.path(),
            &[
                "scan",
                &project.display().to_string(),
                "--as-of",
                as_of,
                "--fail-on",
                "none",
                "--quiet",
                "--history",
                &database,
                "--notify",
                "env:SFAUDIT_TEST_WEBHOOK",
                "--notify-on",
                "new-findings,drift",
            ],
            &[("SFAUDIT_TEST_WEBHOOK", &receiver.url)],
        )
    };
    let first = scan("2026-11-01");
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(receiver.received().is_empty(), "the first run has nothing to compare with");
    crate::history::weaken_legacy_app(&project);
    let second = scan("2026-12-01");
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{}", stderr(&second));
    let body = received[0].json();
    assert_eq!(body["triggers"], serde_json::json!(["new-findings", "drift"]));
    let previous = crate::common::scan_json(crate::common::DEMO, "2026-11-01");
    assert_eq!(body["previous_score"], previous["summary"]["score"]);
    let new: Vec<String> = body["new_findings"]
        .as_array()
        .expect("new findings")
        .iter()
        .map(|finding| {
            format!("{} {}", finding["rule_id"].as_str().unwrap_or(""), finding["app"].as_str().unwrap_or(""))
        })
        .collect();
    assert!(new.contains(&"integration-not-admin-approved Legacy_Reporting_Sync".to_string()), "{new:?}");
    let weaker = body["weaker_settings"].as_array().expect("weaker settings");
    assert!(
        weaker.iter().any(|change| change
            .as_str()
            .is_some_and(|text| text.starts_with("Legacy_Reporting_Sync: policy.permitted_users"))),
        "{weaker:?}"
    );
}

#[test]
fn webhook_mistakes_stop_the_run_before_the_scan_without_showing_the_url() {
    /// (extra arguments, environment, expected message)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 5] = [
        (
            &["--notify", "env:SFAUDIT_UNSET_WEBHOOK"],
            &[],
            "SFAUDIT_UNSET_WEBHOOK that should hold the webhook URL is not set",
        ),
        (
            &["--notify", "env:HOOK"],
            &[("HOOK", "http://hooks.example.com/services/T0SECRET/B0SECRET/XXXXXXXXwebhookTOKEN")],
            "must start with https://",
        ),
        (
            &["--notify", "env:HOOK"],
            &[("HOOK", "hooks.example.com/services/T0SECRET/B0SECRET/XXXXXXXXwebhookTOKEN")],
            "not a valid URL",
        ),
        (
            &["--notify", "https://hooks.slack.com/x", "--notify-on", "new-findings"],
            &[],
            "needs something to compare with",
        ),
        (&["--notify", "https://hooks.slack.com/x", "--notify-on", "drift"], &[], "needs a history database"),
    ];
    for (extra, envs, message) in cases {
        let mut args = vec!["scan", DEMO, "--as-of", DEMO_AS_OF, "--quiet"];
        args.extend_from_slice(extra);
        let output = sfaudit_with(&repo_root(), &args, envs);
        assert_eq!(code(&output), 2, "{extra:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(message), "{extra:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "no report for a run that stopped");
        assert!(!stderr(&output).contains("webhookTOKEN"), "{}", stderr(&output));
    }
    let help = sfaudit_with(
        &repo_root(),
        &["scan", "--help"],
        &[("SFAUDIT_NOTIFY", &format!("https://hooks.slack.com/services/{SECRET}"))],
    );
    assert_eq!(code(&help), 0);
    assert!(
        stdout(&help).contains("--notify") && !stdout(&help).contains("webhookTOKEN"),
        "--help hides the variable's value"
    );
}

#[test]
fn config_entries_name_the_variable_that_holds_the_url() {
    let folder = tempfile::tempdir().expect("temp dir");
    let receiver = receiver(&[]);
    let config = folder.path().join("sfaudit.toml");
    std::fs::write(&config, "[[notify]]\nurl_env = \"TEAM_WEBHOOK\"\nkind = \"slack\"\non = [\"gate-failure\"]\n")
        .expect("write");
    let demo = repo_root().join(DEMO).display().to_string();
    let args = ["scan", &demo, "--as-of", DEMO_AS_OF, "--quiet", "--config", "sfaudit.toml"];
    let output = sfaudit_with(folder.path(), &args, &[("TEAM_WEBHOOK", &receiver.url)]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(receiver.received().len(), 1);
    assert!(receiver.received()[0].json()["blocks"].is_array(), "kind = \"slack\" chose the payload");

    std::fs::write(&config, format!("[[notify]]\nurl = \"https://hooks.slack.com/services/{SECRET}\"\n"))
        .expect("write");
    let output = sfaudit_with(folder.path(), &args, &[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("sfaudit.toml:2: `url` would put the webhook URL, a secret, in the config"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("webhookTOKEN"));
}

/// App names come from file names: in Slack's text they cannot form a mention or a link.
#[test]
fn hostile_names_are_escaped_in_the_slack_payload() {
    let folder = tempfile::tempdir().expect("temp dir");
    let project = crate::html::write_hostile_project(folder.path());
    let receiver = receiver(&[]);
    let output = sfaudit_with(
        folder.path(),
        &["scan", &project.display().to_string(), "--as-of", DEMO_AS_OF, "--quiet", "--notify", "slack=env:HOOK"],
        &[("HOOK", &receiver.url)],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{}", stderr(&output));
    let body = received[0].json();
    let text: String = body["blocks"].as_array().expect("blocks").iter().map(|block| block.to_string()).collect();
    assert!(text.contains("&lt;img src=x onerror=alert(1)&gt;"), "the name is shown, escaped: {text}");
    assert!(!text.contains("<img") && !text.contains("<svg"), "no raw markup from the org: {text}");
}
