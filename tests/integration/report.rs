//! `sfaudit report --from` (src/app.rs `rerender`, src/report/json.rs `parse`) and what every
//! format shares (src/report/mod.rs): a saved result renders byte for byte like the scan that
//! wrote it, bad input is refused with the file named, and the formats agree on the counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum as _;
use sfaudit::report::Format;

use crate::common::{DEMO, DEMO_AS_OF, code, scan_json, sfaudit, stderr, stdout};

/// Every `--format` value the binary accepts, from the `Format` enum itself, so a new format is
/// covered as soon as it exists.
pub fn format_names() -> Vec<String> {
    Format::value_variants()
        .iter()
        .filter_map(Format::to_possible_value)
        .map(|value| value.get_name().to_string())
        .collect()
}

/// Writes the demo's JSON result (`--fail-on none`) to `folder/results.json`.
pub fn save_demo_result(folder: &Path) -> PathBuf {
    let saved = folder.join("results.json");
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "json",
        "--output",
        &saved.display().to_string(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    saved
}

/// A project whose Connected App names (file names) and labels carry Markdown, HTML, CSV and
/// spreadsheet-formula syntax. A file name cannot hold a newline, but a label can (`&#10;`).
pub fn hostile_project() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temp dir");
    let apps = folder.path().join("connectedApps");
    std::fs::create_dir_all(&apps).expect("mkdir");
    let app = |file_name: &str, label: &str| {
        std::fs::write(
            apps.join(format!("{file_name}.connectedApp-meta.xml")),
            format!(
                "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>{label}</label>\
                 <oauthConfig><callbackUrl>http://evil.example.com/</callbackUrl><scopes>Full</scopes>\
                 </oauthConfig></ConnectedApp>"
            ),
        )
        .expect("write app");
    };
    app(
        "Evil|`tick`<img src=x onerror=alert(1)>",
        "&lt;img src=x onerror=alert(1)&gt; | *bold* _em_ [x](javascript:alert(1)) `code` ~~s~~ $m$ \
         &amp;amp; &quot;q&quot;, line1&#10;line2&#13;&#10;line3",
    );
    app("=HYPERLINK(x)", "@SUM(1+1)*cmd|' /C calc'!A0");
    app("# Heading", "-1");
    folder
}

/// Scans the hostile project in one format (`--fail-on none`).
pub fn scan_hostile(folder: &Path, format: &str) -> String {
    let output = sfaudit(&[
        "scan",
        &folder.display().to_string(),
        "--as-of",
        DEMO_AS_OF,
        "--format",
        format,
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
}

fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
    match line {
        Some(index) => format!(
            "line {}:\n  scan:   {:?}\n  report: {:?}",
            index + 1,
            expected.lines().nth(index),
            actual.lines().nth(index)
        ),
        None => format!("lengths {} and {}", expected.len(), actual.len()),
    }
}

#[test]
fn report_from_a_saved_result_is_byte_identical_to_the_scan_in_every_format() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = save_demo_result(folder.path()).display().to_string();
    let names = format_names();
    assert!(names.len() >= 4, "{names:?}");
    for name in &names {
        let scanned = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", name, "--fail-on", "none"]);
        let rendered = sfaudit(&["report", "--from", &saved, "--format", name]);
        assert_eq!(code(&scanned), 0, "{name}: {}", stderr(&scanned));
        assert_eq!(code(&rendered), 0, "{name}: {}", stderr(&rendered));
        assert!(!scanned.stdout.is_empty(), "{name}: empty output");
        assert!(
            scanned.stdout == rendered.stdout,
            "--format {name}: report --from differs from scan at {}",
            first_difference(&scanned.stdout, &rendered.stdout)
        );
    }
}

