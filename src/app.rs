//! Orchestration: command line → collect → evaluate → render → exit code.

use std::io::Write as _;
use std::path::Path;

use crate::cli::{
    BaselineCommand, Cli, Command, DiffArgs, FailOn, InitArgs, OutputOptions, ReportArgs, RuleOptions, RulesCommand,
    ScanArgs, SuppressionsArgs,
};
use crate::collect;
use crate::engine::{self, RuleSet, RuleSource, Status, fixtures, rule};
use crate::error::{Error, exit};
use crate::model::{EvaluationDate, Inventory};
use crate::policy;
use crate::report::{self, Report, RulePackInfo, RunInfo, ToolInfo};

pub fn run(cli: &Cli) -> Result<u8, Error> {
    crate::logging::set_verbosity(cli.verbose);
    match &cli.command {
        Command::Collect(args) => crate::live::collect_command(args),
        Command::Login(args) => crate::live::login_command(args),
        Command::Scan(args) => scan(args),
        Command::Report(args) => rerender(args),
        Command::Rules(command) => rules(command),
        Command::Init(args) => init(args),
        Command::Baseline(BaselineCommand::Update(args)) => baseline_update(args),
        Command::Diff(args) => diff(args),
        Command::Suppressions(args) => suppressions(args),
    }
}

fn print_stdout(text: &str) -> Result<(), Error> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Output { path: "standard output".to_string(), source }),
        Ok(()) => Ok(()),
    }
}

/// `sfaudit init`: the commented starter config.
fn init(args: &InitArgs) -> Result<u8, Error> {
    if args.path.exists() && !args.force {
        return Err(Error::usage(
            format!("{} already exists", args.path.display()),
            "pass --force to replace it, or edit it by hand",
        ));
    }
    std::fs::write(&args.path, crate::config::STARTER)
        .map_err(|source| Error::Output { path: args.path.display().to_string(), source })?;
    print_stdout(&format!("wrote {}; every key is commented, uncomment what you need\n", args.path.display()))?;
    Ok(exit::OK)
}

/// `sfaudit baseline update`: scans and writes the result as the baseline, rolling the old one
/// forward (the counts say what changed since).
fn baseline_update(args: &ScanArgs) -> Result<u8, Error> {
    let project = (!args.org && args.snapshot.is_none()).then(|| args.path.clone().unwrap_or_else(|| ".".into()));
    let config = policy::load_config(&args.config, project.as_deref())?;
    let target = policy::baseline_path(&config, &args.gate).unwrap_or_else(|| "sfaudit-baseline.json".into());
    let mut scan_args_without_baseline = ScanArgs { ..args.clone() };
    scan_args_without_baseline.gate.baseline = None;
    let prepared = prepare(&scan_args_without_baseline)?;
    let mut scan = prepared.scan;
    let previous = target.is_file().then(|| policy::load_baseline(&target)).transpose()?;
    let comparison = previous.map(|previous| previous.apply(&mut scan.results.results.clone()));
    for result in &mut scan.results.results {
        result.baseline = None;
    }
    write_file(&target, report::Format::Json, &scan.report())?;
    let failing = scan.summary.by_status.get(&Status::Fail).copied().unwrap_or(0);
    let change = comparison.map_or_else(
        || "new baseline".to_string(),
        |comparison| format!("since the previous baseline: {} new, {} fixed", comparison.new, comparison.fixed),
    );
    print_stdout(&format!("wrote {} with {failing} failing finding(s); {change}\n", target.display()))?;
    Ok(exit::OK)
}

/// `sfaudit suppressions`: every configured suppression with its expiry status.
fn suppressions(args: &SuppressionsArgs) -> Result<u8, Error> {
    let config = policy::load_config(&args.config, None)?;
    let today = args.as_of.unwrap_or_else(EvaluationDate::now).instant().date();
    let listed: Vec<&crate::config::SuppressionRule> = match args.expiring_within {
        Some(days) => crate::config::suppress::expiring(&config.suppressions, today, days),
        None => config.suppressions.iter().collect(),
    };
    print_stdout(&report::suppressions::render(&listed, today))?;
    Ok(exit::OK)
}

