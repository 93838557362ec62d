//! The config merged with the command line: which config, rule folders and parameters, formats,
//! rule selection and severity overrides, the gate's policy, and the baseline file.

use std::path::{Path, PathBuf};

use crate::cli::{ConfigOptions, GateOptions, RuleOptions};
use crate::config::{self, Config};
use crate::engine::RuleSet;
use crate::error::Error;
use crate::gate::baseline::Baseline;
use crate::gate::{FailOn, Policy};
use crate::model::Severity;
use crate::report::Format;

/// The config for a run, or the defaults when there is none.
pub(crate) fn load_config(options: &ConfigOptions, project: Option<&Path>) -> Result<Config, Error> {
    let mut config = match config::discover(options.config.as_deref(), options.no_config, project) {
        Some(path) => config::load(&path).map_err(Error::Config)?,
        None => Config::default(),
    };
    for file in &options.suppressions {
        config.suppressions.extend(config::load_suppressions(file).map_err(Error::Config)?);
    }
    Ok(config)
}

/// Rule folders and parameters from the config first, then the command line (which wins).
pub(crate) fn rule_options(config: &Config, cli: &RuleOptions) -> RuleOptions {
    let mut params: Vec<(String, String)> =
        config.params.iter().map(|(name, value)| (name.clone(), value.value.clone())).collect();
    params.extend(cli.params.iter().cloned());
    let mut rules_dirs: Vec<PathBuf> = config.rules_dirs.clone();
    rules_dirs.extend(cli.rules_dirs.iter().cloned());
    RuleOptions { rules_dirs, params }
}

pub(crate) fn formats(config: &Config, cli: &[Format]) -> Vec<Format> {
    if !cli.is_empty() {
        return cli.to_vec();
    }
    config.formats.clone().filter(|formats| !formats.is_empty()).unwrap_or_else(|| vec![Format::Table])
}

pub(crate) fn gate_policy(config: &Config, gate: &GateOptions) -> Policy {
    Policy {
        fail_on: gate.fail_on.or(config.fail_on).unwrap_or(FailOn::Severity(Severity::High)),
        fail_on_new: gate.fail_on_new,
        no_fail: gate.no_fail,
    }
}

/// Validates the config's rule names, then applies `select`, `ignore` (unless `no_ignores`) and
/// severity overrides to the loaded rules.
pub(crate) fn shape_rules(config: &Config, rules: &mut RuleSet, no_ignores: bool) -> Result<(), Error> {
    let ids: Vec<String> = rules.rules.iter().map(|rule| rule.meta.id.clone()).collect();
    let categories: Vec<String> = rules.rules.iter().map(|rule| rule.meta.category.clone()).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let category_refs: Vec<&str> = categories.iter().map(String::as_str).collect();
    let problems = config::check_rule_names(config, &id_refs, &category_refs, &rules.params);
    if !problems.is_empty() {
        return Err(Error::Config(problems));
    }
    let named = |list: &[config::Located<String>], id: &str, category: &str| {
        list.iter().any(|entry| entry.value == id || entry.value == category)
    };
    rules.rules.retain(|rule| {
        let (id, category) = (rule.meta.id.as_str(), rule.meta.category.as_str());
        let selected = config.select.is_empty() || named(&config.select, id, category);
        let ignored = !no_ignores && named(&config.ignore, id, category);
        selected && !ignored
    });
    for rule in &mut rules.rules {
        if let Some(severity) = config.severity.get(&rule.meta.id) {
            rule.meta.severity = severity.value;
        }
    }
    Ok(())
}

/// The baseline file for a run: `--baseline`, else the config's `baseline`.
pub(crate) fn baseline_path(config: &Config, gate: &GateOptions) -> Option<PathBuf> {
    gate.baseline.clone().or_else(|| config.baseline.clone())
}

/// A saved JSON result, read as a baseline.
pub(crate) fn load_baseline(path: &Path) -> Result<Baseline, Error> {
    let loaded = super::saved::read_saved_result(path)?;
    Ok(Baseline::from_results(path.display().to_string(), &loaded.results.results))
}
