//! `sfaudit scan --orgs prod,uat,dev` and `--all-orgs`: every named `[orgs.NAME]` profile
//! collected concurrently under one global bound on API calls in flight, each evaluated, recorded
//! and reported on its own (`DIR/NAME/sfaudit-report.*`), then one fleet report beside them. One
//! org failing to log in does not stop the others; the exit code is the worst of the orgs' (3
//! when any is incomplete, naming it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::console::{print_stderr, print_stdout};
use super::output::write_reports;
use super::scan::{Scan, Setup, setup, summary_line};
use crate::cli::{OutputOptions, ScanArgs};
use crate::document::{Report, Trend};
use crate::error::{Error, exit};
use crate::fleet::{Fleet, Member, Outcome};
use crate::gate::incomplete;
use crate::model::Inventory;
use crate::report::Format;
use crate::salesforce::permits::Permits;

/// API calls in flight across the whole fleet, unless `--concurrency` says otherwise.
const DEFAULT_BOUND: usize = 16;

pub(super) fn requested(args: &ScanArgs) -> bool {
    !args.fleet.orgs.is_empty() || args.fleet.all_orgs
}

/// The profiles to scan, in the order given (`--all-orgs`: the config's order, by name).
fn profiles(setup: &Setup, args: &ScanArgs) -> Result<Vec<String>, Error> {
    let known: Vec<&str> = setup.config.orgs.keys().map(String::as_str).collect();
    let mut names: Vec<String> = if args.fleet.all_orgs {
        known.iter().map(|name| (*name).to_string()).collect()
    } else {
        args.fleet.orgs.iter().map(|name| name.trim().to_string()).filter(|name| !name.is_empty()).collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|name| seen.insert(name.clone()));
    if names.is_empty() {
        return Err(Error::usage(
            "no org to scan: the config has no [orgs.NAME] profile",
            "add [orgs.NAME] tables to sfaudit.toml (see `sfaudit init`), or pass --config FILE",
        ));
    }
    let unknown: Vec<&str> = names.iter().map(String::as_str).filter(|name| !known.contains(name)).collect();
    if !unknown.is_empty() {
        return Err(Error::usage(
            format!(
                "no org profile {} in the config",
                unknown.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(", ")
            ),
            if known.is_empty() {
                "add [orgs.NAME] tables to sfaudit.toml (see `sfaudit init`)".to_string()
            } else {
                format!("known profiles: {}", known.join(", "))
            },
        ));
    }
    Ok(names)
}

/// A folder name for an org's reports: the profile name with anything but letters, digits,
/// `-`, `_` and `.` replaced, never `.` or `..`.
fn folder_name(profile: &str) -> String {
    let name: String = profile
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || "-_.".contains(character) { character } else { '_' })
        .collect();
    if name.chars().all(|character| character == '.') { format!("org{}", name.replace('.', "_")) } else { name }
}

/// Logs in to and collects every org concurrently, their calls sharing one bound.
fn collect_all(
    connections: Vec<Result<crate::cli::OrgArgs, Error>>,
    bound: usize,
    as_of: &crate::model::EvaluationDate,
) -> Result<Vec<Result<Inventory, Error>>, Error> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|error| {
            Error::usage(format!("cannot start the async runtime: {error}"), "report this as a bug")
        })?;
    let permits = Arc::new(Permits::new(bound));
    Ok(runtime.block_on(async {
        let mut tasks = Vec::new();
        for connection in connections {
            let (permits, as_of) = (Arc::clone(&permits), *as_of);
            tasks.push(match connection {
                Ok(connection) => {
                    Ok(tokio::spawn(async move { super::live::collect_sharing(&connection, &as_of, permits).await }))
                }
                Err(error) => Err(error),
            });
        }
        let mut inventories = Vec::new();
        for task in tasks {
            inventories.push(match task {
                Ok(handle) => handle.await.unwrap_or_else(|error| {
                    Err(Error::Incomplete {
                        message: format!("the collection stopped: {error}"),
                        hint: "report this as a bug".into(),
                    })
                }),
                Err(error) => Err(error),
            });
        }
        inventories
    }))
}

/// Where the fleet report and the orgs' own reports go.
struct Destination {
    /// The folder each org's reports go under (`BASE/NAME/`); `None` writes no per-org report.
    base: Option<PathBuf>,
    fleet_formats: Vec<Format>,
}

