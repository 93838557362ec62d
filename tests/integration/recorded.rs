//! Recorded Salesforce answers (tests/fixtures/salesforce, provenance in its SOURCES.md)
//! replayed through sfaudit's SOAP and REST parsers and, served by the fake org, through the
//! live path: every envelope and error body is read, every token error gives its documented
//! message, and what the recordings showed sfaudit handled wrongly is handled.

use reqwest::StatusCode;
use sfaudit::salesforce::client::Verdict;
use sfaudit::salesforce::{rest, soap};

use crate::common::{code, repo_root, stderr, stdout};
use crate::fake_org::{Config, FakeOrg, TokenReply};
use crate::org::{args, demo_org, json_of, keys, live_scan, login_args, run};

fn fixture(path: &str) -> Vec<u8> {
    let full = repo_root().join("tests/fixtures/salesforce").join(path);
    std::fs::read(&full).unwrap_or_else(|error| panic!("{}: {error}", full.display()))
}

fn text(path: &str) -> String {
    String::from_utf8(fixture(path)).expect("UTF-8 fixture")
}

#[test]
fn recorded_soap_answers_parse_and_faults_classify_by_code() {
    let listed = soap::parse_list(&text("soap/list_metadata_modern.xml")).expect("modern list");
    assert_eq!(listed.len(), 2);
    assert_eq!((listed[0].namespace_prefix.as_str(), listed[0].manageable_state.as_str()), ("Vendor", "installed"));
    assert_eq!((listed[1].full_name.as_str(), listed[1].namespace_prefix.as_str()), ("Replay_Local", ""));
    let legacy = soap::parse_list(&text("soap/list_metadata_legacy.xml")).expect("legacy list");
    assert_eq!((legacy.len(), legacy[0].id.as_str(), legacy[0].namespace_prefix.as_str()), (1, "", ""));
    assert!(soap::parse_list(&text("soap/list_metadata_empty.xml")).expect("empty list").is_empty());

    let records = soap::parse_read(&text("soap/read_metadata_connected_app.xml")).expect("read");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].text_of("fullName"), Some("Replay_Sync"));
    let config = records[0].child("oauthConfig").expect("oauthConfig");
    assert!(config.child("consumerSecret").is_none() && !format!("{records:?}").contains("REPLAYSECRET"));
    assert!(soap::parse_read(&text("soap/read_metadata_missing.xml")).expect("nil").is_empty());
    let mixed = soap::parse_read(&text("soap/read_metadata_mixed.xml")).expect("mixed");
    assert_eq!(mixed.len(), 1);
    assert_eq!(mixed[0].text_of("fullName"), Some("Replay_Found"));

    let status = StatusCode::INTERNAL_SERVER_ERROR;
    for file in ["fault_invalid_session.xml", "fault_invalid_session_api.xml", "fault_invalid_session_partner.xml"] {
        assert!(matches!(soap::classify(status, &fixture(&format!("soap/{file}"))), Verdict::SessionInvalid), "{file}");
    }
    for (file, expected) in
        [("fault_insufficient_access.xml", "INSUFFICIENT_ACCESS"), ("fault_invalid_type.xml", "INVALID_TYPE")]
    {
        match soap::classify(status, &fixture(&format!("soap/{file}"))) {
            Verdict::Refused { code, message } => {
                assert_eq!(code, expected, "{file}");
                assert!(message.starts_with(expected), "{file}: {message}");
            }
            _ => panic!("{file}: not refused"),
        }
    }
    assert!(matches!(soap::classify(status, &fixture("soap/fault_unknown_exception.xml")), Verdict::Retry(_)));
    assert!(matches!(soap::classify(status, &fixture("soap/fault_request_limit.xml")), Verdict::LimitExceeded(_)));
    assert!(matches!(soap::classify(StatusCode::OK, &fixture("soap/list_metadata_modern.xml")), Verdict::Done(_)));
}

