//! Command-line interface: every clap type, and nothing else. Flags can also come from `SFAUDIT_*`
//! variables; the live-org flags follow the Salesforce CLI's `org login jwt` names.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::gate::FailOn;
use crate::model::{Confidence, EvaluationDate};
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
    Collect(CollectArgs),
    /// Prove the login works: prints the method, org id, user and instance (never the token)
    Login(LoginArgs),
    /// List who holds OAuth tokens of which app, and write a revocation plan (never revokes anything)
    Tokens(TokensArgs),
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
    /// Show the history database: score over time, new and fixed findings per run, open findings
    History(HistoryArgs),
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
    /// When either side is a snapshot, both sides' settings are evaluated with the built-in rules
    /// as of this date (default: now)
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<EvaluationDate>,
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
    /// Output format(s), repeatable or comma-separated: table, json, html, markdown, sarif, junit, csv, ocsf
    /// [default: the config's `formats`, else table]
    #[arg(long, short = 'f', env = "SFAUDIT_FORMAT", value_enum, value_delimiter = ',')]
    pub format: Vec<Format>,
    /// Write the report to this file instead of standard output (one format only)
    #[arg(long, short = 'o', env = "SFAUDIT_OUTPUT", value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write one file per format into this folder (sfaudit-report.<ext>)
    #[arg(long, env = "SFAUDIT_OUTPUT_DIR", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Indent the JSON result for reading (it is written compact otherwise)
    #[arg(long, env = "SFAUDIT_PRETTY")]
    pub pretty: bool,
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
    /// Leave results less sure than this (high, medium, low) out of the reports and the gate;
    /// every report says how many [default: the config's `min_confidence`, else low: show all]
    #[arg(long, env = "SFAUDIT_MIN_CONFIDENCE", value_name = "LEVEL")]
    pub min_confidence: Option<Confidence>,
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
    /// Take the policy only from --config and flags: never read a sfaudit.toml found in the scanned
    /// folder or the current folder (for CI on untrusted pull requests)
    #[arg(long, env = "SFAUDIT_NO_PROJECT_CONFIG")]
    pub no_project_config: bool,
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
    pub connection: OrgArgs,
    /// Exit by the gate even when some data could not be read or an input file has a problem
    /// (results needing it are `unknown`); otherwise an incomplete live scan exits 3 and an input
    /// problem 2
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
    #[command(flatten)]
    pub history: HistoryOptions,
    #[command(flatten)]
    pub notify: NotifyOptions,
    #[command(flatten)]
    pub fleet: FleetOptions,
}

/// The history database a scan is recorded in.
#[derive(Debug, Clone, Default, Args)]
pub struct HistoryOptions {
    /// Record the scan in this history database (SQLite, created when missing); reports then show
    /// the score trend and what changed since the previous scan [default: the config's [history] path]
    #[arg(long, env = "SFAUDIT_HISTORY", value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// With a history database: delete runs evaluated more than DAYS before this one
    /// [default: the config's [history] keep_days, else keep every run]
    #[arg(long, env = "SFAUDIT_KEEP_DAYS", value_name = "DAYS")]
    pub keep_days: Option<u32>,
}

/// Webhooks that get a summary when something needs attention. The URLs are secrets: they are
/// never printed, and `--help` does not show the variable's value.
#[derive(Debug, Clone, Default, Args)]
pub struct NotifyOptions {
    /// Post a summary to this webhook (repeatable): `env:NAME` reads the URL from that variable;
    /// prefix `slack=`, `teams=` or `webhook=` to choose the payload [default: from the host]
    #[arg(long = "notify", env = "SFAUDIT_NOTIFY", value_name = "URL", hide_env_values = true)]
    pub notify: Vec<String>,
    /// When to post, comma-separated: gate-failure, new-findings, drift
    /// [default: the config's `on`, else gate-failure]
    #[arg(long = "notify-on", env = "SFAUDIT_NOTIFY_ON", value_name = "EVENTS", value_delimiter = ',')]
    pub notify_on: Vec<crate::notify::Trigger>,
}

