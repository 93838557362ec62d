//! Flaky and hostile orgs (src/salesforce/client.rs, src/salesforce/auth, src/escape/server.rs):
//! sessions that keep expiring, sessions refused at once, JWT-shaped tokens, token endpoints
//! that echo the request or never stop answering, and every fault mode at `-vv` with no token,
//! key or assertion in any output.

use std::time::Duration;

use crate::common::{code, stderr, stdout};
use crate::fake_org::{Config, FakeOrg, Fault, TestKeys, TokenReply};
use crate::org::{
    args, comparable_all, demo_org, demo_org_with_apps, json_of, keys, live_scan, login_args, run, with_faults,
};

fn busy_config() -> Config {
    Config { oauth_token_batch: 5, latency: Duration::from_millis(1), ..Config::default() }
}

#[test]
fn sessions_expiring_every_n_calls_never_end_the_scan_under_concurrency() {
    let keys = keys();
    // Enough apps that even 50-call sessions expire during the scan.
    for (lifetime, apps) in [(1, 100), (3, 100), (10, 100), (50, 600)] {
        let baseline = {
            let fake = FakeOrg::start(demo_org_with_apps(apps), busy_config());
            comparable_all(&json_of(&live_scan(&fake, &keys.scanner, &[])))
        };
        // Twice each: the outcome must not depend on the order answers arrive in.
        for run_number in 1..=2 {
            let fake = FakeOrg::start(
                demo_org_with_apps(apps),
                Config { session_lifetime_calls: Some(lifetime), ..busy_config() },
            );
            let output = live_scan(&fake, &keys.scanner, &["--concurrency", "16", "-v"]);
            let name = format!("sessions of {lifetime} calls, run {run_number}");
            assert_eq!(code(&output), 0, "{name}: {}", stderr(&output));
            assert_eq!(comparable_all(&json_of(&output)), baseline, "{name}: results differ from a steady org");
            let stats = fake.stats();
            assert!(stats.successful_logins >= 2, "{name}: sessions expired and were replaced: {stats:?}");
            // A dead session is not used for new calls: at most the calls in flight are refused.
            assert!(
                stats.successful_logins * (lifetime + 16) >= stats.api_calls,
                "{name}: calls kept going to a dead session: {stats:?}"
            );
            assert!(stats.max_in_flight > 1, "{name}: calls ran concurrently");
            assert!(stderr(&output).contains("logging in again"), "{name}: {}", stderr(&output));
        }
    }
}

#[test]
fn a_fresh_token_refused_at_once_ends_the_scan_naming_jwt_based_tokens() {
    let keys = keys();
    let fake = FakeOrg::start(demo_org(), Config { refuse_every_session: true, ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(error.contains("refused every session right after a successful login"), "{error}");
    assert!(error.contains("JWT-based access tokens"), "{error}");
    assert!(error.contains("IP"), "IP ranges and session settings come second: {error}");
    assert!(!error.contains("--concurrency lower") && !error.contains("try again later"), "{error}");
    // The first token, then one fresh login whose token was refused too: no loop.
    assert_eq!(fake.stats().successful_logins, 2, "{:?}", fake.stats());
    assert!(stdout(&output).is_empty());

    // The token itself is a JWT: said at login, before the first call fails.
    let fake =
        FakeOrg::start(demo_org(), Config { refuse_every_session: true, jwt_access_tokens: true, ..Config::default() });
    let output = live_scan(&fake, &keys.scanner, &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(error.contains("warning: the access token is a JWT"), "{error}");
    assert!(error.contains("hint: the access token is a JWT"), "{error}");
    for token in fake.issued_tokens() {
        assert!(!error.contains(&token[..40]), "a token reached the output: {error}");
    }
}

#[test]
fn a_token_endpoint_that_echoes_the_request_never_gets_the_assertion_printed() {
    let keys = keys();
    let fake =
        FakeOrg::start(demo_org(), Config { token_endpoint_reply: Some(TokenReply::EchoRequest), ..Config::default() });
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["login", "-vv"], &login), &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(error.contains("refused the login") && error.contains("[redacted]"), "{error}");
    assert!(!error.contains("eyJ"), "the signed assertion reached the output: {error}");
    assert!(!error.contains("grant_type=urn") || error.contains("assertion=[redacted]"), "{error}");
    for line in error.lines() {
        assert!(line.chars().count() < 1_000, "server text is bounded: {line}");
    }

    let fake = FakeOrg::start(
        demo_org(),
        Config { token_endpoint_reply: Some(TokenReply::Oversized(200_000)), ..Config::default() },
    );
    let login = login_args(&fake, &keys.scanner);
    let output = run(&args(&["login"], &login), &[]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("more than 64 KiB"), "{}", stderr(&output));
}

/// Every fault the fake can inject, at `-vv`: whatever happens, no access token, no line of the
/// private key and no assertion appears on standard output or standard error.
#[test]
fn no_fault_mode_shows_a_token_key_or_assertion_at_vv() {
    let keys = keys();
    let modes: Vec<(&str, Config)> = vec![
        ("HTTP 500", with_faults(&[(1, Fault::Status500), (3, Fault::Status500)])),
        ("HTTP 503", with_faults(&[(2, Fault::Status503 { retry_after: Some(0) })])),
        ("reset", with_faults(&[(2, Fault::Reset)])),
        ("truncated", with_faults(&[(2, Fault::Truncated)])),
        ("never recovers", Config { always: Some(Fault::Status500), ..Config::default() }),
        ("session expiry", Config { session_expires_after: Some(3), ..Config::default() }),
        ("short sessions", Config { session_lifetime_calls: Some(2), ..Config::default() }),
        ("sessions refused", Config { refuse_every_session: true, ..Config::default() }),
        ("JWT tokens refused", Config { refuse_every_session: true, jwt_access_tokens: true, ..Config::default() }),
        ("API limit", Config { api_limit: (999, 1_000), ..Config::default() }),
        ("token endpoint 503", Config { token_endpoint_status: Some(503), ..Config::default() }),
        ("token endpoint echoes", Config { token_endpoint_reply: Some(TokenReply::EchoRequest), ..Config::default() }),
        ("not approved", Config { user_approved: false, ..Config::default() }),
        ("unreadable", {
            let mut config = Config::default();
            config.unreadable.insert("OauthToken".into());
            config.unreadable.insert("ConnectedApp".into());
            config
        }),
    ];
    let pem = &TestKeys::scanner().private_key_pem;
    let key_lines: Vec<&str> = pem.lines().filter(|line| !line.starts_with("-----") && line.len() > 20).collect();
    for (name, config) in modes {
        let fake = FakeOrg::start(demo_org(), config);
        let output = live_scan(&fake, &keys.scanner, &["-vv", "--format", "json,table,markdown,sarif"]);
        let text = format!("{}\n{}", stdout(&output), stderr(&output));
        assert!(stderr(&output).contains("sfaudit: ["), "{name}: -vv logs: {}", stderr(&output));
        for token in fake.issued_tokens() {
            assert!(!text.contains(&token), "{name}: an access token reached the output");
            assert!(!text.contains(token.split('!').nth(1).unwrap_or(&token)), "{name}: part of a token");
        }
        for line in &key_lines {
            assert!(!text.contains(line), "{name}: a line of the private key reached the output");
        }
        assert!(!text.contains("eyJ"), "{name}: an assertion or a JWT-based token reached the output");
    }
}
