//! Three-valued (Kleene) evaluation: a record path the collector could not fill is *unknown*, and
//! an expression is unknown only when its outcome depends on such a path.
//!
//! # Design
//!
//! The `cel` crate (0.15) has no unknown values: it would read a missing path as whatever the
//! record holds there (`null`, or a default) and give a confident answer. So sfaudit splits each
//! compiled expression at its logical operators, once, when the rule is loaded:
//!
//! - `&&`, `||`, `!` and `?:` become nodes this module evaluates itself, with Kleene's truth
//!   tables: `unknown && false` is `false`, `unknown || true` is `true`, `!unknown`, and `?:`
//!   with an unknown condition are unknown. An error (a type error, reading a field of `null`)
//!   loses to a deciding operand as it does in CEL (`error || true` is `true`), and to an
//!   unknown one (`error && unknown` is unknown, as the CEL specification orders them).
//! - Every other sub-expression (a comparison, a call, a macro such as `exists`, a field read) is
//!   a *leaf*, handed to `cel` whole, with the record paths it reads found from its syntax tree.
//!   A leaf that reads a path in the record's `missing` map (or below one: a missing `policy`
//!   covers `policy.permitted_users`) is unknown without being run, so comparisons and calls on
//!   unknown data are unknown. A leaf that reads only a parent of a missing path
//!   (`app.policy != null` when only `policy.refresh_token` is missing) reads data that is there,
//!   and runs.
//!
//! This is sound: a leaf that reads no missing path gives the same value whatever the missing
//! data is, and the logical nodes only decide when one operand decides for every value of the
//! others. It is conservative inside a leaf: a macro whose body reads a missing path is unknown
//! as a whole, even where the body's own `||` could have decided. Rules keep their guards outside
//! macros.
//!
//! Speed: the split is done once per rule. Most expressions read no missing path of most records,
//! and then the whole expression is one `cel` call, exactly as without three-valued logic (with
//! nothing unknown, Kleene's tables are CEL's own); only an expression that reads a missing path
//! walks the split tree, one `cel` call per leaf.

use cel::common::ast::{EntryExpr, Expr, LiteralValue, operators};
use cel::{Context, IdedExpr, Value};

use crate::model::{RecordText, SmallMap};

/// The outcome of an expression under three-valued logic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evaluated {
    Known(Value),
    /// Depends on data that was not collected; the reason names the path (`policy is not
    /// available: …`).
    Unknown(String),
    /// Could not be evaluated (a type error, a field of `null`); the message is `cel`'s.
    Failed(String),
}

/// The record paths the collector could not fill, for the app (empty for org rules) and the org.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Missing<'a> {
    pub app: &'a SmallMap<RecordText, RecordText>,
    pub org: &'a SmallMap<RecordText, RecordText>,
}

/// An expression ready for three-valued evaluation: whole, for records it reads no missing path of,
/// and split at its logical operators for the others.
#[derive(Debug)]
pub(crate) struct Plan {
    whole: Leaf,
    split: Node,
}

impl Plan {
    pub(crate) fn new(expression: &IdedExpr) -> Self {
        Self { whole: Leaf::new(expression), split: Node::plan(expression) }
    }

    pub(crate) fn evaluate(&self, context: &Context<'_, '_>, missing: Missing<'_>) -> Evaluated {
        match self.whole.missing_read(missing) {
            None => self.whole.run(context),
            Some(_) => self.split.evaluate(context, missing),
        }
    }
}

/// An expression split at its logical operators.
#[derive(Debug)]
enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Choose { condition: Box<Node>, then: Box<Node>, otherwise: Box<Node> },
    Leaf(Leaf),
}

