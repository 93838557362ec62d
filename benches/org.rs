//! Live-org collection against the fake org (tests/support/fake_org): 2,500 apps (2,000 Connected
//! Apps, 500 External Client Apps each with its four settings and policies components), 3,000 OAuth
//! tokens, 3,000 permission assignments, 5,000 logins, Health Check, 200 External Client Apps with
//! OAuth usage (150 users each), and 50 ms added to every request (the round-trip time, RTT).
//!
//! Prints JSON with, measured in the same run:
//! - the fewest calls the batch limits allow ([`minimum`]) and the calls each run made;
//! - sfaudit's default (adaptive) run: login plus collection, against the round-trip bound
//!   RTT × (1 + max(dependency chain, ⌈calls ÷ 16⌉)) and the ratio of the two. The 1 is the
//!   login; ⌈calls ÷ 16⌉ is the round trips the minimum calls take 16 at a time (the default
//!   starting bound); the dependency chain is the longest run of calls that must wait for each
//!   other's answers, which no concurrency shortens (see [`minimum`]);
//! - the same at a fixed `--concurrency 16` (and any other given with `-- --concurrency 8,32`);
//! - a sequential per-app client: one call at a time, one component per `readMetadata` (what a
//!   script reading app after app does; Metadata API only, so a lower bound for such a client);
//! - the loopback's own cost: a run with no added latency, one call at a time, per call.
//!
//! Run: `cargo bench --bench org` (optionally `-- --latency-ms 20`, `--no-sequential`, and `-v`
//! to log every call). Not a timed test: it reports, it does not assert.

#[path = "../tests/support/fake_org/mod.rs"]
mod fake_org;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use fake_org::access::{AccessConfig, EcaUsage, Login, PermissionAssignment};
use fake_org::{Config, FakeOrg, OrgData, TestKeys};
use serde_json::json;
use sfaudit::model::EvaluationDate;
use sfaudit::salesforce::auth::OrgSettings;

const CONNECTED_APPS: usize = 2_000;
const EXTERNAL_CLIENT_APPS: usize = 500;
const TOKENS: usize = 3_000;
const USERS: usize = 6_000;
const ASSIGNMENTS: usize = 3_000;
const LOGINS: usize = 5_000;
const ECAS_WITH_USAGE: usize = 200;
const USAGE_USERS: usize = 150;
/// Rows a REST query page serves; users a Connect REST usage page serves.
const QUERY_PAGE: u64 = 2_000;
const USAGE_PAGE: u64 = 100;

/// Who holds the permissions, a month of logins and the usage of 200 External Client Apps.
fn access() -> AccessConfig {
    let mut access = AccessConfig::default();
    for index in 0..ASSIGNMENTS {
        let permissions: &[&str] = match index % 3 {
            0 => &["PermissionsViewAllData", "PermissionsApiEnabled"],
            1 => &["PermissionsApiUserOnly", "PermissionsApiEnabled"],
            _ => &["PermissionsCustomizeApplication", "PermissionsModifyAllData", "PermissionsApiEnabled"],
        };
        access.assignments.push(PermissionAssignment::new(
            &format!("user{index}@bench.example.com"),
            &format!("Set_{}", index % 40),
            false,
            permissions,
        ));
    }
    let subtypes = ["OauthUsernamePassword", "OauthWebServer", "OauthRefreshToken", "OauthHybridUserAgent"];
    access.logins = (0..LOGINS)
        .map(|index| Login {
            application: format!("Connected {:05}", index % 300),
            login_subtype: subtypes[index % subtypes.len()].to_string(),
            status: "Success".to_string(),
            user_id: format!("005BENCH{:07}", index % USERS),
            login_time: format!("2026-11-{:02}T10:00:00.000+0000", 1 + index % 28),
        })
        .collect();
    access.eca_usage = (0..ECAS_WITH_USAGE)
        .map(|app| EcaUsage {
            app: json!({"identifier": format!("External_{app:05}"), "developerName": format!("External_{app:05}")}),
            users: (0..USAGE_USERS)
                .map(|user| json!({"userIdentifier": format!("005ECA{app:04}{user:05}"), "lastUsedAt": "2026-11-20T10:00:00.000Z"}))
                .collect(),
        })
        .collect();
    access
}

