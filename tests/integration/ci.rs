//! The README's CI examples (examples/ci/) are real: the README shows these files verbatim and
//! these tests run their sfaudit commands.

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, sfaudit_in, stderr};
use crate::config::copy_tree;

const EXAMPLES: [&str; 8] = [
    "github-actions.yml",
    "sfaudit-action.yml",
    "pre-commit-config.yaml",
    "gitlab-ci.yml",
    "sfaudit-nightly.sh",
    "sfaudit-nightly.service",
    "sfaudit-nightly.timer",
    "sfaudit.toml",
];

fn example(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("examples/ci").join(name)).expect("example exists")
}

#[test]
fn the_readme_shows_every_ci_example_verbatim() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    for name in EXAMPLES {
        assert!(readme.contains(example(name).trim_end()), "README.md does not show examples/ci/{name} as it is");
    }
}

/// The `sfaudit scan …` command of a CI file, split into arguments.
fn scan_command(name: &str) -> Vec<String> {
    let text = example(name);
    let line = text
        .lines()
        .map(|line| line.trim().trim_start_matches("- ").trim_start_matches("run: "))
        .find(|line| line.starts_with("sfaudit scan"))
        .unwrap_or_else(|| panic!("{name} has an sfaudit scan command"));
    line.split_whitespace().skip(1).map(str::to_string).collect()
}

#[test]
fn the_github_and_gitlab_gates_work_as_written() {
    for name in ["github-actions.yml", "gitlab-ci.yml"] {
        let folder = tempfile::tempdir().expect("temp dir");
        copy_tree(&repo_root().join(DEMO), folder.path());
        let run = |extra: &[&str]| {
            let mut args: Vec<String> = scan_command(name);
            args.extend(["--as-of", DEMO_AS_OF].map(str::to_string));
            args.extend(extra.iter().map(|arg| (*arg).to_string()));
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            sfaudit_in(folder.path(), &refs)
        };
        // The baseline the workflow expects is created with `sfaudit baseline update`.
        let output = sfaudit_in(
            folder.path(),
            &["baseline", "update", ".", "--as-of", DEMO_AS_OF, "--baseline", "sfaudit-baseline.json"],
        );
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let output = run(&[]);
        assert_eq!(code(&output), 0, "{name}: only old findings: {}", stderr(&output));
        assert!(folder.path().join("reports/sfaudit-report.junit.xml").is_file(), "{name} wrote the JUnit report");
        if name == "github-actions.yml" {
            assert!(folder.path().join("reports/sfaudit-report.sarif").is_file());
        }
        let policy = folder
            .path()
            .join("force-app/main/default/extlClntAppOauthPolicies/Payments_Gateway_oauthPlcy.ecaOauthPlcy-meta.xml");
        let text = std::fs::read_to_string(&policy).expect("policy");
        std::fs::write(&policy, text.replace("<ipRelaxationPolicyType>Enforce<", "<ipRelaxationPolicyType>Bypass<"))
            .expect("write");
        let output = run(&[]);
        assert_eq!(code(&output), 1, "{name}: a new high finding fails the job: {}", stderr(&output));
    }
}

#[test]
fn the_nightly_job_command_line_resolves_its_profile_without_a_key_file() {
    // The scan line of the nightly script, with the example config; the login host is pointed at
    // a closed loopback port so nothing leaves the machine, and the key is not a real key.
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("sfaudit.toml"), example("sfaudit.toml")).expect("config");
    let script = example("sfaudit-nightly.sh");
    let line = script.lines().find(|line| line.starts_with("sfaudit scan")).expect("scan line");
    let args: Vec<String> = line
        .split_whitespace()
        .skip(1)
        .map(|arg| if arg == "\"$today\"" { "today.json".to_string() } else { arg.to_string() })
        .collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = assert_cmd::Command::cargo_bin("sfaudit")
        .expect("binary")
        .current_dir(folder.path())
        .env_clear()
        .env("SFAUDIT_JWT_KEY", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        .env("SFAUDIT_INSTANCE_URL", "http://127.0.0.1:9")
        .args(&refs)
        .output()
        .expect("runs");
    let errors = stderr(&output);
    assert_ne!(code(&output), 0);
    assert!(!errors.contains("unexpected argument"), "the script's flags parse: {errors}");
    assert!(!errors.contains("no org profile"), "the profile resolves: {errors}");
    assert!(!errors.contains("not a key"), "the key never appears in messages: {errors}");
    assert!(script.contains("sfaudit diff \"$previous\" \"$today\" --format markdown --output"));
}
