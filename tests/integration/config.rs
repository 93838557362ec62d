//! The config file (src/config/): discovery, validation with lines, and what it changes.

use crate::common::{DEMO, DEMO_AS_OF, code, scan_json, sfaudit, sfaudit_in, status_of, stderr, stdout};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn a_config_with_several_mistakes_reports_them_all_with_lines() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = write(
        folder.path(),
        "sfaudit.toml",
        r#"fail_on = "severe"
formats = ["table", "pdf"]
colour = "red"
select = ["no-such-rule"]

[severity]
"full-scope-granted" = "urgent"
"not-a-rule" = "low"

[params]
cert_expiry_weeks = 3

[orgs.prod]
instance_url = "http://login.example.com"
consumer_secret = "x"

[[suppressions]]
rule = "full-scope-granted"

[[suppressions]]
rule = "nothing-*"
reason = "typo"
expires = "soon"
"#,
    );
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let errors = stderr(&output);
    for expected in [
        "sfaudit.toml:1: fail_on: 'severe'",
        "sfaudit.toml:2: formats: 'pdf'",
        "sfaudit.toml:3: unknown key `colour`",
        "sfaudit.toml:7: severity of `full-scope-granted`: 'urgent'",
        "sfaudit.toml:14: orgs.prod.instance_url",
        "sfaudit.toml:15: `consumer_secret` would put a secret in the config",
        "sfaudit.toml:17: a suppression needs a non-empty `reason`",
        "sfaudit.toml:23: `expires` 'soon' is not a date",
    ] {
        assert!(errors.contains(expected), "missing {expected:?} in:\n{errors}");
    }
    // Names are checked against the rules once the file itself is valid.
    let names = write(
        folder.path(),
        "names.toml",
        "select = [\"no-such-rule\"]\n[severity]\n\"not-a-rule\" = \"low\"\n[params]\ncert_expiry_weeks = 3\n[[suppressions]]\nrule = \"nothing-*\"\nreason = \"typo\"\n",
    );
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &names]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    for expected in [
        "names.toml:1: select: 'no-such-rule' is neither a rule id nor a category",
        "names.toml:3: severity: 'not-a-rule' is not a rule id",
        "names.toml:5: params: 'cert_expiry_weeks' is not a rule parameter",
        "names.toml:6: suppression rule 'nothing-*' matches no rule id",
    ] {
        assert!(errors.contains(expected), "missing {expected:?} in:\n{errors}");
    }
}

#[test]
fn init_writes_a_starter_config_that_loads() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output = sfaudit_in(folder.path(), &["init"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let starter = std::fs::read_to_string(folder.path().join("sfaudit.toml")).expect("written");
    assert!(starter.contains("[[suppressions]]") && starter.contains("fail_on"));
    assert_eq!(code(&sfaudit_in(folder.path(), &["init"])), 2, "init must not overwrite");
    let demo = crate::common::repo_root().join(DEMO).display().to_string();
    let output = sfaudit_in(folder.path(), &["scan", &demo, "--as-of", DEMO_AS_OF, "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn config_selects_ignores_and_overrides_rules() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = write(
        folder.path(),
        "sfaudit.toml",
        "fail_on = \"critical\"\nselect = [\"certificates\", \"full-scope-granted\"]\nignore = [\"certificate-expired\"]\n[severity]\n\"full-scope-granted\" = \"critical\"\n[params]\ncert_expiry_high_days = 45\n",
    );
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config, "--format", "json"]);
    assert_eq!(code(&output), 1, "full-scope-granted is critical now: {}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let ids: std::collections::BTreeSet<&str> =
        document["rules"].as_array().expect("rules").iter().filter_map(|rule| rule["id"].as_str()).collect();
    assert!(ids.contains("full-scope-granted") && ids.contains("certificate-sha1-signature"));
    assert!(!ids.contains("certificate-expired") && !ids.contains("pkce-not-required"), "{ids:?}");
    assert_eq!(document["params"]["cert_expiry_high_days"], 45);
    let full = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["rule_id"] == "full-scope-granted" && result["status"] == "fail")
        .expect("full scope finding");
    assert_eq!(full["severity"], "critical");
    // --no-ignores brings the ignored rule back; --no-config drops the file entirely.
    let auditor = scan_json_with(&["--config", &config, "--no-ignores"]);
    assert_eq!(status_of(&auditor, "certificate-expired", "Legacy_Reporting_Sync").as_deref(), Some("fail"));
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--no-config", "--fail-on", "none"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("pkce-not-required"));
}

fn scan_json_with(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--no-fail"];
    args.extend_from_slice(extra);
    let output = sfaudit(&args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("json")
}

#[test]
fn the_config_is_found_in_the_scanned_project() {
    let folder = tempfile::tempdir().expect("temp dir");
    copy_tree(&crate::common::repo_root().join(DEMO), folder.path());
    write(folder.path(), "sfaudit.toml", "fail_on = \"none\"\nformats = [\"json\"]\n");
    let output = sfaudit(&["scan", &folder.path().display().to_string(), "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("config chose json");
    assert_eq!(document["run"]["fail_on"], "none");
    let _ = scan_json;
}

pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read").filter_map(Result::ok) {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `[history]` and `[[notify]]`: mistakes are reported with their lines; a database path is
/// relative to the config file.
#[test]
fn history_and_notify_sections_are_checked_and_used() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = write(
        folder.path(),
        "sfaudit.toml",
        r#"[history]
keep_days = 0
where = "here"

[[notify]]
kind = "discord"
on = ["sometimes"]

[[notify]]
url_env = "HOOK"
colour = "red"
"#,
    );
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--config", &config]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let errors = stderr(&output);
    for expected in [
        "sfaudit.toml:2: history.keep_days must be a whole number of days, 1 or more",
        "sfaudit.toml:3: unknown key `where` in [history]; known keys: path, keep_days",
        "sfaudit.toml:6: notify.kind 'discord' is not one of slack, teams, webhook",
        "sfaudit.toml:7: notify.on: 'sometimes' is not one of gate-failure, new-findings, drift",
        "a [[notify]] entry needs url_env",
        "sfaudit.toml:11: unknown key `colour` in a [[notify]] entry",
    ] {
        assert!(errors.contains(expected), "missing {expected:?} in:\n{errors}");
    }

    write(folder.path(), "sfaudit.toml", "[history]\npath = \"state/history.sqlite\"\nkeep_days = 30\n");
    std::fs::create_dir(folder.path().join("state")).expect("mkdir");
    let demo = crate::common::repo_root().join(DEMO).display().to_string();
    let output = sfaudit_in(folder.path(), &["scan", &demo, "--as-of", DEMO_AS_OF, "--quiet", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(folder.path().join("state/history.sqlite").is_file(), "[history] path, relative to the config");
    let history = sfaudit_in(folder.path(), &["history", "--format", "json"]);
    assert_eq!(code(&history), 0, "`sfaudit history` finds the database through the config: {}", stderr(&history));
    assert!(stdout(&history).contains("\"org_name\": \"demo-org\""), "{}", stdout(&history));
}
