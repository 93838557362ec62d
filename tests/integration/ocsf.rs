//! `--format ocsf` (src/report/ocsf.rs): one OCSF Compliance Finding event (class 2003) per
//! failing or unknown result, each valid against the class definition kept in
//! tests/fixtures/ocsf/ (generated from the OCSF 1.3.0 schema export; see SOURCES.md there).

use serde_json::Value;

use crate::common::{DEMO, DEMO_AS_OF, code, repo_root, scan_json, sfaudit, stderr, stdout};

fn schema() -> Value {
    let path = repo_root().join("tests/fixtures/ocsf/compliance_finding-1.3.0.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).expect("the OCSF class schema is JSON")
}

fn errors(validator: &jsonschema::Validator, event: &Value) -> Vec<String> {
    validator.iter_errors(event).map(|error| format!("{error} at {}", error.instance_path())).collect()
}

fn demo_events() -> Vec<Value> {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "ocsf", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not one JSON object per line ({error}): {line}"))
        })
        .collect()
}

#[test]
fn every_failing_or_unknown_result_is_one_valid_compliance_finding() {
    let schema = schema();
    assert_eq!(schema["$id"], "https://schema.ocsf.io/schema/1.3.0/classes/compliance_finding");
    let validator = jsonschema::draft202012::new(&schema).expect("the OCSF class schema compiles");
    let events = demo_events();
    let document = scan_json(DEMO, DEMO_AS_OF);
    let expected: Vec<&Value> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["status"] == "fail" || result["status"] == "unknown")
        .collect();
    assert_eq!(events.len(), expected.len(), "one event per failing or unknown result");
    for (event, result) in events.iter().zip(&expected) {
        let problems = errors(&validator, event);
        assert!(
            problems.is_empty(),
            "event for {} violates OCSF 1.3.0 class 2003:\n{}",
            result["rule_id"],
            problems.join("\n")
        );
        assert_eq!(event["class_uid"], 2003);
        assert_eq!(event["type_uid"], 200301);
        assert_eq!(event["metadata"]["version"], "1.3.0");
        assert_eq!(event["finding_info"]["uid"], result["fingerprint"], "the finding keeps its fingerprint");
        assert_eq!(event["compliance"]["control"], result["rule_id"], "the rule");
        let status = if result["status"] == "fail" { "Fail" } else { "Unknown" };
        assert_eq!(event["compliance"]["status"], status);
        assert!(
            event["remediation"]["desc"].as_str().is_some_and(|text| !text.trim().is_empty()),
            "the remediation: {event}"
        );
        let resources = event["resources"].as_array().expect("resources");
        let org = resources.last().expect("the org is a resource");
        assert_eq!(org["type"], "Salesforce Org");
        assert_eq!(org["name"], "demo-org");
        if result["resource"]["kind"] != "org" {
            assert_eq!(resources[0]["name"], result["resource"]["name"], "the app");
        }
        assert_eq!(event["time"], 1_796_083_200_000_i64, "the evaluation date, in milliseconds");
    }
    let severities: Vec<i64> = events.iter().filter_map(|event| event["severity_id"].as_i64()).collect();
    assert!(severities.contains(&5) && severities.contains(&1), "critical and informational map to 5 and 1");
}

/// The schema check can fail: a wrong class, a missing finding and an unknown key are refused.
#[test]
fn the_class_definition_rejects_what_is_not_a_compliance_finding() {
    let schema = schema();
    let validator = jsonschema::draft202012::new(&schema).expect("the OCSF class schema compiles");
    let event = demo_events().into_iter().next().expect("the demo has findings");
    assert!(errors(&validator, &event).is_empty());
    let mut wrong_class = event.clone();
    wrong_class["class_uid"] = 2001.into();
    assert!(!errors(&validator, &wrong_class).is_empty(), "class_uid must be 2003");
    let mut no_finding = event.clone();
    no_finding.as_object_mut().expect("object").remove("finding_info");
    assert!(errors(&validator, &no_finding).iter().any(|error| error.contains("finding_info")));
    let mut extra = event;
    extra["org"] = "not an OCSF attribute".into();
    assert!(!errors(&validator, &extra).is_empty(), "unknown attributes are refused");
}

#[test]
fn ocsf_can_be_written_with_the_other_formats() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "json,ocsf",
        "--output-dir",
        &folder.path().display().to_string(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = std::fs::read_to_string(folder.path().join("sfaudit-report.ocsf.jsonl")).expect("the OCSF file");
    assert!(text.lines().count() > 10 && text.ends_with('\n'));
    let saved = folder.path().join("sfaudit-report.json").display().to_string();
    let again = sfaudit(&["report", "--from", &saved, "--format", "ocsf"]);
    assert_eq!(stdout(&again), text, "re-rendering a saved result gives the same events");
}

/// A run with notices (here: results hidden by `--min-confidence`) starts with one valid
/// Compliance Finding for the scan itself, so a SIEM fed only OCSF sees what the results omit.
#[test]
fn a_run_with_notices_leads_with_a_valid_finding_for_the_scan() {
    let schema = schema();
    let validator = jsonschema::draft202012::new(&schema).expect("the OCSF class schema compiles");
    let output = sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "ocsf",
        "--fail-on",
        "none",
        "--min-confidence",
        "high",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let first: Value = serde_json::from_str(text.lines().next().expect("events")).expect("JSON");
    assert_eq!(first["compliance"]["control"], "sfaudit-run");
    assert!(errors(&validator, &first).is_empty(), "{:?}", errors(&validator, &first));
    let message = first["message"].as_str().expect("message");
    assert!(message.contains("below high confidence hidden"), "{message}");
    assert_eq!(text.lines().filter(|line| line.contains("\"sfaudit-run\"")).count(), 1);
    let plain = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "ocsf", "--fail-on", "none"]));
    assert!(!plain.contains("\"sfaudit-run\""), "a run without notices has no run event");
}
