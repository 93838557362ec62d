//! Evaluating a rule once per distinct input, not once per resource.
//!
//! A rule's outcome (status, "your value", reason, confidence) is a function of the record parts
//! its expressions read ([`ReadTree`]) and of the `missing` notes on those parts; the org and the
//! parameters are the same for every resource of a scan. Large orgs repeat the same settings on
//! many apps, so each worker keeps, per rule, the outcome for each distinct input it has seen,
//! keyed by the exact bytes of that input (no hash stands in for it, so two inputs never share an
//! outcome by collision). A rule whose inputs rarely repeat (it reads an app's name or URL) stops
//! being remembered after a while, so the table does not grow with the org for nothing; an input
//! over 4 KiB is never kept, and a table keeps at most 8 MiB of inputs.

use rustc_hash::FxHashMap;

use super::reads::ReadTree;
use super::result::TableIndex;
use super::rule::Rule;
use crate::model::{Confidence, RecordText, ResourceKind, SmallMap, Status};

/// What one evaluation gives, before it is attached to a resource; its texts are in the
/// evaluating worker's own table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memoized {
    pub status: Status,
    pub actual: Option<TableIndex>,
    pub reason: Option<TableIndex>,
    pub confidence: Confidence,
}

/// What is known of a rule before any resource is seen.
pub(crate) struct RulePlan {
    applies_to: Vec<ResourceKind>,
    /// The app parts the rule's expressions read.
    reads: ReadTree,
    /// The metadata type of the file a reviewer has to change (see [`crate::model::file_type_for`]).
    file_type: Option<&'static str>,
    /// The rule reads nothing of a resource but an app's source-control facts (and params): the
    /// only kind of rule that applies to an app known only from files the CLI would not deploy.
    source_control_only: bool,
}

/// Every record path the rule's expressions name.
fn rule_paths(rule: &Rule) -> impl Iterator<Item = &String> {
    let computed = match &rule.confidence {
        super::rule::RuleConfidence::Computed(expression) => Some(expression.as_ref()),
        super::rule::RuleConfidence::Fixed(_) => None,
    };
    rule.when.iter().chain([&rule.fail_if]).chain(&rule.actual).chain(computed).flat_map(|expression| &expression.paths)
}

impl RulePlan {
    pub(crate) fn new(rule: &Rule) -> Self {
        // The first record path `fail_if` reads names the file to change.
        let first =
            rule.fail_if.paths.iter().find_map(|path| path.strip_prefix("app.").or_else(|| path.strip_prefix("org.")));
        Self {
            applies_to: rule.meta.applies_to.clone(),
            reads: ReadTree::deciding(rule, "app"),
            file_type: first.and_then(crate::model::file_type_for),
            source_control_only: rule_paths(rule).all(|path| {
                path.starts_with("params.")
                    || path
                        .strip_prefix("app.source_control")
                        .is_some_and(|tail| tail.is_empty() || tail.starts_with('.'))
            }),
        }
    }

    /// Whether the rule applies to `app` at all: an app known only from files the CLI would not
    /// deploy gets only source-control rules.
    pub(crate) fn applies_to_app(&self, app: &crate::model::AppRecord) -> bool {
        !app.undeployed || self.source_control_only
    }

    pub(crate) fn applies_to(&self, kind: ResourceKind) -> bool {
        self.applies_to.contains(&kind)
    }

    /// Where the result's file is among its resource's entries in the location table: 0 for the
    /// record's origin, 1 + n for the n-th of its `located` files
    /// ([`crate::model::Resource::located_files`]: one per metadata type that holds rule data, so a
    /// handful, well within a byte).
    pub(crate) fn location_slot(&self, located: &[&str]) -> u8 {
        let Some(file_type) = self.file_type else { return 0 };
        located
            .iter()
            .position(|type_name| *type_name == file_type)
            .map_or(0, |position| u8::try_from(position + 1).unwrap_or(0))
    }

    /// The CEL value of `app` (the record's JSON view) that the rule's expressions can see: the
    /// parts it reads, which are all its outcome depends on ([`Self::write_key`]).
    pub(crate) fn app_value(&self, app: &serde_json::Value) -> Box<dyn ::cel::common::value::Val> {
        self.reads.to_val(app)
    }

    /// The rule's input from this app: the parts it reads, and the `missing` notes on them.
    pub(crate) fn write_key(
        &self,
        app: &serde_json::Value,
        missing: &SmallMap<RecordText, RecordText>,
        out: &mut Vec<u8>,
    ) {
        self.reads.write_key(app, out);
        for (path, reason) in missing {
            if self.reads.touches(path) {
                out.extend_from_slice(path.as_bytes());
                out.push(0xFF);
                out.extend_from_slice(reason.as_bytes());
                out.push(0xFF);
            }
        }
    }
}