fn certificates(repo: &Path) -> Vec<String> {
    let mut certificates: Vec<String> = std::fs::read_dir(repo.join("examples/demo-org/certs"))
        .expect("demo certificates")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "crt"))
        .map(|entry| std::fs::read_to_string(entry.path()).expect("certificate text"))
        .map(|pem| pem.lines().filter(|line| !line.starts_with("-----")).collect::<String>())
        .collect();
    certificates.sort();
    certificates
}

fn org(repo: &Path) -> OrgData {
    let certificates = certificates(repo);
    let mut data = OrgData::empty("Benchmark Org");
    for index in 0..CONNECTED_APPS {
        let name = format!("Connected_{index:05}");
        let label = format!("Connected {index:05}");
        let admin = index % 3 != 0;
        let body = format!(
            "<contactEmail>ops@example.com</contactEmail><label>{label}</label><oauthConfig>\
             <callbackUrl>https://app{index}.example.com/callback</callbackUrl><certificate>{}</certificate>\
             <consumerKey>3MVG9BENCH{index}</consumerKey><isAdminApproved>{admin}</isAdminApproved>\
             <scopes>Api</scopes><scopes>RefreshToken</scopes></oauthConfig><oauthPolicy><ipRelaxation>ENFORCE\
             </ipRelaxation><refreshTokenPolicy>specific_lifetime:3:MONTHS</refreshTokenPolicy></oauthPolicy>\
             <permissionSetName>Integration_{index}</permissionSetName>",
            certificates[index % certificates.len()]
        );
        data.add_component_xml("ConnectedApp", &name, Some(&label), body);
        let id = data.connected_applications.last().map(|(id, _)| id.clone()).expect("id");
        data.assignments.push(fake_org::data::Assignment {
            entity_id: id,
            name: format!("Integration_{index}"),
            by_profile: false,
        });
    }
    for index in 0..EXTERNAL_CLIENT_APPS {
        let name = format!("External_{index:05}");
        let admin = if index % 3 == 0 { "AllSelfAuthorized" } else { "AdminApprovedPreAuthorized" };
        data.add_component_xml(
            "ExternalClientApplication",
            &name,
            None,
            format!("<contactEmail>ops@example.com</contactEmail><distributionState>Local</distributionState><label>{name}</label>"),
        );
        data.add_component_xml(
            "ExtlClntAppOauthSettings",
            &format!("{name}_oauth"),
            None,
            format!("<commaSeparatedOauthScopes>Api, Web, RefreshToken</commaSeparatedOauthScopes><externalClientApplication>{name}</externalClientApplication><label>{name}_oauth</label>"),
        );
        data.add_component_xml(
            "ExtlClntAppGlobalOauthSettings",
            &format!("{name}_glbloauth"),
            None,
            format!(
                "<callbackUrl>https://ext{index}.example.com/callback</callbackUrl><certificate>{}</certificate>\
                 <consumerKey>3MVG9BENCHECA{index}</consumerKey><externalClientApplication>{name}</externalClientApplication>\
                 <isPkceRequired>true</isPkceRequired><label>{name}_glbloauth</label>",
                certificates[index % certificates.len()]
            ),
        );
        data.add_component_xml(
            "ExtlClntAppOauthConfigurablePolicies",
            &format!("{name}_oauthPlcy"),
            None,
            format!(
                "<commaSeparatedPermissionSet>Integration_E{index}</commaSeparatedPermissionSet>\
                 <externalClientApplication>{name}</externalClientApplication><ipRelaxationPolicyType>Enforce\
                 </ipRelaxationPolicyType><permittedUsersPolicyType>{admin}</permittedUsersPolicyType>\
                 <refreshTokenPolicyType>SpecificLifetime</refreshTokenPolicyType><refreshTokenValidityPeriod>90\
                 </refreshTokenValidityPeriod><refreshTokenValidityUnit>Days</refreshTokenValidityUnit>"
            ),
        );
        data.add_component_xml(
            "ExtlClntAppConfigurablePolicies",
            &format!("{name}_plcy"),
            None,
            format!("<externalClientApplication>{name}</externalClientApplication><isEnabled>true</isEnabled><isOauthPluginEnabled>true</isOauthPluginEnabled>"),
        );
    }
    data.add_locked_down_oauth_settings();
    // 3,000 tokens of 6,000 users over the first 1,000 Connected Apps, 200 External Client
    // Apps and 5 apps nobody installed; last use spread over a year.
    for index in 0..TOKENS {
        let app = match index % 10 {
            0..=7 => format!("Connected {:05}", index % 1_000),
            8 => format!("External_{:05}", index % 200),
            _ => format!("Unknown Exporter {}", (index / 10) % 5),
        };
        data.tokens.push(fake_org::data::TokenRow {
            user_id: format!("005BENCH{:07}", (index * 7919) % USERS),
            app_name: app,
            last_used: Some(format!("2026-{:02}-{:02}T10:00:00.000+0000", 1 + index % 11, 1 + index % 28)),
            use_count: i64::try_from(index % 50).unwrap_or(0),
            created: Some(format!("2025-{:02}-01T09:00:00.000+0000", 1 + index % 12)),
        });
    }
    data
}

