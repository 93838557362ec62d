//! Command-line interface (clap derive); every flag can also come from an `SFAUDIT_*` variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::Severity;
use crate::model::EvaluationDate;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "sfaudit",
    version,
    about = "Security-posture scanner for Salesforce External Client Apps, Connected Apps and org OAuth settings",
    long_about = None,
    after_help = "Exit codes: 0 no failing result at or above --fail-on; 1 the gate failed; 2 usage, rule or input error; 3 incomplete scan."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log API calls to standard error (-v), with retries, re-logins and API usage (-vv); never headers or tokens
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a Salesforce DX project or Metadata API folder and report on every OAuth app
    Scan(ScanArgs),
    /// Render a saved JSON result again in other formats, without scanning
    Report(ReportArgs),
    /// Pull an org's inventory into a snapshot file (audit evidence), without evaluating rules
    Collect(crate::live::CollectArgs),
    /// Prove the JWT bearer login works: prints org id, user and instance (never the token)
    Login(crate::live::LoginArgs),
    /// List, explain and test the rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a commented starter sfaudit.toml
    Init(InitArgs),
    /// Write or roll forward a baseline file (a JSON result the gate compares against)
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Compare two JSON results or snapshots: findings and settings that changed
    Diff(DiffArgs),
    /// List the configured suppressions and when they expire
    Suppressions(SuppressionsArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it
    #[arg(default_value = crate::config::FILE_NAME)]
    pub path: PathBuf,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan (same arguments as `scan`) and write the result as the new baseline
    Update(ScanArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier JSON result or snapshot
    pub old: PathBuf,
    /// The later JSON result or snapshot
    pub new: PathBuf,
    /// table, markdown or json
    #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "markdown", "json"])]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SuppressionsArgs {
    /// Only those expiring within this many days (expired ones included)
    #[arg(long, value_name = "DAYS")]
    pub expiring_within: Option<i64>,
    /// Evaluate expiry as of this date instead of today
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<EvaluationDate>,
    #[command(flatten)]
    pub config: ConfigOptions,
}

/// Where reports go and in which formats; shared by `scan` and `report`.
#[derive(Debug, Clone, Args)]
pub struct OutputOptions {
    /// Output format(s), repeatable or comma-separated: table, json, html, markdown, sarif, junit, csv
    /// [default: the config's `formats`, else table]
    #[arg(long, short = 'f', env = "SFAUDIT_FORMAT", value_enum, value_delimiter = ',')]
    pub format: Vec<Format>,
    /// Write the report to this file instead of standard output (one format only)
    #[arg(long, short = 'o', env = "SFAUDIT_OUTPUT", value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write one file per format into this folder (sfaudit-report.<ext>)
    #[arg(long, env = "SFAUDIT_OUTPUT_DIR", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A JSON result written by `sfaudit scan --format json`
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    #[command(flatten)]
    pub output: OutputOptions,
}

/// When the run fails (exit 1), and how quietly it says so.
#[derive(Debug, Clone, Args)]
pub struct GateOptions {
    /// Exit 1 when a result fails at or above this severity (critical, high, medium, low, info, none)
    /// [default: the config's `fail_on`, else high]
    #[arg(long, env = "SFAUDIT_FAIL_ON", value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// A saved JSON result: only findings that are new compared to it fail the gate
    #[arg(long, env = "SFAUDIT_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With a baseline: fail on any new finding, whatever its severity
    #[arg(long, env = "SFAUDIT_FAIL_ON_NEW")]
    pub fail_on_new: bool,
    /// Report only: exit 0 whatever the findings (errors still exit 2 or 3)
    #[arg(long, env = "SFAUDIT_NO_FAIL")]
    pub no_fail: bool,
    /// Print no report on standard output (files are still written); the one-line summary stays
    #[arg(long, short = 'q', env = "SFAUDIT_QUIET")]
    pub quiet: bool,
}

/// Where the config and suppressions come from.
#[derive(Debug, Clone, Args)]
pub struct ConfigOptions {
    /// Config file [default: sfaudit.toml in the scanned folder, else in the current folder]
    #[arg(long, env = "SFAUDIT_CONFIG", value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file
    #[arg(long)]
    pub no_config: bool,
    /// Extra suppressions file(s) with [[suppressions]] entries
    #[arg(long = "suppressions", env = "SFAUDIT_SUPPRESSIONS", value_name = "FILE")]
    pub suppressions: Vec<PathBuf>,
    /// Auditor view: disable every suppression and the config's `ignore` list
    #[arg(long)]
    pub no_ignores: bool,
    /// Org connection profile from the config's [orgs.NAME] (live scans)
    #[arg(long, env = "SFAUDIT_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
}

/// `--fail-on`: a severity, or `none` for report-only runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self::Never);
        }
        Severity::parse(&text.to_ascii_lowercase())
            .map(Self::Severity)
            .ok_or_else(|| format!("'{text}' is not one of critical, high, medium, low, info, none"))
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Severity(severity) => formatter.write_str(severity.as_str()),
            Self::Never => formatter.write_str("none"),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct RuleOptions {
    /// Extra rule folder(s); a rule with a built-in rule's id replaces it
    #[arg(long = "rules-dir", env = "SFAUDIT_RULES_DIR", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Override a rule parameter, e.g. --param cert_expiry_high_days=14
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Project folder: a Salesforce DX project (sfdx-project.json) or any folder of metadata
    #[arg(value_name = "PATH", conflicts_with_all = ["snapshot", "org"])]
    pub path: Option<PathBuf>,
    /// Evaluate a snapshot or JSON result written by an earlier run instead of a folder
    #[arg(long, env = "SFAUDIT_SNAPSHOT", value_name = "FILE", conflicts_with = "org")]
    pub snapshot: Option<PathBuf>,
    /// Scan a live org through the JWT bearer flow (see the login flags below)
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub connection: crate::live::OrgArgs,
    /// With --org or --snapshot: exit normally even when some data could not be read
    /// (results needing it are `unknown`); otherwise an incomplete scan exits 3
    #[arg(long, env = "SFAUDIT_ALLOW_INCOMPLETE")]
    pub allow_incomplete: bool,
    #[command(flatten)]
    pub output: OutputOptions,
    #[command(flatten)]
    pub gate: GateOptions,
    #[command(flatten)]
    pub config: ConfigOptions,
    /// Evaluation date: YYYY-MM-DD, an RFC 3339 time, or +Nd ("what fails in 30 days"); default now
    #[arg(long, env = "SFAUDIT_AS_OF", value_name = "DATE")]
    pub as_of: Option<EvaluationDate>,
    #[command(flatten)]
    pub rules: RuleOptions,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule with its severity and control
    List {
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Show a rule's full write-up and expressions
    Explain {
        /// Rule id, as shown by `sfaudit rules list`
        id: String,
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Run every rule's fixtures (the built-in pack, plus DIR when given)
    Test {
        /// A folder of rule files to test together with the built-in pack
        dir: Option<PathBuf>,
    },
}