fn diff(args: &DiffArgs) -> Result<u8, Error> {
    let old = crate::diff::Side::load(&args.old)?;
    let new = crate::diff::Side::load(&args.new)?;
    let drift = crate::diff::compare(&old, &new);
    let text = match args.format.as_str() {
        "json" => report::drift::json(&drift),
        "markdown" => report::drift::markdown(&drift),
        _ => report::drift::table(&drift),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Output { path: path.display().to_string(), source })?
        }
        None => print_stdout(&text)?,
    }
    Ok(if drift.got_worse() { exit::GATE_FAILED } else { exit::OK })
}

/// The built-in rules followed by every `--rules-dir`, so user rules override built-ins.
pub fn rule_sources(options: &RuleOptions) -> Result<Vec<RuleSource>, Error> {
    let mut sources = rule::builtin_sources();
    for directory in &options.rules_dirs {
        if !directory.is_dir() {
            return Err(Error::usage(
                format!("--rules-dir {} is not a folder", directory.display()),
                "pass a folder of rule files (*.toml)",
            ));
        }
        sources.extend(rule::directory_sources(directory).map_err(|error| Error::Rules(vec![error]))?);
    }
    Ok(sources)
}

pub fn load_rules(options: &RuleOptions) -> Result<(RuleSet, String), Error> {
    let sources = rule_sources(options)?;
    let version = format!("{}+{}", crate::TOOL_VERSION, RuleSet::fingerprint(&sources));
    let mut rules = rule::load(&sources).map_err(Error::Rules)?;
    rules.set_params(&options.params).map_err(|message| {
        Error::usage(message, "list the parameters with `sfaudit rules list`; values must match the default's type")
    })?;
    Ok((rules, version))
}

fn scan(args: &ScanArgs) -> Result<u8, Error> {
    let prepared = prepare(args)?;
    let verdict =
        policy::decide(&prepared.scan.results, prepared.fail_on, &args.gate, prepared.scan.run.baseline.is_some());
    if !args.gate.quiet || args.output.output.is_some() || prepared.output.output_dir.is_some() {
        write_reports(&prepared.output, &prepared.scan.report())?;
    }
    print_summary(&prepared.scan, &verdict);
    Ok(crate::live::incomplete_gate(&prepared.scan.inventory, args.allow_incomplete, verdict.code))
}

/// A scan with everything the config and command line ask for applied, ready to render.
struct Prepared {
    scan: Scan,
    fail_on: FailOn,
    output: OutputOptions,
}

fn prepare(args: &ScanArgs) -> Result<Prepared, Error> {
    let project = (!args.org && args.snapshot.is_none()).then(|| args.path.clone().unwrap_or_else(|| ".".into()));
    let config = policy::load_config(&args.config, project.as_deref())?;
    let mut output = args.output.clone();
    output.format = policy::formats(&config, &args.output.format);
    if output.output.is_none() && output.output_dir.is_none() {
        output.output_dir.clone_from(&config.output_dir);
    }
    check_output_options(&output)?;
    let fail_on = policy::fail_on(&config, &args.gate);
    let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
    let options = policy::rule_options(&config, &args.rules);
    let (mut rules, rule_pack_version) =
        load_rules(&RuleOptions { rules_dirs: options.rules_dirs, params: Vec::new() })?;
    policy::shape_rules(&config, &mut rules, args.config.no_ignores)?;
    rules.set_params(&options.params).map_err(|message| {
        Error::usage(message, "list the parameters with `sfaudit rules list`; values must match the default's type")
    })?;
    let baseline = policy::baseline_path(&config, &args.gate).map(|path| policy::load_baseline(&path)).transpose()?;
    let inventory = collect_inventory(args, &config, &as_of)?;
    let mut scan = evaluate(inventory, &rules, rule_pack_version, &as_of, fail_on);
    if !args.config.no_ignores {
        let warnings =
            crate::config::suppress::apply(&mut scan.results.results, &config.suppressions, as_of.instant().date());
        scan.run.warnings.extend(warnings);
    }
    if let Some(baseline) = baseline {
        scan.run.baseline = Some(baseline.apply(&mut scan.results.results));
    }
    scan.summary = report::summary::summarize(&scan.results, scan.inventory.apps.len());
    Ok(Prepared { scan, fail_on, output })
}