/// Rows an `OauthToken` query cursor serves per page, and in all.
const TOKEN_PAGE: u64 = 500;
const TOKEN_CAP: u64 = 2_500;

/// The fewest `OauthToken` calls (query and queryMore pages) that can read `rows` tokens, and the
/// windows (queries) they take.
///
/// A query returns 500 rows a page and stops after 2,500. No field is unique and sortable (`Id`
/// is always null; `AccessToken` / `DeleteToken` are credentials and must not be read), so the
/// rows are read in windows ordered by a key that repeats (`UserId`). A window that comes back
/// full cannot tell whether the rows of its last key go on past the cap, so the next window
/// must start at that key again: every window boundary reads at least one row a second time.
/// (SOQL `OFFSET` could skip seen rows, but `OauthToken` documents only filtering by `UserId`,
/// an `OFFSET` query returns only its first batch, and an offset silently shifts when a token is
/// created or revoked between calls.) Hence:
///   windows W: the fewest with 2,500 + (W − 1) × 2,499 ≥ N, i.e. W = ⌈(N − 1) / 2,499⌉ (1 when
///     N ≤ 2,500; the first window reads 2,500 new rows, every later one at most 2,499);
///   rows read ≥ N + (W − 1);
///   pages: a page never spans two windows, and a full window is exactly 5 pages, so
///     pages = 5 (W − 1) + ⌈(N − (W − 1) × 2,499) / 500⌉ = ⌈(N + W − 1) / 500⌉ (at least 1).
/// Counting W as ⌈N / 2,500⌉ instead undercounts once the re-read rows need a window of their
/// own (20,000 tokens: 8 windows hold at most 2,500 + 7 × 2,499 = 19,993 distinct rows, so 9).
fn oauth_token_minimum(rows: u64) -> (u64, u64) {
    let windows = if rows <= TOKEN_CAP { 1 } else { (rows - 1).div_ceil(TOKEN_CAP - 1) };
    let pages = (rows + windows - 1).div_ceil(TOKEN_PAGE).max(1);
    (pages, windows)
}

