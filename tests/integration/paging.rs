//! A server that pages for ever (src/salesforce/rest.rs, src/collect/org/tokens.rs,
//! src/collect/org/eca_usage.rs) or answers usage in a shape sfaudit does not know: the source is
//! unreadable and the scan ends incomplete (exit 3), promptly, never looping on or reading the
//! answer as "no usage".

use serde_json::json;

use crate::common::{code, stderr};
use crate::fake_org::answers::RestAnswer;
use crate::fake_org::{Config, FakeOrg};
use crate::org::{demo_org, keys, live_scan};

fn scan_with(answers: Vec<RestAnswer>) -> (std::process::Output, u64) {
    let keys = keys();
    let fake = FakeOrg::start(demo_org(), Config { rest_answers: answers, ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &[]);
    (output, fake.stats().api_calls)
}

fn assert_incomplete_naming(output: &std::process::Output, calls: u64, named: &[&str]) {
    let error = stderr(output);
    assert_eq!(code(output), 3, "{error}");
    for text in named {
        assert!(error.contains(text), "stderr does not say '{text}': {error}");
    }
    // The demo org takes about 40 calls; a loop would take thousands before the test's timeout.
    assert!(calls < 200, "{calls} API calls: the paging did not stop");
}

#[test]
fn a_next_records_url_that_comes_back_is_refused() {
    let page = json!({
        "totalSize": 50, "done": false, "nextRecordsUrl": "/services/data/v65.0/query/loop-1",
        "records": [{"attributes": {"type": "OauthToken"}, "Id": "0CQ000000000001", "AppName": "Loop",
                     "UserId": "005000000000001", "UseCount": 1}]
    });
    let (output, calls) = scan_with(vec![
        RestAnswer::new("/query/loop-1", "", page.clone()),
        RestAnswer::new("/query", "FROM OauthToken", page),
    ]);
    assert_incomplete_naming(&output, calls, &["OauthToken", "pages without end"]);
}

#[test]
fn more_records_than_the_total_size_are_refused() {
    let record = json!({"attributes": {"type": "OauthToken"}, "AppName": "Loop", "UserId": "005000000000001"});
    let (output, calls) = scan_with(vec![RestAnswer::new(
        "/query",
        "FROM OauthToken",
        json!({"totalSize": 1, "done": true, "records": [record.clone(), record]}),
    )]);
    assert_incomplete_naming(&output, calls, &["OauthToken", "more records than its totalSize"]);
}

#[test]
fn token_windows_that_do_not_move_on_are_refused() {
    // The same two users whatever the window's WHERE says, with a total that says "more".
    let row =
        |user: &str| json!({"attributes": {"type": "OauthToken"}, "AppName": "Loop", "UserId": user, "UseCount": 1});
    let (output, calls) = scan_with(vec![RestAnswer::new(
        "/query",
        "FROM OauthToken",
        json!({"totalSize": 5000, "done": true, "records": [row("005000000000001"), row("005000000000002")]}),
    )]);
    assert_incomplete_naming(&output, calls, &["OauthToken", "the same window came back"]);
}

#[test]
fn usage_pages_that_ignore_the_page_number_are_refused() {
    let apps: Vec<_> = (0..100)
        .map(|index| json!({"identifier": format!("0x{index}"), "developerName": format!("App_{index}")}))
        .collect();
    let (output, calls) = scan_with(vec![RestAnswer::new("/apps/oauth/usage", "", json!({"apps": apps}))]);
    assert_incomplete_naming(&output, calls, &["/apps/oauth/usage", "ignores the page parameter"]);
}

#[test]
fn usage_in_an_unknown_shape_is_unreadable_not_no_usage() {
    let (output, calls) =
        scan_with(vec![RestAnswer::new("/apps/oauth/usage", "", json!({"applications": [{"identifier": "x"}]}))]);
    assert_incomplete_naming(&output, calls, &["/apps/oauth/usage", "has no apps member"]);
}

/// One endpoint that refuses every session while the org takes them for everything else is that
/// source's failure, not the org refusing the integration's sessions: the rest of the scan stands
/// and the run exits 3 naming it.
#[test]
fn one_endpoint_refusing_valid_sessions_is_that_source_unreadable() {
    let refusal = RestAnswer {
        status: 401,
        ..RestAnswer::new(
            "/apps/oauth/usage",
            "",
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        )
    };
    let (output, calls) = scan_with(vec![refusal]);
    assert_incomplete_naming(&output, calls, &["/apps/oauth/usage", "INVALID_SESSION_ID"]);
    let error = stderr(&output);
    assert!(!error.contains("refused every session"), "{error}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the report stands");
    assert!(document["results"].as_array().is_some_and(|results| !results.is_empty()));
}