/// Several orgs in one run: the config's `[orgs.NAME]` profiles, scanned concurrently.
#[derive(Debug, Clone, Default, Args)]
pub struct FleetOptions {
    /// Scan these [orgs.NAME] profiles concurrently and write one fleet report (comma-separated)
    #[arg(long, value_name = "NAMES", value_delimiter = ',', conflicts_with_all = ["path", "snapshot", "org", "profile", "all_orgs"])]
    pub orgs: Vec<String>,
    /// Scan every [orgs.NAME] profile of the config (see --orgs)
    #[arg(long, conflicts_with_all = ["path", "snapshot", "org", "profile"])]
    pub all_orgs: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history database [default: the config's [history] path]
    #[arg(long, env = "SFAUDIT_HISTORY", value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Only this org or project: a profile name, org name, org id or scanned folder
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// Only runs evaluated on or after this date (YYYY-MM-DD, RFC 3339 or -Nd)
    #[arg(long, value_name = "DATE")]
    pub since: Option<EvaluationDate>,
    /// table, markdown or json
    #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "markdown", "json"])]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Config file [default: sfaudit.toml in the current folder]
    #[arg(long, env = "SFAUDIT_CONFIG", value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file
    #[arg(long)]
    pub no_config: bool,
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

/// How to log in to the org (`sfaudit login --help` lists them all).
#[derive(Debug, Clone, Default, Args)]
pub struct OrgArgs {
    /// Consumer key of the External Client App or Connected App used to log in (JWT `iss`)
    #[arg(long, env = "SFAUDIT_CLIENT_ID", value_name = "CONSUMER_KEY")]
    pub client_id: Option<String>,
    /// Username of the integration user (JWT `sub`)
    #[arg(long, env = "SFAUDIT_USERNAME", value_name = "USERNAME")]
    pub username: Option<String>,
    /// PEM private key whose certificate is uploaded to the app; or put the PEM text in SFAUDIT_JWT_KEY
    #[arg(long, env = "SFAUDIT_JWT_KEY_FILE", value_name = "FILE")]
    pub jwt_key_file: Option<PathBuf>,
    /// Login host: https://login.salesforce.com (default), https://test.salesforce.com or a My Domain URL
    #[arg(long, env = "SFAUDIT_INSTANCE_URL", value_name = "URL")]
    pub instance_url: Option<String>,
    /// JWT audience (`aud`); default follows the login host, and the other host is tried once
    #[arg(long, env = "SFAUDIT_AUDIENCE", value_name = "URL")]
    pub audience: Option<String>,
    /// Salesforce API version for Metadata and REST calls [default: 65.0]
    #[arg(long, env = "SFAUDIT_API_VERSION", value_name = "VERSION")]
    pub api_version: Option<String>,
    /// API calls in flight at once (1-64) [default: 16]
    #[arg(long, env = "SFAUDIT_CONCURRENCY", value_name = "N")]
    pub concurrency: Option<usize>,
    /// Time limit of one HTTP request, in seconds [default: 120]
    #[arg(long, env = "SFAUDIT_TIMEOUT", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Reuse the Salesforce CLI's login of this alias or username (runs `sf org display` and
    /// `sf org auth show-access-token`); wins over --sfdx-url-file and the JWT flags
    #[arg(long, env = "SFAUDIT_TARGET_ORG", value_name = "ALIAS|USERNAME")]
    pub target_org: Option<String>,
    /// File holding a force:// SFDX auth URL (or the JSON of `sf org auth show-sfdx-auth-url --json`);
    /// or put the URL in SFAUDIT_SFDX_URL. Its refresh token is exchanged for an access token at
    /// https://HOST of the URL (--instance-url overrides the host)
    #[arg(long, env = "SFAUDIT_SFDX_URL_FILE", value_name = "FILE")]
    pub sfdx_url_file: Option<PathBuf>,
    /// The environment variable holding the PEM key; set from a config profile's `jwt_key_env`.
    #[arg(skip)]
    pub jwt_key_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub connection: OrgArgs,
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    /// Read the org given by the login flags (the only source `tokens` has; optional)
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub connection: OrgArgs,
    /// Only this app (API name or label, any case), with each user holding its tokens
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Tokens unused for more than this many days go into the revocation plan
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub unused_days: i64,
    /// table, json or csv
    #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,
    /// Write the listing to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a shell script of the revocation calls an admin could run for the tokens of
    /// uninstalled, blocked or unused apps (sfaudit never runs them)
    #[arg(long, value_name = "FILE")]
    pub revoke_plan: Option<PathBuf>,
    /// Evaluation date for "days since last use": YYYY-MM-DD or RFC 3339; default now
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<EvaluationDate>,
    /// Exit 0 even when some usage could not be read
    #[arg(long, env = "SFAUDIT_ALLOW_INCOMPLETE")]
    pub allow_incomplete: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Collect from the org given by the login flags (the only source `collect` has; optional)
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub connection: OrgArgs,
    /// Write the snapshot to this file instead of standard output
    #[arg(long, short = 'o', env = "SFAUDIT_OUTPUT", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when some data could not be read (it is recorded in the snapshot)
    #[arg(long, env = "SFAUDIT_ALLOW_INCOMPLETE")]
    pub allow_incomplete: bool,
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}
