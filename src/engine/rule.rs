//! Rule files: the TOML format, loading a rule set, and validation that reports every problem as
//! `file:line: message` in one pass. Where the files come from is `rule_files`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::cel::Expression;
use super::schema;
use crate::diag::{Diagnostic, line_of};
use crate::model::{Confidence, ResourceKind, Severity};

/// The rule file as written; see `rules/README.md`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: Spanned<String>,
    control: String,
    title: String,
    severity: Spanned<String>,
    cvss: String,
    category: String,
    applies_to: Spanned<Vec<String>>,
    when: Option<Spanned<String>>,
    fail_if: Spanned<String>,
    actual: Option<Spanned<String>>,
    /// `high`, `medium` or `low`, or a CEL expression giving one of them; `high` when absent.
    confidence: Option<Spanned<String>>,
    expected: String,
    overview: String,
    risk: String,
    threat_scenarios: String,
    #[serde(default)]
    higher_risk_when: String,
    #[serde(default)]
    lower_risk_when: String,
    #[serde(default)]
    business_considerations: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    mappings: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    params: toml::Table,
    #[serde(default)]
    tests: Vec<Spanned<RuleTestFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleTestFile {
    name: String,
    expect: String,
    kind: Option<String>,
    #[serde(default)]
    app: toml::Table,
    #[serde(default)]
    org: toml::Table,
    /// Paths set to null: the data exists and is empty (for example no certificate).
    #[serde(default)]
    null: Vec<String>,
    /// Paths set to null and declared unavailable, as when a file is absent: expect `unknown`.
    #[serde(default)]
    missing: Vec<String>,
    #[serde(default)]
    params: toml::Table,
}

/// What reports show about a rule: the Health-Review-style control write-up.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    pub id: String,
    pub control: String,
    pub title: String,
    pub severity: Severity,
    /// How sure the rule's results are: one level for every result, or computed per resource.
    pub confidence: DeclaredConfidence,
    pub cvss: String,
    pub category: String,
    pub applies_to: Vec<ResourceKind>,
    pub expected: String,
    pub overview: String,
    pub risk: String,
    pub threat_scenarios: String,
    pub higher_risk_when: String,
    pub lower_risk_when: String,
    pub business_considerations: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub mappings: BTreeMap<String, Vec<String>>,
    /// Where the rule was loaded from: `builtin:rules/…` or a path under `--rules-dir`.
    pub source: String,
}

impl RuleMeta {
    /// Whether the rule's write-up (overview, risk, remediation, …) is known: a loaded rule must
    /// have one; a rule known only by the texts its results carry has none.
    pub fn has_write_up(&self) -> bool {
        !self.overview.trim().is_empty()
    }

    /// A rule known only by the texts its results carry (results read from a document that did
    /// not list the rule); the write-up fields are empty.
    pub fn from_result_texts(
        id: &str,
        control: &str,
        title: &str,
        category: &str,
        expected: &str,
        severity: Severity,
    ) -> Self {
        Self {
            id: id.to_string(),
            control: control.to_string(),
            title: title.to_string(),
            severity,
            confidence: DeclaredConfidence::Fixed(Confidence::High),
            cvss: String::new(),
            category: category.to_string(),
            applies_to: Vec::new(),
            expected: expected.to_string(),
            overview: String::new(),
            risk: String::new(),
            threat_scenarios: String::new(),
            higher_risk_when: String::new(),
            lower_risk_when: String::new(),
            business_considerations: String::new(),
            remediation: String::new(),
            references: Vec::new(),
            mappings: BTreeMap::new(),
            source: String::new(),
        }
    }
}

/// How sure a rule's results are: the same for every resource, or computed from the record.
#[derive(Debug)]
pub(crate) enum RuleConfidence {
    Fixed(Confidence),
    Computed(Box<Expression>),
}

/// A rule's confidence as `rules list`, `rules explain` and the JSON `rules[]` show it: the fixed
/// level, or `computed` when an expression decides it per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredConfidence {
    Fixed(Confidence),
    Computed,
}

impl DeclaredConfidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fixed(confidence) => confidence.as_str(),
            Self::Computed => "computed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        if text == "computed" { Some(Self::Computed) } else { Confidence::parse(text).map(Self::Fixed) }
    }
}

impl RuleConfidence {
    /// The expression that computes the confidence, if it is computed.
    pub(crate) fn expression(&self) -> Option<&Expression> {
        match self {
            Self::Fixed(_) => None,
            Self::Computed(expression) => Some(expression),
        }
    }

