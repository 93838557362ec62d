//! The CSV report (src/report/csv.rs): the demo sample, one row per result, RFC 4180 quoting and
//! spreadsheet formula injection.

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, scan_json, sfaudit, stdout};
use crate::report::{hostile_project, parse_csv, scan_hostile};

const COLUMNS: [&str; 22] = [
    "rule_id",
    "status",
    "health_status",
    "severity",
    "risk_group",
    "control",
    "title",
    "category",
    "resource_kind",
    "resource_name",
    "resource_label",
    "your_value",
    "recommended_value",
    "reason",
    "file",
    "line",
    "fingerprint",
    "suppressed",
    "suppression_reason",
    "confidence",
    "assumed_default",
    "resource_namespace",
];

/// Rows that are results, not notes about the run.
const NOT_RESULTS: [&str; 3] = ["note", "input_problem", "policy_loosening"];

#[test]
fn demo_csv_matches_the_committed_sample() {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "csv"]);
    assert_eq!(code(&output), 1);
    assert_matches_sample("demo.csv", &stdout(&output));
}

#[test]
fn csv_has_a_header_and_one_row_per_result_in_json_order() {
    let text = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "csv", "--fail-on", "none"]));
    assert!(!text.starts_with('\u{feff}'), "no byte-order mark");
    assert!(!text.contains("\r\n"), "records end with LF");
    let records = parse_csv(&text);
    assert_eq!(records[0], COLUMNS);
    assert!(records.iter().all(|record| record.len() == COLUMNS.len()));
    let document = scan_json(DEMO, DEMO_AS_OF);
    let results = document["results"].as_array().expect("results");
    let result_rows: Vec<&Vec<String>> =
        records[1..].iter().filter(|record| !NOT_RESULTS.contains(&record[1].as_str())).collect();
    assert_eq!(result_rows.len(), results.len());
    for (record, result) in result_rows.into_iter().zip(results) {
        assert_eq!(record[0], result["rule_id"].as_str().expect("id"));
        assert_eq!(record[1], result["status"].as_str().expect("status"));
        assert_eq!(record[9], result["resource"]["name"].as_str().expect("name"));
        let default = if result["assumed"] == true { " (default)" } else { "" };
        assert_eq!(
            record[11],
            result["actual"].as_str().map(|actual| format!("{actual}{default}")).unwrap_or_default()
        );
        assert_eq!(record[19], result["confidence"].as_str().expect("confidence"));
        assert_eq!(record[20], result["assumed"].as_bool().expect("assumed").to_string());
        let namespace = match result["resource"]["kind"].as_str() {
            Some("org") => "",
            _ => crate::common::app_of(&document, result)["namespace"].as_str().expect("namespace"),
        };
        assert_eq!(record[21], namespace);
        assert_eq!(record[13], result["reason"].as_str().unwrap_or(""));
        assert_eq!(record[14], result["location"]["path"].as_str().unwrap_or(""));
        assert_eq!(record[15], result["location"]["line"].as_u64().map(|line| line.to_string()).unwrap_or_default());
        assert_eq!(record[16], result["fingerprint"].as_str().expect("fingerprint"));
        assert_eq!(record[17], "false");
    }
    let statuses: std::collections::BTreeSet<&str> =
        records[1..].iter().map(|record| record[1].as_str()).filter(|status| !NOT_RESULTS.contains(status)).collect();
    assert_eq!(statuses.len(), 4, "every outcome has rows: {statuses:?}");
    let critical = records
        .iter()
        .find(|record| record[0] == "client-credentials-secret-in-source" && record[1] == "fail")
        .expect("row");
    assert_eq!(
        (critical[2].as_str(), critical[3].as_str(), critical[4].as_str()),
        ("Critical", "critical", "High Risk")
    );
}

#[test]
fn hostile_fields_are_quoted_and_formulas_defused() {
    let project = hostile_project();
    let records = parse_csv(&scan_hostile(project.path(), "csv"));
    assert!(records.iter().all(|record| record.len() == COLUMNS.len()));
    for record in &records {
        for field in record {
            assert!(!field.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula left live: {field:?}");
        }
    }
    let row =
        |name: &str| records.iter().find(|record| record[9] == name).unwrap_or_else(|| panic!("no row for {name}"));
    assert_eq!(row("'=HYPERLINK(x)")[10], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(row("# Heading")[10], "'-1");
    let evil = row("Evil|`tick`<img src=x onerror=alert(1)>");
    assert_eq!(
        evil[10],
        "<img src=x onerror=alert(1)> | *bold* _em_ [x](javascript:alert(1)) `code` ~~s~~ $m$ &amp; \"q\", line1\\nline2\\r\\nline3",
        "the label survives quoting, its line breaks shown as \\n and \\r so it cannot start a record"
    );
}