#[test]
fn report_from_writes_every_format_to_an_output_folder_like_scan() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = save_demo_result(folder.path()).display().to_string();
    let all = format_names().join(",");
    let (from_scan, from_report) = (folder.path().join("scan"), folder.path().join("report"));
    let scanned = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        &all,
        "--fail-on",
        "none",
        "--output-dir",
        &from_scan.display().to_string(),
    ]);
    assert_eq!(code(&scanned), 0, "{}", stderr(&scanned));
    let rendered =
        sfaudit(&["report", "--from", &saved, "--format", &all, "--output-dir", &from_report.display().to_string()]);
    assert_eq!(code(&rendered), 0, "{}", stderr(&rendered));
    assert!(stdout(&rendered).is_empty());
    let mut files = 0;
    for entry in std::fs::read_dir(&from_scan).expect("scan folder").filter_map(Result::ok) {
        let name = entry.file_name();
        let expected = std::fs::read(entry.path()).expect("read");
        let actual = std::fs::read(from_report.join(&name)).expect("report --from wrote the same file");
        assert!(expected == actual, "{name:?} differs at {}", first_difference(&expected, &actual));
        files += 1;
    }
    assert_eq!(files, format_names().len());

    let single = folder.path().join("report.md");
    let output =
        sfaudit(&["report", "--from", &saved, "--format", "markdown", "--output", &single.display().to_string()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let expected = std::fs::read(from_scan.join("sfaudit-report.md")).expect("markdown");
    assert!(std::fs::read(&single).expect("written") == expected);
    let output = sfaudit(&["report", "--from", &saved, "--format", "markdown,csv", "--output", "x.md"]);
    assert_eq!(code(&output), 2, "--output takes one format");
}

#[test]
fn report_from_bad_input_exits_2_and_names_the_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = save_demo_result(folder.path());
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    document["schema_version"] = serde_json::json!(99);
    let cases: [(&str, Option<String>, &str); 6] = [
        ("missing.json", None, "cannot read"),
        ("broken.json", Some("{\"schema_version\": 1, \"results\": [".to_string()), "not valid JSON"),
        ("future.json", Some(document.to_string()), "schema version 99"),
        ("other.json", Some("{\"version\": \"2.1.0\", \"runs\": []}".to_string()), "no schema_version"),
        (
            "float.json",
            Some("{\"schema_version\": 2.0, \"results\": []}".to_string()),
            "schema_version is 2.0, not a whole",
        ),
        ("partial.json", Some("{\"schema_version\": 1, \"results\": []}".to_string()), "not an sfaudit JSON result"),
    ];
    for (file, content, message) in cases {
        let path = folder.path().join(file);
        if let Some(content) = content {
            std::fs::write(&path, content).expect("write input");
        }
        for format in ["table", "markdown"] {
            let output = sfaudit(&["report", "--from", &path.display().to_string(), "--format", format]);
            let error = stderr(&output);
            assert_eq!(code(&output), 2, "{file}: {error}");
            assert!(error.contains(&path.display().to_string()), "{file}: the message names the file: {error}");
            assert!(error.contains(message), "{file}: expected {message:?} in {error}");
            assert!(stdout(&output).is_empty(), "{file}: no report on bad input");
        }
    }
}

