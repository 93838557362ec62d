//! The GitHub Action (action.yml, action/run.sh): its entry script run as the runner would, with
//! GitHub's variables set, on the demo project; and the action's wiring of that script.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{DEMO, repo_root};

struct Runner {
    temp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self { temp: tempfile::tempdir().expect("temp dir") }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// Runs action/run.sh in a workspace of its own, with `path` first on PATH.
    fn run(&self, path: &Path, inputs: &[(&str, &str)]) -> Output {
        let runner_temp = self.file("runner-temp");
        let workspace = self.file("workspace");
        std::fs::create_dir_all(&runner_temp).expect("mkdir");
        std::fs::create_dir_all(&workspace).expect("mkdir");
        let mut command = Command::new("bash");
        command
            .arg(repo_root().join("action/run.sh"))
            .current_dir(&workspace)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", path.display()))
            .env("HOME", self.temp.path())
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &workspace)
            .env("GITHUB_ACTION_PATH", repo_root())
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_PATH", self.file("path"))
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_OS", "Linux");
        for (name, value) in inputs {
            command.env(name, value);
        }
        command.output().expect("bash runs")
    }

    fn outputs(&self) -> Vec<(String, String)> {
        self.read("output")
            .lines()
            .filter_map(|line| line.split_once('=').map(|(name, value)| (name.to_string(), value.to_string())))
            .collect()
    }

    fn output(&self, name: &str) -> Option<String> {
        self.outputs().into_iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }
}

/// The folder of the sfaudit binary the tests built.
fn binary_folder() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sfaudit").parent().expect("bin folder").to_path_buf()
}

/// The demo project, by absolute path (the workspace is a temporary folder).
fn demo() -> String {
    repo_root().join(DEMO).display().to_string()
}

