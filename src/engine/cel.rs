//! The one place that knows the expression language is CEL (the `cel` crate).

use std::sync::Arc;

use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString};
use cel::common::value::Val;
use cel::{Context, Env, Program, Value};

use super::budget;
use super::kleene::{Evaluated, Missing, Plan};

/// A compiled expression, split for three-valued evaluation ([`super::kleene`]) over a tree with
/// the cost guards of [`super::budget`], with the record paths it names
/// (`app.policy.permitted_users`, …) for the load-time schema check and the rule file and field
/// it came from.
#[derive(Debug)]
pub(crate) struct Expression {
    pub source: String,
    plan: Plan,
    pub paths: Vec<String>,
    /// Those of `paths` the expression only tests for presence (`app.policy != null`).
    pub presence_only: Vec<String>,
    origin: String,
}

/// Roots rules may read; anything else is an undeclared variable.
pub(crate) const ROOTS: [&str; 3] = ["app", "org", "params"];

impl Expression {
    /// Compiles `source`; `origin` (the rule file and field) is named when an evaluation goes
    /// over its budget.
    pub(crate) fn compile(source: &str, origin: &str) -> Result<Self, String> {
        budget::check_source(source)?;
        let program = Program::compile(source).map_err(|errors| {
            errors
                .errors
                .iter()
                .map(|error| {
                    let (line, column) = error.pos;
                    format!("CEL syntax error at {}:{}: {}", line.max(1), column.max(0) + 1, error.msg)
                })
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let paths = referenced_paths(source);
        for variable in program.references().variables() {
            if !ROOTS.contains(&variable) && !is_comprehension_variable(source, variable) {
                return Err(format!("unknown variable '{variable}'; rules read app, org and params"));
            }
        }
        budget::check_shape(program.expression())?;
        let presence_only = super::kleene::presence_only_paths(program.expression());
        let guarded = budget::guarded(program.expression());
        Ok(Self {
            source: source.to_string(),
            plan: Plan::new(&guarded),
            paths,
            presence_only,
            origin: origin.to_string(),
        })
    }

    /// Evaluates with the paths in `missing` unknown (see [`super::kleene`]), under one budget
    /// for the whole expression: going over it fails the evaluation, whatever an `||` around the
    /// costly part would have said.
    pub(crate) fn evaluate(&self, bindings: &Bindings, missing: Missing<'_>) -> Evaluated {
        match budget::within_budget(|| self.plan.evaluate(&bindings.context, missing)) {
            Ok(evaluated) => evaluated,
            Err(limit) => Evaluated::Failed(format!(
                "rule error in {}: the evaluation went over sfaudit's budget ({limit}); simplify the expression \
                 (fewer nested exists/all/map/filter over large lists)",
                self.origin
            )),
        }
    }
}

/// Variables introduced by macros (`scopes.exists(s, s == 'full')`) are not roots.
fn is_comprehension_variable(source: &str, variable: &str) -> bool {
    [".exists(", ".all(", ".exists_one(", ".map(", ".filter("].iter().any(|macro_call| {
        source.contains(&format!("{macro_call}{variable},")) || source.contains(&format!("{macro_call}{variable} ,"))
    })
}

/// The values an expression is evaluated against: one CEL context per worker, whose `app` is
/// bound again for each record ([`Bindings::set_app`]).
pub(crate) struct Bindings {
    context: Context<'static, 'static>,
}

impl std::fmt::Debug for Bindings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Bindings").finish_non_exhaustive()
    }
}

impl Bindings {
    pub(crate) fn new(
        env: Arc<Env>,
        app: &serde_json::Value,
        org: &serde_json::Value,
        params: &serde_json::Value,
    ) -> Self {
        let mut context = Context::with_env(env);
        for (name, guard) in [budget::step_guard(), budget::size_guard()] {
            let added = context.add_function(name, guard);
            debug_assert!(added.is_ok(), "the guard names cannot clash with the standard library");
        }
        context.add_variable_as_val("app", json_to_val(app));
        context.add_variable_as_val("org", json_to_val(org));
        context.add_variable_as_val("params", json_to_val(params));
        Self { context }
    }

    /// Binds `app` to the next record, keeping the rest of the context.
    pub(crate) fn set_app(&mut self, app: Box<dyn Val>) {
        self.context.add_variable_as_val("app", app);
    }
}