/// A stored result names its rule in two bytes and its file, among its resource's, in one: a
/// saved result past either is refused with the place named, never read wrong.
#[test]
fn report_from_refuses_more_rules_or_files_per_resource_than_results_can_name() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = save_demo_result(folder.path());
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    let limit = sfaudit::limits::MAX_RULES;
    let mut many_rules = document.clone();
    // The rule's write-up cut short: 65,537 full ones would make a 200 MB document.
    let mut rule = document["rules"][0].clone();
    for value in rule.as_object_mut().expect("a rule").values_mut() {
        if value.as_str().is_some_and(|text| text.len() > 40) {
            *value = serde_json::json!("short");
        }
    }
    many_rules["rules"] = (0..=limit)
        .map(|number| {
            let mut rule = rule.clone();
            rule["id"] = serde_json::json!(format!("rule-{number}"));
            rule
        })
        .collect();
    let mut many_files = document.clone();
    let result = document["results"][0].clone();
    many_files["results"] = (0..=256)
        .map(|number| {
            let mut result = result.clone();
            result["location"]["path"] = serde_json::json!(format!("file-{number}.xml"));
            result
        })
        .collect();
    let mut just_enough_files = many_files.clone();
    just_enough_files["results"].as_array_mut().expect("results").pop();
    for (file, content, message) in [
        ("rules.json", many_rules, format!("rules[] lists {} rules; sfaudit reads at most {limit}", limit + 1)),
        (
            "files.json",
            many_files,
            "results[256].location: the results name more than 256 files for one resource".into(),
        ),
    ] {
        let path = folder.path().join(file);
        std::fs::write(&path, content.to_string()).expect("write input");
        let output = sfaudit(&["report", "--from", &path.display().to_string(), "--format", "json"]);
        assert_eq!(code(&output), 2, "{file}: {}", stderr(&output));
        assert!(stderr(&output).contains(&message), "{file}: expected {message:?} in {}", stderr(&output));
    }
    let path = folder.path().join("enough.json");
    std::fs::write(&path, just_enough_files.to_string()).expect("write input");
    let output = sfaudit(&["report", "--from", &path.display().to_string(), "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let paths: Vec<&str> = read["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|result| result["location"]["path"].as_str())
        .collect();
    let written: Vec<String> = (0..256).map(|number| format!("file-{number}.xml")).collect();
    assert_eq!(paths, written, "each result keeps its own file");
}

/// Minimal strict RFC 4180 reader for the tests: quoted fields, doubled quotes, LF or CRLF.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut field_started = false;
    while let Some(character) = chars.next() {
        if quoted {
            match character {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    assert!(
                        matches!(chars.peek(), None | Some(',' | '\n' | '\r')),
                        "text after a closing quote in {field:?}"
                    );
                }
                _ => field.push(character),
            }
            continue;
        }
        match character {
            '"' => {
                assert!(!field_started, "a quote inside an unquoted field: {field:?}");
                quoted = true;
                field_started = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                field_started = false;
            }
            '\r' => panic!("a bare CR outside quotes"),
            _ => {
                field.push(character);
                field_started = true;
            }
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(field.is_empty() && record.is_empty(), "the last record has no line ending");
    records
}

/// (failed, unknown, passed, not applicable) from the `total` row of the Markdown counts table.
fn markdown_totals(markdown: &str) -> BTreeMap<&'static str, usize> {
    let row = markdown.lines().find(|line| line.starts_with("| total |")).expect("a total row");
    let numbers: Vec<usize> = row.split('|').filter_map(|cell| cell.trim().parse().ok()).collect();
    assert_eq!(numbers.len(), 4, "{row}");
    ["fail", "unknown", "pass", "not_applicable"].into_iter().zip(numbers).collect()
}

