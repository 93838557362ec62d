//! The JSON report of the demo project (src/report/json.rs).

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, repo_root, scan_json, sfaudit, stderr, stdout};

/// The demo's result as sfaudit wrote it before schema version 2 (the sample of that time).
const DEMO_V1: &str = "tests/fixtures/results/demo-v1.json";

#[test]
fn demo_json_matches_the_committed_sample() {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--pretty"]);
    assert_eq!(code(&output), 1);
    assert_matches_sample("demo.json", &stdout(&output));
}

#[test]
fn json_keeps_every_outcome_the_run_metadata_and_the_inventory() {
    let document = scan_json(DEMO, DEMO_AS_OF);
    assert_eq!(document["schema_version"], 2);
    assert_eq!(document["run"]["evaluated_at"], "2026-12-01T00:00:00Z");
    assert_eq!(document["run"]["source"]["kind"], "project");
    let statuses: std::collections::BTreeSet<&str> =
        document["results"].as_array().expect("results").iter().filter_map(|r| r["status"].as_str()).collect();
    for status in ["pass", "fail", "not_applicable", "unknown"] {
        assert!(statuses.contains(status), "no {status} result in the demo");
    }
    let total: u64 =
        document["summary"]["by_status"].as_object().expect("counts").values().filter_map(|v| v.as_u64()).sum();
    assert_eq!(total as usize, document["results"].as_array().expect("results").len());
    assert_eq!(document["inventory"]["apps"].as_array().expect("apps").len(), 15);
    assert!(document["rules"].as_array().expect("rules").len() >= 30);
}

#[test]
fn json_is_compact_unless_pretty_is_asked_for() {
    let compact = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none"]));
    let pretty =
        stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none", "--pretty"]));
    assert_eq!(compact.lines().count(), 1, "compact JSON is one line");
    assert!(pretty.lines().count() > 1000 && pretty.contains("\n  \"run\": {"));
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("json");
    assert_eq!(parse(&compact), parse(&pretty));
    assert_eq!(compact, serde_json::to_string(&parse(&pretty)).expect("json") + "\n", "serde's compact bytes");
}

/// The compact document is written by hand, results and apps on every core; it must be the very
/// bytes serde writes, with suppressions, baseline states, problems and strings that need escaping.
#[test]
fn compact_json_is_byte_for_byte_what_serde_writes() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut json = scan_json(DEMO, DEMO_AS_OF);
    let results = json["results"].as_array_mut().expect("results");
    let mut failing = results.iter_mut().filter(|result| result["status"] == "fail");
    let suppressed = failing.next().expect("a failed result");
    suppressed["suppression"] = serde_json::json!({
        "reason": "accepted <risk> & \"known\" \u{1b}[31m\\ ✓",
        "owner": "secops",
        "ticket": "SEC-42",
        "expires": "2027-01-31",
        "source": "sfaudit.toml:7",
    });
    suppressed["baseline"] = serde_json::json!("unchanged");
    failing.next().expect("a second failed result")["baseline"] = serde_json::json!("new");
    let with_actual = results.iter_mut().find(|result| result["actual"].is_string()).expect("a value");
    with_actual["actual"] = serde_json::json!("line\nbreak \"quoted\" \u{7f} é");
    json["inventory"]["problems"] = serde_json::json!([{
        "path": "force-app/x.xml", "line": 3, "message": "bad <x>", "hint": "fix it", "fatal": false,
    }]);
    let saved = folder.path().join("results.json");
    std::fs::write(&saved, serde_json::to_string(&json).expect("json")).expect("write");
    let render = |extra: &[&str]| {
        let mut args = vec!["report", "--from", saved.to_str().expect("path"), "--format", "json"];
        args.extend_from_slice(extra);
        let output = sfaudit(&args);
        assert!(code(&output) < 2, "{}", stderr(&output));
        stdout(&output)
    };
    let (compact, pretty) = (render(&[]), render(&["--pretty"]));
    let value: serde_json::Value = serde_json::from_str(&pretty).expect("json");
    assert!(value["results"].as_array().expect("results").iter().any(|result| result.get("suppression").is_some()));
    assert_eq!(compact, serde_json::to_string(&value).expect("json") + "\n");
}

/// Version 2 writes a rule's texts once, in `rules[]`, and a resource's label and namespace once,
/// in the inventory; every result names its rule and resource.
#[test]
fn results_name_their_rule_and_resource_without_repeating_them() {
    let document = scan_json(DEMO, DEMO_AS_OF);
    let rules: Vec<&str> =
        document["rules"].as_array().expect("rules").iter().filter_map(|rule| rule["id"].as_str()).collect();
    for result in document["results"].as_array().expect("results") {
        let result = result.as_object().expect("object");
        for kept in ["rule_id", "status", "severity", "confidence", "resource", "location", "actual", "expected"] {
            assert!(result.contains_key(kept), "a result without {kept}: {result:?}");
        }
        for left_out in ["control", "title", "category"] {
            assert!(!result.contains_key(left_out), "a result repeats its rule's {left_out}");
        }
        assert_eq!(result["resource"].as_object().expect("resource").len(), 2, "only kind and name");
        assert!(rules.contains(&result["rule_id"].as_str().expect("rule_id")));
    }
}

