//! `sfaudit scan` and `sfaudit baseline update`: collect, evaluate, apply the config's
//! suppressions and the baseline, decide the gate, write the reports and the summary line.

use std::path::Path;

use super::console::{print_message, print_stderr};
use super::output::{check_output_options, write_file, write_reports};
use super::{live, policy};
use crate::cli::{RuleOptions, ScanArgs};
use crate::collect;
use crate::config::Config;
use crate::document::{Report, RulePackInfo, RunInfo, Summary, ToolInfo, summarize};
use crate::engine::{self, RuleSet};
use crate::error::{Error, exit};
use crate::gate::baseline::Baseline;
use crate::gate::{self, Decision, Policy, incomplete, loosening};
use crate::model::{Confidence, EvaluationDate, Inventory, Severity, Status};
use crate::report::Format;

/// A finished evaluation: everything the renderers need.
#[derive(Debug)]
pub struct Scan {
    pub run: RunInfo,
    pub inventory: Inventory,
    pub results: engine::Results,
    pub summary: Summary,
    pub gate: Decision,
}

impl Scan {
    pub fn report(&self) -> Report<'_> {
        Report {
            run: &self.run,
            inventory: &self.inventory,
            results: &self.results,
            summary: &self.summary,
            gate: &self.gate,
            trend: None,
        }
    }

    /// Recomputes what depends on the results after suppressions or a baseline changed them.
    fn settle(&mut self, policy: Policy) {
        self.summary = summarize(&self.results, self.inventory.apps.len());
        self.gate = gate::decide(&self.results.results, policy, self.run.baseline.is_some());
    }
}

/// Evaluates `rules` against `inventory` and decides the gate (no suppressions, no baseline).
pub fn evaluate(
    inventory: Inventory,
    rules: &RuleSet,
    rule_pack_version: String,
    as_of: &EvaluationDate,
    policy: Policy,
) -> Scan {
    let results = engine::evaluate(&inventory, rules);
    let summary = summarize(&results, inventory.apps.len());
    let gate = gate::decide(&results.results, policy, false);
    let run = RunInfo {
        tool: ToolInfo { name: crate::TOOL_NAME.to_string(), version: crate::TOOL_VERSION.to_string() },
        rule_pack: RulePackInfo { version: rule_pack_version, rules: rules.rules.len() },
        source: inventory.source.clone(),
        evaluated_at: *as_of,
        warnings: Vec::new(),
        baseline: None,
        hidden: None,
        loosenings: Vec::new(),
    };
    Scan { run, inventory, results, summary, gate }
}

pub(super) fn scan(args: &ScanArgs) -> Result<u8, Error> {
    if super::fleet::requested(args) {
        return super::fleet::scan_fleet(args);
    }
    let prepared = prepare(args)?;
    let scan = &prepared.scan;
    // The folder a project scan read (a profile scans the org even when a PATH is given).
    let project = project_of(args).filter(|_| args.config.profile.is_none());
    let trend = super::history::record(
        &prepared.setup.config,
        &args.history,
        &scan.report(),
        project.as_deref(),
        args.config.profile.as_deref(),
    )?;
    let report = Report { trend: trend.as_ref(), ..scan.report() };
    let to_files = args.output.output.is_some() || prepared.setup.output.output_dir.is_some();
    // A scan that cannot stand (a file not read at all, nothing found) still writes its report
    // files, marked as such, but prints no report that could pass for a complete one.
    let unsound = incomplete::input_verdict(&scan.inventory);
    if to_files || (!args.gate.quiet && unsound.is_none()) {
        write_reports(&prepared.setup.output, &report)?;
    }
    print_stderr(&scan.run.warnings.iter().map(|warning| format!("warning: {warning}")).collect::<Vec<_>>());
    print_stderr(&incomplete::problem_warnings(&scan.inventory));
    print_stderr(&[summary_line(scan)]);
    super::notify::send(&prepared.setup.alerts, &report);
    if let Some(verdict) = unsound {
        print_stderr(&verdict.lines);
        return Ok(verdict.code);
    }
    let weighed = incomplete::weigh_problems(&scan.inventory, args.allow_incomplete, scan.gate.exit_code());
    print_stderr(&weighed.lines);
    let verdict = incomplete::judge(scan.inventory.source.collection.as_ref(), args.allow_incomplete, weighed.code);
    print_stderr(&verdict.lines);
    // A large scan's records and results are millions of small allocations of plain data, which
    // the process hands back at exit at once; freeing them one by one took 40-55 ms at 10,000
    // apps. (The setup, which may hold secrets to wipe, is dropped as usual.)
    std::mem::forget(prepared.scan);
    Ok(verdict.code)
}