#[test]
fn recorded_rest_errors_classify_by_code_with_their_reason_on_one_line() {
    let refused = [
        ("error_invalid_field.json", "INVALID_FIELD", "No such column 'Replay_Score__c' on entity 'Account'."),
        ("error_invalid_field_long_query.json", "INVALID_FIELD", "No such column 'CleanStatus' on entity 'Account'."),
        ("error_invalid_type_caret.json", "INVALID_TYPE", "sObject type 'Replay_Store__c' is not supported."),
        ("error_invalid_type_short.json", "INVALID_TYPE", "sObject type 'SecurityHealthCheck' is not supported."),
        ("error_malformed_query.json", "MALFORMED_QUERY", "unexpected token: q"),
        ("error_malformed_search_caret.json", "MALFORMED_SEARCH", "line 1:13 mismatched character '|'"),
        ("error_malformed_query_localized.json", "MALFORMED_QUERY", "RelationshipDomain: 列を絞り込む場合"),
        ("error_api_disabled.json", "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."),
    ];
    for (file, expected_code, reason) in refused {
        let status = if file.contains("disabled") { StatusCode::FORBIDDEN } else { StatusCode::BAD_REQUEST };
        match rest::classify(status, &fixture(&format!("rest/{file}"))) {
            Verdict::Refused { code, message } => {
                assert_eq!(code, expected_code, "{file}");
                assert!(message.starts_with(reason), "{file}: {message}");
                assert!(!message.contains('\n') && !message.contains("ERROR at Row"), "{file}: {message}");
            }
            _ => panic!("{file}: not refused"),
        }
    }
    for file in ["error_invalid_session.json", "error_invalid_session_api.json"] {
        assert!(matches!(
            rest::classify(StatusCode::UNAUTHORIZED, &fixture(&format!("rest/{file}"))),
            Verdict::SessionInvalid
        ));
    }
    assert!(matches!(
        rest::classify(StatusCode::FORBIDDEN, &fixture("rest/error_request_limit.json")),
        Verdict::LimitExceeded(message) if message == "TotalRequests Limit exceeded."
    ));
    for file in ["query_page1.json", "query_page2.json", "query_empty.json", "tooling_query.json"] {
        assert!(
            matches!(rest::classify(StatusCode::OK, &fixture(&format!("rest/{file}"))), Verdict::Done(_)),
            "{file}"
        );
    }
}

#[test]
fn recorded_token_endpoint_answers_give_their_documented_message() {
    let keys = keys();
    let cases = [
        ("error_not_approved.json", "not pre-authorized for the app"),
        ("error_invalid_assertion.json", "could not verify the signed assertion"),
        ("error_audience_invalid.json", "refused the assertion's audience"),
        ("error_expired_authorization_code.json", "clock"),
        ("error_authentication_failure.json", "Salesforce refused the login (invalid_grant: authentication failure)"),
        ("error_inactive_user.json", "refused the login for"),
        ("error_invalid_client_id.json", "--client-id is not the consumer key"),
        ("error_invalid_client.json", "Salesforce refused the login (invalid_client: invalid client credentials)"),
        ("error_unsupported_grant_type.json", "did not accept a JWT bearer request"),
    ];
    for (file, expected) in cases {
        let body = text(&format!("oauth/{file}"));
        let fake = FakeOrg::start(
            demo_org(),
            Config { token_endpoint_reply: Some(TokenReply::Fixed { status: 400, body }), ..Config::default() },
        );
        let login = login_args(&fake, &keys.scanner);
        let output = run(&args(&["login"], &login), &[]);
        assert_eq!(code(&output), 3, "{file}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{file}: {}", stderr(&output));
    }
    let fake = FakeOrg::start(
        demo_org(),
        Config {
            token_endpoint_reply: Some(TokenReply::Fixed { status: 200, body: text("oauth/jwt_success.json") }),
            ..Config::default()
        },
    );
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["login"], &login), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("00Dxx0000001gPLEAY") && stdout(&output).contains("https://example.my.salesforce.com")
    );
    assert!(!stdout(&output).contains("REPLAYTOKEN") && !stderr(&output).contains("REPLAYTOKEN"));
}

