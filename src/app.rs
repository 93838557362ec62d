//! Orchestration: command line → collect → evaluate → render → exit code.

use std::io::Write as _;
use std::path::Path;

use crate::cli::{Cli, Command, FailOn, OutputOptions, ReportArgs, RuleOptions, RulesCommand, ScanArgs};
use crate::collect;
use crate::engine::{self, RuleSet, RuleSource, Status, fixtures, rule};
use crate::error::{Error, exit};
use crate::model::{EvaluationDate, Inventory};
use crate::report::{self, Report, RulePackInfo, RunInfo, ToolInfo};

pub fn run(cli: &Cli) -> Result<u8, Error> {
    crate::logging::set_verbosity(cli.verbose);
    match &cli.command {
        Command::Collect(args) => crate::live::collect_command(args),
        Command::Login(args) => crate::live::login_command(args),
        Command::Scan(args) => scan(args),
        Command::Report(args) => rerender(args),
        Command::Rules(command) => rules(command),
    }
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
    check_output_options(&args.output)?;
    let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
    let (rules, rule_pack_version) = load_rules(&args.rules)?;
    let inventory = collect_inventory(args, &as_of)?;
    let scan = evaluate(inventory, &rules, rule_pack_version, &as_of, args.fail_on);
    write_reports(&args.output, &scan.report())?;
    Ok(crate::live::incomplete_gate(&scan.inventory, args.allow_incomplete, gate(&scan.results, args.fail_on)))
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
    };
    Scan { run, inventory, results, summary }
}

fn collect_inventory(args: &ScanArgs, as_of: &EvaluationDate) -> Result<Inventory, Error> {
    if args.org {
        return crate::live::collect_inventory(&args.connection, as_of);
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
        report::write(*format, report, width, &mut stdout)
            .map_err(|source| Error::Output { path: "standard output".to_string(), source })?;
    }
    Ok(())
}

/// `sfaudit report --from results.json`: the saved result rendered again, no scan.
fn rerender(args: &ReportArgs) -> Result<u8, Error> {
    check_output_options(&args.output)?;
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
    write_reports(&args.output, &loaded.report())?;
    Ok(exit::OK)
}

fn write_file(path: &Path, format: report::Format, report: &Report<'_>) -> Result<(), Error> {
    let error = |source| Error::Output { path: path.display().to_string(), source };
    let mut file = std::fs::File::create(path).map_err(error)?;
    report::write(format, report, None, &mut file).map_err(error)
}

/// Exit 1 when any result fails at or above the threshold.
pub fn gate(results: &engine::Results, fail_on: FailOn) -> u8 {
    let FailOn::Severity(threshold) = fail_on else { return exit::OK };
    let failed = results.results.iter().any(|result| result.status == Status::Fail && result.severity >= threshold);
    if failed { exit::GATE_FAILED } else { exit::OK }
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
