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

/// The status of one rule for one resource, or `None` when no such result exists.
pub fn status_of(document: &serde_json::Value, rule: &str, resource: &str) -> Option<String> {
    document["results"].as_array()?.iter().find_map(|result| {
        (result["rule_id"] == rule && result["resource"]["name"] == resource)
            .then(|| result["status"].as_str().unwrap_or_default().to_string())
    })
}

/// Compares `actual` with a committed sample file; `SFAUDIT_UPDATE_SAMPLES=1` rewrites it.
///
/// On drift the new rendering is written beside the sample as `<sample>.new` (git-ignored) and the
/// message shows the first differing lines with context, so `diff -u` gives the whole picture.
/// Lines are compared with their endings, so a CRLF/LF or final-newline change is reported too.
pub fn assert_matches_sample(sample: &str, actual: &str) {
    let path = repo_root().join("sample-reports").join(sample);
    let new_path =
        path.with_file_name(format!("{}.new", path.file_name().and_then(|name| name.to_str()).unwrap_or(sample)));
    if std::env::var_os("SFAUDIT_UPDATE_SAMPLES").is_some() {
        std::fs::create_dir_all(path.parent().expect("sample folder")).expect("create sample-reports");
        std::fs::write(&path, actual).expect("write sample");
        let _ = std::fs::remove_file(&new_path);
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run SFAUDIT_UPDATE_SAMPLES=1 cargo test", path.display()));
    if expected == actual {
        let _ = std::fs::remove_file(&new_path);
        return;
    }
    let _ = std::fs::write(&new_path, actual);
    let committed: Vec<&str> = expected.split_inclusive('\n').collect();
    let now: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = committed.iter().zip(&now).position(|(a, b)| a != b).unwrap_or(committed.len().min(now.len()));
    let mut context = String::new();
    for (label, lines) in [("committed", &committed), ("now", &now)] {
        context.push_str(&format!("  {label} ({} lines):\n", lines.len()));
        let start = first.saturating_sub(2);
        for (number, line) in lines.iter().enumerate().skip(start).take(first + 3 - start) {
            let marker = if number == first { '>' } else { ' ' };
            context.push_str(&format!("  {marker}{:>5} {line:?}\n", number + 1));
        }
        if first >= lines.len() {
            context.push_str(&format!("  >{:>5} (end of file)\n", first + 1));
        }
    }
    panic!(
        "sample-reports/{sample} drifted at line {}:\n{context}The new rendering is in {}; see `diff -u sample-reports/{sample} {}`.\nIf the change is intended, run SFAUDIT_UPDATE_SAMPLES=1 cargo test and commit the files.",
        first + 1,
        new_path.display(),
        new_path.display()
    );
}