/// A scan with everything the config and command line ask for applied, ready to render.
struct Prepared {
    scan: Scan,
    setup: Setup,
}

/// What a scan needs besides the inventory: the config, the rules, the gate, the baseline and
/// the alerts; shared by every org of a fleet scan.
pub(super) struct Setup {
    pub(super) config: Config,
    pub(super) output: crate::cli::OutputOptions,
    pub(super) gate_policy: Policy,
    pub(super) as_of: EvaluationDate,
    rules: RuleSet,
    rule_pack_version: String,
    baseline: Option<Baseline>,
    loosenings: Vec<loosening::Loosening>,
    min_confidence: Option<Confidence>,
    no_ignores: bool,
    pub(super) alerts: Vec<super::notify::Alerting>,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Setup").field("as_of", &self.as_of).finish_non_exhaustive()
    }
}

fn project_of(args: &ScanArgs) -> Option<std::path::PathBuf> {
    (!args.org && !live::names_an_org(&args.connection) && args.snapshot.is_none())
        .then(|| args.path.clone().unwrap_or_else(|| ".".into()))
}

pub(super) fn setup(args: &ScanArgs) -> Result<Setup, Error> {
    let config = policy::load_config(&args.config, project_of(args).as_deref())?;
    setup_with(args, config, args.as_of.unwrap_or_else(EvaluationDate::now))
}

fn setup_with(args: &ScanArgs, config: Config, as_of: EvaluationDate) -> Result<Setup, Error> {
    let mut output = args.output.clone();
    output.format = policy::formats(&config, &args.output.format);
    if output.output.is_none() && output.output_dir.is_none() {
        output.output_dir.clone_from(&config.output_dir);
    }
    check_output_options(&output)?;
    let gate_policy = policy::gate_policy(&config, &args.gate);
    let options = policy::rule_options(&config, &args.rules);
    if args.config.no_project_config {
        policy::refuse_gate_inputs_inside_tree(&config, &args.gate, &options.rules_dirs, project_of(args).as_deref())?;
    }
    let (mut rules, rule_pack_version) =
        super::rules::load_rules(&RuleOptions { rules_dirs: options.rules_dirs, params: Vec::new() })?;
    let mut loosenings = policy::shape_rules(&config, &mut rules, args.config.no_ignores)?;
    loosenings.extend(policy::policy_loosenings(
        &config,
        &args.gate,
        &args.rules.params,
        &rules,
        args.config.no_ignores,
    ));
    super::rules::set_params(&mut rules, &options.params)?;
    let baseline = policy::baseline_path(&config, &args.gate).map(|path| policy::load_baseline(&path)).transpose()?;
    let min_confidence = policy::min_confidence(&config, &args.gate).filter(|level| *level > Confidence::Low);
    let history = super::history::database(&config, &args.history)?.is_some();
    let alerts = super::notify::alerting(&config, &args.notify, history, baseline.is_some())?;
    Ok(Setup {
        config,
        output,
        gate_policy,
        as_of,
        rules,
        rule_pack_version,
        baseline,
        loosenings,
        min_confidence,
        no_ignores: args.config.no_ignores,
        alerts,
    })
}