/// One line on standard error in every mode, for CI logs; warnings before it.
fn print_summary(scan: &Scan, verdict: &policy::Verdict) {
    let mut stderr = std::io::stderr().lock();
    for warning in &scan.run.warnings {
        let _ = writeln!(stderr, "warning: {warning}");
    }
    let _ = writeln!(stderr, "{}", summary_line(scan, verdict));
}

pub fn summary_line(scan: &Scan, verdict: &policy::Verdict) -> String {
    let summary = &scan.summary;
    let count = |status: Status| summary.by_status.get(&status).copied().unwrap_or(0);
    let by_severity: Vec<String> = engine::Severity::DESCENDING
        .iter()
        .filter_map(|severity| {
            let failed = summary.failed_by_severity.get(severity).copied().unwrap_or(0);
            (failed > 0).then(|| format!("{failed} {severity}"))
        })
        .collect();
    let score = summary.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"));
    let mut line = format!("sfaudit: score {score} ({}); {} failed", summary.band, count(Status::Fail));
    if !by_severity.is_empty() {
        line.push_str(&format!(" ({})", by_severity.join(", ")));
    }
    line.push_str(&format!(", {} unknown, {} passed", count(Status::Unknown), count(Status::Pass)));
    if summary.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", summary.suppressed));
    }
    if let Some(baseline) = &scan.run.baseline {
        line.push_str(&format!(
            "; baseline: {} new, {} unchanged, {} fixed",
            baseline.new, baseline.unchanged, baseline.fixed
        ));
    }
    line.push_str(&format!("; {}", verdict.description));
    line
}

/// A finished evaluation: everything the renderers need.
#[derive(Debug)]
pub struct Scan {
    pub run: RunInfo,
    pub inventory: Inventory,
    pub results: engine::Results,
    pub summary: report::Summary,
}

impl Scan {
    pub fn report(&self) -> Report<'_> {
        Report { run: &self.run, inventory: &self.inventory, results: &self.results, summary: &self.summary }
    }
}

pub fn evaluate(
    inventory: Inventory,
    rules: &RuleSet,
    rule_pack_version: String,
    as_of: &EvaluationDate,
    fail_on: FailOn,
) -> Scan {
    let results = engine::evaluate(&inventory, rules);
    let summary = report::summary::summarize(&results, inventory.apps.len());
    let run = RunInfo {
        tool: ToolInfo { name: crate::TOOL_NAME.to_string(), version: crate::TOOL_VERSION.to_string() },
        rule_pack: RulePackInfo { version: rule_pack_version, rules: rules.rules.len() },
        source: inventory.source.clone(),
        evaluated_at: as_of.to_string(),
        fail_on: fail_on.to_string(),
        warnings: Vec::new(),
        baseline: None,
    };
    Scan { run, inventory, results, summary }
}

