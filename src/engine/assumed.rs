//! Which results' "your value" rests on an assumed default: the rule's `actual` expression reads
//! a record path in the resource's `defaults` (or the org's), a field below one, or a record
//! holding one (`app.policy` when `policy.ip_relaxation` was assumed).
//!
//! Every rule is checked against every default of every app; comparing the paths each time cost
//! more than the rest of attaching a result, so each default is compared with the rules once
//! per worker and an app's answer is the union of its defaults' answers.

use rustc_hash::FxHashMap;

use super::rule::Rule;
use crate::model::{OrgRecord, Resource};

/// Distinct default paths a worker remembers; past this, they are compared each time (hostile
/// snapshots could name any number of them).
const MAX_REMEMBERED: usize = 1024;

/// One bit per rule.
type RuleBits = Vec<u64>;

pub(crate) struct AssumedDefaults<'a> {
    rules: &'a [Rule],
    /// Rules whose `actual` reads an `org.` path related to one of the org's defaults: the same
    /// for every resource.
    from_org: RuleBits,
    /// Per default path of a resource, the rules whose `actual` reads a related `app.` path.
    by_default: FxHashMap<&'a str, RuleBits>,
    /// The current resource's answer.
    current: RuleBits,
}

impl<'a> AssumedDefaults<'a> {
    pub(crate) fn new(rules: &'a [Rule], org: &'a OrgRecord) -> Self {
        let from_org = bits(rules, |rule| org.defaults.iter().any(|default| reads_related(rule, "org.", default)));
        Self { rules, current: from_org.clone(), from_org, by_default: FxHashMap::default() }
    }

    /// Makes [`Self::assumed`] answer for `resource`.
    pub(crate) fn set_resource(&mut self, resource: Resource<'a>) {
        self.current.clone_from(&self.from_org);
        for default in resource.defaults() {
            let default: &'a str = default.as_ref();
            if let Some(rules) = self.by_default.get(default) {
                self.current.iter_mut().zip(rules).for_each(|(current, rules)| *current |= rules);
                continue;
            }
            let rules = bits(self.rules, |rule| reads_related(rule, "app.", default));
            self.current.iter_mut().zip(&rules).for_each(|(current, rules)| *current |= rules);
            if self.by_default.len() < MAX_REMEMBERED {
                self.by_default.insert(default, rules);
            }
        }
    }

    /// Whether rule `rule_index`'s "your value" for the current resource rests on a default.
    pub(crate) fn assumed(&self, rule_index: usize) -> bool {
        self.current.get(rule_index / 64).is_some_and(|word| word & (1 << (rule_index % 64)) != 0)
    }
}

fn bits(rules: &[Rule], mut test: impl FnMut(&Rule) -> bool) -> RuleBits {
    let mut bits = vec![0u64; rules.len().div_ceil(64)];
    for (index, rule) in rules.iter().enumerate() {
        if test(rule) {
            bits[index / 64] |= 1 << (index % 64);
        }
    }
    bits
}

/// The rule's `actual` expression reads a path under `root` related to `default`.
fn reads_related(rule: &Rule, root: &str, default: &str) -> bool {
    let Some(actual) = &rule.actual else { return false };
    actual.paths.iter().filter_map(|path| path.strip_prefix(root)).any(|path| related(path, default))
}

/// `a` and `b` are the same record path, or one is below the other.
fn related(a: &str, b: &str) -> bool {
    let below = |child: &str, parent: &str| child.strip_prefix(parent).is_some_and(|tail| tail.starts_with('.'));
    a == b || below(a, b) || below(b, a)
}
