//! `sfaudit.toml`: project configuration, validated with every problem reported at once as
//! `file:line: message`.
//!
//! Precedence: command-line flags and `SFAUDIT_*` variables, then the config file, then defaults.

mod checker;
mod ops;
mod types;
mod validate;

pub(crate) use types::{Config, FILE_NAME, Located};
pub(crate) use validate::{check_rule_names, load_suppressions};

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// Finds the config: `--config PATH`, else `sfaudit.toml` in the scanned folder, else in the
/// current folder. `--no-config` (`disabled`) reads none; `--no-project-config` (`explicit_only`)
/// reads only `--config PATH`.
pub(crate) fn discover(
    explicit: Option<&Path>,
    disabled: bool,
    explicit_only: bool,
    project: Option<&Path>,
) -> Option<PathBuf> {
    if disabled {
        return None;
    }
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if explicit_only {
        return None;
    }
    [project.map(|project| project.join(FILE_NAME)), Some(PathBuf::from(FILE_NAME))]
        .into_iter()
        .flatten()
        .find(|candidate| candidate.is_file())
}

/// Reads and validates a config file (and the suppression files it names).
pub(crate) fn load(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let text = crate::input::read_text(path, crate::limits::MAX_CONFIG_BYTES)
        .map_err(|error| vec![Diagnostic::new(&shown, None, format!("the config {error}"))])?;
    let mut config = validate::parse_config(&shown, &text)?;
    config.path = Some(path.to_path_buf());
    let base = config.base_dir();
    config.rules_dirs = config.rules_dirs.iter().map(|dir| base.join(dir)).collect();
    config.output_dir = config.output_dir.map(|dir| base.join(dir));
    config.baseline = config.baseline.map(|file| base.join(file));
    config.history.path = config.history.path.map(|file| base.join(file));
    for profile in config.orgs.values_mut() {
        profile.jwt_key_file = profile.jwt_key_file.take().map(|file| base.join(file));
    }
    Ok(config)
}

/// Validates config text as [`load`] does, without the size limit of a file; for the fuzz targets.
pub fn check(path: &str, text: &str) -> Result<(), Vec<Diagnostic>> {
    validate::parse_config(path, text).map(|_| ())
}

/// The commented starter config `sfaudit init` writes.
pub(crate) const STARTER: &str = r#"# sfaudit configuration. Every key is optional; command-line flags win over this file.
# Paths are relative to this file. Never put secrets here: name where they are instead.

# Exit 1 when a result fails at or above this severity: critical, high, medium, low, info, none.
fail_on = "high"

# Leave results less sure than this out of the reports and the gate: high, medium or low (all).
# min_confidence = "medium"

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

# A history database: every scan is recorded, reports show the score trend and what changed
# since the previous scan, and `sfaudit history` prints the timeline.
# [history]
# path = "sfaudit-history.sqlite"
# keep_days = 365

# Alerts: post a summary to Slack, Microsoft Teams or a JSON webhook. The URL is a secret, so the
# config names the environment variable that holds it.
# [[notify]]
# url_env = "SFAUDIT_SLACK_WEBHOOK"
# kind = "slack"                             # slack, teams or webhook (default: from the host)
# on = ["gate-failure", "new-findings"]      # gate-failure, new-findings, drift

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
# namespace = "acme"                         # optional: namespace prefix glob ("" = unpackaged apps)
# kind = "connected_app"                     # optional: connected_app, external_client_app, org
# reason = "Vendor app; scope reduction planned with the vendor"
# owner = "security@example.com"
# ticket = "SEC-1234"
# expires = 2027-03-31
"#;
