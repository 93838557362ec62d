//! The config merged with the command line: which config, rule folders and parameters, formats,
//! rule selection and severity overrides, the gate's policy, and the baseline file.

use std::path::{Path, PathBuf};

use crate::cli::{ConfigOptions, GateOptions, RuleOptions};
use crate::config::{self, Config};
use crate::engine::RuleSet;
use crate::error::Error;
use crate::gate::baseline::Baseline;
use crate::gate::loosening::{Loosening, LooseningKind};
use crate::gate::{FailOn, Policy};
use crate::model::{Confidence, Severity};
use crate::report::Format;

/// The config for a run, or the defaults when there is none. With `--no-project-config` a policy
/// file inside the scanned folder is refused: the scanned tree is what is not trusted.
pub(crate) fn load_config(options: &ConfigOptions, project: Option<&Path>) -> Result<Config, Error> {
    if options.no_project_config {
        refuse_inside_tree(options.config.iter().chain(&options.suppressions), project)?;
    }
    let discovered = config::discover(options.config.as_deref(), options.no_config, options.no_project_config, project);
    let mut config = match discovered {
        Some(path) => config::load(&path).map_err(Error::Config)?,
        None => Config::default(),
    };
    for file in &options.suppressions {
        config.suppressions.extend(config::load_suppressions(file).map_err(Error::Config)?);
    }
    Ok(config)
}

/// With `--no-project-config`, the gate's other inputs must come from outside the scanned tree
/// too: a baseline or a rule folder the pull request can edit would let it accept or rewrite its
/// own findings. Checked once the config (which may name both) is loaded.
pub(crate) fn refuse_gate_inputs_inside_tree(
    config: &Config,
    gate: &GateOptions,
    rules_dirs: &[PathBuf],
    project: Option<&Path>,
) -> Result<(), Error> {
    refuse_inside_tree(baseline_path(config, gate).iter().chain(rules_dirs), project)
}

fn refuse_inside_tree<'a>(files: impl IntoIterator<Item = &'a PathBuf>, project: Option<&Path>) -> Result<(), Error> {
    let Some(project) = project else { return Ok(()) };
    match files.into_iter().find(|file| is_inside(file, project)) {
        Some(inside) => Err(Error::usage(
            format!("--no-project-config: {} is inside the scanned folder", inside.display()),
            "pin the policy, its baseline and rule folders outside the scanned tree (for example copies from the protected default branch)",
        )),
        None => Ok(()),
    }
}

