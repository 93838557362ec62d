//! Hostile and broken input (src/input.rs, src/xml, src/collect/project.rs, src/limits.rs,
//! src/engine/budget.rs): special files, links out of the project, deep nesting, numbers out of
//! range, oversized and slow configs, expensive rules. Each is a clear error naming the file (or
//! a rule error naming the rule file), never a hang, an abort, a panic or a silent pass, and
//! whatever sfaudit accepts and writes it can read back.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{code, sfaudit, stderr, stdout};

const NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// Runs sfaudit with a time limit: a hang is a failure, not a stuck test run.
fn sfaudit_within(seconds: u64, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sfaudit")
        .expect("binary")
        .env_clear()
        .args(args)
        .timeout(Duration::from_secs(seconds))
        .output()
        .expect("sfaudit runs")
}

/// A project folder with `sfdx-project.json` and a `connectedApps` folder.
fn project() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("sfdx-project.json"), r#"{"packageDirectories":[{"path":"force-app"}]}"#)
        .expect("write");
    let apps = folder.path().join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).expect("folders");
    (folder, apps)
}

fn connected_app(label: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\">\n<contactEmail>a@example.com</contactEmail>\n\
         <label>{label}</label>\n<oauthConfig><callbackUrl>https://x.example.com/cb</callbackUrl><consumerKey>k</consumerKey>\
         <scopes>Api</scopes></oauthConfig>\n{inner}</ConnectedApp>\n"
    )
}

fn scan(path: &Path, extra: &[&str]) -> std::process::Output {
    let path = path.display().to_string();
    let mut args = vec!["scan", path.as_str(), "--as-of", "2026-12-01", "--fail-on", "none"];
    args.extend_from_slice(extra);
    sfaudit_within(120, &args)
}

#[cfg(unix)]
#[test]
fn special_files_and_links_out_of_the_project_are_refused_promptly() {
    // A FIFO named like a metadata file: refused at once, not waited on.
    let (folder, apps) = project();
    let fifo = apps.join("Pipe.connectedApp-meta.xml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let started = Instant::now();
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Pipe.connectedApp-meta.xml") && stderr(&output).contains("FIFO"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(60));

    // A link to /dev/zero (size 0, endless) and a link to a file outside the project.
    let (folder, apps) = project();
    std::os::unix::fs::symlink("/dev/zero", apps.join("Zero.connectedApp-meta.xml")).expect("symlink");
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("Zero.connectedApp-meta.xml"), "{}", stderr(&output));
    let outside = tempfile::tempdir().expect("temp dir");
    let target = outside.path().join("Real.connectedApp-meta.xml");
    std::fs::write(&target, connected_app("Outside", "")).expect("write");
    let (folder, apps) = project();
    std::os::unix::fs::symlink(&target, apps.join("Linked.connectedApp-meta.xml")).expect("symlink");
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("leads outside the project"), "{}", stderr(&output));
    // A link that stays inside the project is read.
    let (folder, apps) = project();
    std::fs::write(apps.join("Real.txt"), connected_app("Inside", "")).expect("write");
    std::os::unix::fs::symlink(apps.join("Real.txt"), apps.join("Inside.connectedApp-meta.xml")).expect("symlink");
    let output = scan(folder.path(), &["--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("\"label\":\"Inside\""));

    // The JWT key file: same rules.
    for key in ["/dev/zero", &fifo.display().to_string()] {
        let started = Instant::now();
        let output = sfaudit_within(
            60,
            &[
                "login",
                "--client-id",
                "x",
                "--username",
                "u",
                "--jwt-key-file",
                key,
                "--instance-url",
                "https://127.0.0.1:1",
            ],
        );
        assert_eq!(code(&output), 2, "{key}: {}", stderr(&output));
        assert!(stderr(&output).contains("not a regular file"), "{key}: {}", stderr(&output));
        assert!(started.elapsed() < Duration::from_secs(30), "{key}");
    }
}