    fn declared(&self) -> DeclaredConfidence {
        match self {
            Self::Fixed(confidence) => DeclaredConfidence::Fixed(*confidence),
            Self::Computed(_) => DeclaredConfidence::Computed,
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub(crate) when: Option<Expression>,
    pub(crate) fail_if: Expression,
    pub(crate) actual: Option<Expression>,
    pub(crate) confidence: RuleConfidence,
    pub params: BTreeMap<String, serde_json::Value>,
    pub(crate) tests: Vec<RuleTest>,
    /// The reason every not-applicable result of the rule gives, shared by all of them.
    pub(crate) not_applicable: crate::model::Text,
}

/// A fixture: the schema's sample resource with a patch applied, and the outcome it must give.
#[derive(Debug, Clone)]
pub(crate) struct RuleTest {
    pub name: String,
    pub expect: String,
    pub kind: ResourceKind,
    pub app_patch: serde_json::Value,
    pub org_patch: serde_json::Value,
    pub null: Vec<String>,
    pub missing: Vec<String>,
    pub params: BTreeMap<String, serde_json::Value>,
    pub line: u32,
}

/// A rule file's text with the name it is reported under.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub path: String,
    pub text: String,
}

pub(crate) const OUTCOMES: [&str; 4] = ["pass", "fail", "not_applicable", "unknown"];

/// Parses and validates one rule file, returning every problem found in it.
pub(crate) fn parse_rule(source: &RuleSource) -> Result<Rule, Vec<Diagnostic>> {
    let error_at = |offset: Option<usize>, message: String| {
        Diagnostic::new(&source.path, offset.map(|offset| line_of(source.text.as_bytes(), offset)), message)
    };
    let file: RuleFile = toml::from_str(&source.text).map_err(|error| {
        let message = error.message().trim().to_string();
        vec![error_at(error.span().map(|span| span.start), message)]
    })?;
    let mut errors = Vec::new();

    let id = file.id.get_ref().clone();
    let valid_id = !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if !valid_id {
        errors.push(error_at(
            Some(file.id.span().start),
            format!("id '{id}' must be kebab-case: lower-case letters, digits and '-'"),
        ));
    }
    let severity = Severity::parse(file.severity.get_ref()).unwrap_or_else(|| {
        errors.push(error_at(
            Some(file.severity.span().start),
            format!("severity '{}' is not one of critical, high, medium, low, info", file.severity.get_ref()),
        ));
        Severity::Info
    });
    let mut applies_to = Vec::new();
    for kind in file.applies_to.get_ref() {
        match ResourceKind::parse(kind) {
            Some(kind) => applies_to.push(kind),
            None => errors.push(error_at(
                Some(file.applies_to.span().start),
                format!("applies_to value '{kind}' is not one of connected_app, external_client_app, org"),
            )),
        }
    }
    if file.applies_to.get_ref().is_empty() {
        errors.push(error_at(Some(file.applies_to.span().start), "applies_to is empty".to_string()));
    }
    let targets_org = applies_to.contains(&ResourceKind::Org);
    if targets_org && applies_to.len() > 1 {
        errors.push(error_at(
            Some(file.applies_to.span().start),
            "a rule applies either to apps or to the org, not both".to_string(),
        ));
    }

    let params: BTreeMap<String, serde_json::Value> =
        file.params.iter().map(|(key, value)| (key.clone(), toml_to_json(value))).collect();
    let mut compile = |field: &str, expression: &Spanned<String>| -> Option<Expression> {
        let offset = Some(expression.span().start);
        match Expression::compile(expression.get_ref(), &format!("{}: {field}", source.path)) {
            Ok(compiled) => {
                for path in &compiled.paths {
                    if let Err(message) = schema::check_path(path, targets_org, &params) {
                        errors.push(error_at(offset, format!("{field}: {message}")));
                    }
                }
                Some(compiled)
            }
            Err(message) => {
                errors.push(error_at(offset, format!("{field}: {message}")));
                None
            }
        }
    };
    let when = file.when.as_ref().and_then(|expression| compile("when", expression));
    let fail_if = compile("fail_if", &file.fail_if);
    let actual = file.actual.as_ref().and_then(|expression| compile("actual", expression));
    let confidence = match &file.confidence {
        None => Some(RuleConfidence::Fixed(Confidence::High)),
        Some(text) => match Confidence::parse(text.get_ref().trim()) {
            Some(fixed) => Some(RuleConfidence::Fixed(fixed)),
            None => compile("confidence", text).map(|expression| RuleConfidence::Computed(Box::new(expression))),
        },
    };

    for (field, text) in [
        ("control", &file.control),
        ("title", &file.title),
        ("cvss", &file.cvss),
        ("category", &file.category),
        ("expected", &file.expected),
        ("overview", &file.overview),
        ("risk", &file.risk),
        ("threat_scenarios", &file.threat_scenarios),
        ("remediation", &file.remediation),
    ] {
        if text.trim().is_empty() {
            errors.push(error_at(None, format!("{field} must not be empty")));
        }
    }

    let mut tests = Vec::new();
    for test in &file.tests {
        let offset = Some(test.span().start);
        let test_file = test.get_ref();
        if !OUTCOMES.contains(&test_file.expect.as_str()) {
            errors.push(error_at(
                offset,
                format!(
                    "test '{}': expect '{}' is not one of {}",
                    test_file.name,
                    test_file.expect,
                    OUTCOMES.join(", ")
                ),
            ));
        }
        let kind = match &test_file.kind {
            Some(kind) => ResourceKind::parse(kind).filter(|kind| applies_to.contains(kind)).unwrap_or_else(|| {
                errors.push(error_at(offset, format!("test '{}': kind '{kind}' is not in applies_to", test_file.name)));
                ResourceKind::Org
            }),
            None => applies_to.first().copied().unwrap_or(ResourceKind::Org),
        };
        for path in test_file.null.iter().chain(&test_file.missing) {
            if let Err(message) = schema::check_path(path, false, &params) {
                errors.push(error_at(offset, format!("test '{}': {message}", test_file.name)));
            }
        }
        let test_params: BTreeMap<String, serde_json::Value> =
            test_file.params.iter().map(|(key, value)| (key.clone(), toml_to_json(value))).collect();
        for key in test_params.keys() {
            if !params.contains_key(key) {
                errors.push(error_at(
                    offset,
                    format!("test '{}': params.{key} is not a parameter of this rule", test_file.name),
                ));
            }
        }
        tests.push(RuleTest {
            name: test_file.name.clone(),
            expect: test_file.expect.clone(),
            kind,
            app_patch: toml_to_json(&toml::Value::Table(test_file.app.clone())),
            org_patch: toml_to_json(&toml::Value::Table(test_file.org.clone())),
            null: test_file.null.clone(),
            missing: test_file.missing.clone(),
            params: test_params,
            line: line_of(source.text.as_bytes(), test.span().start),
        });
    }

    let not_applicable = not_applicable_reason(when.as_ref());
    match (errors.is_empty(), fail_if, confidence) {
        (true, Some(fail_if), Some(confidence)) => Ok(Rule {
            meta: RuleMeta {
                id,
                control: file.control,
                title: file.title,
                severity,
                confidence: confidence.declared(),
                cvss: file.cvss,
                category: file.category,
                applies_to,
                expected: file.expected,
                overview: file.overview,
                risk: file.risk,
                threat_scenarios: file.threat_scenarios,
                higher_risk_when: file.higher_risk_when,
                lower_risk_when: file.lower_risk_when,
                business_considerations: file.business_considerations,
                remediation: file.remediation,
                references: file.references,
                mappings: file.mappings,
                source: source.path.clone(),
            },
            when,
            fail_if,
            actual,
            confidence,
            params,
            tests,
            not_applicable,
        }),
        _ => Err(errors),
    }
}

/// `when` on one line: expressions may span lines in the rule file, and reasons are shown in
/// table cells.
fn not_applicable_reason(when: Option<&Expression>) -> crate::model::Text {
    let when = when.map_or("", |when| when.source.as_str());
    format!("does not apply: {}", when.split_whitespace().collect::<Vec<_>>().join(" ")).into()
}

pub(crate) fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(text) => serde_json::Value::String(text.clone()),
        toml::Value::Integer(number) => serde_json::Value::from(*number),
        toml::Value::Float(number) => serde_json::Value::from(*number),
        toml::Value::Boolean(flag) => serde_json::Value::Bool(*flag),
        toml::Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
        toml::Value::Array(items) => serde_json::Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => {
            serde_json::Value::Object(table.iter().map(|(key, value)| (key.clone(), toml_to_json(value))).collect())
        }
    }
}