fn is_inside(file: &Path, folder: &Path) -> bool {
    let absolute = |path: &Path| std::fs::canonicalize(path).ok();
    match (absolute(file), absolute(folder)) {
        (Some(file), Some(folder)) => file.starts_with(folder),
        _ => false,
    }
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
/// severity overrides to the loaded rules; returns the loosenings among them.
pub(crate) fn shape_rules(config: &Config, rules: &mut RuleSet, no_ignores: bool) -> Result<Vec<Loosening>, Error> {
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
    let source = |line: u32| format!("{}:{line}", config_name(config));
    let mut loosenings = Vec::new();
    let total = rules.rules.len();
    rules.rules.retain(|rule| {
        let (id, category) = (rule.meta.id.as_str(), rule.meta.category.as_str());
        let selected = config.select.is_empty() || named(&config.select, id, category);
        let ignored = !no_ignores && named(&config.ignore, id, category);
        selected && !ignored
    });
    if let Some(first) = config.select.first() {
        let selected: Vec<&str> = config.select.iter().map(|entry| entry.value.as_str()).collect();
        let running = rules.rules.len();
        loosenings.push(Loosening {
            kind: LooseningKind::Selection,
            subject: selected.join(", "),
            detail: format!("only {running} of {total} rules run"),
            source: source(first.line),
        });
    }
    if !no_ignores {
        for entry in &config.ignore {
            let kind =
                if ids.contains(&entry.value) { LooseningKind::IgnoredRule } else { LooseningKind::IgnoredCategory };
            loosenings.push(Loosening {
                kind,
                subject: entry.value.clone(),
                detail: "not evaluated".to_string(),
                source: source(entry.line),
            });
        }
    }
    for rule in &mut rules.rules {
        if let Some(severity) = config.severity.get(&rule.meta.id) {
            if severity.value < rule.meta.severity {
                loosenings.push(Loosening {
                    kind: LooseningKind::SeverityLowered,
                    subject: rule.meta.id.clone(),
                    detail: format!("{} → {}", rule.meta.severity, severity.value),
                    source: source(severity.line),
                });
            }
            rule.meta.severity = severity.value;
        }
    }
    Ok(loosenings)
}

fn config_name(config: &Config) -> String {
    config.path.as_deref().map_or_else(|| config::FILE_NAME.to_string(), |path| path.display().to_string())
}

/// The loosenings beyond rule shaping: the gate threshold, a baseline, `min_confidence` and
/// parameters taken from the config (a flag given on the command line wins and is not one),
/// every suppression (unless `no_ignores`), and built-in rules replaced through rule folders.
pub(crate) fn policy_loosenings(
    config: &Config,
    gate: &GateOptions,
    cli_params: &[(String, String)],
    rules: &RuleSet,
    no_ignores: bool,
) -> Vec<Loosening> {
    let name = config_name(config);
    let mut loosenings = Vec::new();
    let mut push = |kind, subject: String, detail: String, source: String| {
        loosenings.push(Loosening { kind, subject, detail, source });
    };
    let default_threshold = Severity::High;
    match (gate.fail_on, config.fail_on) {
        (None, Some(FailOn::Never)) => {
            push(LooseningKind::GateThreshold, "fail_on".into(), "none: the gate never fails".into(), name.clone());
        }
        (None, Some(FailOn::Severity(threshold))) if threshold > default_threshold => push(
            LooseningKind::GateThreshold,
            "fail_on".into(),
            format!("{threshold} (default {default_threshold})"),
            name.clone(),
        ),
        _ => {}
    }
    if let (None, Some(baseline)) = (&gate.baseline, &config.baseline) {
        push(
            LooseningKind::Baseline,
            baseline.display().to_string(),
            "only findings new since it fail the gate".into(),
            name.clone(),
        );
    }
    if let (None, Some(level)) = (gate.min_confidence, &config.min_confidence) {
        if level.value > Confidence::Low {
            push(
                LooseningKind::MinConfidence,
                level.value.to_string(),
                format!("results below {} confidence are hidden", level.value),
                format!("{name}:{}", level.line),
            );
        }
    }
    for (param, value) in &config.params {
        let overridden = cli_params.iter().any(|(cli_name, _)| cli_name == param);
        let default = rules.params.get(param).map(ToString::to_string).unwrap_or_default();
        if !overridden && default.trim_matches('"') != value.value {
            push(
                LooseningKind::Parameter,
                param.clone(),
                format!("{} (default {default})", value.value),
                format!("{name}:{}", value.line),
            );
        }
    }
    if !no_ignores {
        for suppression in &config.suppressions {
            let mut scope = vec![format!("app {}", suppression.app)];
            if let Some(namespace) = &suppression.namespace {
                scope.push(format!("namespace {namespace:?}"));
            }
            if let Some(kind) = suppression.kind {
                scope.push(kind.as_str().to_string());
            }
            let until = suppression.expires.map(|date| format!(", until {date}")).unwrap_or_default();
            push(
                LooseningKind::Suppression,
                suppression.rule.clone(),
                format!("{}: {}{until}", scope.join(", "), suppression.reason),
                suppression.source.clone(),
            );
        }
    }
    for replaced in &rules.overrides {
        push(
            LooseningKind::RuleOverride,
            replaced.id.clone(),
            format!("{} replaced by {}", replaced.replaced, replaced.by),
            replaced.by.clone(),
        );
    }
    loosenings
}

/// `--min-confidence`, else the config's `min_confidence`; `None` shows every result.
pub(crate) fn min_confidence(config: &Config, gate: &GateOptions) -> Option<Confidence> {
    gate.min_confidence.or(config.min_confidence.as_ref().map(|level| level.value))
}

/// The baseline file for a run: `--baseline`, else the config's `baseline`.
pub(crate) fn baseline_path(config: &Config, gate: &GateOptions) -> Option<PathBuf> {
    gate.baseline.clone().or_else(|| config.baseline.clone())
}

/// A saved JSON result, read as a baseline.
pub(crate) fn load_baseline(path: &Path) -> Result<Baseline, Error> {
    let loaded = super::saved::read_saved_result(path)?;
    Ok(Baseline::from_results(path.display().to_string(), &loaded.results))
}