/// JSON → the interpreter's own values, with every whole number as a signed `int`: serde would
/// turn positive numbers into `uint`, and then `int(x) - 1` style arithmetic and unary minus trip
/// rule authors. Built directly: going through [`Value`] converted every record twice more.
pub(crate) fn json_to_val(value: &serde_json::Value) -> Box<dyn Val> {
    match value {
        serde_json::Value::Null => Box::new(CelNull),
        serde_json::Value::Bool(flag) => Box::new(CelBool::from(*flag)),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(integer) => Box::new(CelInt::from(integer)),
            None => Box::new(CelDouble::from(number.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(text) => Box::new(CelString::from(text.clone())),
        serde_json::Value::Array(items) => {
            Box::new(CelList::from(items.iter().map(json_to_val).collect::<Vec<Box<dyn Val>>>()))
        }
        serde_json::Value::Object(map) => {
            object_to_val(map.iter().map(|(key, value)| (key.clone(), json_to_val(value))))
        }
    }
}

/// A CEL map of `entries`.
pub(crate) fn object_to_val(entries: impl Iterator<Item = (String, Box<dyn Val>)>) -> Box<dyn Val> {
    let map: std::collections::HashMap<CelMapKey<'static>, Box<dyn Val>> =
        entries.map(|(key, value)| (CelMapKey::from(key), value)).collect();
    Box::new(CelMap::from(map))
}

/// The standard library plus `matches` with compiled regexes cached per thread: the `cel` crate
/// compiles the pattern on every call, which dominated evaluation time on large orgs.
pub(crate) fn new_env() -> Arc<Env> {
    let mut env = Env::stdlib();
    let registered = cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>, id = "matches")
        .and_then(|()| cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>));
    debug_assert!(registered.is_ok(), "the regex feature of cel is off, so matches is free");
    Arc::new(env)
}

const REGEX_CACHE_LIMIT: usize = 256;

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<regex::Regex, String>>> =
        std::cell::RefCell::default();
}

fn matches(text: &CelString<'_>, pattern: &CelString<'_>) -> Result<CelBool, cel::ExecutionError> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= REGEX_CACHE_LIMIT && !cache.contains_key(pattern.inner()) {
            cache.clear();
        }
        let compiled = cache
            .entry(pattern.inner().to_string())
            .or_insert_with(|| regex::Regex::new(pattern.inner()).map_err(|error| error.to_string()));
        match compiled {
            Ok(regex) => Ok(CelBool::from(regex.is_match(text.inner()))),
            Err(error) => Err(cel::ExecutionError::FunctionError {
                function: "matches".to_string(),
                message: format!("'{}' is not a valid regex: {error}", pattern.inner()),
            }),
        }
    })
}

