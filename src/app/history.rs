//! The history database from the command line: recording a scan (`--history FILE` or the
//! config's `[history] path`, with `--keep-days`) and `sfaudit history`.

use std::path::{Path, PathBuf};

use super::console::write_text;
use super::policy;
use crate::cli::{ConfigOptions, HistoryArgs, HistoryOptions};
use crate::config::Config;
use crate::document::{Report, Trend};
use crate::error::{Error, exit};
use crate::history::{self, Filter, HistoryError, RunRecord, Store, Target};

fn history_error(error: HistoryError) -> Error {
    Error::usage(error.to_string(), error.hint())
}

/// The database a scan is recorded in: `--history`, else the config's `[history] path`.
/// `--keep-days` without one is a mistake, not a silent no-op.
pub(super) fn database(config: &Config, options: &HistoryOptions) -> Result<Option<PathBuf>, Error> {
    let path = options.history.clone().or_else(|| config.history.path.clone());
    if path.is_none() && options.keep_days.is_some() {
        return Err(Error::usage(
            "--keep-days applies to a history database, and none is set",
            "add --history FILE, or set [history] path in sfaudit.toml",
        ));
    }
    Ok(path)
}

/// Records the scan when a history database is configured, applies the retention, and returns
/// the trend the reports draw. `project` is the scanned folder of a project scan.
pub(super) fn record(
    config: &Config,
    options: &HistoryOptions,
    report: &Report<'_>,
    project: Option<&Path>,
    profile: Option<&str>,
) -> Result<Option<Trend>, Error> {
    let Some(path) = database(config, options)? else { return Ok(None) };
    let location = project
        .map(|folder| std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf()).display().to_string())
        .unwrap_or_else(|| report.run.source.location.clone());
    let target = Target::of(report, location, profile.map(str::to_string));
    let mut store = Store::open(&path).map_err(history_error)?;
    let run_id = store.record(&RunRecord::new(report, target)).map_err(history_error)?;
    if let Some(days) = options.keep_days.or(config.history.keep_days) {
        let cutoff = report.run.evaluated_at.instant() - time::Duration::days(i64::from(days));
        store.prune(cutoff).map_err(history_error)?;
    }
    history::trend(&store, run_id).map(Some).map_err(history_error)
}

/// `sfaudit history`: the timeline of every recorded org or project.
pub(super) fn history_command(args: &HistoryArgs) -> Result<u8, Error> {
    let options = ConfigOptions {
        config: args.config.clone(),
        no_config: args.no_config,
        suppressions: Vec::new(),
        no_ignores: false,
        profile: None,
        no_project_config: false,
    };
    let config = policy::load_config(&options, None)?;
    let Some(path) = args.history.clone().or_else(|| config.history.path.clone()) else {
        return Err(Error::usage(
            "no history database: pass --history FILE or set [history] path in sfaudit.toml",
            "scans are recorded with `sfaudit scan … --history FILE`",
        ));
    };
    if !path.is_file() {
        return Err(Error::usage(
            format!("the history database {} does not exist", path.display()),
            "record scans first with `sfaudit scan … --history FILE`, then show them with the same FILE",
        ));
    }
    let store = Store::open(&path).map_err(history_error)?;
    let filter = Filter { org: args.org.clone(), since: args.since.map(|since| since.instant()) };
    let view = history::timeline(&store, &filter).map_err(history_error)?;
    if view.targets.is_empty() {
        if let Some(org) = &args.org {
            return Err(Error::usage(
                format!("no recorded run matches --org {org}"),
                "name a profile, org name, org id or scanned folder as `sfaudit history` lists them",
            ));
        }
    }
    let text = match args.format.as_str() {
        "json" => crate::report::history::json(&view),
        "markdown" => crate::report::history::markdown(&view),
        _ => crate::report::history::table(&view),
    };
    write_text(args.output.as_deref(), &text)?;
    Ok(exit::OK)
}
