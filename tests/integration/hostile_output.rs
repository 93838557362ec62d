//! Hostile strings in every output (src/escape, src/report): control characters, bidirectional
//! overrides, line breaks, GitHub references and huge values from metadata, and tampered saved
//! results given to `report --from`. Nothing reaches a terminal, CI log or report raw, no value
//! multiplies into gigabytes, and the Markdown report fits the GitHub comment it claims to fit.

use std::path::{Path, PathBuf};

use crate::common::{code, sfaudit, stderr, stdout};

const NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// Characters no output may carry raw: ESC, BEL, C1 CSI, RLO, LRI, ALM, CR.
const HIDDEN: [char; 7] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{61c}', '\r'];

fn project(apps: &[(&str, String)]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let root = folder.path().to_path_buf();
    let dir = root.join("connectedApps");
    std::fs::create_dir_all(&dir).expect("folder");
    for (file_stem, body) in apps {
        std::fs::write(dir.join(format!("{file_stem}.connectedApp-meta.xml")), body).expect("write");
    }
    (folder, root)
}

/// A Connected App failing several rules, with `label` and a callback URL under our control.
fn app(label: &str, callback: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\"><contactEmail>a@example.com</contactEmail>\
         <label>{label}</label><oauthConfig><callbackUrl>{callback}</callbackUrl><consumerKey>k</consumerKey>\
         <isAdminApproved>false</isAdminApproved><scopes>Full</scopes><scopes>RefreshToken</scopes></oauthConfig>\
         <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation><refreshTokenPolicy>infinite</refreshTokenPolicy></oauthPolicy>\
         </ConnectedApp>\n"
    )
}

fn all_formats(source: &[&str], folder: &Path) -> Vec<(String, String)> {
    let reports = folder.join("reports");
    let mut args = source.to_vec();
    let shown = reports.display().to_string();
    args.extend_from_slice(&["--format", "table,html,markdown,sarif,junit,csv,json,ocsf", "--output-dir", &shown]);
    let output = sfaudit(&args);
    assert!(matches!(code(&output), 0 | 1), "{}", stderr(&output));
    let mut files = read_reports(&reports);
    files.push(("stderr".into(), stderr(&output)));
    files
}

/// Every report file in `folder` with its text, by name.
fn read_reports(folder: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(folder)
        .expect("reports")
        .filter_map(Result::ok)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(entry.path()).expect("UTF-8 report"))
        })
        .collect();
    files.sort();
    files
}

/// Every string of a JSON value, decoded (what a SARIF viewer shows).
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(key, item)| {
            out.push(key.clone());
            strings(item, out);
        }),
        _ => {}
    }
}

fn assert_nothing_hidden(files: &[(String, String)], what: &str) {
    for (name, text) in files {
        if name.ends_with(".json") {
            continue; // the results document is data: it keeps every value as it was
        }
        let shown = if name.ends_with(".sarif") {
            let mut decoded = Vec::new();
            strings(&serde_json::from_str(text).expect("SARIF is JSON"), &mut decoded);
            decoded.join("\n")
        } else if name.ends_with(".jsonl") {
            // OCSF: a SIEM decodes each line's JSON and shows its strings.
            let mut decoded = Vec::new();
            for line in text.lines() {
                strings(&serde_json::from_str(line).expect("OCSF lines are JSON"), &mut decoded);
            }
            decoded.join("\n")
        } else {
            text.clone()
        };
        for hidden in HIDDEN {
            // CR may only end a CSV record; sfaudit writes LF.
            assert!(!shown.contains(hidden), "{what}: {name} carries U+{:04X} raw", u32::from(hidden));
        }
        // What CI logs and line-based tools read (the table, messages, CSV) cannot start a line
        // of its own, not even inside a table cell or a quoted CSV field.
        if name.ends_with(".txt") || name.ends_with(".csv") || name == "stderr" {
            assert!(!shown.lines().any(|line| line.starts_with("::error::")), "{what}: {name} starts a forged line");
            let line_before = |at: usize| shown[..at].rsplit('\n').next().unwrap_or_default();
            assert!(
                shown
                    .match_indices("::error::forged")
                    .all(|(at, _)| !line_before(at).trim_start_matches(['│', '|', ' ']).is_empty()),
                "{what}: {name} breaks a value onto a line of its own"
            );
        }
    }
}

