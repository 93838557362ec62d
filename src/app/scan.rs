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
use crate::gate::{self, Decision, Policy, incomplete};
use crate::model::{EvaluationDate, Inventory, Severity, Status};
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
        }
    }

    /// Recomputes what depends on the results after suppressions or a baseline changed them.
    fn settle(&mut self, policy: Policy) {
        self.summary = summarize(&self.results.results, self.inventory.apps.len());
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
    let summary = summarize(&results.results, inventory.apps.len());
    let gate = gate::decide(&results.results, policy, false);
    let run = RunInfo {
        tool: ToolInfo { name: crate::TOOL_NAME.to_string(), version: crate::TOOL_VERSION.to_string() },
        rule_pack: RulePackInfo { version: rule_pack_version, rules: rules.rules.len() },
        source: inventory.source.clone(),
        evaluated_at: *as_of,
        warnings: Vec::new(),
        baseline: None,
    };
    Scan { run, inventory, results, summary, gate }
}

pub(super) fn scan(args: &ScanArgs) -> Result<u8, Error> {
    let prepared = prepare(args)?;
    let scan = &prepared.scan;
    if !args.gate.quiet || args.output.output.is_some() || prepared.output.output_dir.is_some() {
        write_reports(&prepared.output, &scan.report())?;
    }
    print_stderr(&scan.run.warnings.iter().map(|warning| format!("warning: {warning}")).collect::<Vec<_>>());
    print_stderr(&[summary_line(scan)]);
    let verdict =
        incomplete::judge(scan.inventory.source.collection.as_ref(), args.allow_incomplete, scan.gate.exit_code());
    print_stderr(&verdict.lines);
    Ok(verdict.code)
}

/// A scan with everything the config and command line ask for applied, ready to render.
struct Prepared {
    scan: Scan,
    output: crate::cli::OutputOptions,
}

fn project_of(args: &ScanArgs) -> Option<std::path::PathBuf> {
    (!args.org && args.snapshot.is_none()).then(|| args.path.clone().unwrap_or_else(|| ".".into()))
}

fn prepare(args: &ScanArgs) -> Result<Prepared, Error> {
    let config = policy::load_config(&args.config, project_of(args).as_deref())?;
    let mut output = args.output.clone();
    output.format = policy::formats(&config, &args.output.format);
    if output.output.is_none() && output.output_dir.is_none() {
        output.output_dir.clone_from(&config.output_dir);
    }
    check_output_options(&output)?;
    let gate_policy = policy::gate_policy(&config, &args.gate);
    let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
    let options = policy::rule_options(&config, &args.rules);
    let (mut rules, rule_pack_version) =
        super::rules::load_rules(&RuleOptions { rules_dirs: options.rules_dirs, params: Vec::new() })?;
    policy::shape_rules(&config, &mut rules, args.config.no_ignores)?;
    super::rules::set_params(&mut rules, &options.params)?;
    let baseline = policy::baseline_path(&config, &args.gate).map(|path| policy::load_baseline(&path)).transpose()?;
    let inventory = collect_inventory(args, &config, &as_of)?;
    let mut scan = evaluate(inventory, &rules, rule_pack_version, &as_of, gate_policy);
    if !args.config.no_ignores {
        let warnings = gate::suppress::apply(&mut scan.results.results, &config.suppressions, as_of.instant().date());
        scan.run.warnings.extend(warnings);
    }
    if let Some(baseline) = baseline {
        scan.run.baseline = Some(baseline.apply(&mut scan.results.results));
    }
    scan.settle(gate_policy);
    Ok(Prepared { scan, output })
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
    let mut line = format!("sfaudit: score {score} ({}); {} failed", summary.band, summary.count(Status::Fail));
    if !by_severity.is_empty() {
        line.push_str(&format!(" ({})", by_severity.join(", ")));
    }
    line.push_str(&format!(", {} unknown, {} passed", summary.count(Status::Unknown), summary.count(Status::Pass)));
    if summary.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", summary.suppressed));
    }
    if let Some(baseline) = &scan.run.baseline {
        line.push_str(&format!(
            "; baseline: {} new, {} unchanged, {} fixed",
            baseline.new, baseline.unchanged, baseline.fixed
        ));
    }
    line.push_str(&format!("; {}", scan.gate.description()));
    line
}

fn collect_inventory(args: &ScanArgs, config: &Config, as_of: &EvaluationDate) -> Result<Inventory, Error> {
    if args.org || args.config.profile.is_some() {
        let connection = live::with_profile(&args.connection, config, args.config.profile.as_deref())?;
        return live::collect_inventory(&connection, as_of);
    }
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
    collect::project::collect_project(&path, as_of).map_err(Error::Input)
}

/// `sfaudit baseline update`: scans and writes the result as the baseline, rolling the old one
/// forward (the counts say what changed since).
pub(super) fn baseline_update(args: &ScanArgs) -> Result<u8, Error> {
    let config = policy::load_config(&args.config, project_of(args).as_deref())?;
    let target = policy::baseline_path(&config, &args.gate).unwrap_or_else(|| "sfaudit-baseline.json".into());
    let mut without_baseline = args.clone();
    without_baseline.gate.baseline = None;
    let scan = prepare(&without_baseline)?.scan;
    let previous = target.is_file().then(|| policy::load_baseline(&target)).transpose()?;
    let comparison = previous.map(|previous| previous.apply(&mut scan.results.results.clone()));
    write_file(&target, Format::Json, &scan.report())?;
    let failing = scan.summary.count(Status::Fail);
    let change = comparison.map_or_else(
        || "new baseline".to_string(),
        |comparison| format!("since the previous baseline: {} new, {} fixed", comparison.new, comparison.fixed),
    );
    print_message(&format!("wrote {} with {failing} failing finding(s); {change}\n", target.display()))?;
    Ok(exit::OK)
}
