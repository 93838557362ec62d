//! Runs the real binary with a scrubbed environment.

use std::path::{Path, PathBuf};
use std::process::Output;

pub const DEMO: &str = "examples/demo-org";
pub const DEMO_AS_OF: &str = "2026-12-01";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn realworld_root() -> PathBuf {
    repo_root().join("..").join("shared").join("realworld-metadata")
}

/// Runs `sfaudit` from the repository root with no inherited environment, so no `SFAUDIT_*`
/// variable or terminal setting of the developer's shell changes the result.
pub fn sfaudit(args: &[&str]) -> Output {
    sfaudit_in(&repo_root(), args)
}

/// `sfaudit scan` of the demo as of its date, with the gate off, and `extra` arguments.
pub fn scan_demo(extra: &[&str]) -> Output {
    let mut args = vec!["scan", DEMO, "--as-of", DEMO_AS_OF, "--fail-on", "none"];
    args.extend_from_slice(extra);
    sfaudit(&args)
}

pub fn sfaudit_in(directory: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sfaudit")
        .expect("the sfaudit binary is built for integration tests")
        .current_dir(directory)
        .env_clear()
        .args(args)
        .output()
        .expect("sfaudit runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("sfaudit exits normally, not by a signal")
}

/// Scans with `--format json` and returns the parsed document.
pub fn scan_json(path: &str, as_of: &str) -> serde_json::Value {
    let output = sfaudit(&["scan", path, "--as-of", as_of, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "scan of {path} failed: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("valid JSON on stdout")
}

/// The JSON document of a scan of the snapshot (or saved result) at `snapshot`.
pub fn replay_json(snapshot: &std::path::Path, as_of: &str) -> serde_json::Value {
    let snapshot = snapshot.display().to_string();
    let output = sfaudit(&["scan", "--snapshot", &snapshot, "--as-of", as_of, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "scan of snapshot {snapshot} failed: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("valid JSON on stdout")
}

/// The status of one rule for one resource, or `None` when no such result exists.
pub fn status_of(document: &serde_json::Value, rule: &str, resource: &str) -> Option<String> {
    document["results"].as_array()?.iter().find_map(|result| {
        (result["rule_id"] == rule && result["resource"]["name"] == resource)
            .then(|| result["status"].as_str().unwrap_or_default().to_string())
    })
}

/// The entry of `rules[]` a result of a JSON document names (its title, control, category, …).
pub fn rule_of<'a>(document: &'a serde_json::Value, result: &serde_json::Value) -> &'a serde_json::Value {
    document["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|rule| rule["id"] == result["rule_id"]))
        .unwrap_or_else(|| panic!("rule {} is not in rules[]", result["rule_id"]))
}

/// The inventory record of a result's app in a JSON document (its label, namespace, …).
pub fn app_of<'a>(document: &'a serde_json::Value, result: &serde_json::Value) -> &'a serde_json::Value {
    document["inventory"]["apps"]
        .as_array()
        .and_then(|apps| {
            apps.iter()
                .find(|app| app["kind"] == result["resource"]["kind"] && app["name"] == result["resource"]["name"])
        })
        .unwrap_or_else(|| panic!("app {} is not in the inventory", result["resource"]))
}

/// Checks a rendering of the demo against its accepted snapshot (insta, in
/// `tests/integration/snapshots/`) and keeps the committed copy in `sample-reports/` byte for byte
/// equal to it.
///
/// A changed rendering fails the insta assertion; `cargo insta review` accepts it. Once accepted,
/// a test run outside CI copies the rendering into `sample-reports/`; under CI a sample that differs
/// from the rendering fails the test, so what is committed is always what sfaudit writes.
pub fn assert_matches_sample(sample: &str, actual: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_root().join("tests").join("integration").join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(sample, actual));

    let path = repo_root().join("sample-reports").join(sample);
    if std::fs::read(&path).is_ok_and(|committed| committed == actual.as_bytes()) {
        return;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "sample-reports/{sample} differs from the accepted rendering; run `cargo test` locally, which copies it \
         there, and commit sample-reports/"
    );
    std::fs::write(&path, actual).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}