fn destination(output: &OutputOptions, quiet: bool) -> Result<Destination, Error> {
    let fleet_formats: Vec<Format> = output
        .format
        .iter()
        .copied()
        .filter(|format| matches!(format, Format::Table | Format::Json | Format::Html | Format::Markdown))
        .collect();
    let base = match (&output.output_dir, &output.output) {
        (Some(directory), _) => Some(directory.clone()),
        (None, Some(file)) => Some(file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
        (None, None) => None,
    };
    if fleet_formats.is_empty() && (base.is_none() || output.output.is_some()) && !quiet {
        return Err(Error::usage(
            "a fleet report is written as table, json, html or markdown",
            "add one of those to --format, or pass --output-dir DIR to write only each org's reports",
        ));
    }
    Ok(Destination { base, fleet_formats })
}

fn render(format: Format, fleet: &Fleet<'_>) -> String {
    match format {
        Format::Json => crate::report::fleet::json(fleet),
        Format::Html => crate::report::html::render_fleet(fleet),
        Format::Markdown => crate::report::fleet::markdown(fleet),
        _ => crate::report::fleet::table(fleet),
    }
}

pub(super) fn scan_fleet(args: &ScanArgs) -> Result<u8, Error> {
    let baseline_refused = || {
        Error::usage(
            "a baseline is one org's earlier result; a fleet scan cannot compare every org with it",
            "drop --baseline (or the config's baseline) and use --history FILE: each org is compared with its own \
             previous scan",
        )
    };
    if args.gate.baseline.is_some() {
        return Err(baseline_refused());
    }
    let setup = setup(args)?;
    if setup.has_baseline() {
        return Err(baseline_refused());
    }
    let names = profiles(&setup, args)?;
    let bound = args.connection.concurrency.unwrap_or(DEFAULT_BOUND);
    if !(1..=64).contains(&bound) {
        return Err(Error::usage(format!("--concurrency {bound} is out of range"), "use 1 to 64 (default 16)"));
    }
    let destination = destination(&setup.output, args.gate.quiet)?;
    let connections: Vec<_> = names
        .iter()
        .map(|name| {
            let mut connection = super::live::with_profile(&args.connection, &setup.config, Some(name))?;
            connection.concurrency = Some(bound);
            Ok(connection)
        })
        .collect();
    let inventories = collect_all(connections, bound, &setup.as_of)?;
    let scans: Vec<Result<Scan, Error>> =
        inventories.into_iter().map(|inventory| inventory.map(|inventory| setup.finish(inventory))).collect();

    let mut trends: Vec<Option<Trend>> = Vec::new();
    for (name, scan) in names.iter().zip(&scans) {
        trends.push(match scan {
            Ok(scan) => super::history::record(&setup.config, &args.history, &scan.report(), None, Some(name))?,
            Err(_) => None,
        });
    }
    let mut members = Vec::new();
    let mut lines = Vec::new();
    for ((name, scan), trend) in names.iter().zip(&scans).zip(&trends) {
        let member = match scan {
            Ok(scan) => {
                let report = Report { trend: trend.as_ref(), ..scan.report() };
                let reports = match &destination.base {
                    Some(base) => {
                        let folder = folder_name(name);
                        let output = OutputOptions {
                            format: setup.output.format.clone(),
                            output: None,
                            output_dir: Some(base.join(&folder)),
                            pretty: setup.output.pretty,
                        };
                        write_reports(&output, &report)?;
                        Some(folder)
                    }
                    None => None,
                };
                lines.extend(scan.run.warnings.iter().map(|warning| format!("warning: [{name}] {warning}")));
                lines.extend(
                    incomplete::problem_warnings(&scan.inventory).iter().map(|line| format!("[{name}] {line}")),
                );
                lines.push(format!("[{name}] {}", summary_line(scan)));
                let weighed = incomplete::weigh_problems(&scan.inventory, args.allow_incomplete, scan.gate.exit_code());
                lines.extend(weighed.lines.iter().map(|line| format!("[{name}] {line}")));
                let collection = scan.inventory.source.collection.as_ref();
                let verdict = incomplete::judge(collection, args.allow_incomplete, weighed.code);
                lines.extend(verdict.lines.iter().map(|line| format!("[{name}] {line}")));
                super::notify::send(&setup.alerts, &report);
                let incomplete = !scan.inventory.unread_org_data().is_empty();
                Member {
                    name: name.clone(),
                    outcome: Outcome::Scanned { report, incomplete },
                    exit_code: verdict.code,
                    reports,
                }
            }
            Err(error) => {
                lines.push(format!("error: [{name}] {error}"));
                if let Some(hint) = error.hint() {
                    lines.push(format!("  hint: {hint}"));
                }
                Member {
                    name: name.clone(),
                    outcome: Outcome::Failed { message: error.to_string(), hint: error.hint() },
                    exit_code: error.exit_code(),
                    reports: None,
                }
            }
        };
        members.push(member);
    }
    let exit_code = members.iter().map(|member| member.exit_code).max().unwrap_or(exit::OK);
    let fleet = Fleet {
        members,
        evaluated_at: setup.as_of,
        exit_code,
        tool: format!("{} {}", crate::TOOL_NAME, crate::TOOL_VERSION),
    };
    write_fleet(&destination, &setup.output, args.gate.quiet, &fleet)?;
    let incomplete = fleet.incomplete();
    lines.push(if incomplete.is_empty() {
        format!("sfaudit: fleet of {} orgs: exit {exit_code}", fleet.members.len())
    } else {
        format!(
            "sfaudit: fleet of {} orgs: exit {exit_code}; incomplete or not scanned: {}",
            fleet.members.len(),
            incomplete.join(", ")
        )
    });
    print_stderr(&lines);
    Ok(exit_code)
}

fn write_fleet(destination: &Destination, output: &OutputOptions, quiet: bool, fleet: &Fleet<'_>) -> Result<(), Error> {
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|source| Error::Output { path: path.display().to_string(), source })
    };
    if let Some(directory) = &output.output_dir {
        for format in &destination.fleet_formats {
            write(&directory.join(format!("sfaudit-fleet.{}", format.extension())), &render(*format, fleet))?;
        }
    } else if let Some(file) = &output.output {
        if let Some(format) = destination.fleet_formats.first() {
            write(file, &render(*format, fleet))?;
        }
    } else if !quiet {
        for format in &destination.fleet_formats {
            print_stdout(&render(*format, fleet))?;
        }
        print_stderr(&["note: each org's own report is written with --output-dir DIR (DIR/NAME/sfaudit-report.*)"]);
    }
    Ok(())
}