impl Setup {
    /// Evaluates an inventory and applies the confidence floor, the suppressions and the baseline.
    pub(super) fn finish(&self, inventory: Inventory) -> Scan {
        let mut scan = evaluate(inventory, &self.rules, self.rule_pack_version.clone(), &self.as_of, self.gate_policy);
        scan.run.loosenings.clone_from(&self.loosenings);
        if let Some(minimum) = self.min_confidence {
            scan.run.hidden = Some(gate::confidence::hide_below(&mut scan.results.results, minimum));
        }
        if !self.no_ignores {
            let warnings =
                gate::suppress::apply(&mut scan.results, &self.config.suppressions, self.as_of.instant().date());
            scan.run.warnings.extend(warnings);
        }
        if let Some(baseline) = &self.baseline {
            scan.run.baseline = Some(baseline.apply(&mut scan.results));
        }
        scan.settle(self.gate_policy);
        scan
    }

    pub(super) fn has_baseline(&self) -> bool {
        self.baseline.is_some()
    }
}

fn prepare(args: &ScanArgs) -> Result<Prepared, Error> {
    let config = policy::load_config(&args.config, project_of(args).as_deref())?;
    let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
    // A live scan starts the login first (only the config, which may name the org, comes
    // before it): the rules load and the rest is set up while the login and the first calls
    // are under way. A set-up error still wins, and stops the collection.
    let collecting = if is_live(args) {
        let connection = live::with_profile(&args.connection, &config, args.config.profile.as_deref())?;
        Some(live::Collecting::start(&connection, as_of)?)
    } else {
        None
    };
    let (setup, inventory) = match collecting {
        Some(collecting) => {
            let setup = setup_with(args, config, as_of)?;
            (setup, collecting.finish()?)
        }
        // The rules load on this thread while the collection starts with its walk, which uses
        // one core; a set-up error still wins over a collection error.
        None => std::thread::scope(|scope| {
            let collected = scope.spawn(|| collect_inventory(args, &as_of));
            let setup = setup_with(args, config, as_of);
            let inventory = collected.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok::<_, Error>((setup?, inventory?))
        })?,
    };
    let scan = setup.finish(inventory);
    Ok(Prepared { scan, setup })
}

/// One line on standard error in every mode, for CI logs.
pub fn summary_line(scan: &Scan) -> String {
    let summary = &scan.summary;
    let by_severity: Vec<String> = Severity::DESCENDING
        .iter()
        .filter_map(|severity| {
            let failed = summary.failed_by_severity.get(severity).copied().unwrap_or(0);
            (failed > 0).then(|| format!("{failed} {severity}"))
        })
        .collect();
    let score = summary.score_text();
    let mut line = format!("sfaudit: score {score} ({}); {} failed", summary.band_text(), summary.count(Status::Fail));
    if !by_severity.is_empty() {
        line.push_str(&format!(" ({})", by_severity.join(", ")));
    }
    line.push_str(&format!(", {} unknown, {} passed", summary.count(Status::Unknown), summary.count(Status::Pass)));
    if summary.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", summary.suppressed));
    }
    if let Some(hidden) = &scan.run.hidden {
        line.push_str(&format!("; {}", hidden.describe()));
    }
    if let Some(baseline) = &scan.run.baseline {
        line.push_str(&format!(
            "; baseline: {} new, {} unchanged, {} fixed",
            baseline.new, baseline.unchanged, baseline.fixed
        ));
    }
    if let Some(loosenings) = loosening::count_text(&scan.run.loosenings) {
        line.push_str(&format!("; {loosenings}"));
    }
    let problems = &scan.inventory.problems;
    if !problems.is_empty() {
        let fatal = problems.iter().filter(|problem| problem.fatal).count();
        line.push_str(&format!("; {} input problem(s)", problems.len()));
        if fatal > 0 {
            line.push_str(&format!(", {fatal} file(s) not read: INCOMPLETE"));
        }
    }
    if incomplete::found_nothing(&scan.inventory) {
        line.push_str("; NOTHING FOUND to judge");
    }
    line.push_str(&format!("; {}", scan.gate.description()));
    line
}

