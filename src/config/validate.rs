//! Config-file validation over the spanned TOML tree, collecting every problem with its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::checker::Checker;
use super::types::{Config, FILE_NAME, Located, OrgProfile};
use crate::diag::{Diagnostic, LineIndex};
use crate::gate::FailOn;
use crate::gate::glob;
use crate::gate::suppress::SuppressionRule;
use crate::model::{Confidence, ResourceKind, Severity};
use crate::report::Format;

fn parse_table<'i>(path: &str, text: &'i str) -> Result<Spanned<DeTable<'i>>, Vec<Diagnostic>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Ok(table);
    }
    let lines = LineIndex::new(text);
    Err(errors
        .into_iter()
        .map(|error| {
            Diagnostic::new(
                path,
                error.span().map(|span| lines.line(span.start)),
                format!("invalid TOML: {}", error.message().trim()),
            )
        })
        .collect())
}

const TOP_LEVEL: &[&str] = &[
    "fail_on",
    "min_confidence",
    "formats",
    "output_dir",
    "rules_dirs",
    "select",
    "ignore",
    "baseline",
    "severity",
    "params",
    "orgs",
    "default_org",
    "suppressions",
    "suppressions_file",
    "history",
    "notify",
];

pub(super) fn parse_config(path: &str, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let table = parse_table(path, text)?;
    let mut checker = Checker::new(path, text);
    let mut config = Config::default();
    let mut suppressions_files = Vec::new();
    for (key, value) in table.get_ref() {
        match key.get_ref().as_ref() {
            "fail_on" => {
                if let Some(text) = checker.string("fail_on", value) {
                    match FailOn::from_str(&text) {
                        Ok(fail_on) => config.fail_on = Some(fail_on),
                        Err(message) => checker.error(value.span().start, format!("fail_on: {message}")),
                    }
                }
            }
            "min_confidence" => {
                if let Some(text) = checker.string("min_confidence", value) {
                    match Confidence::from_str(&text) {
                        Ok(level) => {
                            let line = checker.line(value.span().start);
                            config.min_confidence = Some(Located { value: level, line });
                        }
                        Err(message) => checker.error(value.span().start, format!("min_confidence: {message}")),
                    }
                }
            }
            "formats" => {
                let mut formats = Vec::new();
                for name in checker.strings("formats", value) {
                    match Format::parse(&name.value) {
                        Some(format) => formats.push(format),
                        None => checker.errors.push(Diagnostic::new(
                            path,
                            Some(name.line),
                            format!(
                                "formats: '{}' is not one of table, json, html, markdown, sarif, junit, csv, ocsf",
                                name.value
                            ),
                        )),
                    }
                }
                config.formats = Some(formats);
            }
            "output_dir" => config.output_dir = checker.string("output_dir", value).map(PathBuf::from),
            "baseline" => config.baseline = checker.string("baseline", value).map(PathBuf::from),
            "rules_dirs" => {
                config.rules_dirs =
                    checker.strings("rules_dirs", value).into_iter().map(|dir| PathBuf::from(dir.value)).collect();
            }
            "select" => config.select = checker.strings("select", value),
            "ignore" => config.ignore = checker.strings("ignore", value),
            "default_org" => config.default_org = checker.string("default_org", value),
            "suppressions_file" => {
                if let Some(file) = checker.string("suppressions_file", value) {
                    suppressions_files.push(file);
                }
            }
            "severity" => {
                if let Some(entries) = checker.table("severity", value) {
                    for (rule, severity) in entries {
                        let Some(text) = checker.string(&format!("severity.{}", rule.get_ref()), severity) else {
                            continue;
                        };
                        match Severity::parse(&text.to_ascii_lowercase()) {
                            Some(parsed) => {
                                let line = checker.line(rule.span().start);
                                config.severity.insert(rule.get_ref().to_string(), Located { value: parsed, line });
                            }
                            None => checker.error(
                                severity.span().start,
                                format!(
                                    "severity of `{}`: '{text}' is not one of critical, high, medium, low, info",
                                    rule.get_ref()
                                ),
                            ),
                        }
                    }
                }
            }
            "params" => {
                if let Some(entries) = checker.table("params", value) {
                    for (name, param) in entries {
                        let text = match param.get_ref() {
                            DeValue::String(text) => Some(text.to_string()),
                            DeValue::Integer(integer) => Some(integer.as_str().to_string()),
                            DeValue::Boolean(flag) => Some(flag.to_string()),
                            other => {
                                checker.error(
                                    param.span().start,
                                    format!(
                                        "param `{}` must be a number, boolean or string, not a {}",
                                        name.get_ref(),
                                        other.type_str()
                                    ),
                                );
                                None
                            }
                        };
                        if let Some(text) = text {
                            let line = checker.line(name.span().start);
                            config.params.insert(name.get_ref().to_string(), Located { value: text, line });
                        }
                    }
                }
            }
            "orgs" => {
                if let Some(profiles) = checker.table("orgs", value) {
                    for (name, profile) in profiles {
                        if let Some(parsed) = parse_profile(&mut checker, name.get_ref(), profile) {
                            config.orgs.insert(name.get_ref().to_string(), parsed);
                        }
                    }
                }
            }
            "suppressions" => config.suppressions.extend(parse_suppression_list(&mut checker, value)),
            "history" => config.history = super::ops::parse_history(&mut checker, value),
            "notify" => config.notify = super::ops::parse_notify(&mut checker, value),
            _ => checker.unknown_key("the config", key, TOP_LEVEL),
        }
    }
    if let Some(default_org) = &config.default_org {
        if !config.orgs.contains_key(default_org) {
            let offset = table.get_ref().get("default_org").map_or(0, |value| value.span().start);
            checker.error(offset, format!("default_org '{default_org}' is not one of the [orgs] profiles"));
        }
    }
    let mut errors = checker.errors;
    for file in suppressions_files {
        let resolved = std::path::Path::new(path).parent().unwrap_or(std::path::Path::new(".")).join(&file);
        match load_suppressions(&resolved) {
            Ok(rules) => config.suppressions.extend(rules),
            Err(mut file_errors) => errors.append(&mut file_errors),
        }
    }
    if errors.is_empty() { Ok(config) } else { Err(errors) }
}