/// A sub-expression `cel` evaluates, with the record paths it reads.
#[derive(Debug)]
pub(crate) struct Leaf {
    expression: IdedExpr,
    reads: Vec<RecordPath>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RecordPath {
    /// `true` for `org.…`, `false` for `app.…`.
    org: bool,
    /// The path below the root, dotted: `policy.permitted_users`.
    path: String,
}

impl Node {
    fn plan(expression: &IdedExpr) -> Self {
        if let Expr::Call(call) = &expression.expr {
            if call.target.is_none() {
                match (call.func_name.as_str(), call.args.as_slice()) {
                    (operators::LOGICAL_AND, [left, right]) => {
                        return Self::And(Box::new(Self::plan(left)), Box::new(Self::plan(right)));
                    }
                    (operators::LOGICAL_OR, [left, right]) => {
                        return Self::Or(Box::new(Self::plan(left)), Box::new(Self::plan(right)));
                    }
                    (operators::LOGICAL_NOT, [operand]) => return Self::Not(Box::new(Self::plan(operand))),
                    (operators::CONDITIONAL, [condition, then, otherwise]) => {
                        return Self::Choose {
                            condition: Box::new(Self::plan(condition)),
                            then: Box::new(Self::plan(then)),
                            otherwise: Box::new(Self::plan(otherwise)),
                        };
                    }
                    _ => {}
                }
            }
        }
        Self::Leaf(Leaf::new(expression))
    }

    fn evaluate(&self, context: &Context<'_, '_>, missing: Missing<'_>) -> Evaluated {
        match self {
            Self::Leaf(leaf) => leaf.evaluate(context, missing),
            Self::Not(operand) => match as_bool(operand.evaluate(context, missing)) {
                Truth::Bool(value) => Evaluated::Known(Value::Bool(!value)),
                Truth::Unknown(reason) => Evaluated::Unknown(reason),
                Truth::Failed(message) => Evaluated::Failed(message),
            },
            Self::And(left, right) => connective(false, left, right, context, missing),
            Self::Or(left, right) => connective(true, left, right, context, missing),
            Self::Choose { condition, then, otherwise } => match as_bool(condition.evaluate(context, missing)) {
                Truth::Bool(true) => then.evaluate(context, missing),
                Truth::Bool(false) => otherwise.evaluate(context, missing),
                Truth::Unknown(reason) => Evaluated::Unknown(reason),
                Truth::Failed(message) => Evaluated::Failed(message),
            },
        }
    }
}

impl Leaf {
    fn new(expression: &IdedExpr) -> Self {
        let mut reads = Vec::new();
        record_paths(expression, &mut reads);
        reads.sort_by(|a, b| (a.org, &a.path).cmp(&(b.org, &b.path)));
        reads.dedup();
        Self { expression: expression.clone(), reads }
    }

    /// Why the leaf cannot be read: the first missing path it reads.
    fn missing_read(&self, missing: Missing<'_>) -> Option<String> {
        self.reads.iter().find_map(|read| missing_reason(&read.path, if read.org { missing.org } else { missing.app }))
    }

    fn run(&self, context: &Context<'_, '_>) -> Evaluated {
        match Value::resolve(&self.expression, context) {
            Ok(value) => Evaluated::Known(value),
            Err(error) => Evaluated::Failed(error.to_string()),
        }
    }