/// The fewest calls the batch limits allow, and the longest chain of calls that must wait for
/// each other.
fn minimum(data: &OrgData, access: &AccessConfig) -> (u64, u64, serde_json::Value) {
    use sfaudit::collect::org::{EXTRA_ECA_TYPES, LISTED_TYPES};
    use sfaudit::salesforce::soap::{LIST_TYPES_PER_CALL, READ_NAMES_PER_CALL};
    let count = |type_name: &str| data.components.iter().filter(|component| component.type_name == type_name).count();
    // listMetadata: every type rules read and every other ECA settings and policies type, 3 a call.
    let types = LISTED_TYPES.len() + EXTRA_ECA_TYPES.len();
    let list = types.div_ceil(LIST_TYPES_PER_CALL) as u64;
    // readMetadata: 10 names of one type a call.
    let listed = LISTED_TYPES.iter().map(|kind| kind.type_name()).chain(EXTRA_ECA_TYPES);
    let reads: u64 = listed.map(|type_name| count(type_name).div_ceil(READ_NAMES_PER_CALL) as u64).sum();
    // OauthOidcSettings, ConnectedAppSettings and ExternalClientAppSettings, read by name.
    let settings = 3;
    let organization = 1;
    // 2,000 rows a page; an empty answer is still one call.
    let applications = (data.connected_applications.len() as u64).div_ceil(QUERY_PAGE).max(1);
    // The JWT-based access token timeouts of Connected Apps: a query of its own, because orgs
    // before the fields existed refuse it, and that refusal must not lose the installed apps.
    let jwt_timeouts = applications;
    let assignments = (data.assignments.len() as u64).div_ceil(QUERY_PAGE).max(1);
    let (tokens, windows) = oauth_token_minimum(data.tokens.len() as u64);
    // Permission holders: the assignments of everyone holding a permission of interest (every
    // row here, plus the scanning user's own), 2,000 a page.
    let permissions = (access.assignments.len() as u64).div_ceil(QUERY_PAGE).max(1);
    // LoginHistory grouped by application, subtype and status: one page of groups.
    let login_history = 1;
    // Health Check: the score and the risks, two Tooling queries.
    let health_check = 2;
    // Connect REST usage: the list of apps, then each app's users. A page is known to be the
    // last only when it is short, so a collection of n items takes ⌊n / 100⌋ + 1 pages.
    let usage_pages = |items: usize| items as u64 / USAGE_PAGE + 1;
    let usage_apps = usage_pages(access.eca_usage.len());
    let usage_users: u64 = access.eca_usage.iter().map(|usage| usage_pages(usage.users.len())).sum();
    let total = list
        + reads
        + settings
        + organization
        + applications
        + jwt_timeouts
        + assignments
        + tokens
        + permissions
        + login_history
        + health_check
        + usage_apps
        + usage_users;
    // The dependency chain: calls that cannot be sent before an earlier call's answer is in.
    // - `OauthToken`: every page needs the previous page's `nextRecordsUrl`, and every window
    //   starts at the last user of the window before: all `tokens` pages form one chain.
    // - Connect REST usage: the list of apps is paged the same way, and an app's users can be
    //   asked for only once the page naming the app is in: the last list page, then that app's
    //   user pages.
    // - `PermissionSetAssignment` pages follow each other.
    // - Metadata: `readMetadata` needs the names `listMetadata` returned: a chain of 2.
    // Every other call depends on nothing but the login.
    let longest_usage = access.eca_usage.iter().map(|usage| usage_pages(usage.users.len())).max().unwrap_or(0);
    let chain = tokens.max(usage_apps + longest_usage).max(permissions).max(2);
    let detail = json!({
        "listed_types": types,
        "list_metadata": list, "read_metadata": reads, "read_settings": settings,
        "query_organization": organization, "query_connected_application": applications,
        "query_connected_application_jwt_timeouts": jwt_timeouts,
        "query_setup_entity_access": assignments,
        "query_oauth_token_pages": tokens,
        "query_permission_set_assignment_pages": permissions,
        "query_login_history": login_history,
        "tooling_health_check": health_check,
        "connect_usage_app_pages": usage_apps,
        "connect_usage_user_pages": usage_users,
        "oauth_token_windows": windows,
        "oauth_token_rows_read": data.tokens.len() as u64 + windows - 1,
        "oauth_token_derivation": "OauthToken serves 500 rows a page and 2,500 a query, and has no unique sortable \
            field, so rows are read in windows ordered by UserId; a full window cannot tell whether its last \
            user has more rows, so each of the W-1 window boundaries re-reads at least one row. W is the fewest \
            windows with 2500 + (W-1)*2499 >= N, i.e. ceil((N-1)/2499); pages never span windows and a full \
            window is exactly 5 pages, so pages = ceil((N + W - 1) / 500)",
        "total": total,
        "longest_dependent_chain": chain,
    });
    (total, chain, detail)
}