#[test]
fn control_bidi_and_line_breaking_characters_never_reach_any_output_raw() {
    // The file name carries ESC, BEL and a line break; the label C1 CSI and invisible overrides.
    let stem = "Evil\u{1b}[2J\u{7}\n::error::forged";
    let label = "Pay\u{9b}31m\u{202e}lapyap\u{2066}x\u{2069}\u{61c} @octocat #12 GH-3 ops@example.com";
    let (folder, root) = project(&[(stem, app(label, "https://evil.example.com/\u{202e}cb"))]);
    let path = root.display().to_string();
    let files = all_formats(&["scan", &path, "--as-of", "2026-12-01", "--fail-on", "none"], folder.path());
    assert_nothing_hidden(&files, "scan");
    let markdown = &files.iter().find(|(name, _)| name.ends_with(".md")).expect("markdown").1;
    for live in ["@octocat", "#12", "GH-3", "ops@example.com"] {
        assert!(!markdown.contains(live), "Markdown leaves {live} live");
    }
    assert!(
        markdown.contains("@&#8203;octocat") && markdown.contains("#&#8203;12") && markdown.contains("GH-&#8203;3")
    );

    // Error messages and warnings: a broken file with the same name.
    let broken = format!("<?xml version=\"1.0\"?>\n<ConnectedApp xmlns=\"{NS}\"><label>\u{9b}x</label>");
    let (_folder, root) = project(&[(stem, broken)]);
    let output = sfaudit(&["scan", &root.display().to_string()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_nothing_hidden(&[("stderr".into(), stderr(&output))], "error message");
    assert!(stderr(&output).contains("Evil\\u{1b}[2J\\u{7}\\n::error::forged"), "{}", stderr(&output));
}

#[test]
fn huge_values_are_cut_when_rendered_and_kept_whole_in_json() {
    let label = "L".repeat(400_000);
    let (folder, root) = project(&[("Huge", app(&label, "https://x.example.com/cb"))]);
    let path = root.display().to_string();
    let files = all_formats(&["scan", &path, "--as-of", "2026-12-01", "--fail-on", "none"], folder.path());
    // The same app with a one-character label: what each format weighs without the long value.
    let (short_folder, short_root) = project(&[("Huge", app("L", "https://x.example.com/cb"))]);
    let short_path = short_root.display().to_string();
    let short = all_formats(&["scan", &short_path, "--as-of", "2026-12-01", "--fail-on", "none"], short_folder.path());
    for (name, text) in &files {
        if name.ends_with(".json") {
            assert!(text.contains(&label), "the JSON document keeps the whole value");
            continue;
        }
        if name == "stderr" {
            continue;
        }
        let baseline = short.iter().find(|(short_name, _)| short_name == name).map_or(0, |(_, text)| text.len());
        let grown = text.len().saturating_sub(baseline);
        assert!(
            grown < 200_000,
            "{name} grew by {grown} bytes for a 400,000-character label: the label was multiplied"
        );
        assert!(!text.contains(&"L".repeat(1_001)), "{name} shows more than 1000 characters of the value");
        if text.contains(&"L".repeat(1_000)) {
            assert!(text.contains("more characters cut"), "{name} does not say it cut the value");
        }
    }
}

/// A long string only the inventory holds (here the path of a file sfaudit recognises but does not
/// read, in the coverage tables) is cut too, though no result shows it.
#[test]
fn a_long_path_in_the_coverage_tables_is_cut_when_rendered() {
    let (folder, root) = project(&[("Plain", app("Plain", "https://x.example.com/cb"))]);
    let mut deep = root.clone();
    for level in 0..6 {
        deep.push(format!("{level}{}", "D".repeat(199)));
    }
    std::fs::create_dir_all(&deep).expect("folders");
    std::fs::write(deep.join("Push.ecaPush-meta.xml"), format!("<ExtlClntAppPushSettings xmlns=\"{NS}\"/>"))
        .expect("write");
    let relative = deep.join("Push.ecaPush-meta.xml").strip_prefix(&root).expect("inside").display().to_string();
    assert!(relative.chars().count() > 1_200, "{relative}");
    let path = root.display().to_string();
    let files = all_formats(&["scan", &path, "--as-of", "2026-12-01", "--fail-on", "none"], folder.path());
    let shown: Vec<&String> =
        files.iter().filter(|(_, text)| text.contains("0DDDDDDDDD")).map(|(name, _)| name).collect();
    assert!(shown.iter().any(|name| name.ends_with(".txt")), "the table lists the file: {shown:?}");
    for (name, text) in &files {
        if name.ends_with(".json") && !name.contains("sarif") && !name.contains("ocsf") {
            assert!(text.contains(&relative), "{name} keeps the whole path");
        } else {
            assert!(!text.contains(&relative), "{name} shows the whole {}-character path", relative.len());
        }
    }
}

#[test]
fn the_markdown_report_of_150_or_1500_apps_fits_a_github_comment_as_it_claims() {
    for count in [150, 1_500] {
        markdown_of_apps_fits_a_github_comment(count);
    }
}

fn markdown_of_apps_fits_a_github_comment(count: usize) {
    let apps: Vec<(String, String)> = (0..count)
        .map(|index| {
            (
                format!("Vendor_App_{index:04}"),
                app(&format!("Vendor App {index:04} with a long label"), "http://x.example.com/cb"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, String)> = apps.iter().map(|(stem, body)| (stem.as_str(), body.clone())).collect();
    let (_folder, root) = project(&borrowed);
    let output = sfaudit(&[
        "scan",
        &root.display().to_string(),
        "--as-of",
        "2026-12-01",
        "--fail-on",
        "none",
        "--format",
        "markdown",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let markdown = stdout(&output);
    let length = markdown.chars().count();
    assert!(length <= 65_536, "the Markdown report is {length} characters");
    assert!(markdown.contains("GitHub comment"), "a cut report says so");
    assert!(markdown.contains("failed"), "{markdown}");
}

#[test]
fn report_from_treats_a_tampered_result_as_untrusted() {
    let folder = tempfile::tempdir().expect("temp dir");
    let results = folder.path().join("results.json");
    let output = sfaudit(&[
        "scan",
        crate::common::DEMO,
        "--as-of",
        crate::common::DEMO_AS_OF,
        "--fail-on",
        "none",
        "--format",
        "json",
        "--output",
        &results.display().to_string(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).expect("read")).expect("json");
    let evil = "X\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7}\u{9b}2J\u{202e}\n::error::forged @octocat #7";
    for pointer in ["/run/tool/name", "/run/tool/version", "/run/rule_pack/version", "/run/source/location"] {
        *document.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = serde_json::json!(evil);
    }
    for rule in document["rules"].as_array_mut().expect("rules") {
        for field in ["title", "control", "category", "expected", "overview", "risk", "remediation"] {
            rule[field] = serde_json::json!(evil);
        }
    }
    for result in document["results"].as_array_mut().expect("results") {
        for field in ["title", "control", "category", "expected", "actual", "reason"] {
            result[field] = serde_json::json!(evil);
        }
    }
    let tampered = folder.path().join("tampered.json");
    std::fs::write(&tampered, serde_json::to_string(&document).expect("json")).expect("write");
    let files = all_formats(&["report", "--from", &tampered.display().to_string()], folder.path());
    assert_nothing_hidden(&files, "report --from");
    let markdown = &files.iter().find(|(name, _)| name.ends_with(".md")).expect("markdown").1;
    assert!(!markdown.contains("@octocat") && !markdown.contains(" #7"), "Markdown leaves references live");
}

/// The history database and everything that shows what it holds (`sfaudit history` in every
/// format, the HTML trend and "since the previous scan") treat app names and values from files as
/// hostile too.
#[test]
fn history_shows_hostile_names_escaped() {
    let stem = "Evil\u{1b}[2J\u{7}\n::error::forged";
    let label = "Pay\u{9b}31m\u{202e}lapyap\u{2066}x\u{2069}\u{61c}";
    let (folder, root) = project(&[(stem, app(label, "https://evil.example.com/\u{202e}cb"))]);
    let path = root.display().to_string();
    let database = folder.path().join("history.sqlite").display().to_string();
    let scan = |as_of: &str, reports: &str| {
        let reports = folder.path().join(reports).display().to_string();
        let output = sfaudit(&[
            "scan",
            &path,
            "--as-of",
            as_of,
            "--fail-on",
            "none",
            "--history",
            &database,
            "--format",
            "html,markdown,table",
            "--output-dir",
            &reports,
        ]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        output
    };
    scan("2026-12-01", "first");
    // A new finding for the second run: the callback becomes plain http.
    let file = root.join("connectedApps").join(format!("{stem}.connectedApp-meta.xml"));
    std::fs::write(&file, app(label, "http://evil.example.com/\u{202e}cb")).expect("write");
    let second = scan("2026-12-02", "second");
    let mut files = read_reports(&folder.path().join("second"));
    let html = &files.iter().find(|(name, _)| name.ends_with(".html")).expect("html").1;
    assert!(
        html.contains("Since the previous scan") || html.contains("since the previous scan"),
        "the HTML shows the change"
    );
    files.push(("stderr".into(), stderr(&second)));
    for format in ["table", "markdown"] {
        let output = sfaudit(&["history", "--history", &database, "--format", format]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert!(stdout(&output).contains("Evil"), "the history names the app: {}", stdout(&output));
        files.push((format!("history.{format}.txt"), stdout(&output)));
        files.push((format!("history.{format}.stderr"), stderr(&output)));
    }
    assert_nothing_hidden(&files, "history");
}
