//! A cost bound for CEL, which the `cel` crate does not have: a rule cannot run for minutes or
//! exhaust memory, whatever it says and whatever the record holds.
//!
//! - At compile time an expression may have at most [`MAX_EXPRESSION_NODES`] nodes and nest
//!   comprehensions (`exists`, `all`, `exists_one`, `map`, `filter`) at most
//!   [`MAX_COMPREHENSION_NESTING`] deep, so the work is a small polynomial in the record's list
//!   sizes rather than an exponential.
//! - The compiled tree is then rewritten with two guard calls the evaluator runs like any
//!   function: every comprehension's loop condition becomes `@sfaudit_step(cond)`, which counts a
//!   step and checks the clock, and every value that can grow (a `+` of strings or lists, a
//!   comprehension's result) passes through `@sfaudit_size(value)`, which adds its size to what
//!   the evaluation has built. Past [`MAX_EVALUATION_STEPS`], [`MAX_EVALUATION_BYTES`] or
//!   [`MAX_EVALUATION_MILLIS`] the guard fails the evaluation; the failure is remembered, so an
//!   `||` that would swallow the error cannot turn a cut-short evaluation into a result.
//!
//! The accumulator of `map` and `filter` (`@result + [x]`) is left unguarded: the evaluator
//! builds it in place, and the comprehension's result is counted once.

use std::cell::RefCell;
use std::time::Instant;

use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr};
use cel::common::types::{CelBytes, CelString};
use cel::common::value::{CowVal, Val};
use cel::{ExecutionError, FunctionContext, IdedExpr};

use crate::limits::{
    MAX_COMPREHENSION_NESTING, MAX_EVALUATION_BYTES, MAX_EVALUATION_MILLIS, MAX_EVALUATION_STEPS, MAX_EXPRESSION_BYTES,
    MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_NESTING, MAX_EXPRESSION_NODES,
};

const STEP: &str = "@sfaudit_step";
const SIZE: &str = "@sfaudit_size";

