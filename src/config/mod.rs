//! `sfaudit.toml`: project configuration, validated with every problem reported at once as
//! `file:line: message`.
//!
//! Precedence: command-line flags and `SFAUDIT_*` variables, then the config file, then defaults.

mod validate;

pub use validate::check_rule_names;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::gate::FailOn;
use crate::gate::suppress::SuppressionRule;
use crate::model::Severity;
use crate::report::Format;

pub const FILE_NAME: &str = "sfaudit.toml";

/// A value with the line it was written on, so later checks (an unknown rule id) can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: u32,
}

/// Where to find an org and its credentials; never the secrets themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgProfile {
    pub name: String,
    pub instance_url: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub jwt_key_file: Option<PathBuf>,
    /// Name of the environment variable holding the PEM key (e.g. filled from a secret store).
    pub jwt_key_env: Option<String>,
    pub api_version: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub formats: Option<Vec<Format>>,
    pub output_dir: Option<PathBuf>,
    pub rules_dirs: Vec<PathBuf>,
    pub select: Vec<Located<String>>,
    pub ignore: Vec<Located<String>>,
    pub severity: BTreeMap<String, Located<Severity>>,
    pub params: BTreeMap<String, Located<String>>,
    pub orgs: BTreeMap<String, OrgProfile>,
    pub default_org: Option<String>,
    pub suppressions: Vec<SuppressionRule>,
    pub baseline: Option<PathBuf>,
}

impl Config {
    /// The folder relative paths in the file are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        self.path.as_deref().and_then(Path::parent).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }

    /// `file:line` for messages about an entry of this config.
    pub fn at(&self, line: u32) -> String {
        format!(
            "{}:{line}",
            self.path.as_deref().map_or_else(|| FILE_NAME.to_string(), |path| path.display().to_string())
        )
    }
}

/// Finds the config: `--config PATH`, else `sfaudit.toml` in the scanned folder, else in the
/// current folder. `--no-config` (`explicit = None, disabled = true`) skips discovery.
pub fn discover(explicit: Option<&Path>, disabled: bool, project: Option<&Path>) -> Option<PathBuf> {
    if disabled {
        return None;
    }
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    [project.map(|project| project.join(FILE_NAME)), Some(PathBuf::from(FILE_NAME))]
        .into_iter()
        .flatten()
        .find(|candidate| candidate.is_file())
}

/// Reads and validates a config file (and the suppression files it names).
pub fn load(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| vec![Diagnostic::new(&shown, None, format!("cannot read the config: {error}"))])?;
    let mut config = validate::parse_config(&shown, &text)?;
    config.path = Some(path.to_path_buf());
    let base = config.base_dir();
    config.rules_dirs = config.rules_dirs.iter().map(|dir| base.join(dir)).collect();
    config.output_dir = config.output_dir.map(|dir| base.join(dir));
    config.baseline = config.baseline.map(|file| base.join(file));
    for profile in config.orgs.values_mut() {
        profile.jwt_key_file = profile.jwt_key_file.take().map(|file| base.join(file));
    }
    Ok(config)
}

/// Reads a separate suppressions file (`--suppressions FILE`): `[[suppressions]]` entries only.
pub fn load_suppressions(path: &Path) -> Result<Vec<SuppressionRule>, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| vec![Diagnostic::new(&shown, None, format!("cannot read the suppressions: {error}"))])?;
    validate::parse_suppressions_file(&shown, &text)
}

/// The commented starter config `sfaudit init` writes.
pub const STARTER: &str = r#"# sfaudit configuration. Every key is optional; command-line flags win over this file.
# Paths are relative to this file. Never put secrets here: name where they are instead.

# Exit 1 when a result fails at or above this severity: critical, high, medium, low, info, none.
fail_on = "high"

# Report formats written on every run, and where (omit output_dir to print to stdout).
# formats = ["table", "sarif", "junit"]
# output_dir = "reports"

# Extra rule folders (a rule with a built-in rule's id replaces it).
# rules_dirs = ["security/sfaudit-rules"]

# Run only these rules or categories, and skip these (ids or categories).
# select = ["certificates", "access", "full-scope-granted"]
# ignore = ["legacy-connected-app"]

# A saved JSON result: only findings that are new compared to it fail the gate.
# baseline = "sfaudit-baseline.json"

# Rule severity overrides.
[severity]
# "pkce-not-required" = "medium"

# Rule parameters (see `sfaudit rules list`).
[params]
# cert_expiry_high_days = 30
# cert_expiry_medium_days = 90

# Org connection profiles for live scans (`sfaudit scan --org production`).
# [orgs.production]
# instance_url = "https://login.salesforce.com"
# client_id = "3MVG9..."                     # the consumer key: public, not a secret
# username = "integration.audit@example.com"
# jwt_key_env = "SFAUDIT_JWT_KEY"            # or jwt_key_file = "/run/secrets/sfaudit.pem"

# Accepted risks. A suppressed result is still reported, marked with its reason, but does not
# fail the gate; once `expires` has passed it stops suppressing and sfaudit warns.
# [[suppressions]]
# rule = "full-scope-granted"                # rule id or glob, e.g. "certificate-*"
# app = "Legacy_*"                           # app API name glob (default "*")
# kind = "connected_app"                     # optional: connected_app, external_client_app, org
# reason = "Vendor app; scope reduction planned with the vendor"
# owner = "security@example.com"
# ticket = "SEC-1234"
# expires = 2027-03-31
"#;