#[test]
fn package_directories_outside_the_project_are_an_error_naming_sfdx_project_json() {
    for path in ["../..", "/", "force-app/../.."] {
        let (folder, _) = project();
        let manifest = format!(r#"{{"packageDirectories":[{{"path":"force-app"}},{{"path":"{path}"}}]}}"#);
        std::fs::write(folder.path().join("sfdx-project.json"), manifest).expect("write");
        let output = scan(folder.path(), &[]);
        assert_eq!(code(&output), 2, "{path}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("sfdx-project.json") && stderr(&output).contains("outside the project"),
            "{path}: {}",
            stderr(&output)
        );
    }
}

/// `depth` nested elements inside `<oauthConfig>`, each level repeated twice (so the JSON for it
/// is an object holding an array at every level, the deepest shape).
fn nested(depth: usize) -> String {
    let mut inner = String::from("x");
    for level in (0..depth).rev() {
        inner = format!("<n{level}>{inner}</n{level}><n{level}>y</n{level}>");
    }
    inner
}

#[test]
fn nesting_is_bounded_and_the_deepest_accepted_input_reads_back_everywhere() {
    // The root is depth 1, <customAttributes> 2: 30 more levels is the deepest accepted file.
    let (folder, apps) = project();
    let deep = format!("<customAttributes>{}</customAttributes>\n", nested(sfaudit::limits::MAX_XML_DEPTH - 2));
    std::fs::write(apps.join("Deep.connectedApp-meta.xml"), connected_app("Deep", &deep)).expect("write");
    let results = folder.path().join("results.json");
    let output = scan(folder.path(), &["--format", "json", "--output", &results.display().to_string()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let results = results.display().to_string();
    for args in [
        vec!["report", "--from", results.as_str(), "--format", "table"],
        vec!["diff", results.as_str(), results.as_str()],
        vec!["scan", "--snapshot", results.as_str(), "--format", "json", "--fail-on", "none"],
    ] {
        let output = sfaudit_within(120, &args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
        if args[0] == "scan" {
            // What the snapshot scan wrote reads back too.
            let again = folder.path().join("again.json");
            std::fs::write(&again, &output.stdout).expect("write");
            let output = sfaudit_within(120, &["report", "--from", &again.display().to_string(), "--format", "csv"]);
            assert_eq!(code(&output), 0, "{}", stderr(&output));
        }
    }
    let output = scan(folder.path(), &["--baseline", &results]);
    assert_eq!(code(&output), 0, "--baseline: {}", stderr(&output));

    // One level more: an input error naming the file and the line.
    let deeper = format!("<customAttributes>{}</customAttributes>\n", nested(sfaudit::limits::MAX_XML_DEPTH - 1));
    std::fs::write(apps.join("Deep.connectedApp-meta.xml"), connected_app("Deep", &deeper)).expect("write");
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Deep.connectedApp-meta.xml:6: elements are nested more than 32"),
        "{}",
        stderr(&output)
    );

    // What crashed the process before: thousands of levels in a few dozen kilobytes.
    let bomb = format!("{}{}", "<a>".repeat(20_000), "</a>".repeat(20_000));
    std::fs::write(apps.join("Deep.connectedApp-meta.xml"), connected_app("Bomb", &bomb)).expect("write");
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("nested more than"), "{}", stderr(&output));

    // A snapshot nested past the JSON limit is refused with its line; the deepest accepted one
    // reads back after sfaudit wrote it into a results document.
    let snapshot = folder.path().join("snapshot.json");
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).expect("read")).expect("json");
    let mut deep_value = serde_json::json!("leaf");
    // The document is depth 1, the inventory 2, apps 3, an app 4, raw 5: arrays fill 6 to 100.
    for _ in 0..(sfaudit::limits::MAX_JSON_DEPTH - 5) {
        deep_value = serde_json::json!([deep_value]);
    }
    document["inventory"]["apps"][0]["raw"]["Extra"] = deep_value.clone();
    std::fs::write(&snapshot, serde_json::to_string(&document).expect("json")).expect("write");
    let output = sfaudit_within(
        120,
        &["scan", "--snapshot", &snapshot.display().to_string(), "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(code(&output), 0, "the deepest accepted snapshot: {}", stderr(&output));
    let written = folder.path().join("written.json");
    std::fs::write(&written, &output.stdout).expect("write");
    let output = sfaudit_within(120, &["report", "--from", &written.display().to_string(), "--format", "table"]);
    assert_eq!(code(&output), 0, "what sfaudit wrote reads back: {}", stderr(&output));
    document["inventory"]["apps"][0]["raw"]["Extra"] = serde_json::json!([deep_value]);
    std::fs::write(&snapshot, serde_json::to_string_pretty(&document).expect("json")).expect("write");
    let output = sfaudit_within(120, &["scan", "--snapshot", &snapshot.display().to_string()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("nests more than 100 levels deep"), "{}", stderr(&output));
}

/// Every result of `app` from a rule about refresh tokens is unknown, and there is at least one.
fn assert_refresh_rules_unknown(output: &std::process::Output, app: &str) {
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let refresh: Vec<&serde_json::Value> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| {
            result["resource"]["name"] == app && result["rule_id"].as_str().is_some_and(|id| id.contains("refresh"))
        })
        .collect();
    assert!(!refresh.is_empty(), "refresh-token rules ran on {app}");
    assert!(refresh.iter().all(|result| result["status"] == "unknown"), "{refresh:?}");
}

#[test]
fn numbers_out_of_range_are_input_problems_never_a_pass_or_a_panic() {
    for (policy, expected) in [
        ("specific_lifetime:9223372036854775807:HOURS", "out of range"),
        ("specific_lifetime:9223372036854775807:MONTHS", "out of range"),
        ("specific_inactivity:-5:DAYS", "out of range"),
        ("specific_lifetime:99999999999999999999:DAYS", "expected zero, infinite"),
    ] {
        let (folder, apps) = project();
        let inner = format!("<oauthPolicy><refreshTokenPolicy>{policy}</refreshTokenPolicy></oauthPolicy>\n");
        std::fs::write(apps.join("Big.connectedApp-meta.xml"), connected_app("Big", &inner)).expect("write");
        let output = scan(folder.path(), &["--format", "json"]);
        // A value local to one app is an input problem of that app (issue 9): the rules that read
        // the value are unknown, never a pass, and the run exits 2 although the gate (none here)
        // passed, so an invalid value is no way past the gate.
        assert_eq!(code(&output), 2, "{policy}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("Big.connectedApp-meta.xml:") && stderr(&output).contains(expected),
            "{policy}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{policy}");
        assert_refresh_rules_unknown(&output, "Big");
    }
    let (folder, apps) = project();
    let inner = "<sessionPolicy><sessionTimeout>-30</sessionTimeout></sessionPolicy>\n";
    std::fs::write(apps.join("Negative.connectedApp-meta.xml"), connected_app("Negative", inner)).expect("write");
    let output = scan(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("--allow-incomplete"), "{}", stderr(&output));
    assert_eq!(code(&scan(folder.path(), &["--allow-incomplete"])), 0, "the user may accept the problem");
    assert!(stderr(&output).contains("zero or more"), "{}", stderr(&output));
    assert!(stderr(&output).contains("1 input problem(s)"), "{}", stderr(&output));

    for as_of in ["+106751991167301d", "-106751991167301d", "+9223372036854775807d"] {
        let output = sfaudit(&["scan", crate::common::DEMO, &format!("--as-of={as_of}")]);
        assert_eq!(code(&output), 2, "{as_of}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("out of range") && !stderr(&output).contains("panicked"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn configs_are_bounded_in_size_and_validated_in_linear_time() {
    let folder = tempfile::tempdir().expect("temp dir");
    let big = folder.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 * 1024 * 1024))).expect("write");
    let output = sfaudit_within(60, &["scan", crate::common::DEMO, "--config", &big.display().to_string()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("larger than sfaudit's limit of 1 MiB"), "{}", stderr(&output));

    // Just under the limit, an error on every line: each problem is reported, quickly.
    let errors = folder.path().join("errors.toml");
    let mut text = String::new();
    let mut line = 0;
    while text.len() < 1000 * 1024 {
        text.push_str(&format!("unknown_key_{line} = \"{}\"\n", "v".repeat(40)));
        line += 1;
    }
    std::fs::write(&errors, &text).expect("write");
    let started = Instant::now();
    let output = sfaudit_within(120, &["scan", crate::common::DEMO, "--config", &errors.display().to_string()]);
    let elapsed = started.elapsed();
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("{line} config problem(s)")), "{}", &stderr(&output)[..300]);
    assert!(elapsed < Duration::from_secs(20), "config validation took {elapsed:?}");
}

