//! Offline scan speed and memory against the floor, measured in the same run.
//!
//! For a generated project (half Connected Apps, half External Client Apps with all five files,
//! every app with a certificate) it measures:
//! - the floor: reading every file and parsing it with roxmltree, plus every certificate with
//!   x509-parser and SHA-256, on every core — what any scanner of these files must do;
//! - the whole `sfaudit scan` process, writing JSON and writing the table: wall time, peak
//!   resident memory (of the child process) and output size.
//!
//! Each figure is the median of `--runs` runs (default 3) and is printed next to the floor and
//! its ratio, as JSON lines. Run: `cargo bench --bench scan` (10,000 and 50,000 apps), or
//! `-- --apps 20000`; `-- --keep DIR` also leaves a copy of each generated project in DIR for
//! profiling by hand. Not a timed test: it reports, it does not assert.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::Digest as _;

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

/// Every file under `root`, as the scanner would find them.
fn files_under(root: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(root).expect("read folder").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Reads and parses every metadata file, and parses and hashes every certificate, on every core.
fn floor(root: &Path) -> Duration {
    let mut files = Vec::new();
    files_under(&root.join("force-app"), &mut files);
    let started = Instant::now();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = files.len().div_ceil(workers).max(1);
    let elements: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut elements = 0;
                    for path in part {
                        let text = std::fs::read_to_string(path).expect("read metadata");
                        let document = roxmltree::Document::parse(&text).expect("well-formed XML");
                        elements += document.descendants().count();
                        if let Some(node) = document.descendants().find(|node| node.has_tag_name("certificate")) {
                            let body: String = node.text().unwrap_or_default().split_whitespace().collect();
                            let der = base64::engine::general_purpose::STANDARD.decode(body).expect("base64");
                            let (_, certificate) =
                                x509_parser::parse_x509_certificate(&der).expect("X.509 certificate");
                            elements += certificate.subject().iter().count();
                            elements += sha2::Sha256::digest(&der)[0] as usize;
                        }
                    }
                    elements
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("floor worker")).sum()
    });
    assert!(elements > 0);
    started.elapsed()
}

/// One whole-process measurement: wall time, peak RSS of the child, bytes written.
#[derive(Debug, Clone, Copy)]
struct Run {
    seconds: f64,
    peak_rss_mib: f64,
    bytes: u64,
}

/// Runs `sfaudit` through this benchmark's own `--measure` mode, so the peak resident memory the
/// kernel reports for finished children is that one process's.
fn measure(project: &Path, format: &str, output: &Path) -> Run {
    let arguments = [
        "scan",
        &project.display().to_string(),
        "--as-of",
        "2026-12-01",
        "--fail-on",
        "none",
        "--no-config",
        "--format",
        format,
        "--output",
        &output.display().to_string(),
    ]
    .map(str::to_string);
    let measured = Command::new(std::env::current_exe().expect("benchmark executable"))
        .arg("--measure")
        .arg(env!("CARGO_BIN_EXE_sfaudit"))
        .args(arguments)
        .output()
        .expect("run the measurement");
    let report = String::from_utf8_lossy(&measured.stdout);
    let mut numbers = report.split_whitespace().map(|number| number.parse::<f64>().expect("a number"));
    let (seconds, peak_rss_kib) = (numbers.next().expect("seconds"), numbers.next().expect("peak RSS"));
    let bytes = std::fs::metadata(output).map(|metadata| metadata.len()).unwrap_or_default();
    Run { seconds, peak_rss_mib: peak_rss_kib / 1024.0, bytes }
}

/// The child side of [`measure`]: runs the command, prints "seconds peak_rss_kib".
#[allow(clippy::print_stdout, reason = "the measurement is read from stdout by the parent")]
fn measure_child(command: &[String]) {
    let started = Instant::now();
    let status = Command::new(&command[0]).args(&command[1..]).status().expect("run sfaudit");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "sfaudit failed: {status}");
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).expect("rusage");
    println!("{seconds} {}", usage.max_rss());
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[allow(clippy::print_stdout, reason = "a benchmark reports its figures on stdout")]
fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(position) = arguments.iter().position(|argument| argument == "--measure") {
        measure_child(&arguments[position + 1..]);
        return;
    }
    let option =
        |name: &str| arguments.iter().position(|argument| argument == name).and_then(|at| arguments.get(at + 1));
    let sizes: Vec<usize> =
        option("--apps").map_or_else(|| vec![10_000, 50_000], |apps| vec![apps.parse().expect("--apps N")]);
    let runs: usize = option("--runs").map_or(3, |runs| runs.parse().expect("--runs N"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seconds_per_app = Vec::new();
    for apps in sizes {
        let folder = tempfile::tempdir().expect("temp dir");
        let project = folder.path().join("project");
        let files = generate(&project, apps, &certificates(repo));
        if let Some(keep) = option("--keep") {
            // For profiling one scan by hand: the generated project is copied out before measuring.
            let kept = Path::new(keep).join(format!("apps-{apps}"));
            let status = Command::new("cp").arg("-r").arg(&project).arg(&kept).status().expect("cp");
            assert!(status.success(), "copy the project to {}", kept.display());
        }
        let floor_seconds = median((0..runs).map(|_| floor(&project).as_secs_f64()).collect());
        for format in ["json", "table"] {
            let output = folder.path().join(format!("out.{format}"));
            let measured: Vec<Run> = (0..runs).map(|_| measure(&project, format, &output)).collect();
            let seconds = median(measured.iter().map(|run| run.seconds).collect());
            let peak_rss_mib = median(measured.iter().map(|run| run.peak_rss_mib).collect());
            let bytes = measured.last().map_or(0, |run| run.bytes);
            if format == "json" {
                seconds_per_app.push((apps, seconds / apps as f64));
            }
            let figures = serde_json::json!({
                "benchmark": "offline-scan",
                "apps": apps,
                "metadata_files": files,
                "format": format,
                "runs": runs,
                "cores": std::thread::available_parallelism().map_or(1, usize::from),
                "floor_seconds": floor_seconds,
                "scan_seconds": seconds,
                "ratio_to_floor": seconds / floor_seconds,
                "peak_rss_mib": peak_rss_mib,
                "output_bytes": bytes,
                "output_bytes_per_app": bytes as f64 / apps as f64,
            });
            println!("{figures}");
        }
    }
    if let [(small, small_per_app), .., (large, large_per_app)] = seconds_per_app.as_slice() {
        let figures = serde_json::json!({
            "benchmark": "offline-scan-scaling",
            "apps": [small, large],
            "seconds_per_app": [small_per_app, large_per_app],
            "ratio": large_per_app / small_per_app,
        });
        println!("{figures}");
    }
}
