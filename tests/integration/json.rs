//! The JSON report of the demo project (src/report/json.rs).

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, scan_json, sfaudit, stdout};

#[test]
fn demo_json_matches_the_committed_sample() {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json"]);
    assert_eq!(code(&output), 1);
    assert_matches_sample("demo.json", &stdout(&output));
}

#[test]
fn json_keeps_every_outcome_the_run_metadata_and_the_inventory() {
    let document = scan_json(DEMO, DEMO_AS_OF);
    assert_eq!(document["schema_version"], 1);
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