#[test]
fn the_formats_agree_on_the_counts() {
    let document = scan_json(DEMO, DEMO_AS_OF);
    let results = document["results"].as_array().expect("results");
    let json: BTreeMap<&str, usize> = ["fail", "unknown", "pass", "not_applicable"]
        .into_iter()
        .map(|status| (status, document["summary"]["by_status"][status].as_u64().expect("count") as usize))
        .collect();
    assert_eq!(json.values().sum::<usize>(), results.len());

    let run = |format: &str| {
        stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", format, "--fail-on", "none"]))
    };
    let records = parse_csv(&run("csv"));
    let status_column = records[0].iter().position(|column| column == "status").expect("status column");
    let mut csv: BTreeMap<&str, usize> = json.keys().map(|status| (*status, 0)).collect();
    for record in &records[1..] {
        *csv.get_mut(record[status_column].as_str()).expect("a known status") += 1;
    }
    assert_eq!(csv, json, "CSV rows per status against the JSON summary");

    let markdown = run("markdown");
    assert_eq!(markdown_totals(&markdown), json, "Markdown counts table against the JSON summary");
    let failed_rows = markdown
        .lines()
        .filter(|line| {
            line.starts_with("| Critical |") || line.starts_with("| Warning |") || line.starts_with("| Informational |")
        })
        .count();
    assert_eq!(failed_rows, json["fail"], "one failed-controls row per failed result");
    assert!(markdown.contains(&format!("### Failed controls ({})", json["fail"])), "{markdown}");
    assert!(markdown.contains(&format!("### Not evaluated: data unavailable ({})", json["unknown"])));
    for severity in ["critical", "high", "medium", "low", "info"] {
        let failed = results.iter().filter(|r| r["severity"] == severity && r["status"] == "fail").count();
        assert_eq!(document["summary"]["failed_by_severity"][severity], failed);
        let row = markdown.lines().find(|line| line.starts_with(&format!("| {severity} |"))).expect("severity row");
        assert!(row.starts_with(&format!("| {severity} | {failed} |")), "{row}");
    }

    let table = run("table");
    let total = table.lines().find(|line| line.contains(" total ")).expect("total row");
    let numbers: Vec<usize> = total.split(|c: char| !c.is_ascii_digit()).filter_map(|part| part.parse().ok()).collect();
    let expected: Vec<usize> =
        ["fail", "unknown", "pass", "not_applicable"].iter().map(|status| json[status]).collect();
    assert_eq!(numbers, expected, "table total row against the JSON summary: {total}");
}

#[test]
fn suppressed_results_are_kept_and_marked_with_their_reason() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = save_demo_result(folder.path());
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    let results = document["results"].as_array_mut().expect("results");
    let failed = results.iter_mut().find(|result| result["status"] == "fail").expect("a failed result");
    let rule = failed["rule_id"].as_str().expect("rule id").to_string();
    failed["suppression"] = serde_json::json!({
        "reason": "Vendor | migrates in Q1 <b>",
        "owner": "secops",
        "ticket": "SEC-42",
        "expires": "2027-03-31",
        "source": "sfaudit.toml:3"
    });
    let edited = folder.path().join("suppressed.json");
    std::fs::write(&edited, document.to_string()).expect("write");
    let edited = edited.display().to_string();
    let failed_total = document["summary"]["by_status"]["fail"].as_u64().expect("count") as usize;

    let markdown = stdout(&sfaudit(&["report", "--from", &edited, "--format", "markdown"]));
    assert!(markdown.contains("### Suppressed (1)"), "{markdown}");
    assert!(markdown.contains(&format!("### Failed controls ({})", failed_total - 1)), "{markdown}");
    assert!(markdown.contains("1 of the failed results are suppressed"), "{markdown}");
    let row = markdown.lines().find(|line| line.starts_with("| Suppressed (")).expect("a suppressed row");
    assert!(row.contains("Vendor \\| migrates in Q1 &lt;b&gt;"), "{row}");
    assert!(row.contains("owner secops, ticket SEC-42, until 2027-03-31, in sfaudit.toml:3"), "{row}");
    assert!(row.contains(&rule), "{row}");

    let records = parse_csv(&stdout(&sfaudit(&["report", "--from", &edited, "--format", "csv"])));
    let column = |name: &str| records[0].iter().position(|column| column == name).expect("column");
    let suppressed: Vec<&Vec<String>> =
        records[1..].iter().filter(|record| record[column("suppressed")] == "true").collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0][column("suppression_reason")], "Vendor | migrates in Q1 <b>");
    assert_eq!(suppressed[0][column("status")], "fail");
    assert_eq!(suppressed[0][column("rule_id")], rule);
    assert!(records[1..].iter().filter(|record| record[column("suppressed")] == "false").count() == records.len() - 2);
}