    fn evaluate(&self, context: &Context<'_, '_>, missing: Missing<'_>) -> Evaluated {
        match self.missing_read(missing) {
            Some(reason) => Evaluated::Unknown(reason),
            None => self.run(context),
        }
    }
}

/// The reason `path` cannot be read: it, or a parent of it, is missing. Reading the parent of a
/// missing path is reading data that is there.
fn missing_reason(path: &str, missing: &SmallMap<RecordText, RecordText>) -> Option<String> {
    missing.iter().find_map(|(missing_path, reason)| {
        let covered =
            path.strip_prefix(missing_path.as_ref()).is_some_and(|tail| tail.is_empty() || tail.starts_with('.'));
        covered.then(|| format!("{missing_path} is not available: {reason}"))
    })
}

enum Truth {
    Bool(bool),
    Unknown(String),
    Failed(String),
}

fn as_bool(evaluated: Evaluated) -> Truth {
    match evaluated {
        Evaluated::Known(Value::Bool(value)) => Truth::Bool(value),
        Evaluated::Known(other) => Truth::Failed(format!("expected true or false, got {other:?}")),
        Evaluated::Unknown(reason) => Truth::Unknown(reason),
        Evaluated::Failed(message) => Truth::Failed(message),
    }
}

/// `&&` (`decides` false) and `||` (`decides` true): an operand equal to `decides` decides; else
/// an unknown operand makes the result unknown; else an error stays an error.
fn connective(decides: bool, left: &Node, right: &Node, context: &Context<'_, '_>, missing: Missing<'_>) -> Evaluated {
    let left = as_bool(left.evaluate(context, missing));
    if matches!(left, Truth::Bool(value) if value == decides) {
        return Evaluated::Known(Value::Bool(decides));
    }
    let right = as_bool(right.evaluate(context, missing));
    match (left, right) {
        (_, Truth::Bool(value)) if value == decides => Evaluated::Known(Value::Bool(decides)),
        (Truth::Unknown(reason), _) | (_, Truth::Unknown(reason)) => Evaluated::Unknown(reason),
        (Truth::Failed(message), _) | (_, Truth::Failed(message)) => Evaluated::Failed(message),
        (Truth::Bool(_), Truth::Bool(_)) => Evaluated::Known(Value::Bool(!decides)),
    }
}

/// Every `app.…`/`org.…` path an expression reads, as far as its syntax spells it: field
/// selections, and indexes with a string literal (`app.raw['ExtlClntAppMobileSettings']`).
fn record_paths(expression: &IdedExpr, out: &mut Vec<RecordPath>) {
    visit_paths(expression, &mut |path, _| out.push(path));
}

/// The record paths (`app.policy`, `org.oauth_oidc`) that an expression reads only to test whether
/// they are there: compared with `null`, or tested with `has()`. Its outcome depends on nothing
/// else of them, whatever they hold.
pub(crate) fn presence_only_paths(expression: &IdedExpr) -> Vec<String> {
    let mut presence = std::collections::BTreeSet::new();
    let mut value = std::collections::BTreeSet::new();
    visit_paths(expression, &mut |path, only_presence| {
        let root = if path.org { "org" } else { "app" };
        let spelled = if path.path.is_empty() { root.to_string() } else { format!("{root}.{}", path.path) };
        if only_presence {
            presence.insert(spelled)
        } else {
            value.insert(spelled)
        };
    });
    presence.difference(&value).cloned().collect()
}

/// Calls `on_path` for each record path read, with whether that read only tests presence.
fn visit_paths(expression: &IdedExpr, on_path: &mut dyn FnMut(RecordPath, bool)) {
    if let Some((path, only_presence)) = presence_test(expression) {
        on_path(path, only_presence);
        return;
    }
    if let Some(path) = spelled_path(expression) {
        on_path(path, false);
        return;
    }
    match &expression.expr {
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                visit_paths(target, on_path);
            }
            for argument in &call.args {
                visit_paths(argument, on_path);
            }
        }
        Expr::Select(select) => visit_paths(&select.operand, on_path),
        Expr::List(list) => list.elements.iter().for_each(|element| visit_paths(element, on_path)),
        Expr::Map(map) => map.entries.iter().for_each(|entry| entry_paths(&entry.expr, on_path)),
        Expr::Struct(structure) => structure.entries.iter().for_each(|entry| entry_paths(&entry.expr, on_path)),
        Expr::Comprehension(comprehension) => {
            for part in [
                &comprehension.iter_range,
                &comprehension.accu_init,
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ] {
                visit_paths(part, on_path);
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// `app.x == null`, `null != app.x` or `has(app.x)`: the path, tested for presence only.
fn presence_test(expression: &IdedExpr) -> Option<(RecordPath, bool)> {
    match &expression.expr {
        Expr::Select(select) if select.test => spelled_path(expression).map(|path| (path, true)),
        Expr::Call(call)
            if call.target.is_none()
                && (call.func_name == operators::EQUALS || call.func_name == operators::NOT_EQUALS) =>
        {
            let [left, right] = call.args.as_slice() else { return None };
            let is_null = |operand: &IdedExpr| matches!(operand.expr, Expr::Literal(LiteralValue::Null));
            match (is_null(left), is_null(right)) {
                (false, true) => spelled_path(left).map(|path| (path, true)),
                (true, false) => spelled_path(right).map(|path| (path, true)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn entry_paths(entry: &EntryExpr, on_path: &mut dyn FnMut(RecordPath, bool)) {
    match entry {
        EntryExpr::StructField(field) => visit_paths(&field.value, on_path),
        EntryExpr::MapEntry(entry) => {
            visit_paths(&entry.key, on_path);
            visit_paths(&entry.value, on_path);
        }
    }
}

/// `app.a.b` or `org.x['Y']` as a path, when the expression is one; the bare roots count too
/// (`app` reads the whole record).
fn spelled_path(expression: &IdedExpr) -> Option<RecordPath> {
    let mut segments: Vec<&str> = Vec::new();
    let mut current = expression;
    loop {
        match &current.expr {
            Expr::Select(select) => {
                segments.push(&select.field);
                current = &select.operand;
            }
            Expr::Call(call) if call.target.is_none() && call.func_name == operators::INDEX && call.args.len() == 2 => {
                let Expr::Literal(LiteralValue::String(key)) = &call.args[1].expr else { return None };
                segments.push(key.inner());
                current = &call.args[0];
            }
            Expr::Ident(root) if root == "app" || root == "org" => {
                segments.reverse();
                return Some(RecordPath { org: root == "org", path: segments.join(".") });
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluate(source: &str, app_missing: &[(&str, &str)], org_missing: &[(&str, &str)]) -> Evaluated {
        let app = serde_json::json!({
            "policy": null,
            "oauth": {"flows": {"jwt_bearer": false}, "scopes": ["api"]},
            "raw": {},
        });
        let org = serde_json::json!({"oauth_oidc": null, "name": "org"});
        let mut context = Context::default();
        context.add_variable_from_value("app", cel::to_value(&app).expect("app"));
        context.add_variable_from_value("org", cel::to_value(&org).expect("org"));
        let to_map = |pairs: &[(&str, &str)]| -> SmallMap<RecordText, RecordText> {
            pairs
                .iter()
                .map(|(path, reason)| (RecordText::from((*path).to_string()), RecordText::from((*reason).to_string())))
                .collect()
        };
        let (app_missing, org_missing) = (to_map(app_missing), to_map(org_missing));
        let program = cel::Program::compile(source).expect("compiles");
        Plan::new(program.expression()).evaluate(&context, Missing { app: &app_missing, org: &org_missing })
    }

    fn is_unknown_because(evaluated: &Evaluated, path: &str) -> bool {
        matches!(evaluated, Evaluated::Unknown(reason) if reason.starts_with(&format!("{path} is not available: ")))
    }

    const NO_POLICY: &[(&str, &str)] = &[("policy", "no policy file")];

    #[test]
    fn a_missing_operand_loses_to_one_that_decides() {
        let known = |value| Evaluated::Known(Value::Bool(value));
        assert_eq!(
            evaluate("app.policy.permitted_users == 'x' && app.oauth.flows.jwt_bearer", NO_POLICY, &[]),
            known(false)
        );
        assert_eq!(
            evaluate("app.oauth.flows.jwt_bearer && app.policy.permitted_users == 'x'", NO_POLICY, &[]),
            known(false)
        );
        assert_eq!(
            evaluate("app.policy.permitted_users == 'x' || !app.oauth.flows.jwt_bearer", NO_POLICY, &[]),
            known(true)
        );
        assert_eq!(
            evaluate("!app.oauth.flows.jwt_bearer || app.policy.permitted_users == 'x'", NO_POLICY, &[]),
            known(true)
        );
    }

    #[test]
    fn the_outcome_is_unknown_only_when_it_depends_on_missing_data() {
        for source in [
            "app.policy.permitted_users == 'x' && !app.oauth.flows.jwt_bearer",
            "app.policy.permitted_users == 'x' || app.oauth.flows.jwt_bearer",
            "!(app.policy.permitted_users == 'x')",
            "app.policy.permitted_users == 'x' ? true : false",
            "size(app.policy.profiles) > 0",
            "app.policy.permitted_users.startsWith('admin')",
            "has(app.policy.profiles)",
            "app.policy == null",
        ] {
            assert!(is_unknown_because(&evaluate(source, NO_POLICY, &[]), "policy"), "{source}");
        }
        // With nothing missing, the same record is read as it is (`policy` is null).
        assert_eq!(evaluate("app.policy == null", &[], &[]), Evaluated::Known(Value::Bool(true)));
    }

    #[test]
    fn a_missing_parent_covers_its_children_but_reading_a_parent_is_allowed() {
        let missing_child = &[("oauth.scopes", "no global OAuth file")];
        assert!(is_unknown_because(
            &evaluate("app.oauth.scopes.exists(scope, scope == 'full')", missing_child, &[]),
            "oauth.scopes"
        ));
        assert_eq!(evaluate("app.oauth != null", missing_child, &[]), Evaluated::Known(Value::Bool(true)));
        assert!(is_unknown_because(&evaluate("app.oauth.scopes == []", &[("oauth", "absent")], &[]), "oauth"));
        // `oauth.scopes_extra` is not below `oauth.scopes`.
        assert_eq!(
            evaluate("has(app.oauth.flows)", &[("oauth.flow", "absent")], &[]),
            Evaluated::Known(Value::Bool(true))
        );
    }

    #[test]
    fn org_paths_and_literal_indexes_are_paths_too() {
        let org_missing = &[("oauth_oidc", "no settings file")];
        assert!(is_unknown_because(&evaluate("org.oauth_oidc.pkce_required", &[], org_missing), "oauth_oidc"));
        assert_eq!(evaluate("org.name == 'org'", &[], org_missing), Evaluated::Known(Value::Bool(true)));
        // The app's own missing map does not cover org paths of the same name.
        assert!(matches!(evaluate("org.oauth_oidc.pkce_required", &[("oauth_oidc", "x")], &[]), Evaluated::Failed(_)));
        let raw_missing = &[("raw.ExtlClntAppMobileSettings", "not readable")];
        assert!(is_unknown_because(
            &evaluate("app.raw['ExtlClntAppMobileSettings'].x == 1", raw_missing, &[]),
            "raw.ExtlClntAppMobileSettings"
        ));
    }

    #[test]
    fn errors_lose_to_a_deciding_operand_and_to_an_unknown_one() {
        let broken = "app.oauth.nothing.here";
        assert_eq!(evaluate(&format!("{broken} || true"), &[], &[]), Evaluated::Known(Value::Bool(true)));
        assert_eq!(evaluate(&format!("false && {broken}"), &[], &[]), Evaluated::Known(Value::Bool(false)));
        assert!(matches!(evaluate(&format!("{broken} && true"), &[], &[]), Evaluated::Failed(_)));
        assert!(is_unknown_because(&evaluate(&format!("{broken} && app.policy.x"), NO_POLICY, &[]), "policy"));
        assert!(matches!(evaluate("'text' && true", &[], &[]), Evaluated::Failed(_)));
        assert!(matches!(evaluate("!'text'", &[], &[]), Evaluated::Failed(_)));
    }

    #[test]
    fn the_conditional_follows_a_known_condition_only() {
        let source = "app.oauth.flows.jwt_bearer ? app.policy.permitted_users : 'no jwt'";
        assert_eq!(evaluate(source, NO_POLICY, &[]), Evaluated::Known(Value::from("no jwt")));
        let flipped = "!app.oauth.flows.jwt_bearer ? app.policy.permitted_users : 'no jwt'";
        assert!(is_unknown_because(&evaluate(flipped, NO_POLICY, &[]), "policy"));
    }

    #[test]
    fn only_null_comparisons_and_has_are_presence_tests() {
        let paths = |source: &str| {
            let program = cel::Program::compile(source).expect("compiles");
            presence_only_paths(program.expression())
        };
        assert_eq!(
            paths("app.policy != null && null == app.oauth && has(app.saml.x)"),
            ["app.oauth", "app.policy", "app.saml.x"]
        );
        assert_eq!(paths("app.policy != null && app.policy == app.other && app.x == null"), ["app.x"]);
        assert!(paths("app.a + 1 != null").is_empty(), "an expression compared with null is not a presence test");
        assert!(paths("size(app.list) == 0").is_empty());
        assert!(paths("app.list.exists(x, x == null)").is_empty());
    }
}
