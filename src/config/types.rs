//! What a config file says, validated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::gate::FailOn;
use crate::gate::suppress::SuppressionRule;
use crate::model::{Confidence, Severity};
use crate::notify::{Kind, Trigger};
use crate::report::Format;

pub(crate) const FILE_NAME: &str = "sfaudit.toml";

/// A value with the line it was written on, so later checks (an unknown rule id) can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub value: T,
    pub line: u32,
}

/// Where to find an org and its credentials; never the secrets themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrgProfile {
    pub name: String,
    pub instance_url: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub jwt_key_file: Option<PathBuf>,
    /// Name of the environment variable holding the PEM key (e.g. filled from a secret store).
    pub jwt_key_env: Option<String>,
    pub api_version: Option<String>,
}

/// `[history]`: where scans are recorded and for how long.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HistorySettings {
    pub path: Option<PathBuf>,
    pub keep_days: Option<u32>,
}

/// One `[[notify]]` entry: a webhook named by the environment variable that holds its URL (the
/// URL is a secret and never written in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotifySettings {
    pub url_env: String,
    pub kind: Option<Kind>,
    /// Empty: gate-failure.
    pub on: Vec<Trigger>,
    pub line: u32,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    /// The file it was read from; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub min_confidence: Option<Located<Confidence>>,
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
    pub history: HistorySettings,
    pub notify: Vec<NotifySettings>,
}

impl Config {
    /// The folder relative paths in the file are resolved against.
    pub(crate) fn base_dir(&self) -> PathBuf {
        self.path.as_deref().and_then(Path::parent).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}