/// Shows a CEL value in the "your value" column: strings bare, lists comma-separated.
pub(crate) fn display(value: &Value) -> String {
    match value {
        Value::Null => "none".to_string(),
        Value::String(text) => text.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Int(number) => number.to_string(),
        Value::UInt(number) => number.to_string(),
        Value::Float(number) => number.to_string(),
        Value::List(items) if items.is_empty() => "none".to_string(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        // Entries in key order: the map is a hash map, and "your value" must read the same on
        // every run.
        Value::Map(map) if map.map.is_empty() => "none".to_string(),
        Value::Map(map) => {
            let mut entries: Vec<String> =
                map.map.iter().map(|(key, value)| format!("{key}: {}", display_nested(value))).collect();
            entries.sort();
            entries.join("; ")
        }
        Value::Bytes(bytes) => format!("{} bytes", bytes.len()),
        Value::Duration(duration) => format!("{}s", duration.num_seconds()),
        Value::Timestamp(time) => time.to_rfc3339(),
        Value::Function(name, _) => format!("function {name}"),
        other => format!("a {:?} value", other.type_of()),
    }
}

/// A value inside a map entry: a list or map in brackets, so entries stay apart.
fn display_nested(value: &Value) -> String {
    match value {
        Value::List(items) => format!("[{}]", items.iter().map(display_nested).collect::<Vec<_>>().join(", ")),
        Value::Map(map) if map.map.is_empty() => "{}".to_string(),
        Value::Map(_) => format!("{{{}}}", display(value)),
        other => display(other),
    }
}

/// Record paths an expression reads, found lexically: `app.policy.permitted_users` in
/// `app.policy.permitted_users == 'x'`; a trailing method name (`.exists(`) is not a path.
pub(crate) fn referenced_paths(source: &str) -> Vec<String> {
    let characters: Vec<char> = source.chars().collect();
    let mut paths = Vec::new();
    let mut index = 0;
    let mut previous: Option<char> = None;
    while index < characters.len() {
        let character = characters[index];
        if character == '\'' || character == '"' {
            index = skip_string(&characters, index);
            previous = Some(character);
            continue;
        }
        let starts_identifier = (character.is_ascii_alphabetic() || character == '_')
            && !matches!(previous, Some(p) if p.is_ascii_alphanumeric() || p == '_' || p == '.');
        if !starts_identifier {
            previous = Some(character);
            index += 1;
            continue;
        }
        let mut segments = Vec::new();
        loop {
            let start = index;
            while index < characters.len() && (characters[index].is_ascii_alphanumeric() || characters[index] == '_') {
                index += 1;
            }
            segments.push(characters[start..index].iter().collect::<String>());
            let mut lookahead = index;
            while lookahead < characters.len() && characters[lookahead].is_whitespace() {
                lookahead += 1;
            }
            if lookahead < characters.len() && characters[lookahead] == '(' {
                segments.pop();
                break;
            }
            if index + 1 < characters.len()
                && characters[index] == '.'
                && (characters[index + 1].is_ascii_alphabetic() || characters[index + 1] == '_')
            {
                index += 1;
                continue;
            }
            break;
        }
        if segments.len() > 1 && ROOTS.contains(&segments[0].as_str()) {
            paths.push(segments.join("."));
        } else if segments.len() == 1 && ROOTS.contains(&segments[0].as_str()) {
            paths.push(segments[0].clone());
        }
        previous = characters.get(index.saturating_sub(1)).copied();
    }
    paths.sort();
    paths.dedup();
    paths
}

fn skip_string(characters: &[char], start: usize) -> usize {
    let quote = characters[start];
    let mut index = start + 1;
    while index < characters.len() {
        match characters[index] {
            '\\' => index += 2,
            character if character == quote => return index + 1,
            _ => index += 1,
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_reads_the_same_on_every_run_and_never_as_rust_debug_text() {
        let value = json_to_val(&serde_json::json!({
            "jwt_bearer": true, "code_credential": false, "scopes": ["api", "web"], "nested": {"b": 1, "a": null}, "none": {}
        }));
        let shown = display(&Value::try_from(&*value).expect("converts back"));
        assert_eq!(
            shown,
            "code_credential: false; jwt_bearer: true; nested: {a: none; b: 1}; none: {}; scopes: [api, web]"
        );
    }

    #[test]
    fn json_becomes_cel_values_with_whole_numbers_as_signed_ints() {
        let json = serde_json::json!({
            "int": 3, "negative": -4, "huge": 18446744073709551615u64, "float": 2.5, "null": null,
            "flag": true, "text": "a\u{1b}b", "list": [1, "x", [], {}], "map": {"inner": {"deep": [null]}}, "empty": {}
        });
        let map = |entries: Vec<(&str, Value)>| {
            Value::from(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.to_string(), value))
                    .collect::<std::collections::HashMap<String, Value>>(),
            )
        };
        let expected = map(vec![
            ("int", Value::Int(3)),
            ("negative", Value::Int(-4)),
            ("huge", Value::Float(18_446_744_073_709_551_615_u64 as f64)),
            ("float", Value::Float(2.5)),
            ("null", Value::Null),
            ("flag", Value::Bool(true)),
            ("text", Value::from("a\u{1b}b")),
            ("list", Value::from(vec![Value::Int(1), Value::from("x"), Value::from(Vec::<Value>::new()), map(vec![])])),
            ("map", map(vec![("inner", map(vec![("deep", Value::from(vec![Value::Null]))]))])),
            ("empty", map(vec![])),
        ]);
        assert_eq!(Value::try_from(&*json_to_val(&json)).expect("converts back"), expected);
    }

    impl Expression {
        fn compile_test(source: &str) -> Result<Self, String> {
            Self::compile(source, "rules/x.toml: fail_if")
        }
    }

    #[test]
    fn evaluation_is_bounded_and_over_the_budget_is_a_rule_error_naming_the_file() {
        let app = serde_json::json!({"list": (0..200).collect::<Vec<i64>>(), "name": "n".repeat(1 << 20)});
        let bindings = Bindings::new(new_env(), &app, &serde_json::json!({}), &serde_json::json!({}));
        // 200³ = 8,000,000 steps: past the step budget, and an `||` that swallows the error still
        // cannot give a result.
        let cubic = Expression::compile_test(
            "app.list.exists(a, app.list.exists(b, app.list.exists(c, a + b + c < 0))) || true",
        )
        .expect("compiles");
        let error = known(&cubic, &bindings).expect_err("over budget");
        // The step count is the limit in a release build; a slow debug build can reach the clock first.
        assert!(error.contains("rule error in rules/x.toml: fail_if") && error.contains("budget"), "{error}");
        // Strings that double: 200 × 2 MiB is past the memory budget long before memory runs out.
        let doubling = Expression::compile_test("app.list.map(a, app.name + app.name).size() > 0").expect("compiles");
        assert!(known(&doubling, &bindings).expect_err("over budget").contains("strings and lists"));
        // Deeper nesting is refused when the rule is loaded.
        let nested = Expression::compile_test("[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))");
        assert!(nested.expect_err("too nested").contains("nested 4 deep"));
        // A normal rule is unaffected, and the budget starts fresh on every evaluation.
        let normal = Expression::compile_test("app.list.exists(a, a == 199) && size(app.name) > 0").expect("compiles");
        for _ in 0..3 {
            assert_eq!(known(&normal, &bindings), Ok(Value::Bool(true)));
        }
        let map = Expression::compile_test("app.list.map(a, a * 2).filter(b, b > 390).size() == 4").expect("compiles");
        assert_eq!(known(&map, &bindings), Ok(Value::Bool(true)));
    }

    #[test]
    fn finds_paths_but_not_strings_or_methods() {
        assert_eq!(
            referenced_paths("app.oauth.scopes.exists(s, s == 'app.fake') && org.oauth_oidc.pkce_required"),
            vec!["app.oauth.scopes", "org.oauth_oidc.pkce_required"]
        );
        assert_eq!(referenced_paths("size(app.policy.profiles) == 0"), vec!["app.policy.profiles"]);
        assert_eq!(referenced_paths("has(app.certificate)"), vec!["app.certificate"]);
        assert_eq!(referenced_paths("x.app.y"), Vec::<String>::new());
    }

    fn known(expression: &Expression, bindings: &Bindings) -> Result<Value, String> {
        let none = crate::model::SmallMap::new();
        match expression.evaluate(bindings, Missing { app: &none, org: &none }) {
            Evaluated::Known(value) => Ok(value),
            Evaluated::Failed(message) => Err(message),
            Evaluated::Unknown(reason) => Err(format!("unknown: {reason}")),
        }
    }

    #[test]
    fn evaluates_against_json_bindings() {
        let app = serde_json::json!({"policy": {"permitted_users": "admin_approved"}, "oauth": null});
        let bindings = Bindings::new(new_env(), &app, &serde_json::json!({}), &serde_json::json!({"days": 30}));
        let expression = Expression::compile_test("app.policy.permitted_users == 'admin_approved' && params.days > 7")
            .expect("compiles");
        assert_eq!(known(&expression, &bindings), Ok(Value::Bool(true)));
        let null_member = Expression::compile_test("app.oauth.scopes == []").expect("compiles");
        assert!(known(&null_member, &bindings).is_err());
        let short_circuit =
            Expression::compile_test("app.oauth != null && app.oauth.flows.jwt_bearer").expect("compiles");
        assert_eq!(known(&short_circuit, &bindings), Ok(Value::Bool(false)));
        for (source, expected) in [
            ("app.policy.permitted_users.matches('^admin_')", true),
            ("matches(app.policy.permitted_users, '(?i)^ADMIN')", true),
            ("app.policy.permitted_users.matches('self')", false),
        ] {
            let expression = Expression::compile_test(source).expect("compiles");
            assert_eq!(known(&expression, &bindings), Ok(Value::Bool(expected)), "{source}");
            assert_eq!(known(&expression, &bindings), Ok(Value::Bool(expected)), "{source} (cached)");
        }
        let invalid = Expression::compile_test("app.policy.permitted_users.matches('(')").expect("compiles");
        assert!(known(&invalid, &bindings).expect_err("bad regex").contains("not a valid regex"));
    }

    #[test]
    fn rejects_syntax_errors_and_unknown_roots() {
        assert!(Expression::compile_test("app.policy ==").expect_err("syntax").contains("syntax error"));
        assert!(Expression::compile_test("application.name == 'x'").expect_err("root").contains("unknown variable"));
        assert!(Expression::compile_test("app.oauth.scopes.exists(s, s == 'full')").is_ok());
    }
}
