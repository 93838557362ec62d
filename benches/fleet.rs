//! Fleet scan against fake orgs (tests/support/fake_org): the real `sfaudit` binary scans one org
//! (`--orgs org1`), then all of them (`--orgs org1,…`), each org 300 Connected Apps and 3,000
//! OAuth tokens with 40 ms added to every request. Prints JSON: the fleet's wall time against
//! one org's time × the number of orgs (what scanning them one after another would take), and
//! the API calls per org. The orgs share one bound on calls in flight (`--concurrency`, 16).
//!
//! Run: `cargo bench --bench fleet` (optionally `-- --orgs 5 --latency-ms 20`). Not a timed
//! test: it reports, it does not assert.

#[path = "../tests/support/fake_org/mod.rs"]
mod fake_org;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fake_org::{Config, FakeOrg, OrgData, TestKeys};
use serde_json::json;

const CONNECTED_APPS: usize = 300;
const TOKENS: usize = 3_000;

fn org(index: usize) -> OrgData {
    let mut data = OrgData::empty(&format!("Fleet Org {index}"));
    data.org_id = format!("00DFLEET{index:09}");
    for app in 0..CONNECTED_APPS {
        let name = format!("Connected_{app:04}");
        // Every org a little different, so the fleet report has differences to find.
        let admin = (app + index) % 4 != 0;
        let body = format!(
            "<contactEmail>ops@example.com</contactEmail><label>{name}</label><oauthConfig>\
             <callbackUrl>https://app{app}.example.com/callback</callbackUrl><consumerKey>3MVG9FLEET{app}</consumerKey>\
             <isAdminApproved>{admin}</isAdminApproved><scopes>Api</scopes><scopes>RefreshToken</scopes></oauthConfig>\
             <oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation><refreshTokenPolicy>specific_lifetime:3:MONTHS</refreshTokenPolicy>\
             </oauthPolicy><permissionSetName>Integration_{app}</permissionSetName>"
        );
        data.add_component_xml("ConnectedApp", &name, Some(&name), body);
    }
    data.add_locked_down_oauth_settings();
    data.add_tokens("Connected_0001", TOKENS, 500, 1, Some("2026-11-20T10:00:00.000+0000"));
    data
}

fn argument(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == name)
        .and_then(|at| args.get(at + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[allow(clippy::print_stderr, reason = "a failed scan shows why")]
fn scan(folder: &Path, orgs: &str) -> (Duration, bool) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_sfaudit"))
        .current_dir(folder)
        .env_clear()
        .args(["scan", "--config", "sfaudit.toml", "--orgs", orgs, "--as-of", "2026-12-01", "--fail-on", "none"])
        .args(["--format", "json", "--output-dir", &format!("out-{}", orgs.split(',').count())])
        .output()
        .expect("sfaudit runs");
    let elapsed = started.elapsed();
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    (elapsed, output.status.success())
}

#[allow(clippy::print_stdout, reason = "a benchmark reports its figures on stdout")]
fn main() {
    let count = usize::try_from(argument("--orgs", 3)).unwrap_or(3).max(1);
    let latency = Duration::from_millis(argument("--latency-ms", 40));
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("server.key"), &TestKeys::scanner().private_key_pem).expect("key");
    let fakes: Vec<FakeOrg> =
        (1..=count).map(|index| FakeOrg::start(org(index), Config { latency, ..Config::default() })).collect();
    let mut config = String::new();
    for (index, fake) in fakes.iter().enumerate() {
        config.push_str(&format!(
            "[orgs.org{}]\ninstance_url = \"{}\"\nclient_id = \"{}\"\nusername = \"{}\"\njwt_key_file = \"server.key\"\n\n",
            index + 1,
            fake.url,
            fake_org::CONSUMER_KEY,
            fake_org::USERNAME
        ));
    }
    std::fs::write(folder.path().join("sfaudit.toml"), config).expect("config");
    let names: Vec<String> = (1..=count).map(|index| format!("org{index}")).collect();

    let (one, one_ok) = scan(folder.path(), &names[0]);
    let calls_one = fakes[0].stats().api_calls;
    let (fleet, fleet_ok) = scan(folder.path(), &names.join(","));
    let calls: Vec<u64> = fakes.iter().map(|fake| fake.stats().api_calls).collect();
    let serial = one * u32::try_from(count).unwrap_or(1);
    let figures = json!({
        "benchmark": "fleet scan through fake orgs",
        "orgs": count,
        "per_org": {"connected_apps": CONNECTED_APPS, "oauth_tokens": TOKENS, "latency_ms_per_request": latency.as_millis()},
        "one_org_ms": one.as_millis(),
        "one_org_api_calls": calls_one,
        "one_org_times_orgs_ms": serial.as_millis(),
        "fleet_ms": fleet.as_millis(),
        "fleet_over_one_org_times_orgs": (fleet.as_secs_f64() / serial.as_secs_f64() * 100.0).round() / 100.0,
        "api_calls_per_org_in_fleet": calls.iter().enumerate().map(|(index, total)| if index == 0 { total - calls_one } else { *total }).collect::<Vec<_>>(),
        "succeeded": one_ok && fleet_ok,
    });
    println!("{}", serde_json::to_string_pretty(&figures).expect("figures serialize"));
}
