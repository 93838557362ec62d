//! Logging in with what people already have (src/salesforce/auth/{cli, method, refresh}.rs): a
//! Salesforce CLI login through a stand-in `sf` executable on the PATH, and an SFDX auth URL
//! exchanged at the fake org's token endpoint. Neither the access token, nor the refresh token,
//! nor the URL may appear anywhere.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, stderr, stdout};
use crate::fake_org::refresh::RefreshConfig;
use crate::fake_org::{Config, FakeOrg, OrgData};

const REFRESH_TOKEN: &str = "5Aep861FAKE0REFRESH0TOKEN0FOR0THE0TESTS.abc_DEF-123==";

/// Runs sfaudit with a scrubbed environment, `bin` first on the PATH, plus `envs`.
fn run(bin: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("sfaudit").expect("sfaudit binary");
    command.current_dir(repo_root()).env_clear().env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    for (name, value) in envs {
        command.env(name, value);
    }
    command.args(args).timeout(Duration::from_secs(120)).output().expect("sfaudit runs")
}

/// A folder with a stand-in `sf`: each `(arguments, stdout, exit code)` answers the command line
/// it names; anything else answers like the CLI for an unknown org. Every call is logged to
/// `sf.log` beside it.
struct StandIn {
    folder: tempfile::TempDir,
}

impl StandIn {
    fn new(answers: &[(&str, String, i32)]) -> Self {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut script =
            String::from("#!/bin/sh\necho \"$* NO_COLOR=$NO_COLOR\" >> \"$(dirname \"$0\")/sf.log\"\ncase \"$*\" in\n");
        for (arguments, output, exit) in answers {
            script.push_str(&format!("  \"{arguments}\")\n    cat <<'SFJSON'\n{output}\nSFJSON\n    exit {exit};;\n"));
        }
        script.push_str(
            "  *)\n    echo '{\"status\":1,\"name\":\"NamedOrgNotFoundError\",\"message\":\"No authorization information \
             found for nobody.\",\"exitCode\":1}'\n    exit 1;;\nesac\n",
        );
        let path = folder.path().join("sf");
        std::fs::write(&path, script).expect("write sf");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Self { folder }
    }

    fn bin(&self) -> &Path {
        self.folder.path()
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("sf.log")).unwrap_or_default()
    }
}

fn display(fake: &FakeOrg, access_token: &str) -> String {
    serde_json::json!({
        "status": 0,
        "result": {
            "id": "00DFAKE0000000001", "apiVersion": "65.0", "accessToken": access_token,
            "instanceUrl": fake.url, "username": crate::fake_org::USERNAME, "clientId": "PlatformCLI",
            "connectedStatus": "Connected", "alias": "demo"
        },
        "warnings": ["Secrets are now hidden from 'sf org display' command output. Use the 'sf org auth' commands instead."]
    })
    .to_string()
}

const REDACTED: &str = "[REDACTED] Use 'sf org auth show-access-token' to view";
const DISPLAY: &str = "org display --target-org demo --json";
const SHOW_TOKEN: &str = "org auth show-access-token --target-org demo --json";

fn show_token(token: &str) -> String {
    serde_json::json!({"status": 0, "result": {"accessToken": token}, "warnings": ["This command exposes a sensitive Access Token."]})
        .to_string()
}

fn demo_org() -> FakeOrg {
    FakeOrg::start(OrgData::from_project(&repo_root().join(DEMO)), Config::default())
}