fn is_live(args: &ScanArgs) -> bool {
    args.org || live::names_an_org(&args.connection) || args.config.profile.is_some()
}

/// The inventory of a snapshot or a project (a live scan is collected by [`prepare`]).
fn collect_inventory(args: &ScanArgs, as_of: &EvaluationDate) -> Result<Inventory, Error> {
    if let Some(snapshot) = &args.snapshot {
        let mut inventory =
            collect::snapshot::read_snapshot(snapshot).map_err(|problem| Error::Input(vec![problem]))?;
        inventory.refresh_dates(as_of);
        return Ok(inventory);
    }
    let path = args.path.clone().unwrap_or_else(|| Path::new(".").to_path_buf());
    if args.path.is_none() && !path.join("sfdx-project.json").is_file() {
        return Err(Error::usage(
            "no PATH given and the current folder is not a Salesforce DX project (no sfdx-project.json)",
            "run `sfaudit scan path/to/project`, or `sfaudit scan --snapshot FILE`",
        ));
    }
    // A file that is not well-formed XML stays a fatal problem of the inventory: the reports asked
    // for are written marked incomplete and the run exits 2, as for a snapshot holding one.
    collect::project::collect_project(&path, as_of).map_err(Error::Input)
}

/// `sfaudit baseline update`: scans and writes the result as the baseline, rolling the old one
/// forward (the counts say what changed since).
pub(super) fn baseline_update(args: &ScanArgs) -> Result<u8, Error> {
    if super::fleet::requested(args) {
        return Err(Error::usage(
            "a baseline is one org's or project's result; `baseline update` does not take --orgs or --all-orgs",
            "run it once per org with --profile NAME --baseline FILE",
        ));
    }
    let config = policy::load_config(&args.config, project_of(args).as_deref())?;
    let target = policy::baseline_path(&config, &args.gate).unwrap_or_else(|| "sfaudit-baseline.json".into());
    let mut without_baseline = args.clone();
    without_baseline.gate.baseline = None;
    let scan = prepare(&without_baseline)?.scan;
    if let Some(verdict) = incomplete::input_verdict(&scan.inventory) {
        print_stderr(&incomplete::problem_warnings(&scan.inventory));
        print_stderr(&verdict.lines);
        print_stderr(&["error: no baseline was written"]);
        return Ok(verdict.code);
    }
    // As for a scan: a baseline taken over input problems or unread org data would record a
    // result the gate could not vouch for, so it is written only when the scan's gate would pass.
    let weighed = incomplete::weigh_problems(&scan.inventory, args.allow_incomplete, exit::OK);
    let verdict = incomplete::judge(scan.inventory.source.collection.as_ref(), args.allow_incomplete, weighed.code);
    if !weighed.lines.is_empty() || !verdict.lines.is_empty() {
        print_stderr(&incomplete::problem_warnings(&scan.inventory));
        print_stderr(&weighed.lines);
        print_stderr(&verdict.lines);
    }
    if verdict.code != exit::OK {
        print_stderr(&["error: no baseline was written"]);
        return Ok(verdict.code);
    }
    let previous = target.is_file().then(|| policy::load_baseline(&target)).transpose()?;
    let comparison = previous.map(|previous| previous.apply(&mut scan.results.clone()));
    write_file(&target, Format::Json, &scan.report())?;
    let failing = scan.summary.count(Status::Fail);
    let change = comparison.map_or_else(
        || "new baseline".to_string(),
        |comparison| format!("since the previous baseline: {} new, {} fixed", comparison.new, comparison.fixed),
    );
    print_message(&format!("wrote {} with {failing} failing finding(s); {change}\n", target.display()))?;
    Ok(exit::OK)
}