/// The loaded rules, ordered by id, with parameter defaults merged across rules.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub params: BTreeMap<String, serde_json::Value>,
    /// Built-in rules replaced by a rule file with the same id (`--rules-dir`, `rules_dirs`).
    pub overrides: Vec<RuleOverride>,
}

/// A built-in rule replaced by another file's rule of the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOverride {
    pub id: String,
    /// `builtin:rules/…`.
    pub replaced: String,
    /// The file whose rule is used instead.
    pub by: String,
}

/// Loads the sources in order; a later rule with the same id overrides an earlier one (that is how
/// `--rules-dir` replaces a built-in rule). Every error from every file is returned together.
pub(crate) fn load(sources: &[RuleSource]) -> Result<RuleSet, Vec<Diagnostic>> {
    load_at_most(sources, crate::limits::MAX_RULES)
}

fn load_at_most(sources: &[RuleSource], max_rules: usize) -> Result<RuleSet, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut by_id: BTreeMap<String, Rule> = BTreeMap::new();
    let mut overrides = Vec::new();
    for source in sources {
        match parse_rule(source) {
            Ok(rule) => {
                if let Some(previous) = by_id.get(&rule.meta.id) {
                    if previous.meta.source.starts_with("builtin:") == rule.meta.source.starts_with("builtin:") {
                        errors.push(Diagnostic::new(
                            &source.path,
                            None,
                            format!("rule id '{}' is also defined in {}", rule.meta.id, previous.meta.source),
                        ));
                        continue;
                    }
                    overrides.push(RuleOverride {
                        id: rule.meta.id.clone(),
                        replaced: previous.meta.source.clone(),
                        by: rule.meta.source.clone(),
                    });
                }
                by_id.insert(rule.meta.id.clone(), rule);
            }
            Err(mut file_errors) => errors.append(&mut file_errors),
        }
    }
    if let Some(past) = by_id.values().nth(max_rules) {
        let message = format!(
            "is rule {} in id order of {} loaded; sfaudit runs at most {max_rules}",
            max_rules + 1,
            by_id.len()
        );
        errors.push(Diagnostic::at(
            &past.meta.source,
            None,
            message,
            "split the rules into separate rule folders and scans",
        ));
    }
    let mut params: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut declared_by: BTreeMap<String, String> = BTreeMap::new();
    for rule in by_id.values() {
        for (name, value) in &rule.params {
            match params.get(name) {
                Some(existing) if existing != value => errors.push(Diagnostic::new(
                    &rule.meta.source,
                    None,
                    format!(
                        "parameter '{name}' defaults to {value} here but to {existing} in {}; shared parameters need one default",
                        declared_by.get(name).map_or("another rule", String::as_str)
                    ),
                )),
                Some(_) => {}
                None => {
                    params.insert(name.clone(), value.clone());
                    declared_by.insert(name.clone(), rule.meta.source.clone());
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(RuleSet { rules: by_id.into_values().collect(), params, overrides })
    } else {
        Err(errors)
    }
}

impl Rule {
    /// The CEL source of a computed confidence.
    pub(crate) fn confidence_expression(&self) -> Option<&str> {
        match &self.confidence {
            RuleConfidence::Fixed(_) => None,
            RuleConfidence::Computed(expression) => Some(&expression.source),
        }
    }
}

impl RuleSet {
    pub(crate) fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.meta.id == id)
    }

    /// Applies `name=value` overrides; the value must have the type of the default.
    pub(crate) fn set_params(&mut self, overrides: &[(String, String)]) -> Result<(), String> {
        for (name, text) in overrides {
            let Some(default) = self.params.get(name) else {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                return Err(format!("unknown parameter '{name}'; known parameters: {}", known.join(", ")));
            };
            let value = match default {
                serde_json::Value::Number(_) => text
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .map_err(|_| format!("parameter '{name}' needs a whole number, not '{text}'"))?,
                serde_json::Value::Bool(_) => text
                    .parse::<bool>()
                    .map(serde_json::Value::Bool)
                    .map_err(|_| format!("parameter '{name}' needs true or false, not '{text}'"))?,
                _ => serde_json::Value::String(text.clone()),
            };
            self.params.insert(name.clone(), value);
        }
        Ok(())
    }

    /// A short digest of the rule texts, so reports name the exact rule pack they used.
    pub(crate) fn fingerprint(sources: &[RuleSource]) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for source in sources {
            hasher.update(source.path.as_bytes());
            hasher.update([0]);
            hasher.update(source.text.as_bytes());
            hasher.update([0]);
        }
        hasher.finalize().iter().take(4).map(|byte| format!("{byte:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_past_the_limit_is_refused_naming_the_first_rule_past_it() {
        let rule = |number: usize| RuleSource {
            path: format!("r{number}.toml"),
            text: format!(
                "id = \"r{number}\"\ncontrol = \"c\"\ntitle = \"t\"\nseverity = \"low\"\ncvss = \"1.0\"\n\
                 category = \"k\"\napplies_to = [\"org\"]\nfail_if = \"false\"\nexpected = \"e\"\n\
                 overview = \"o\"\nrisk = \"r\"\nthreat_scenarios = \"s\"\nremediation = \"m\"\n"
            ),
        };
        let sources: Vec<RuleSource> = (0..5).map(rule).collect();
        let errors = load_at_most(&sources, 4).expect_err("one rule too many");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].location.path, "r4.toml");
        assert_eq!(errors[0].message, "is rule 5 in id order of 5 loaded; sfaudit runs at most 4");
        assert_eq!(load_at_most(&sources[..4], 4).expect("at the limit").rules.len(), 4);
    }
}