#[test]
fn a_current_cli_login_is_reused_and_the_redacted_display_token_is_never_sent() {
    let fake = demo_org();
    let token = fake.issue_access_token();
    // A banner before the JSON, as some shells print, must not matter.
    let sf = StandIn::new(&[
        (DISPLAY, display(&fake, REDACTED), 0),
        (SHOW_TOKEN, format!(" › Warning: update available\n{}", show_token(&token)), 0),
    ]);
    let output = run(sf.bin(), &["login", "--target-org", "demo", "-v"], &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Salesforce CLI's login for demo"), "{text}");
    assert!(text.contains("00DFAKE0000000001") && text.contains(crate::fake_org::USERNAME) && text.contains(&fake.url));
    assert!(text.contains("for scheduled scans use the JWT bearer flow"), "{text}");
    assert!(!text.contains(&token) && !stderr(&output).contains(&token));
    let calls = sf.calls();
    assert!(calls.contains(DISPLAY) && calls.contains(SHOW_TOKEN), "{calls}");
    assert!(calls.contains("NO_COLOR=1"), "colour is switched off: {calls}");
    assert!(!calls.contains("--verbose"), "sfaudit never asks for the SFDX auth URL: {calls}");

    let output = run(
        sf.bin(),
        &["scan", "--target-org", "demo", "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none"],
        &[],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(document["run"]["source"]["collection"]["username"], crate::fake_org::USERNAME);
    assert!(document["results"].as_array().is_some_and(|results| !results.is_empty()));
}

#[test]
fn an_older_cli_without_show_access_token_falls_back_to_its_display_token() {
    let fake = demo_org();
    let token = fake.issue_access_token();
    let sf = StandIn::new(&[
        (DISPLAY, display(&fake, &token), 0),
        (SHOW_TOKEN, " ›   Warning: org auth show-access-token is not a sf command.".to_string(), 127),
    ]);
    let output = run(sf.bin(), &["login", "--target-org", "demo", "-v"], &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("using `org display`"), "{}", stderr(&output));
    assert!(!stdout(&output).contains(&token) && !stderr(&output).contains(&token));
}

/// (name, answers, target, exit code, texts in the error)
type CliCase<'a> = (&'a str, Vec<(&'a str, String, i32)>, &'a str, i32, Vec<&'a str>);

#[test]
fn cli_logins_that_cannot_work_say_what_to_do() {
    let fake = demo_org();
    let token = fake.issue_access_token();
    let cases: Vec<CliCase<'_>> = vec![
        (
            "redacted token and no show-access-token",
            vec![(DISPLAY, display(&fake, REDACTED), 0), (SHOW_TOKEN, "not a sf command".into(), 127)],
            "demo",
            3,
            vec!["gave no access token", "sf update", "2.136.8"],
        ),
        (
            "unknown alias",
            vec![],
            "nobody",
            3,
            vec!["no usable login for nobody", "NamedOrgNotFoundError", "sf org login web --alias nobody"],
        ),
        (
            "expired CLI login",
            vec![(DISPLAY, display(&fake, &token).replace("\"Connected\"", "\"expired access/refresh token\""), 0)],
            "demo",
            3,
            vec!["not connected (connectedStatus: expired access/refresh token)", "sf org login web"],
        ),
        (
            "a token that does not look like one",
            vec![(DISPLAY, display(&fake, REDACTED), 0), (SHOW_TOKEN, show_token("hidden for your safety"), 0)],
            "demo",
            3,
            vec!["printed no access token"],
        ),
    ];
    for (name, answers, target, expected, texts) in cases {
        let sf = StandIn::new(&answers);
        let output = run(sf.bin(), &["login", "--target-org", target], &[]);
        let error = stderr(&output);
        assert_eq!(code(&output), expected, "{name}: {error}");
        for text in texts {
            assert!(error.contains(text), "{name}: expected '{text}' in {error}");
        }
        assert!(error.contains("hint:"), "{name}: {error}");
        assert!(!error.contains(&token), "{name}: the token reached the error");
    }
    // No `sf` on the PATH at all: a configuration error.
    let empty = tempfile::tempdir().expect("temp dir");
    let output = run(empty.path(), &["login", "--target-org", "demo"], &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("is not on the PATH"), "{}", stderr(&output));
}

fn url_file(folder: &Path, text: &str) -> PathBuf {
    let path = folder.join("auth-url.txt");
    std::fs::write(&path, text).expect("write url");
    path
}

fn with_refresh(rotate: bool) -> Config {
    Config {
        refresh: RefreshConfig { refresh_tokens: vec![REFRESH_TOKEN.to_string()], rotate, ..RefreshConfig::default() },
        ..Config::default()
    }
}

#[test]
fn an_sfdx_auth_url_is_exchanged_through_the_refresh_token_grant() {
    let fake = FakeOrg::start(OrgData::from_project(&repo_root().join(DEMO)), with_refresh(false));
    let folder = tempfile::tempdir().expect("temp dir");
    let url = format!("force://PlatformCLI::{REFRESH_TOKEN}@acme.my.salesforce.com:6101");
    let file = url_file(folder.path(), &format!("{url}\n"));
    let empty = folder.path();
    let output =
        run(empty, &["login", "--sfdx-url-file", &file.display().to_string(), "--instance-url", &fake.url, "-v"], &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("refresh-token flow of the SFDX auth URL") && text.contains("app PlatformCLI"), "{text}");
    assert!(text.contains("005FAKE00000SCAN"), "{text}");
    assert_eq!(fake.stats().refresh_logins, 1);

    // The same URL from SFAUDIT_SFDX_URL, scanning.
    let output = run(
        empty,
        &["scan", "--instance-url", &fake.url, "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none", "--org"],
        &[("SFAUDIT_SFDX_URL", &url)],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(fake.stats().refresh_logins, 2);
}

#[test]
fn sfdx_auth_url_failures_name_the_source_never_the_url() {
    let fake = FakeOrg::start(OrgData::empty("Url Org"), with_refresh(false));
    let folder = tempfile::tempdir().expect("temp dir");
    let cases: Vec<(&str, String, i32, Vec<&str>)> = vec![
        (
            "revoked refresh token",
            "force://PlatformCLI::5Aep861REVOKED0TOKEN@acme.my.salesforce.com".to_string(),
            3,
            vec!["refused the refresh token", "expired access/refresh token", "sf org auth show-sfdx-auth-url"],
        ),
        (
            "another app",
            format!("force://3MVG9OTHERAPP::{REFRESH_TOKEN}@acme.my.salesforce.com"),
            3,
            vec!["does not know the app 3MVG9OTHERAPP", "client identifier invalid"],
        ),
        (
            "not a URL",
            format!("https://acme.my.salesforce.com?token={REFRESH_TOKEN}"),
            2,
            vec!["does not hold a force://"],
        ),
        (
            "redacted",
            "[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view".into(),
            2,
            vec!["redacted SFDX auth URL"],
        ),
    ];
    for (name, text, expected, needles) in cases {
        let file = url_file(folder.path(), &text);
        let output = run(
            folder.path(),
            &["login", "--sfdx-url-file", &file.display().to_string(), "--instance-url", &fake.url],
            &[],
        );
        let error = stderr(&output);
        assert_eq!(code(&output), expected, "{name}: {error}");
        for needle in needles {
            assert!(error.contains(needle), "{name}: expected '{needle}' in {error}");
        }
        assert!(error.contains(&file.display().to_string()) || expected == 3, "{name}: names the file: {error}");
        assert!(!error.contains("5Aep861"), "{name}: a refresh token reached the error: {error}");
    }
}

#[test]
fn a_rotated_refresh_token_is_used_for_the_relogin_and_the_user_is_warned() {
    let mut config = with_refresh(true);
    config.session_expires_after = Some(5);
    let fake = FakeOrg::start(OrgData::from_project(&repo_root().join(DEMO)), config);
    let folder = tempfile::tempdir().expect("temp dir");
    let url = format!("force://PlatformCLI::{REFRESH_TOKEN}@acme.my.salesforce.com");
    let output = run(
        folder.path(),
        &[
            "scan",
            "--org",
            "--instance-url",
            &fake.url,
            "--as-of",
            DEMO_AS_OF,
            "--format",
            "json",
            "--fail-on",
            "none",
            "-vv",
        ],
        &[("SFAUDIT_SFDX_URL", &url)],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(fake.stats().refresh_logins, 2, "one login and one re-login, each with the latest refresh token");
    let error = stderr(&output);
    assert!(error.contains("rotates refresh tokens") && error.contains("SFAUDIT_SFDX_URL"), "{error}");
    for rotated in fake.refresh_tokens() {
        assert!(!error.contains(&rotated) && !stdout(&output).contains(&rotated), "a rotated refresh token leaked");
    }
}

#[test]
fn cli_output_and_sfdx_urls_never_reach_output_logs_or_files_even_with_vv() {
    let fake = FakeOrg::start(OrgData::from_project(&repo_root().join(DEMO)), with_refresh(false));
    let cli_token = fake.issue_access_token();
    let sf = StandIn::new(&[(DISPLAY, display(&fake, REDACTED), 0), (SHOW_TOKEN, show_token(&cli_token), 0)]);
    let folder = tempfile::tempdir().expect("temp dir");
    let url = format!("force://PlatformCLI::{REFRESH_TOKEN}@acme.my.salesforce.com");
    let url_path = url_file(folder.path(), &url);
    let url_arg = url_path.display().to_string();
    let reports = folder.path().join("reports");
    let snapshot = folder.path().join("snapshot.json").display().to_string();
    let formats = "json,sarif,html,markdown,junit,csv,table";
    let reports_arg = reports.display().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["login", "-vv", "--target-org", "demo"],
        vec![
            "scan",
            "-vv",
            "--target-org",
            "demo",
            "--as-of",
            DEMO_AS_OF,
            "--fail-on",
            "none",
            "--format",
            formats,
            "--output-dir",
            &reports_arg,
        ],
        vec!["collect", "-vv", "--target-org", "demo", "-o", &snapshot],
        vec!["login", "-vv", "--sfdx-url-file", &url_arg, "--instance-url", &fake.url],
        vec![
            "scan",
            "--org",
            "-vv",
            "--sfdx-url-file",
            &url_arg,
            "--instance-url",
            &fake.url,
            "--as-of",
            DEMO_AS_OF,
            "--fail-on",
            "none",
            "--format",
            formats,
            "--output-dir",
            &reports_arg,
        ],
    ];
    let mut haystacks: Vec<(String, String)> = Vec::new();
    for arguments in &runs {
        let output = run(sf.bin(), arguments, &[]);
        assert_eq!(code(&output), 0, "{arguments:?}: {}", stderr(&output));
        haystacks.push((format!("{arguments:?} stdout"), stdout(&output)));
        haystacks.push((format!("{arguments:?} stderr"), stderr(&output)));
        for entry in std::fs::read_dir(&reports).into_iter().flatten().filter_map(Result::ok) {
            haystacks
                .push((entry.path().display().to_string(), std::fs::read_to_string(entry.path()).unwrap_or_default()));
        }
    }
    haystacks.push(("snapshot".into(), std::fs::read_to_string(&snapshot).expect("snapshot")));
    assert!(haystacks.iter().any(|(_, text)| text.contains("login: POST")), "-vv logs the logins");
    let mut secrets = fake.issued_tokens();
    secrets.extend([cli_token.clone(), REFRESH_TOKEN.to_string(), url.clone(), "force://".to_string()]);
    for (name, text) in &haystacks {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a credential appears in {name}");
            if let Some((_, tail)) = secret.split_once('!') {
                assert!(!text.contains(tail), "part of an access token appears in {name}");
            }
        }
        assert!(!text.contains("5Aep861"), "part of the refresh token appears in {name}");
        assert!(!text.to_ascii_lowercase().contains("authorization: bearer"), "a header appears in {name}");
    }
}