#[test]
fn the_entry_script_scans_writes_the_summary_and_the_sarif_and_reports_the_exit_code() {
    let runner = Runner::new();
    let sarif = runner.file("results/sfaudit.sarif");
    let output = runner.run(
        &binary_folder(),
        &[
            ("SFA_INPUT_PATH", &demo()),
            ("SFA_INPUT_FAIL_ON", "high"),
            ("SFA_INPUT_ARGS", "--as-of 2026-12-01"),
            ("SFA_INPUT_SARIF_FILE", &sarif.display().to_string()),
            ("SFA_INPUT_INSTALL", "path"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the script ends 0 so the SARIF upload still runs: {stderr}");
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"), "the demo fails the gate: {stderr}");
    let expected = crate::common::scan_json(DEMO, "2026-12-01");
    let score = expected["summary"]["score"].to_string();
    assert_eq!(runner.output("score"), Some(score.clone()));
    assert_eq!(runner.output("sarif-file"), Some(sarif.display().to_string()));
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("the SARIF file")).expect("SARIF is JSON");
    assert_eq!(document["version"], "2.1.0");
    assert!(document["runs"][0]["results"].as_array().is_some_and(|results| !results.is_empty()));
    let summary = runner.read("summary.md");
    let markdown = std::fs::read_to_string(repo_root().join("sample-reports/demo.md")).expect("the sample");
    let title = markdown.lines().next().expect("title").replace(DEMO, &demo());
    assert!(summary.starts_with(&title), "the job summary is the Markdown report: {summary}");
    let failed = format!("### Failed controls ({})", expected["summary"]["by_status"]["fail"]);
    assert!(summary.contains(&failed), "{summary}");
    assert!(stderr.contains(&format!("sfaudit: score {score}/100")), "sfaudit's own summary line stays in the log");

    let passing = Runner::new();
    let output = passing.run(
        &binary_folder(),
        &[
            ("SFA_INPUT_PATH", &demo()),
            ("SFA_INPUT_FAIL_ON", "none"),
            ("SFA_INPUT_ARGS", "--as-of 2026-12-01"),
            ("SFA_INPUT_INSTALL", "path"),
        ],
    );
    assert!(output.status.success());
    assert_eq!(passing.output("exit-code").as_deref(), Some("0"));
    assert_eq!(passing.output("sarif-file").as_deref(), Some("sfaudit.sarif"));
    assert!(passing.file("workspace/sfaudit.sarif").is_file(), "the default SARIF path is in the workspace");
}

#[test]
fn a_scan_that_cannot_run_puts_the_error_in_the_summary() {
    let runner = Runner::new();
    let output = runner.run(&binary_folder(), &[("SFA_INPUT_PATH", "no/such/project"), ("SFA_INPUT_INSTALL", "path")]);
    assert!(output.status.success());
    assert_eq!(runner.output("exit-code").as_deref(), Some("2"));
    assert_eq!(runner.output("sarif-file"), None, "no SARIF to upload");
    let summary = runner.read("summary.md");
    assert!(
        summary.contains("sfaudit did not produce a report (exit 2)") && summary.contains("no/such/project"),
        "{summary}"
    );
}

#[test]
fn install_build_runs_cargo_install_on_the_action_source_and_adds_it_to_the_path() {
    let runner = Runner::new();
    // A stand-in `cargo` that records its arguments and installs the binary the tests built.
    let tools = runner.file("tools");
    std::fs::create_dir_all(&tools).expect("mkdir");
    let log = runner.file("cargo-args");
    let script = format!(
        "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '{}'\nroot=\"${{@: -1}}\"\nmkdir -p \"$root/bin\"\nln -s '{}' \"$root/bin/sfaudit\"\n",
        log.display(),
        assert_cmd::cargo::cargo_bin("sfaudit").display()
    );
    std::fs::write(tools.join("cargo"), script).expect("write cargo");
    Command::new("chmod").arg("+x").arg(tools.join("cargo")).status().expect("chmod");
    let output = runner.run(
        &tools,
        &[("SFA_INPUT_PATH", &demo()), ("SFA_INPUT_ARGS", "--as-of 2026-12-01"), ("SFA_INPUT_FAIL_ON", "none")],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let arguments = runner.read("cargo-args");
    let root = runner.file("runner-temp/sfaudit-install");
    let expected = format!("install\n--locked\n--path\n{}\n--root\n{}\n", repo_root().display(), root.display());
    assert_eq!(arguments, expected);
    assert_eq!(runner.read("path").trim(), root.join("bin").display().to_string(), "later steps find sfaudit");
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));

    let missing = Runner::new();
    let output = missing.run(&missing.file("empty"), &[("SFA_INPUT_INSTALL", "path")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("sfaudit is not on PATH"));
}

#[test]
fn the_action_runs_the_entry_script_and_uploads_with_upload_sarif_v4() {
    let action = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    assert!(action.contains("using: composite"));
    assert!(action.contains("run: '\"$GITHUB_ACTION_PATH/action/run.sh\"'"), "the step runs the tested script");
    assert!(action.contains("uses: github/codeql-action/upload-sarif@v4"));
    assert!(
        !action.contains("${{ inputs.")
            || action.lines().filter(|line| line.contains("${{ inputs.")).all(|line| {
                let line = line.trim();
                line.starts_with("SFA_INPUT_") || line.starts_with("if:")
            }),
        "inputs reach the shell only through env (no script injection)"
    );
    let run_steps = action.matches("\n      run: ").count();
    let shells = action.matches("\n      shell: bash").count();
    assert_eq!(run_steps, shells, "every run step of a composite action names its shell");
    for input in ["path", "fail-on", "args", "sarif-file", "upload-sarif", "install"] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
    let script = std::fs::metadata(repo_root().join("action/run.sh")).expect("action/run.sh");
    assert!(
        std::os::unix::fs::PermissionsExt::mode(&script.permissions()) & 0o111 != 0,
        "the entry script is executable"
    );
}