const PROFILE_KEYS: &[&str] = &["instance_url", "client_id", "username", "jwt_key_file", "jwt_key_env", "api_version"];

fn parse_profile(checker: &mut Checker<'_>, name: &str, value: &Spanned<DeValue<'_>>) -> Option<OrgProfile> {
    let table = checker.table(&format!("orgs.{name}"), value)?;
    let mut profile = OrgProfile { name: name.to_string(), ..OrgProfile::default() };
    for (key, value) in table {
        let field = format!("orgs.{name}.{}", key.get_ref());
        match key.get_ref().as_ref() {
            "instance_url" => profile.instance_url = checker.string(&field, value),
            "client_id" => profile.client_id = checker.string(&field, value),
            "username" => profile.username = checker.string(&field, value),
            "jwt_key_file" => profile.jwt_key_file = checker.string(&field, value).map(PathBuf::from),
            "jwt_key_env" => profile.jwt_key_env = checker.string(&field, value),
            "api_version" => profile.api_version = checker.string(&field, value),
            _ => checker.unknown_key(&format!("[orgs.{name}]"), key, PROFILE_KEYS),
        }
    }
    if let Some(url) = &profile.instance_url {
        if !url.starts_with("https://") && !url.starts_with("http://127.0.0.1") && !url.starts_with("http://localhost")
        {
            let offset = table.get("instance_url").map_or(value.span().start, |url| url.span().start);
            checker.error(offset, format!("orgs.{name}.instance_url '{url}' must be an https:// URL"));
        }
    }
    Some(profile)
}

/// Reads a separate suppressions file (`--suppressions FILE`): `[[suppressions]]` entries only.
pub(crate) fn load_suppressions(path: &Path) -> Result<Vec<SuppressionRule>, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let text = crate::input::read_text(path, crate::limits::MAX_CONFIG_BYTES)
        .map_err(|error| vec![Diagnostic::new(&shown, None, format!("the suppressions file {error}"))])?;
    parse_suppressions_file(&shown, &text)
}

const SUPPRESSION_KEYS: &[&str] = &["rule", "app", "namespace", "kind", "reason", "owner", "ticket", "expires"];