/// Settings for a JWT login to `fake`; `None` concurrency leaves sfaudit's adaptive default.
fn settings(fake: &FakeOrg, key: &Path, concurrency: Option<usize>) -> OrgSettings {
    OrgSettings {
        client_id: Some(fake_org::CONSUMER_KEY.into()),
        username: Some(fake_org::USERNAME.into()),
        jwt_key_file: Some(key.to_path_buf()),
        instance_url: Some(fake.url.clone()),
        concurrency,
        ..OrgSettings::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// What one collection run measured.
struct Run {
    wall: Duration,
    login: Duration,
    api_calls: u64,
    retries: u64,
    peak_concurrency: u64,
    inventory: sfaudit::model::Inventory,
    org: fake_org::Stats,
}

/// Logs in and collects the whole org, as `sfaudit scan --org` does.
fn collect(fake: &FakeOrg, key: &Path, concurrency: Option<usize>, as_of: &EvaluationDate) -> Run {
    let settings = settings(fake, key, concurrency);
    let started = Instant::now();
    let (inventory, api_calls, retries, peak_concurrency, login) = runtime().block_on(async {
        let connection = settings.resolve().expect("settings");
        let client = Arc::new(sfaudit::salesforce::Client::connect(connection).await.expect("login"));
        let login = started.elapsed();
        let inventory = sfaudit::collect::org::collect(Arc::clone(&client), as_of).await.expect("collection");
        let stats = &client.stats;
        (
            inventory,
            stats.api_calls.load(Ordering::Relaxed),
            stats.retries.load(Ordering::Relaxed),
            stats.peak_concurrency.load(Ordering::Relaxed),
            login,
        )
    });
    Run { wall: started.elapsed(), login, api_calls, retries, peak_concurrency, inventory, org: fake.stats() }
}

/// A sequential per-app client: one call at a time, each type listed by itself, then every
/// component read by itself. Returns the wall time (login included) and the calls.
fn sequential_per_app(fake: &FakeOrg, key: &Path) -> (Duration, u64, usize) {
    use sfaudit::collect::org::{EXTRA_ECA_TYPES, LISTED_TYPES, SETTINGS};
    use sfaudit::salesforce::soap;
    let settings = settings(fake, key, Some(1));
    let started = Instant::now();
    let (calls, records) = runtime().block_on(async {
        let client = sfaudit::salesforce::Client::connect(settings.resolve().expect("settings")).await.expect("login");
        let types = LISTED_TYPES.iter().map(|kind| kind.type_name()).chain(EXTRA_ECA_TYPES);
        let mut records = 0;
        for type_name in types {
            let listed = soap::list_metadata(&client, &[type_name]).await.expect("listMetadata");
            for properties in listed {
                records += soap::read_metadata(&client, type_name, &[properties.full_name]).await.expect("read").len();
            }
        }
        for (kind, name, _) in SETTINGS {
            records += soap::read_metadata(&client, kind.type_name(), &[name.to_string()]).await.expect("read").len();
        }
        (client.stats.api_calls.load(Ordering::Relaxed), records)
    });
    (started.elapsed(), calls, records)
}

fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}

fn ratio(value: Duration, bound: Duration) -> f64 {
    (value.as_secs_f64() / bound.as_secs_f64() * 100.0).round() / 100.0
}

#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports its figures on stdout and its log on stderr"
)]
fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let option =
        |name: &str| arguments.iter().position(|argument| argument == name).and_then(|index| arguments.get(index + 1));
    let latency = Duration::from_millis(option("--latency-ms").and_then(|text| text.parse().ok()).unwrap_or(50));
    let fixed: Vec<usize> = option("--concurrency")
        .map(|text| text.split(',').filter_map(|part| part.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![16]);
    let sequential = !arguments.iter().any(|argument| argument == "--no-sequential");
    if arguments.iter().any(|argument| argument == "-v") {
        sfaudit::logging::set_verbosity(1);
        sfaudit::logging::set_sink(|line| eprintln!("{line}"));
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = Instant::now();
    let data = org(repo);
    let generation_ms = generated.elapsed().as_millis();
    let folder = tempfile::tempdir().expect("temp dir");
    let key = folder.path().join("server.key");
    std::fs::write(&key, &TestKeys::scanner().private_key_pem).expect("key");
    let access = access();
    let (minimum_calls, chain, minimum_detail) = minimum(&data, &access);
    // One round trip for the login, then the calls: never fewer than the dependency chain, and
    // never fewer than the minimum calls 16 at a time.
    let round_trips = 1 + chain.max(minimum_calls.div_ceil(16));
    let bound = latency * u32::try_from(round_trips).unwrap_or(u32::MAX);
    let as_of = EvaluationDate::now();
    let start = |latency: Duration| {
        FakeOrg::start(data.clone(), Config { latency, access: access.clone(), ..Config::default() })
    };

    // What the loopback costs by itself: no added latency, one call at a time.
    let loopback = {
        let fake = start(Duration::ZERO);
        let run = collect(&fake, &key, Some(1), &as_of);
        let collection = run.wall.saturating_sub(run.login);
        json!({
            "api_calls": run.api_calls,
            "collection_ms": ms(collection),
            "per_call_ms": ms(collection / u32::try_from(run.api_calls.max(1)).unwrap_or(u32::MAX)),
            "max_in_flight_seen_by_org": run.org.max_in_flight,
        })
    };

    let mut runs = Vec::new();
    let concurrencies = std::iter::once(None).chain(fixed.into_iter().map(Some));
    for concurrency in concurrencies {
        let fake = start(latency);
        let run = collect(&fake, &key, concurrency, &as_of);
        let inventory = &run.inventory;
        let connected =
            inventory.apps.iter().filter(|app| app.kind == sfaudit::model::ResourceKind::ConnectedApp).count();
        let tokens: i64 =
            inventory.apps.iter().filter_map(|app| app.usage.as_ref()).map(|usage| usage.token_count).sum();
        runs.push(json!({
            "concurrency": concurrency.map_or_else(|| "adaptive (default: 16, up to 64)".to_string(), |fixed| format!("fixed {fixed}")),
            "wall_ms": ms(run.wall),
            "login_ms": ms(run.login),
            "api_calls": run.api_calls,
            "api_calls_minus_minimum": run.api_calls as i64 - minimum_calls as i64,
            "retries": run.retries,
            "round_trip_bound_ms": ms(bound),
            "wall_over_bound": ratio(run.wall, bound),
            "peak_concurrency": run.peak_concurrency,
            "max_in_flight_seen_by_org": run.org.max_in_flight,
            "query_pages_by_object": run.org.pages,
            "list_calls": run.org.list_calls,
            "read_calls": run.org.read_calls,
            "tooling_calls": run.org.tooling_calls,
            "connect_calls": run.org.connect_calls,
            "apps": inventory.apps.len(),
            "connected_apps": connected,
            "tokens_counted": tokens,
            "incomplete": inventory.source.collection.as_ref().map_or(0, |collection| collection.incomplete.len()),
        }));
    }

    let sequential = sequential.then(|| {
        let fake = start(latency);
        let (wall, calls, records) = sequential_per_app(&fake, &key);
        json!({
            "wall_ms": ms(wall),
            "api_calls": calls,
            "records_read": records,
            "wall_over_bound": ratio(wall, bound),
        })
    });

    let figures = json!({
        "benchmark": "org collection through the fake org",
        "org": {
            "connected_apps": CONNECTED_APPS,
            "external_client_apps": EXTERNAL_CLIENT_APPS,
            "oauth_tokens": TOKENS,
            "token_users": USERS,
            "permission_assignments": ASSIGNMENTS,
            "logins": LOGINS,
            "external_client_apps_with_usage": ECAS_WITH_USAGE,
            "users_per_usage_app": USAGE_USERS,
            "rtt_ms": latency.as_millis(),
            "generation_ms": generation_ms,
        },
        "minimum": minimum_detail,
        "round_trip_bound": {
            "formula": "RTT x (1 + max(dependency chain, ceil(calls / 16)))",
            "dependency_chain": chain,
            "calls_over_16": minimum_calls.div_ceil(16),
            "round_trips": round_trips,
            "bound_ms": ms(bound),
        },
        "loopback_at_0_ms_one_call_at_a_time": loopback,
        "runs": runs,
        "sequential_per_app_client": sequential,
    });
    println!("{}", serde_json::to_string_pretty(&figures).expect("figures serialize"));
}
