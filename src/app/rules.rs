//! Loading the rule pack, and `sfaudit rules list | explain | test`.

use std::fmt::Write as _;

use super::console::print_stdout;
use crate::cli::{RuleOptions, RulesCommand};
use crate::engine::{RuleSet, RuleSource, fixtures, rule, rule_files};
use crate::error::{Error, exit};

/// The built-in rules followed by every `--rules-dir`, so user rules override built-ins.
pub(crate) fn rule_sources(options: &RuleOptions) -> Result<Vec<RuleSource>, Error> {
    let mut sources = rule_files::builtin_sources();
    for directory in &options.rules_dirs {
        if !directory.is_dir() {
            return Err(Error::usage(
                format!("--rules-dir {} is not a folder", directory.display()),
                "pass a folder of rule files (*.toml)",
            ));
        }
        sources.extend(rule_files::directory_sources(directory).map_err(|error| Error::Rules(vec![error]))?);
    }
    Ok(sources)
}

/// The rules and the rule-pack version (the tool version and a digest of the rule texts).
pub fn load_rules(options: &RuleOptions) -> Result<(RuleSet, String), Error> {
    let sources = rule_sources(options)?;
    let version = format!("{}+{}", crate::TOOL_VERSION, RuleSet::fingerprint(&sources));
    let mut rules = rule::load(&sources).map_err(Error::Rules)?;
    set_params(&mut rules, &options.params)?;
    Ok((rules, version))
}

pub(super) fn set_params(rules: &mut RuleSet, params: &[(String, String)]) -> Result<(), Error> {
    rules.set_params(params).map_err(|message| {
        Error::usage(message, "list the parameters with `sfaudit rules list`; values must match the default's type")
    })
}

pub(super) fn rules(command: &RulesCommand) -> Result<u8, Error> {
    let (out, code) = match command {
        RulesCommand::List { rules } => {
            let (rules, version) = load_rules(rules)?;
            (crate::report::rules::list(&rules, &version), exit::OK)
        }
        RulesCommand::Explain { id, rules } => {
            let (rules, _) = load_rules(rules)?;
            let rule = rules.get(id).ok_or_else(|| {
                Error::usage(format!("no rule with id '{id}'"), "list the rule ids with `sfaudit rules list`")
            })?;
            (crate::report::rules::explain(rule), exit::OK)
        }
        RulesCommand::Test { dir } => {
            let options = RuleOptions { rules_dirs: dir.iter().cloned().collect(), params: Vec::new() };
            let (rules, _) = load_rules(&options)?;
            let result = fixtures::run(&rules);
            let mut out = String::new();
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
            (out, if result.failures.is_empty() { exit::OK } else { exit::GATE_FAILED })
        }
    };
    print_stdout(&crate::escape::terminal(&out))?;
    Ok(code)
}