/// Checks an expression's text before it is parsed: text over [`MAX_EXPRESSION_BYTES`], or
/// brackets nested more than [`MAX_EXPRESSION_NESTING`] deep, would overflow the parser's stack.
/// Brackets inside string literals do not count; a raw string (`r'…'`) has no escapes and a
/// triple-quoted one ends only at three quotes, as in CEL. Where the text is ambiguous (letters
/// before a quote that are not a prefix) the count errs towards more brackets.
pub(crate) fn check_source(source: &str) -> Result<(), String> {
    if source.len() > MAX_EXPRESSION_BYTES {
        return Err(format!(
            "the expression is {} bytes, over sfaudit's limit of {MAX_EXPRESSION_BYTES}; rules need a few hundred",
            source.len()
        ));
    }
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if matches!(byte, b'\'' | b'"') {
            let raw = bytes[..index].iter().rev().take(2).any(|prefix| matches!(prefix, b'r' | b'R'));
            let closing: &[u8] = if bytes[index + 1..].starts_with(&[byte, byte]) {
                &bytes[index..index + 3]
            } else {
                &bytes[index..=index]
            };
            index += closing.len();
            while index < bytes.len() {
                if !raw && bytes[index] == b'\\' {
                    index += 2;
                } else if bytes[index..].starts_with(closing) {
                    index += closing.len();
                    break;
                } else {
                    index += 1;
                }
            }
            continue;
        }
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_EXPRESSION_NESTING {
                    return Err(format!(
                        "brackets are nested more than {MAX_EXPRESSION_NESTING} deep (sfaudit's limit); rules need a few"
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    Ok(())
}

/// Checks an expression's size and comprehension nesting.
pub(crate) fn check_shape(expression: &IdedExpr) -> Result<(), String> {
    let nodes = count_nodes(expression);
    if nodes > MAX_EXPRESSION_NODES {
        return Err(format!("the expression has {nodes} nodes, over sfaudit's limit of {MAX_EXPRESSION_NODES}"));
    }
    // The evaluator recurses once per level (twice with the guards): a chain of 1,000 `+` overflowed
    // an evaluating thread's stack although it had fewer nodes than the limit.
    let depth = depth(expression);
    if depth > MAX_EXPRESSION_DEPTH {
        return Err(format!(
            "the expression is {depth} operations deep, over sfaudit's limit of {MAX_EXPRESSION_DEPTH}; split a long \
             chain of `+`, `&&` or field selections"
        ));
    }
    let nesting = nesting(expression);
    if nesting > MAX_COMPREHENSION_NESTING {
        return Err(format!(
            "comprehensions (exists, all, map, filter) are nested {nesting} deep; sfaudit allows \
             {MAX_COMPREHENSION_NESTING}, so that a rule's cost stays bounded"
        ));
    }
    Ok(())
}

fn children(expression: &IdedExpr) -> Vec<&IdedExpr> {
    match &expression.expr {
        Expr::Call(call) => call.target.iter().map(AsRef::as_ref).chain(&call.args).collect(),
        Expr::Comprehension(comprehension) => vec![
            &comprehension.iter_range,
            &comprehension.accu_init,
            &comprehension.loop_cond,
            &comprehension.loop_step,
            &comprehension.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(map) => map.entries.iter().flat_map(|entry| entry_children(&entry.expr)).collect(),
        Expr::Struct(structure) => structure.entries.iter().flat_map(|entry| entry_children(&entry.expr)).collect(),
        Expr::Select(select) => vec![&*select.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry_children(entry: &EntryExpr) -> Vec<&IdedExpr> {
    match entry {
        EntryExpr::StructField(field) => vec![&field.value],
        EntryExpr::MapEntry(entry) => vec![&entry.key, &entry.value],
    }
}

fn depth(expression: &IdedExpr) -> usize {
    1 + children(expression).into_iter().map(depth).max().unwrap_or(0)
}

fn count_nodes(expression: &IdedExpr) -> usize {
    1 + children(expression).into_iter().map(count_nodes).sum::<usize>()
}

/// How many comprehensions run inside each other: one inside another's loop runs once per step.
fn nesting(expression: &IdedExpr) -> usize {
    match &expression.expr {
        Expr::Comprehension(comprehension) => {
            let ComprehensionExpr { iter_range, accu_init, loop_cond, loop_step, result, .. } = &**comprehension;
            let inside = nesting(loop_cond).max(nesting(loop_step));
            let outside = [iter_range, accu_init, result].into_iter().map(nesting).max().unwrap_or(0);
            (1 + inside).max(outside)
        }
        _ => children(expression).into_iter().map(nesting).max().unwrap_or(0),
    }
}

/// The expression with the guard calls in place (see the module docs).
pub(crate) fn guarded(expression: &IdedExpr) -> IdedExpr {
    let mut next_id = max_id(expression) + 1;
    let mut copy = expression.clone();
    rewrite(&mut copy, &mut next_id, &[]);
    copy
}

fn max_id(expression: &IdedExpr) -> u64 {
    children(expression).into_iter().map(max_id).fold(expression.id, u64::max)
}

fn wrap(expression: &mut IdedExpr, function: &str, next_id: &mut u64) {
    let inner = std::mem::take(expression);
    *expression = IdedExpr {
        id: *next_id,
        expr: Expr::Call(cel::common::ast::CallExpr {
            func_name: function.to_string(),
            target: None,
            args: vec![inner],
        }),
    };
    *next_id += 1;
}

/// `accumulators` are the accumulator names of the comprehensions whose loop step this is in.
fn rewrite(expression: &mut IdedExpr, next_id: &mut u64, accumulators: &[&str]) {
    match &mut expression.expr {
        Expr::Call(call) => {
            if let Some(target) = call.target.as_mut() {
                rewrite(target, next_id, accumulators);
            }
            for argument in &mut call.args {
                rewrite(argument, next_id, accumulators);
            }
            let appends_to_accumulator = call.func_name == "_+_"
                && matches!(call.args.first().map(|first| &first.expr), Some(Expr::Ident(name)) if accumulators.contains(&name.as_str()));
            if call.func_name == "_+_" && !appends_to_accumulator {
                wrap(expression, SIZE, next_id);
            }
        }
        Expr::Comprehension(comprehension) => {
            let accumulator = comprehension.accu_var.clone();
            rewrite(&mut comprehension.iter_range, next_id, accumulators);
            rewrite(&mut comprehension.accu_init, next_id, accumulators);
            rewrite(&mut comprehension.loop_cond, next_id, accumulators);
            let mut inner: Vec<&str> = accumulators.to_vec();
            inner.push(&accumulator);
            rewrite(&mut comprehension.loop_step, next_id, &inner);
            rewrite(&mut comprehension.result, next_id, accumulators);
            wrap(&mut comprehension.loop_cond, STEP, next_id);
            wrap(expression, SIZE, next_id);
        }
        Expr::List(list) => {
            for element in &mut list.elements {
                rewrite(element, next_id, accumulators);
            }
        }
        Expr::Map(map) => {
            for entry in &mut map.entries {
                rewrite_entry(&mut entry.expr, next_id, accumulators);
            }
        }
        Expr::Struct(structure) => {
            for entry in &mut structure.entries {
                rewrite_entry(&mut entry.expr, next_id, accumulators);
            }
        }
        Expr::Select(select) => rewrite(&mut select.operand, next_id, accumulators),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn rewrite_entry(entry: &mut EntryExpr, next_id: &mut u64, accumulators: &[&str]) {
    match entry {
        EntryExpr::StructField(field) => rewrite(&mut field.value, next_id, accumulators),
        EntryExpr::MapEntry(entry) => {
            rewrite(&mut entry.key, next_id, accumulators);
            rewrite(&mut entry.value, next_id, accumulators);
        }
    }
}

/// What one evaluation has used.
struct Usage {
    steps: u64,
    bytes: u64,
    started: Instant,
    exceeded: Option<String>,
}

thread_local! {
    static USAGE: RefCell<Usage> =
        RefCell::new(Usage { steps: 0, bytes: 0, started: Instant::now(), exceeded: None });
}

/// Runs one evaluation under a fresh budget; `Err` names the limit it went over.
pub(crate) fn within_budget<T>(evaluate: impl FnOnce() -> T) -> Result<T, String> {
    USAGE.with(|usage| *usage.borrow_mut() = Usage { steps: 0, bytes: 0, started: Instant::now(), exceeded: None });
    let value = evaluate();
    match USAGE.with(|usage| usage.borrow_mut().exceeded.take()) {
        Some(limit) => Err(limit),
        None => Ok(value),
    }
}

fn exceed(usage: &mut Usage, limit: String) -> ExecutionError {
    let error = ExecutionError::function_error("budget", &limit);
    usage.exceeded.get_or_insert(limit);
    error
}

type Guard = Box<
    dyn for<'context, 'call> Fn(
            &mut FunctionContext<'context, 'call>,
        ) -> Result<CowVal<'context, 'call>, ExecutionError>
        + Send
        + Sync,
>;

fn first_argument<'context, 'call>(
    context: &FunctionContext<'context, 'call>,
) -> Result<CowVal<'context, 'call>, ExecutionError> {
    context.args.first().cloned().ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))
}

/// The step guard: counts a comprehension step and checks the clock.
pub(crate) fn step_guard() -> (&'static str, Guard) {
    (
        STEP,
        Box::new(|context| {
            USAGE.with(|usage| {
                let mut usage = usage.borrow_mut();
                if let Some(limit) = usage.exceeded.clone() {
                    return Err(ExecutionError::function_error("budget", limit));
                }
                usage.steps += 1;
                if usage.steps > MAX_EVALUATION_STEPS {
                    return Err(exceed(&mut usage, format!("more than {MAX_EVALUATION_STEPS} comprehension steps")));
                }
                if usage.steps % 64 == 0 && usage.started.elapsed().as_millis() > u128::from(MAX_EVALUATION_MILLIS) {
                    return Err(exceed(&mut usage, format!("more than {MAX_EVALUATION_MILLIS} ms")));
                }
                Ok(())
            })?;
            first_argument(context)
        }),
    )
}

/// A rough size in bytes: string and bytes lengths, 16 bytes per list or map element.
fn size_of(value: &dyn Val) -> u64 {
    let value = CowVal::Borrowed(value);
    if let Some(text) = value.downcast_ref::<CelString>() {
        return u64::try_from(text.inner().len()).unwrap_or(u64::MAX);
    }
    if let Some(bytes) = value.downcast_ref::<CelBytes>() {
        return u64::try_from(bytes.inner().len()).unwrap_or(u64::MAX);
    }
    value.as_sizer().map(|sizer| u64::try_from(*sizer.size().inner()).unwrap_or(0).saturating_mul(16)).unwrap_or(0)
}

/// The size guard: adds a value's size to what the evaluation has built.
pub(crate) fn size_guard() -> (&'static str, Guard) {
    (
        SIZE,
        Box::new(|context| {
            let value = first_argument(context)?;
            let size = size_of(value.as_ref());
            USAGE.with(|usage| {
                let mut usage = usage.borrow_mut();
                usage.bytes = usage.bytes.saturating_add(size);
                if usage.bytes > MAX_EVALUATION_BYTES {
                    return Err(exceed(
                        &mut usage,
                        format!("more than {} of strings and lists", crate::input::bytes_text(MAX_EVALUATION_BYTES)),
                    ));
                }
                Ok(())
            })?;
            Ok(value)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> IdedExpr {
        cel::Program::compile(source).expect("compiles").expression().clone()
    }

    #[test]
    fn nesting_counts_comprehensions_inside_loops_only() {
        assert_eq!(nesting(&parse("app.x.exists(a, a == 1)")), 1);
        assert_eq!(nesting(&parse("app.x.map(a, a).exists(b, b == 1)")), 1);
        assert_eq!(nesting(&parse("app.x.exists(a, app.y.exists(b, a == b))")), 2);
        assert_eq!(nesting(&parse("[1].map(a, [1].map(b, [1].map(c, [1].map(d, d))))")), 4);
        assert!(check_shape(&parse("[1].map(a, [1].map(b, [1].map(c, [1].map(d, d))))")).is_err());
        assert!(check_shape(&parse("[1].map(a, [1].map(b, [1].map(c, c)))")).is_ok());
    }

    #[test]
    fn brackets_after_a_raw_or_triple_quoted_string_still_count() {
        let levels = MAX_EXPRESSION_NESTING + 1;
        let deep = format!("{}true{}", "(".repeat(levels), ")".repeat(levels));
        for prefix in [r"r'\' + ", r#"R"\" + "#, r"br'\' + ", "'''a'b''' + ", r#""""a"b""" + "#, r"'a\'' + "] {
            let source = format!("{prefix}{deep}");
            assert!(check_source(&source).expect_err(&source).contains("nested more than"), "{source}");
        }
        assert!(check_source("r'((((((((((' == app.name && '''(((((((((('''.size() > 0").is_ok());
    }

    #[test]
    fn long_and_deep_expressions_are_refused_before_they_can_overflow_a_stack() {
        let long = format!("app.name{} == 1", ".a".repeat(MAX_EXPRESSION_BYTES / 2));
        assert!(check_source(&long).expect_err("too long").contains("bytes, over sfaudit's limit"));
        let chain = |links: usize| format!("1{} == 1", " + 1".repeat(links));
        assert!(check_shape(&parse(&chain(MAX_EXPRESSION_DEPTH - 5))).is_ok());
        let refused = check_shape(&parse(&chain(MAX_EXPRESSION_DEPTH))).expect_err("too deep");
        assert!(refused.contains("operations deep"), "{refused}");
    }

    #[test]
    fn deep_brackets_are_refused_before_the_parser_recurses_into_them() {
        let nested = |depth: usize| format!("{}true{}", "(".repeat(depth), ")".repeat(depth));
        // The deepest accepted expression compiles even on a test thread's 2 MiB stack.
        assert!(check_source(&nested(MAX_EXPRESSION_NESTING)).is_ok());
        assert!(cel::Program::compile(&nested(MAX_EXPRESSION_NESTING)).is_ok());
        assert!(check_source(&nested(MAX_EXPRESSION_NESTING + 1)).expect_err("too deep").contains("nested more than"));
        assert!(check_source(&nested(100_000)).is_err());
        assert!(check_source("app.name == '((((((((((((((((((((' && [[1]] == [[1]]").is_ok());
        assert!(check_source("'it\\'s' + \"[[[[[[[[[[[[[[[[\" == ''").is_ok());
    }

    #[test]
    fn guards_wrap_loops_and_growth_but_not_the_accumulator() {
        let rewritten = format!("{:?}", guarded(&parse("[1, 2].map(x, x + 1) + ['a']")));
        assert_eq!(rewritten.matches(STEP).count(), 1, "{rewritten}");
        // `x + 1`, the outer `+` and the comprehension: three size guards, not the `@result + [..]`.
        assert_eq!(rewritten.matches(SIZE).count(), 3, "{rewritten}");
    }
}