/// For each plan, the index of the first plan that reads exactly the same parts: rules that read
/// the same parts share one input per app, written once (65 rules read 42 different sets).
/// Grouped through a hash of the trees, so a pack of thousands of rules is grouped in linear time.
pub(crate) fn input_groups(plans: &[RulePlan]) -> Vec<usize> {
    let mut first: FxHashMap<&ReadTree, usize> = FxHashMap::default();
    plans.iter().enumerate().map(|(index, plan)| *first.entry(&plan.reads).or_insert(index)).collect()
}

/// After this many distinct inputs, a rule that has been answered from the table less often than
/// it missed is evaluated every time instead.
const TRIAL_INPUTS: usize = 256;

/// An input larger than this (a rule that reads whole records or documents) is evaluated every
/// time: inputs that large rarely repeat, and keeping them would cost memory for nothing.
const MAX_KEY_BYTES: usize = 4 << 10;

/// The bytes of inputs one table keeps at most; past it, known inputs are still answered from the
/// table and new ones are evaluated without being added.
const MAX_TABLE_BYTES: usize = 8 << 20;

/// One rule's outcomes by input, in one worker.
#[derive(Default)]
pub(crate) struct Memo {
    outcomes: FxHashMap<Box<[u8]>, Memoized>,
    key_bytes: usize,
    hits: usize,
    given_up: bool,
}

impl Memo {
    /// The outcome for `key`, evaluated with `evaluate` the first time.
    pub(crate) fn get_or_insert(&mut self, key: &[u8], evaluate: impl FnOnce() -> Memoized) -> Memoized {
        if self.given_up || key.len() > MAX_KEY_BYTES {
            return evaluate();
        }
        if let Some(outcome) = self.outcomes.get(key) {
            self.hits += 1;
            return *outcome;
        }
        let outcome = evaluate();
        if self.outcomes.len() >= TRIAL_INPUTS && self.hits < self.outcomes.len() {
            self.given_up = true;
            self.outcomes = FxHashMap::default();
        } else if self.key_bytes + key.len() <= MAX_TABLE_BYTES {
            self.key_bytes += key.len();
            self.outcomes.insert(key.into(), outcome);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memoized(status: Status) -> Memoized {
        Memoized { status, actual: None, reason: None, confidence: Confidence::High }
    }

    #[test]
    fn an_input_seen_before_is_not_evaluated_again() {
        let mut memo = Memo::default();
        let mut runs = 0;
        for key in [b"a".as_slice(), b"b", b"a", b"a"] {
            memo.get_or_insert(key, || {
                runs += 1;
                memoized(Status::Pass)
            });
        }
        assert_eq!(runs, 2);
    }

    #[test]
    fn a_rule_whose_inputs_do_not_repeat_is_no_longer_remembered() {
        let mut memo = Memo::default();
        for index in 0..=TRIAL_INPUTS {
            memo.get_or_insert(index.to_string().as_bytes(), || memoized(Status::Fail));
        }
        assert!(memo.given_up);
        assert!(memo.outcomes.is_empty());
        let mut runs = 0;
        memo.get_or_insert(b"0", || {
            runs += 1;
            memoized(Status::Pass)
        });
        assert_eq!(runs, 1, "evaluated, not answered from a table it no longer keeps");
    }

    #[test]
    fn large_inputs_are_evaluated_and_the_table_stays_bounded() {
        let mut memo = Memo::default();
        let large = vec![b'x'; MAX_KEY_BYTES + 1];
        for _ in 0..2 {
            memo.get_or_insert(&large, || memoized(Status::Pass));
        }
        assert!(memo.outcomes.is_empty(), "an input over the key limit is not kept");
        let key = vec![b'k'; MAX_KEY_BYTES];
        let mut stored = 0;
        for index in 0..(MAX_TABLE_BYTES / MAX_KEY_BYTES + 10) {
            let mut distinct = key.clone();
            distinct[..8].copy_from_slice(&(index as u64).to_le_bytes());
            memo.get_or_insert(&distinct, || memoized(Status::Pass));
            memo.get_or_insert(&distinct, || memoized(Status::Pass));
            stored = memo.outcomes.len();
        }
        assert!(memo.key_bytes <= MAX_TABLE_BYTES);
        assert_eq!(stored, MAX_TABLE_BYTES / MAX_KEY_BYTES);
    }
}