/// A version 1 result (written before schema version 2) is read as it was: rendered again, it
/// gives the same report a scan gives today.
#[test]
fn report_from_a_version_1_result_renders_what_the_scan_renders() {
    let v1 = repo_root().join(DEMO_V1).display().to_string();
    let text = std::fs::read_to_string(&v1).expect("fixture");
    assert!(text.contains("\"schema_version\": 1,"), "the fixture is a version 1 document");
    for format in ["json", "table", "markdown", "csv"] {
        let scanned =
            sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", format, "--fail-on", "high", "--pretty"]);
        let rendered = sfaudit(&["report", "--from", &v1, "--format", format, "--pretty"]);
        assert_eq!(code(&rendered), 0, "{}", stderr(&rendered));
        assert!(stdout(&scanned) == stdout(&rendered), "{format}: the version 1 result renders differently");
    }
}

/// A version 1 result whose rule is not in `rules[]` is read with the texts it carries; reports
/// say its write-up is not there rather than show an empty one.
#[test]
fn a_version_1_result_without_its_rule_is_shown_without_a_write_up() {
    let v1 = repo_root().join(DEMO_V1).display().to_string();
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&v1).expect("fixture")).expect("json");
    let failing = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["status"] == "fail")
        .expect("a failing result")
        .clone();
    let rule_id = failing["rule_id"].as_str().expect("rule_id").to_string();
    document["rules"].as_array_mut().expect("rules").retain(|rule| rule["id"] != rule_id.as_str());
    let folder = tempfile::tempdir().expect("temp dir");
    let without_rule = folder.path().join("v1.json");
    std::fs::write(&without_rule, document.to_string()).expect("write");
    let without_rule = without_rule.display().to_string();

    let html = sfaudit(&["report", "--from", &without_rule, "--format", "html"]);
    assert_eq!(code(&html), 0, "{}", stderr(&html));
    assert!(stdout(&html).contains("The rule's write-up is not part of this report."), "html");

    let junit = sfaudit(&["report", "--from", &without_rule, "--format", "junit"]);
    assert_eq!(code(&junit), 0, "{}", stderr(&junit));
    let text = stdout(&junit);
    let case = format!("name=\"{rule_id} :: {}\"", failing["resource"]["name"].as_str().expect("name"));
    let start = text.find(&case).expect("the rule's test case");
    let end = start + text[start..].find("</testcase>").expect("its end");
    assert!(text[start..end].contains("Recommended value:"), "{}", &text[start..end]);
    assert!(!text[start..end].contains("Remediation:"), "{}", &text[start..end]);
    assert!(text.contains("Remediation:"), "the other rules keep their remediation");
}

