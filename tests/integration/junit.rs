//! The JUnit XML report (src/report/junit.rs), validated with `xmllint --schema` against the
//! Jenkins xUnit `junit-10.xsd`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, repo_root, scan_json, sfaudit, stderr, stdout};

fn demo_junit() -> String {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "junit", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
}

/// Runs `xmllint --schema junit-10.xsd` on `xml`. Without xmllint (Debian: libxml2-utils) the
/// check fails under CI and is skipped, loudly, on a developer machine.
fn assert_valid_junit(xml: &str) {
    let available = Command::new("xmllint").arg("--version").output().is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint is required in CI to validate JUnit output: apt-get install -y libxml2-utils (.ci/run does this)"
        );
        // Written to the real stderr, not through eprintln!, which the test harness captures.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n!!! NOTICE: xmllint not found; JUnit XML was NOT validated against junit-10.xsd.\n!!! Install it with `apt-get install -y libxml2-utils` (CI fails without it).\n\n",
        );
        return;
    }
    let schema = repo_root().join("..").join("shared").join("schemas").join("junit-10.xsd");
    assert!(schema.is_file(), "{} is missing", schema.display());
    let folder = tempfile::tempdir().expect("temp dir");
    let file = folder.path().join("report.junit.xml");
    std::fs::write(&file, xml).expect("write");
    let output = xmllint(&schema, &file);
    assert!(
        output.status.success(),
        "JUnit output does not validate against junit-10.xsd:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn xmllint(schema: &Path, file: &Path) -> std::process::Output {
    Command::new("xmllint").arg("--noout").arg("--schema").arg(schema).arg(file).output().expect("xmllint runs")
}

fn attribute_count(node: roxmltree::Node<'_, '_>, name: &str) -> usize {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name} attribute", node.tag_name().name()))
        .parse()
        .expect("a count")
}

fn child<'a, 'input>(node: roxmltree::Node<'a, 'input>, name: &str) -> Option<roxmltree::Node<'a, 'input>> {
    node.children().find(|child| child.has_tag_name(name))
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

/// Counts the test cases' elements, checks that every suite's attributes agree with them, and
/// returns the totals, which must agree with the `<testsuites>` attributes too.
fn checked_counts(xml: &str) -> Counts {
    let document = roxmltree::Document::parse(xml).unwrap_or_else(|error| panic!("not well-formed XML: {error}"));
    let root = document.root_element();
    assert!(root.has_tag_name("testsuites"));
    let mut total = Counts::default();
    for suite in root.children().filter(|node| node.has_tag_name("testsuite")) {
        let cases: Vec<_> = suite.children().filter(|node| node.has_tag_name("testcase")).collect();
        let count = |name: &str| cases.iter().filter(|case| child(**case, name).is_some()).count();
        let counts = Counts {
            tests: cases.len(),
            failures: count("failure"),
            errors: count("error"),
            skipped: count("skipped"),
        };
        let name = suite.attribute("name").unwrap_or_default();
        assert_eq!(attribute_count(suite, "tests"), counts.tests, "suite {name}");
        assert_eq!(attribute_count(suite, "failures"), counts.failures, "suite {name}");
        assert_eq!(attribute_count(suite, "errors"), counts.errors, "suite {name}");
        assert_eq!(attribute_count(suite, "skipped"), counts.skipped, "suite {name}");
        for case in &cases {
            let outcomes = ["failure", "error", "skipped"].iter().filter(|name| child(*case, name).is_some()).count();
            assert!(outcomes <= 1, "a test case has more than one outcome");
        }
        total.tests += counts.tests;
        total.failures += counts.failures;
        total.errors += counts.errors;
        total.skipped += counts.skipped;
    }
    assert_eq!(attribute_count(root, "tests"), total.tests);
    assert_eq!(attribute_count(root, "failures"), total.failures);
    assert_eq!(attribute_count(root, "errors"), total.errors);
    total
}

fn status_count(json: &Value, status: &str) -> usize {
    json["summary"]["by_status"][status].as_u64().expect("a count") as usize
}

#[test]
fn demo_junit_matches_the_committed_sample_and_is_deterministic() {
    let render = || sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "junit"]);
    let output = render();
    assert_eq!(code(&output), 1, "the demo fails the default gate: {}", stderr(&output));
    let first = stdout(&output);
    assert!(first == stdout(&render()), "two renderings of the demo differ");
    assert_matches_sample("demo.junit.xml", &first);
}

#[test]
fn demo_junit_validates_against_junit_10_xsd() {
    assert_valid_junit(&demo_junit());
}

#[test]
fn junit_counts_agree_with_the_json_summary() {
    let json = scan_json(DEMO, DEMO_AS_OF);
    let xml = demo_junit();
    let counts = checked_counts(&xml);
    assert_eq!(counts.tests, json["summary"]["total"].as_u64().expect("total") as usize);
    assert_eq!(counts.failures, status_count(&json, "fail"));
    assert_eq!(counts.errors, status_count(&json, "unknown"));
    assert_eq!(counts.skipped, status_count(&json, "not_applicable"));
    assert!(counts.failures > 0 && counts.errors > 0 && counts.skipped > 0, "the demo has every outcome");
}