fn parse_suppression_list(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> Vec<SuppressionRule> {
    let Some(entries) = value.get_ref().as_array() else {
        checker.error(value.span().start, "`suppressions` must be an array of tables: write [[suppressions]]");
        return Vec::new();
    };
    entries.iter().filter_map(|entry| parse_suppression(checker, entry)).collect()
}

fn parse_suppression(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> Option<SuppressionRule> {
    let table = checker.table("suppressions", value)?;
    let line = checker.line(value.span().start);
    let source = format!("{}:{line}", checker.path);
    let mut rule = None;
    let mut suppression = SuppressionRule {
        rule: String::new(),
        app: "*".to_string(),
        namespace: None,
        kind: None,
        reason: String::new(),
        owner: None,
        ticket: None,
        expires: None,
        source,
    };
    let mut reason = None;
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "rule" => rule = checker.string("rule", value),
            "app" => {
                if let Some(app) = checker.string("app", value) {
                    suppression.app = app;
                }
            }
            "namespace" => suppression.namespace = checker.string("namespace", value),
            "kind" => {
                if let Some(kind) = checker.string("kind", value) {
                    match ResourceKind::parse(&kind) {
                        Some(kind) => suppression.kind = Some(kind),
                        None => checker.error(
                            value.span().start,
                            format!("kind '{kind}' is not one of connected_app, external_client_app, org"),
                        ),
                    }
                }
            }
            "reason" => reason = checker.string("reason", value),
            "owner" => suppression.owner = checker.string("owner", value),
            "ticket" => suppression.ticket = checker.string("ticket", value),
            "expires" => suppression.expires = parse_date(checker, value),
            _ => checker.unknown_key("a [[suppressions]] entry", key, SUPPRESSION_KEYS),
        }
    }
    match rule {
        Some(rule) if !rule.trim().is_empty() => suppression.rule = rule,
        _ => checker
            .error(value.span().start, "a suppression needs `rule` (a rule id or glob such as \"certificate-*\")"),
    }
    match reason {
        Some(reason) if !reason.trim().is_empty() => suppression.reason = reason,
        _ => checker.error(value.span().start, "a suppression needs a non-empty `reason`: why the risk is accepted"),
    }
    (!suppression.rule.is_empty() && !suppression.reason.is_empty()).then_some(suppression)
}

/// A TOML date (`expires = 2027-03-31`) or a string of that form.
fn parse_date(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> Option<time::Date> {
    let text = match value.get_ref() {
        DeValue::Datetime(datetime) => datetime.to_string(),
        DeValue::String(text) => text.to_string(),
        other => {
            checker.error(
                value.span().start,
                format!("`expires` must be a date such as 2027-03-31, not a {}", other.type_str()),
            );
            return None;
        }
    };
    let parsed = time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"));
    if parsed.is_err() {
        checker.error(value.span().start, format!("`expires` '{text}' is not a date such as 2027-03-31"));
    }
    parsed.ok()
}

fn parse_suppressions_file(path: &str, text: &str) -> Result<Vec<SuppressionRule>, Vec<Diagnostic>> {
    let table = parse_table(path, text)?;
    let mut checker = Checker::new(path, text);
    let mut suppressions = Vec::new();
    for (key, value) in table.get_ref() {
        match key.get_ref().as_ref() {
            "suppressions" => suppressions.extend(parse_suppression_list(&mut checker, value)),
            _ => checker.unknown_key("a suppressions file", key, &["suppressions"]),
        }
    }
    if checker.errors.is_empty() { Ok(suppressions) } else { Err(checker.errors) }
}

/// Checks the names a config uses against the loaded rules, so a typo in an id is an error with
/// its line rather than a silent no-op.
pub(crate) fn check_rule_names(
    config: &Config,
    rule_ids: &[&str],
    categories: &[&str],
    params: &BTreeMap<String, serde_json::Value>,
) -> Vec<Diagnostic> {
    let path = config.path.as_deref().map_or_else(|| FILE_NAME.to_string(), |path| path.display().to_string());
    let mut errors = Vec::new();
    let error = |errors: &mut Vec<Diagnostic>, line: u32, message: String| {
        errors.push(Diagnostic::new(&path, Some(line), message));
    };
    for (list, entries) in [("select", &config.select), ("ignore", &config.ignore)] {
        for entry in entries {
            if !rule_ids.contains(&entry.value.as_str()) && !categories.contains(&entry.value.as_str()) {
                error(
                    &mut errors,
                    entry.line,
                    format!("{list}: '{}' is neither a rule id nor a category", entry.value),
                );
            }
        }
    }
    for (rule, severity) in &config.severity {
        if !rule_ids.contains(&rule.as_str()) {
            error(&mut errors, severity.line, format!("severity: '{rule}' is not a rule id"));
        }
    }
    for (name, value) in &config.params {
        if !params.contains_key(name) {
            let known: Vec<&str> = params.keys().map(String::as_str).collect();
            error(
                &mut errors,
                value.line,
                format!("params: '{name}' is not a rule parameter; known: {}", known.join(", ")),
            );
        }
    }
    for suppression in &config.suppressions {
        if !rule_ids.iter().any(|id| glob::matches(&suppression.rule, id)) {
            let (file, line) = suppression.source.rsplit_once(':').unwrap_or((suppression.source.as_str(), "0"));
            errors.push(Diagnostic::new(
                file,
                line.parse().ok(),
                format!("suppression rule '{}' matches no rule id", suppression.rule),
            ));
        }
    }
    errors
}