fn result_of<'d>(document: &'d serde_json::Value, rule: &str, app: &str) -> Option<&'d serde_json::Value> {
    document["results"].as_array()?.iter().find(|result| result["rule_id"] == rule && result["resource"]["name"] == app)
}

#[test]
fn a_listed_app_whose_record_comes_back_nil_is_an_app_every_rule_reports_unknown() {
    let keys = keys();
    let mut config = Config::default();
    // A Connected App, and an External Client App every file of which comes back nil.
    for name in [
        "Data_Loader_Bulk",
        "CI_Deploy_Pipeline",
        "CI_Deploy_Pipeline_glbloauth",
        "CI_Deploy_Pipeline_oauthPlcy",
        "CI_Deploy_Pipeline_plcy",
        "CI_Deploy_Pipeline_oauth",
    ] {
        config.nil_records.insert(name.into());
    }
    let fake = FakeOrg::start(demo_org(), config);
    let output = live_scan(&fake, &keys.scanner, &["--allow-incomplete"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = json_of(&output);
    for (app, kind) in [("Data_Loader_Bulk", "connected_app"), ("CI_Deploy_Pipeline", "external_client_app")] {
        let record = document["inventory"]["apps"]
            .as_array()
            .expect("apps")
            .iter()
            .find(|record| record["name"] == app && record["kind"] == kind)
            .unwrap_or_else(|| panic!("{app} is an app record"));
        assert!(record["missing"]["oauth"].as_str().is_some_and(|reason| reason.contains("xsi:nil")), "{record}");
        let result = result_of(&document, "integration-not-admin-approved", app).expect("a result for the app");
        assert_eq!(result["status"], "unknown", "{result}");
    }
    let incomplete = document["run"]["source"]["collection"]["incomplete"].to_string();
    assert!(incomplete.contains("ConnectedApp Data_Loader_Bulk was listed"), "{incomplete}");
}

#[test]
fn missing_settings_give_one_accurate_line_each() {
    let keys = keys();
    let mut config = Config::default();
    config.nil_records.insert("OauthOidc".into());
    let fake = FakeOrg::start(demo_org(), config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    let lines: Vec<&str> = error.lines().filter(|line| line.contains("OauthOidc")).collect();
    assert_eq!(lines.len(), 1, "one line for the setting: {error}");
    assert!(lines[0].contains("read by name") && !lines[0].contains("listed"), "{}", lines[0]);
    assert!(lines[0].contains("View Setup and Configuration"), "it says what to check: {}", lines[0]);
    assert!(!error.contains("named above"), "{error}");
}

#[test]
fn multi_line_soql_errors_show_their_reason_on_one_line_and_the_whole_text_at_vv() {
    let keys = keys();
    let mut config = Config::default();
    config.unreadable.insert("OauthToken".into());
    let fake = FakeOrg::start(demo_org(), config);
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    let line = error.lines().find(|line| line.contains("OauthToken could not be read")).expect("the incomplete line");
    assert!(line.contains("INVALID_TYPE: sObject type 'OauthToken' is not supported."), "{line}");
    assert!(!error.contains("ERROR at Row") && !error.lines().any(|line| line.trim() == "^"), "{error}");
    assert!(line.contains("--api-version"), "INVALID_TYPE can mean the API version lacks the object: {line}");
    let verbose = live_scan(&fake, &keys.scanner, &["-vv"]);
    let verbose = stderr(&verbose);
    assert!(verbose.contains("the whole message") && verbose.contains("ERROR at Row:1:Column:"), "{verbose}");
    assert!(verbose.lines().all(|line| line.trim() != "^"), "the whole text is escaped onto one line: {verbose}");
}
