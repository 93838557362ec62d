//! Full offline scan of a generated project with 10,000 apps (half Connected Apps, half External
//! Client Apps with all five files), every app with a certificate. Prints its figures as JSON.
//!
//! Run: `cargo bench --bench scan` (optionally `-- --apps 20000`). Not a timed test: it reports,
//! it does not assert.

use std::path::Path;
use std::time::Instant;

use sfaudit::cli::RuleOptions;
use sfaudit::gate::{FailOn, Policy};
use sfaudit::model::{EvaluationDate, Severity};

// The same allocator as the binary, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NAMESPACE: &str = "http://soap.sforce.com/2006/04/metadata";

fn certificates(repo: &Path) -> Vec<String> {
    let mut certificates: Vec<String> = std::fs::read_dir(repo.join("examples/demo-org/certs"))
        .expect("demo certificates")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "crt"))
        .map(|entry| std::fs::read_to_string(entry.path()).expect("certificate text"))
        .map(|pem| pem.lines().filter(|line| !line.starts_with("-----")).collect::<Vec<_>>().join("\n"))
        .collect();
    certificates.sort();
    certificates
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    std::fs::write(path, text).expect("write file");
}

fn generate(root: &Path, apps: usize, certificates: &[String]) -> usize {
    let base = root.join("force-app/main/default");
    write(&root.join("sfdx-project.json"), r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#);
    let mut files = 1;
    for index in 0..apps {
        let certificate = &certificates[index % certificates.len()];
        let admin = if index % 3 == 0 { "false" } else { "true" };
        if index % 2 == 0 {
            let name = format!("Connected_{index:05}");
            write(
                &base.join(format!("connectedApps/{name}.connectedApp-meta.xml")),
                &format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NAMESPACE}\">\n    <contactEmail>ops@example.com</contactEmail>\n    <label>{name}</label>\n    <oauthConfig>\n        <callbackUrl>https://app{index}.example.com/callback</callbackUrl>\n        <certificate>{}</certificate>\n        <consumerKey>3MVG9BENCH{index}</consumerKey>\n        <isAdminApproved>{admin}</isAdminApproved>\n        <scopes>Api</scopes>\n        <scopes>RefreshToken</scopes>\n    </oauthConfig>\n    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n        <refreshTokenPolicy>specific_lifetime:3:MONTHS</refreshTokenPolicy>\n    </oauthPolicy>\n    <permissionSetName>Integration_{index}</permissionSetName>\n</ConnectedApp>\n",
                    certificate.replace('\n', "")
                ),
            );
            files += 1;
        } else {
            let name = format!("External_{index:05}");
            let documents = [
                (
                    "externalClientApps",
                    format!("{name}.eca"),
                    format!(
                        "<ExternalClientApplication xmlns=\"{NAMESPACE}\">\n    <contactEmail>ops@example.com</contactEmail>\n    <distributionState>Local</distributionState>\n    <label>{name}</label>\n</ExternalClientApplication>\n"
                    ),
                ),
                (
                    "extlClntAppOauthSettings",
                    format!("{name}_oauth.ecaOauth"),
                    format!(
                        "<ExtlClntAppOauthSettings xmlns=\"{NAMESPACE}\">\n    <commaSeparatedOauthScopes>Api, Web, RefreshToken</commaSeparatedOauthScopes>\n    <externalClientApplication>{name}</externalClientApplication>\n    <label>{name}_oauth</label>\n</ExtlClntAppOauthSettings>\n"
                    ),
                ),
                (
                    "extlClntAppGlobalOauthSets",
                    format!("{name}_glbloauth.ecaGlblOauth"),
                    format!(
                        "<ExtlClntAppGlobalOauthSettings xmlns=\"{NAMESPACE}\">\n    <callbackUrl>https://app{index}.example.com/callback</callbackUrl>\n    <certificate>{certificate}</certificate>\n    <consumerKey>3MVG9BENCH{index}</consumerKey>\n    <externalClientApplication>{name}</externalClientApplication>\n    <isPkceRequired>true</isPkceRequired>\n    <label>{name}_glbloauth</label>\n</ExtlClntAppGlobalOauthSettings>\n"
                    ),
                ),
                (
                    "extlClntAppOauthPolicies",
                    format!("{name}_oauthPlcy.ecaOauthPlcy"),
                    format!(
                        "<ExtlClntAppOauthConfigurablePolicies xmlns=\"{NAMESPACE}\">\n    <commaSeparatedPermissionSet>Integration_{index}</commaSeparatedPermissionSet>\n    <externalClientApplication>{name}</externalClientApplication>\n    <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>\n    <permittedUsersPolicyType>{}</permittedUsersPolicyType>\n    <refreshTokenPolicyType>SpecificLifetime</refreshTokenPolicyType>\n    <refreshTokenValidityPeriod>90</refreshTokenValidityPeriod>\n    <refreshTokenValidityUnit>Days</refreshTokenValidityUnit>\n</ExtlClntAppOauthConfigurablePolicies>\n",
                        if admin == "true" { "AdminApprovedPreAuthorized" } else { "AllSelfAuthorized" }
                    ),
                ),
                (
                    "extlClntAppPolicies",
                    format!("{name}_plcy.ecaPlcy"),
                    format!(
                        "<ExtlClntAppConfigurablePolicies xmlns=\"{NAMESPACE}\">\n    <externalClientApplication>{name}</externalClientApplication>\n    <isEnabled>true</isEnabled>\n    <isOauthPluginEnabled>true</isOauthPluginEnabled>\n</ExtlClntAppConfigurablePolicies>\n"
                    ),
                ),
            ];
            for (folder, file, text) in documents {
                write(
                    &base.join(folder).join(format!("{file}-meta.xml")),
                    &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}"),
                );
                files += 1;
            }
        }
    }
    write(
        &base.join("settings/OauthOidc.settings-meta.xml"),
        &format!(
            "<OauthOidcSettings xmlns=\"{NAMESPACE}\"><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow></OauthOidcSettings>"
        ),
    );
    files + 1
}

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[allow(clippy::print_stdout, reason = "a benchmark reports its figures on stdout")]
fn main() {
    let mut apps = 10_000;
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(position) = arguments.iter().position(|argument| argument == "--apps") {
        apps = arguments.get(position + 1).and_then(|value| value.parse().ok()).expect("--apps N");
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = tempfile::tempdir().expect("temp dir");
    // `--keep DIR` also writes the generated project to DIR, to profile the CLI on it.
    if let Some(position) = arguments.iter().position(|argument| argument == "--keep") {
        let keep = Path::new(arguments.get(position + 1).expect("--keep DIR"));
        generate(keep, apps, &certificates(repo));
    }
    let generate_started = Instant::now();
    let files = generate(folder.path(), apps, &certificates(repo));
    let generate_seconds = generate_started.elapsed().as_secs_f64();
    let rss_before_scan = peak_rss_mib();

    let as_of = EvaluationDate::parse_relative_to("2026-12-01", time::OffsetDateTime::now_utc()).expect("date");
    let started = Instant::now();
    let options = RuleOptions { rules_dirs: Vec::new(), params: Vec::new() };
    let (rules, version) = sfaudit::app::load_rules(&options).expect("rules load");
    let loaded = started.elapsed();
    let inventory = sfaudit::collect::project::collect_project(folder.path(), &as_of).expect("scan succeeds");
    let collected = started.elapsed();
    let rss_after_collect = peak_rss_mib();
    let scan =
        sfaudit::app::evaluate(inventory, &rules, version, &as_of, Policy::threshold(FailOn::Severity(Severity::High)));
    let evaluated = started.elapsed();
    let rss_after_evaluate = peak_rss_mib();
    // The default scan ends with the table on standard output; that is the headline figure.
    let table = sfaudit::report::table::render(&scan.report(), None);
    let total = started.elapsed();
    let rss_after_scan = peak_rss_mib();
    // Writing the full JSON result (every outcome plus the inventory) is measured on top of it.
    let json_started = std::time::Instant::now();
    let json_path = folder.path().join("results.json");
    let mut json_file = std::fs::File::create(&json_path).expect("create results.json");
    sfaudit::report::json::write(&scan.report(), &mut json_file).expect("write results.json");
    let json_seconds = json_started.elapsed().as_secs_f64();
    let json_bytes = std::fs::metadata(&json_path).map(|metadata| metadata.len()).unwrap_or_default();

    let figures = serde_json::json!({
        "benchmark": "offline-scan",
        "apps": apps,
        "metadata_files": files,
        "results": scan.results.results.len(),
        "rules": rules.rules.len(),
        "cores": std::thread::available_parallelism().map_or(1, usize::from),
        "generate_seconds": generate_seconds,
        "scan_wall_seconds": total.as_secs_f64(),
        "peak_rss_mib": rss_after_scan,
        "phases_seconds": {
            "load_rules": loaded.as_secs_f64(),
            "collect": (collected - loaded).as_secs_f64(),
            "evaluate": (evaluated - collected).as_secs_f64(),
            "render_table": (total - evaluated).as_secs_f64(),
        },
        "peak_rss_mib_before_scan": rss_before_scan,
        "peak_rss_mib_after_collect": rss_after_collect,
        "peak_rss_mib_after_evaluate": rss_after_evaluate,
        "table_report_bytes": table.len(),
        "json_result": {
            "write_seconds": json_seconds,
            "bytes": json_bytes,
            "scan_and_json_wall_seconds": total.as_secs_f64() + json_seconds,
            "peak_rss_mib": peak_rss_mib(),
        },
        "targets": {"scan_wall_seconds": 2.0, "peak_rss_mib": 300.0},
    });
    println!("{}", serde_json::to_string_pretty(&figures).expect("figures serialize"));
}