#[test]
fn one_suite_per_category_and_one_case_per_rule_and_resource() {
    let json = scan_json(DEMO, DEMO_AS_OF);
    let xml = demo_junit();
    let document = roxmltree::Document::parse(&xml).expect("well-formed");
    let mut expected: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for result in json["results"].as_array().expect("results") {
        let rule = result["rule_id"].as_str().expect("rule").to_string();
        let name = format!("{rule} :: {}", result["resource"]["name"].as_str().expect("name"));
        let category = crate::common::rule_of(&json, result)["category"].as_str().expect("category");
        expected.entry(category.to_string()).or_default().push((name, rule));
    }
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for suite in document.root_element().children().filter(|node| node.has_tag_name("testsuite")) {
        let cases = found.entry(suite.attribute("name").expect("name").to_string()).or_default();
        for case in suite.children().filter(|node| node.has_tag_name("testcase")) {
            cases.push((
                case.attribute("name").expect("name").to_string(),
                case.attribute("classname").expect("classname").to_string(),
            ));
        }
    }
    assert_eq!(found, expected);

    // A failure carries the severity, your value, the recommended value and the remediation.
    let failed = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["status"] == "fail" && result["actual"].is_string())
        .expect("a failed result with a value");
    let name = format!(
        "{} :: {}",
        failed["rule_id"].as_str().expect("id"),
        failed["resource"]["name"].as_str().expect("name")
    );
    let case =
        document.descendants().find(|node| node.attribute("name") == Some(name.as_str())).expect("its test case");
    let failure = child(case, "failure").expect("a <failure>");
    assert_eq!(failure.attribute("type"), failed["severity"].as_str());
    let message = failure.attribute("message").expect("message");
    assert!(message.contains(failed["actual"].as_str().expect("actual")), "{message}");
    assert!(message.contains(failed["expected"].as_str().expect("expected")), "{message}");
    let details = failure.text().expect("details");
    let rule =
        json["rules"].as_array().expect("rules").iter().find(|rule| rule["id"] == failed["rule_id"]).expect("rule");
    assert!(details.contains(rule["remediation"].as_str().expect("remediation").trim()), "{details}");
    assert!(details.contains("Your value: "), "{details}");

    // Unknown is an error with the reason; not applicable is skipped.
    let unknown = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["status"] == "unknown")
        .expect("an unknown");
    let name = format!(
        "{} :: {}",
        unknown["rule_id"].as_str().expect("id"),
        unknown["resource"]["name"].as_str().expect("name")
    );
    let case =
        document.descendants().find(|node| node.attribute("name") == Some(name.as_str())).expect("its test case");
    assert_eq!(child(case, "error").and_then(|error| error.attribute("message")), unknown["reason"].as_str());
}

#[test]
fn a_suppressed_failure_is_skipped_with_its_reason() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut json = scan_json(DEMO, DEMO_AS_OF);
    let results = json["results"].as_array_mut().expect("results");
    let failed = results.iter_mut().find(|result| result["status"] == "fail").expect("a failed result");
    failed["suppression"] = serde_json::json!({"reason": "accepted <risk> & more", "source": "sfaudit.toml:3"});
    let name = format!(
        "{} :: {}",
        failed["rule_id"].as_str().expect("id"),
        failed["resource"]["name"].as_str().expect("name")
    );
    let saved = folder.path().join("results.json");
    std::fs::write(&saved, serde_json::to_string(&json).expect("json")).expect("write");
    let output = sfaudit(&["report", "--from", &saved.display().to_string(), "--format", "junit"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let xml = stdout(&output);
    assert_valid_junit(&xml);
    let counts = checked_counts(&xml);
    assert_eq!(counts.failures, status_count(&json, "fail") - 1);
    assert_eq!(counts.skipped, status_count(&json, "not_applicable") + 1);
    let document = roxmltree::Document::parse(&xml).expect("well-formed");
    let case =
        document.descendants().find(|node| node.attribute("name") == Some(name.as_str())).expect("its test case");
    assert!(child(case, "failure").is_none());
    assert_eq!(
        child(case, "skipped").and_then(|skipped| skipped.attribute("message")),
        Some("suppressed: accepted <risk> & more")
    );
}

#[test]
fn a_hostile_app_name_yields_well_formed_valid_xml() {
    let folder = tempfile::tempdir().expect("temp dir");
    let apps = folder.path().join("connectedApps");
    std::fs::create_dir_all(&apps).expect("mkdir");
    std::fs::write(
        apps.join("Evil<&\u{1b}[2J\"'].connectedApp-meta.xml"),
        "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>]]&gt;&lt;/testcase&gt;</label><oauthConfig><callbackUrl>http://evil.example.com/</callbackUrl><scopes>Full</scopes></oauthConfig></ConnectedApp>",
    )
    .expect("write");
    let output = sfaudit(&["scan", &folder.path().display().to_string(), "--format", "junit", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!output.stdout.contains(&0x1b), "a raw escape character reached the JUnit output");
    let xml = stdout(&output);
    let counts = checked_counts(&xml);
    assert!(counts.failures > 0, "the hostile app has findings");
    assert_valid_junit(&xml);
    let document = roxmltree::Document::parse(&xml).expect("well-formed");
    let names: Vec<&str> = document.descendants().filter_map(|node| node.attribute("name")).collect();
    assert!(names.iter().any(|name| name.ends_with(":: Evil<&\\u{1b}[2J\"']")), "{names:?}");
    assert!(xml.contains("]]&gt;&lt;/testcase&gt;"), "the label is escaped in the details");
}