#[test]
fn a_rule_over_its_budget_is_a_rule_error_naming_its_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    let rules = folder.path().join("rules");
    std::fs::create_dir_all(&rules).expect("folder");
    let rule = r#"id = "cubic"
control = "c"
title = "An expensive rule"
severity = "low"
cvss = "1.0"
category = "custom"
applies_to = ["connected_app"]
fail_if = "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110].all(a, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110].all(b, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110].all(c, a + b + c > 0)))"
expected = "e"
overview = "o"
risk = "r"
threat_scenarios = "t"
remediation = "m"
"#;
    std::fs::write(rules.join("cubic.toml"), rule).expect("write");
    let started = Instant::now();
    let output = sfaudit_within(
        300,
        &[
            "scan",
            crate::common::DEMO,
            "--rules-dir",
            &rules.display().to_string(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let results: Vec<&serde_json::Value> =
        document["results"].as_array().expect("results").iter().filter(|result| result["rule_id"] == "cubic").collect();
    assert!(!results.is_empty());
    for result in results {
        assert_eq!(result["status"], "unknown", "{result}");
        let reason = result["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("rule error in") && reason.contains("cubic.toml") && reason.contains("budget"),
            "{reason}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(240));

    // Comprehensions nested four deep are refused when the rules load.
    let nested = rule.replace("a + b + c > 0", "[1].all(d, a + b + c + d > 0)");
    std::fs::write(rules.join("cubic.toml"), nested).expect("write");
    let output = sfaudit_within(60, &["scan", crate::common::DEMO, "--rules-dir", &rules.display().to_string()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("cubic.toml") && stderr(&output).contains("nested 4 deep"), "{}", stderr(&output));

    // Brackets nested a hundred deep overflowed the CEL parser's stack: refused before it runs.
    let parens = format!("fail_if = \"{}true{}\"", "(".repeat(100), ")".repeat(100));
    let deep =
        rule.lines().map(|line| if line.starts_with("fail_if") { parens.as_str() } else { line }).collect::<Vec<_>>();
    std::fs::write(rules.join("cubic.toml"), deep.join("\n")).expect("write");
    let output = sfaudit_within(60, &["rules", "list", "--rules-dir", &rules.display().to_string()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cubic.toml") && stderr(&output).contains("nested more than 8 deep"),
        "{}",
        stderr(&output)
    );

    // A chain of 20,000 selections (45 KB) aborted the parser, and one of 1,000 additions the
    // evaluator: refused when the rules load, by length and by depth.
    for (chain, refusal) in [
        (format!("app.name{} == 1", ".a".repeat(20_000)), "bytes, over sfaudit's limit"),
        (format!("1{} == 1", " + 1".repeat(990)), "operations deep"),
    ] {
        let deep = rule
            .lines()
            .map(|line| if line.starts_with("fail_if") { format!("fail_if = '''{chain}'''") } else { line.to_string() })
            .collect::<Vec<_>>();
        std::fs::write(rules.join("cubic.toml"), deep.join("\n")).expect("write");
        let output = sfaudit_within(60, &["scan", crate::common::DEMO, "--rules-dir", &rules.display().to_string()]);
        assert_eq!(code(&output), 2, "{}", stderr(&output));
        assert!(stderr(&output).contains("cubic.toml") && stderr(&output).contains(refusal), "{}", stderr(&output));
    }
}

#[test]
fn a_consumer_secret_wrapped_at_any_depth_is_found_and_redacted() {
    let (folder, apps) = project();
    let app = connected_app("Wrapped", "").replace(
        "<consumerKey>k</consumerKey>",
        "<consumerKey>k</consumerKey><consumerSecret><value>S3cr3tValue</value></consumerSecret>",
    );
    std::fs::write(apps.join("Wrapped.connectedApp-meta.xml"), app).expect("write");
    let output = scan(folder.path(), &["--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains("S3cr3tValue"), "the secret reached the report");
    let document: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(crate::common::status_of(&document, "consumer-secret-in-source", "Wrapped").as_deref(), Some("fail"));
}

/// `--snapshot` reads a saved result's inventory or a bare inventory alike (read typed, without a
/// JSON value tree of the file), and refuses what it cannot read unambiguously, naming the file.
#[test]
fn a_snapshot_reads_the_same_whatever_wraps_it_and_an_ambiguous_one_is_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let sample = crate::common::repo_root().join("sample-reports/demo.json");
    let text = std::fs::read_to_string(&sample).expect("the demo sample");
    let document: serde_json::Value = serde_json::from_str(&text).expect("json");
    let bare = folder.path().join("inventory.json");
    std::fs::write(&bare, serde_json::to_string(&document["inventory"]).expect("json")).expect("write");
    let scan_of = |path: &Path| {
        let path = path.display().to_string();
        sfaudit(&["scan", "--snapshot", &path, "--as-of", "2026-12-01", "--format", "json", "--fail-on", "none"])
    };
    let (wrapped, unwrapped) = (scan_of(&sample), scan_of(&bare));
    assert_eq!(code(&wrapped), 0, "{}", stderr(&wrapped));
    assert_eq!(stdout(&wrapped), stdout(&unwrapped), "a result and its bare inventory scan alike");

    let inventory = serde_json::to_string(&document["inventory"]).expect("json");
    for (name, text, expected) in [
        (
            "twice.json",
            format!("{{\"inventory\": {inventory}, \"inventory\": {inventory}}}"),
            "duplicate field `inventory`",
        ),
        ("broken.json", format!("{{\"inventory\": {inventory}"), "not valid JSON"),
        ("array.json", "[]".to_string(), "not an sfaudit inventory"),
        ("number.json", "{\"inventory\": 5}".to_string(), "invalid type: integer `5`"),
    ] {
        let path = folder.path().join(name);
        std::fs::write(&path, text).expect("write");
        let output = scan_of(&path);
        assert_eq!(code(&output), 2, "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains(name) && stderr(&output).contains(expected), "{name}: {}", stderr(&output));
    }
}

/// A private key pasted into `<certificate>` (after the certificate, in its place, or as bare
/// base64) never reaches any output, not even the raw documents of the JSON, and is a critical
/// finding of its own that fails the default gate.
#[test]
fn a_private_key_where_a_certificate_belongs_is_redacted_and_fails_the_gate() {
    use base64::Engine as _;
    let key = rcgen::KeyPair::generate().expect("EC key");
    let certificate = rcgen::CertificateParams::new(vec!["keyleak".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate")
        .pem();
    let key_pem = key.serialize_pem();
    let bare_key = base64::engine::general_purpose::STANDARD.encode(key.serialize_der());
    let key_body: String = key_pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let (folder, apps) = project();
    let lower_case = key_pem.replace("BEGIN PRIVATE KEY", "begin private key");
    let encoded_pem = base64::engine::general_purpose::STANDARD.encode(format!("{certificate}{key_pem}"));
    let variants = [
        ("CertThenKey", format!("{certificate}{key_pem}")),
        ("KeyOnly", key_pem.clone()),
        ("BareKey", bare_key.clone()),
        ("CertThenBareKey", format!("{certificate}{bare_key}")),
        ("LowerCaseKey", format!("{certificate}{lower_case}")),
        ("EncodedPem", encoded_pem.clone()),
        ("BareKeyThenText", format!("{bare_key}€€")),
        ("CertOnly", certificate.clone()),
    ];
    for (name, content) in &variants {
        let app = connected_app(name, "").replace("<scopes>", &format!("<certificate>{content}</certificate><scopes>"));
        std::fs::write(apps.join(format!("{name}.connectedApp-meta.xml")), app).expect("write");
    }
    // Not only where a certificate belongs.
    let described = connected_app("InDescription", &format!("<description>{bare_key}</description>\n"));
    std::fs::write(apps.join("InDescription.connectedApp-meta.xml"), described).expect("write");
    let path = folder.path().display().to_string();
    let output = sfaudit_within(120, &["scan", &path, "--as-of", "2026-12-01", "--format", "json"]);
    assert_eq!(code(&output), 1, "a committed key fails the default gate: {}", stderr(&output));
    let text = stdout(&output);
    let key_header = key_pem.lines().next().expect("PEM header");
    for leaked in [key_header, &key_body[..64], &bare_key[..64], &encoded_pem[encoded_pem.len() - 64..]] {
        assert!(!text.contains(leaked), "the key reached the JSON: {leaked}");
        assert!(!stderr(&output).contains(leaked), "the key reached standard error: {leaked}");
    }
    let document: serde_json::Value = serde_json::from_str(&text).expect("json");
    for (app, _) in &variants {
        let expected = if *app == "CertOnly" { "pass" } else { "fail" };
        assert_eq!(
            crate::common::status_of(&document, "private-key-in-source", app).as_deref(),
            Some(expected),
            "{app}"
        );
    }
    assert_eq!(crate::common::status_of(&document, "private-key-in-source", "InDescription").as_deref(), Some("fail"));
}

/// An app known only from files the Salesforce CLI would not deploy (here, outside the package
/// directories) gets its source-control findings and no other result, and is not metadata the
/// scan found: a mis-pointed scan whose only app sits outside still says nothing was found.
#[test]
fn an_app_outside_the_package_directories_gets_only_source_control_findings() {
    let (folder, apps) = project();
    let outside = folder.path().join("templates/connectedApps");
    std::fs::create_dir_all(&outside).expect("folders");
    let bot = connected_app("Bot", "")
        .replace("<consumerKey>k</consumerKey>", "<consumerKey>${BOT_KEY}</consumerKey>")
        .replace("<scopes>Api</scopes>", "<scopes>Full</scopes>");
    std::fs::write(outside.join("Bot.connectedApp-meta.xml"), bot).expect("write");
    let path = folder.path().display().to_string();
    let written = folder.path().join("report.json");
    let written_arg = written.display().to_string();
    let output =
        sfaudit_within(120, &["scan", &path, "--as-of", "2026-12-01", "--format", "json", "--output", &written_arg]);
    assert_eq!(code(&output), 2, "nothing deployable was found: {}", stderr(&output));
    assert!(stderr(&output).contains("no OAuth app and no OAuth settings metadata found"), "{}", stderr(&output));
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written).expect("report written")).expect("json");
    let status = |rule: &str| crate::common::status_of(&document, rule, "Bot");
    assert_eq!(status("placeholder-in-source").as_deref(), Some("fail"));
    for rule in ["legacy-connected-app", "full-scope-granted", "app-self-authorization-allowed"] {
        assert_eq!(status(rule).as_deref(), Some("not_applicable"), "{rule}");
    }
    assert_eq!(document["run"]["no_metadata_found"], true);

    // Beside a deployed app the scan stands, and the outside copy still gives only its placeholder.
    std::fs::write(apps.join("Deployed.connectedApp-meta.xml"), connected_app("Deployed", "")).expect("write");
    let output =
        sfaudit_within(120, &["scan", &path, "--as-of", "2026-12-01", "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(crate::common::status_of(&document, "legacy-connected-app", "Bot").as_deref(), Some("not_applicable"));
    assert_eq!(crate::common::status_of(&document, "legacy-connected-app", "Deployed").as_deref(), Some("fail"));
}