fn collect_inventory(
    args: &ScanArgs,
    config: &crate::config::Config,
    as_of: &EvaluationDate,
) -> Result<Inventory, Error> {
    if args.org || args.config.profile.is_some() {
        let connection = crate::live::with_profile(&args.connection, config, args.config.profile.as_deref())?;
        return crate::live::collect_inventory(&connection, as_of);
    }
    if let Some(snapshot) = &args.snapshot {
        let mut inventory = collect::read_snapshot(snapshot).map_err(|error| Error::Input(vec![error]))?;
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

fn check_output_options(options: &OutputOptions) -> Result<(), Error> {
    if options.output.is_some() && options.format.len() > 1 {
        return Err(Error::usage(
            "--output takes one format",
            "use --output-dir to write several formats, one file each",
        ));
    }
    Ok(())
}

fn write_reports(options: &OutputOptions, report: &Report<'_>) -> Result<(), Error> {
    if let Some(directory) = &options.output_dir {
        std::fs::create_dir_all(directory)
            .map_err(|source| Error::Output { path: directory.display().to_string(), source })?;
        for format in &options.format {
            write_file(&directory.join(format!("sfaudit-report.{}", format.extension())), *format, report)?;
        }
        return Ok(());
    }
    if let Some(path) = &options.output {
        return write_file(path, options.format[0], report);
    }
    let stdout = std::io::stdout();
    // Wrap the table to the terminal; when piped or redirected, never wrap, so output is stable.
    let width = std::io::IsTerminal::is_terminal(&stdout).then(|| comfy_table::Table::new().width()).flatten();
    let mut stdout = stdout.lock();
    for format in &options.format {
        match report::write(*format, report, width, &mut stdout) {
            // A reader that stops early (`| head`) is not an error of ours.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(source) => return Err(Error::Output { path: "standard output".to_string(), source }),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// `sfaudit report --from results.json`: the saved result rendered again, no scan.
fn rerender(args: &ReportArgs) -> Result<u8, Error> {
    let mut output = args.output.clone();
    output.format = policy::formats(&crate::config::Config::default(), &args.output.format);
    check_output_options(&output)?;
    let shown = args.from.display().to_string();
    let text = std::fs::read_to_string(&args.from).map_err(|error| {
        Error::Input(vec![collect::CollectError::at(&shown, None, format!("cannot read: {error}"), "check the path")])
    })?;
    let loaded = report::json::parse(&text).map_err(|message| {
        Error::Input(vec![collect::CollectError::at(
            &shown,
            None,
            message,
            "pass a file written by `sfaudit scan --format json`",
        )])
    })?;
    write_reports(&output, &loaded.report())?;
    Ok(exit::OK)
}

fn write_file(path: &Path, format: report::Format, report: &Report<'_>) -> Result<(), Error> {
    let error = |source| Error::Output { path: path.display().to_string(), source };
    let mut file = std::fs::File::create(path).map_err(error)?;
    report::write(format, report, None, &mut file).map_err(error)
}

fn rules(command: &RulesCommand) -> Result<u8, Error> {
    let mut out = String::new();
    let code = match command {
        RulesCommand::List { rules } => {
            let (rules, version) = load_rules(rules)?;
            out = crate::report::rules::list(&rules, &version);
            exit::OK
        }
        RulesCommand::Explain { id, rules } => {
            let (rules, _) = load_rules(rules)?;
            let rule = rules.get(id).ok_or_else(|| {
                Error::usage(format!("no rule with id '{id}'"), "list the rule ids with `sfaudit rules list`")
            })?;
            out = crate::report::rules::explain(rule);
            exit::OK
        }
        RulesCommand::Test { dir } => {
            let options = RuleOptions { rules_dirs: dir.iter().cloned().collect(), params: Vec::new() };
            let (rules, _) = load_rules(&options)?;
            let result = fixtures::run(&rules);
            use std::fmt::Write as _;
            for failure in &result.failures {
                let location = failure.line.map_or(failure.source.clone(), |line| format!("{}:{line}", failure.source));
                let _ = writeln!(out, "FAIL {location}: {}: {}", failure.rule_id, failure.message);
            }
            let _ = writeln!(
                out,
                "{} rules, {} fixtures: {} passed, {} failed",
                result.rules,
                result.fixtures,
                result.fixtures.saturating_sub(result.failures.iter().filter(|failure| failure.line.is_some()).count()),
                result.failures.len()
            );
            if result.failures.is_empty() { exit::OK } else { exit::GATE_FAILED }
        }
    };
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|source| Error::Output { path: "standard output".to_string(), source })?;
    Ok(code)
}