#[test]
fn diff_baseline_and_snapshot_read_a_version_1_result() {
    let v1 = repo_root().join(DEMO_V1).display().to_string();
    let folder = tempfile::tempdir().expect("temp dir");
    let v2 = folder.path().join("v2.json").display().to_string();
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--output", &v2]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));

    let output = sfaudit(&["diff", &v1, &v2, "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let changes: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let drift = &changes["drift"];
    assert_eq!(drift["compared_findings"], true, "{changes}");
    let lists = ["new_findings", "fixed_findings", "severity_changes", "apps_added", "apps_removed", "setting_changes"];
    assert!(lists.iter().all(|key| drift[key].as_array().is_some_and(Vec::is_empty)), "{changes}");

    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--baseline", &v1]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("baseline: 0 new, 86 unchanged, 0 fixed"), "{}", stderr(&output));

    let output = sfaudit(&["scan", "--snapshot", &v1, "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(document["inventory"]["apps"].as_array().expect("apps").len(), 15);
}

/// A version 2 result names rules and resources that the document itself must hold.
#[test]
fn a_version_2_result_naming_an_unknown_rule_or_resource_is_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let document = scan_json(DEMO, DEMO_AS_OF);
    let cases: [(&str, &str, serde_json::Value, &str); 2] = [
        ("rule.json", "rule_id", serde_json::json!("no-such-rule"), "'no-such-rule' is not one of the rules"),
        (
            "app.json",
            "resource",
            serde_json::json!({"kind": "connected_app", "name": "Ghost"}),
            "(connected_app 'Ghost') is not in the document's inventory",
        ),
    ];
    for (file, field, value, message) in cases {
        let mut damaged = document.clone();
        damaged["results"][3][field] = value;
        let path = folder.path().join(file);
        std::fs::write(&path, damaged.to_string()).expect("write");
        let output = sfaudit(&["report", "--from", &path.display().to_string(), "--format", "table"]);
        assert_eq!(code(&output), 2, "{file}");
        assert!(stderr(&output).contains(message) && stderr(&output).contains("results[3]"), "{}", stderr(&output));
    }
}

/// An edited summary cannot make a re-rendered report say what its results do not: the score is
/// recomputed from the results, and the report says the file's score differed.
#[test]
fn report_from_recomputes_an_edited_score_and_says_so() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = folder.path().join("results.json");
    let saved_arg = saved.display().to_string();
    let output = crate::common::scan_demo(&["--format", "json", "--output", &saved_arg]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("read")).expect("json");
    let pristine = document.clone();
    let real = document["summary"]["score"].as_u64().expect("score");
    assert_ne!(real, 100);
    document["summary"]["score"] = serde_json::json!(100);
    std::fs::write(&saved, document.to_string()).expect("write");
    let rendered = sfaudit(&["report", "--from", &saved_arg, "--format", "table"]);
    assert_eq!(code(&rendered), 0, "{}", stderr(&rendered));
    let table = stdout(&rendered);
    assert!(table.contains(&format!("Score:   {real}/100")), "{table}");
    assert!(table.contains("summary.score (100) does not match its results"), "{table}");

    // A rule whose severity in rules[] disagrees with its results' (SARIF would rank the alert by
    // the rule's) is refused.
    let rule = document["rules"].as_array_mut().expect("rules").iter_mut().find(|rule| rule["severity"] == "high");
    rule.expect("a high rule")["severity"] = serde_json::json!("info");
    std::fs::write(&saved, document.to_string()).expect("write");
    let rendered = sfaudit(&["report", "--from", &saved_arg, "--format", "sarif"]);
    assert_eq!(code(&rendered), 2, "{}", stderr(&rendered));
    assert!(stderr(&rendered).contains("severity is high but rules[] gives"), "{}", stderr(&rendered));

    // A second rules[] entry of one id (first, harmless-looking) could give SARIF two rule
    // descriptors of one id: refused. So is a score out of range, kept or not.
    let mut twice = pristine.clone();
    let rules = twice["rules"].as_array_mut().expect("rules");
    let mut decoy = rules[1].clone();
    decoy["severity"] = serde_json::json!("info");
    rules.insert(0, decoy);
    std::fs::write(&saved, twice.to_string()).expect("write");
    let rendered = sfaudit(&["report", "--from", &saved_arg, "--format", "sarif"]);
    assert_eq!(code(&rendered), 2, "{}", stderr(&rendered));
    assert!(stderr(&rendered).contains("twice"), "{}", stderr(&rendered));
    // A run whose --min-confidence left results out keeps its written score, but only one those
    // few hidden results could have made; nothing is hidden below low.
    let mut hidden = pristine.clone();
    hidden["run"]["hidden"] = serde_json::json!({"below": "high", "count": 20});
    hidden["summary"]["score"] = serde_json::json!(real + 1);
    std::fs::write(&saved, hidden.to_string()).expect("write");
    let table = stdout(&sfaudit(&["report", "--from", &saved_arg, "--format", "table"]));
    assert!(table.contains(&format!("Score:   {}/100", real + 1)), "20 hidden passes explain it: {table}");
    hidden["run"]["hidden"]["count"] = serde_json::json!(1);
    hidden["summary"]["score"] = serde_json::json!(100);
    std::fs::write(&saved, hidden.to_string()).expect("write");
    let table = stdout(&sfaudit(&["report", "--from", &saved_arg, "--format", "table"]));
    assert!(table.contains(&format!("Score:   {real}/100")), "one hidden result cannot make 100: {table}");
    hidden["run"]["hidden"]["below"] = serde_json::json!("low");
    std::fs::write(&saved, hidden.to_string()).expect("write");
    let rendered = sfaudit(&["report", "--from", &saved_arg]);
    assert_eq!(code(&rendered), 2, "{}", stderr(&rendered));
    assert!(stderr(&rendered).contains("less sure than low"), "{}", stderr(&rendered));

    let mut out_of_range = pristine;
    out_of_range["summary"]["score"] = serde_json::json!(255);
    std::fs::write(&saved, out_of_range.to_string()).expect("write");
    let rendered = sfaudit(&["report", "--from", &saved_arg]);
    assert_eq!(code(&rendered), 2, "{}", stderr(&rendered));
    assert!(stderr(&rendered).contains("summary.score is 255"), "{}", stderr(&rendered));
}

/// A snapshot is judged as of the evaluation date: every certificate's days are computed again,
/// the SAML service provider's too (they kept the days of the run that wrote the file).
#[test]
fn a_snapshot_judges_every_certificate_as_of_the_evaluation_date() {
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = folder.path().join("results.json").display().to_string();
    let output =
        sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--fail-on", "none", "--format", "json", "--output", &saved]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let actual_on = |as_of: &str| {
        let output =
            sfaudit(&["scan", "--snapshot", &saved, "--as-of", as_of, "--fail-on", "none", "--format", "json"]);
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        crate::common::status_of(&document, "saml-certificate-expired", "Expense_Portal_SSO").expect("a result");
        document["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|result| {
                result["rule_id"] == "saml-certificate-expired" && result["resource"]["name"] == "Expense_Portal_SSO"
            })
            .and_then(|result| result["actual"].as_str().map(str::to_string))
            .expect("your value")
    };
    let (first, month_later) = (actual_on(DEMO_AS_OF), actual_on("2027-01-01"));
    assert!(first.starts_with("expired 31 days ago"), "{first}");
    assert!(month_later.starts_with("expired 62 days ago"), "{month_later}");
}
