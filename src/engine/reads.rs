//! What of a record the loaded rules read: the record paths their expressions name, as a tree, so
//! that each app's CEL value holds only those parts. Converting a whole record (its `missing`
//! notes, files, evidence lists, …) for every app cost more than evaluating the rules on it.

use std::collections::BTreeMap;

use super::cel;
use super::rule::Rule;

/// Field names below a record root; a node marked `whole` is read as a whole (a rule compares,
/// counts or iterates it), so everything below it is kept.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ReadTree {
    whole: bool,
    fields: BTreeMap<String, ReadTree>,
}

impl ReadTree {
    /// The tree of `root` (`app`) from every expression of `rules`: `when`, `fail_if`, `actual`
    /// and a computed confidence. A bare `app` (or `app[...]`, which is not a field path) reads
    /// the whole record.
    pub(crate) fn of(rules: &[Rule], root: &str) -> Self {
        let mut tree = Self::default();
        let expressions = rules.iter().flat_map(|rule| {
            let confidence = match &rule.confidence {
                super::rule::RuleConfidence::Computed(expression) => Some(&**expression),
                super::rule::RuleConfidence::Fixed(_) => None,
            };
            [rule.when.as_ref(), Some(&rule.fail_if), rule.actual.as_ref(), confidence].into_iter().flatten()
        });
        for path in expressions.flat_map(|expression| expression.paths.iter()) {
            let mut segments = path.split('.');
            if segments.next() != Some(root) {
                continue;
            }
            tree.insert(segments);
        }
        tree
    }

    fn insert<'a>(&mut self, mut segments: impl Iterator<Item = &'a str>) {
        if self.whole {
            return;
        }
        match segments.next() {
            None => {
                self.whole = true;
                self.fields.clear();
            }
            Some(field) => self.fields.entry(field.to_string()).or_default().insert(segments),
        }
    }

    /// The CEL value of `value` with only the read fields of its objects; anything that is not an
    /// object (null, a list, a scalar) is kept as it is.
    pub(crate) fn to_cel(&self, value: &serde_json::Value) -> ::cel::Value {
        match value {
            serde_json::Value::Object(map) if !self.whole => ::cel::Value::from(
                self.fields
                    .iter()
                    .filter_map(|(field, below)| map.get(field).map(|value| (field.clone(), below.to_cel(value))))
                    .collect::<std::collections::HashMap<String, ::cel::Value>>(),
            ),
            other => cel::to_cel(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kleene::{Evaluated, Missing};
    use crate::engine::rule::{RuleSource, parse_rule};

    fn rule(fail_if: &str) -> Rule {
        let text = format!(
            "id = \"x\"\ncontrol = \"c\"\ntitle = \"t\"\nseverity = \"high\"\ncvss = \"7.0\"\ncategory = \"k\"\n\
             applies_to = [\"external_client_app\"]\nexpected = \"e\"\noverview = \"o\"\nrisk = \"r\"\n\
             threat_scenarios = \"s\"\nremediation = \"m\"\nfail_if = {fail_if:?}\n"
        );
        parse_rule(&RuleSource { path: "x.toml".into(), text }).expect("rule parses")
    }

    fn record() -> serde_json::Value {
        serde_json::json!({
            "name": "A",
            "policy": {"permitted_users": "all_self_authorized", "profiles": ["x"], "ip_relaxation": "enforce"},
            "oauth": null,
            "missing": {"usage": "not collected"},
        })
    }

    #[test]
    fn keeps_only_the_read_fields_and_whole_subtrees_under_a_read_path() {
        let rules =
            [rule("app.policy.permitted_users == 'x' && size(app.policy.profiles) > 0"), rule("has(app.oauth)")];
        let tree = ReadTree::of(&rules, "app");
        let kept = tree.to_cel(&record());
        let expected = cel::to_cel(&serde_json::json!({
            "policy": {"permitted_users": "all_self_authorized", "profiles": ["x"]},
            "oauth": null,
        }));
        assert_eq!(kept, expected);
    }

    #[test]
    fn a_bare_root_or_an_index_keeps_the_whole_record() {
        for source in ["app != null", "app['name'] == 'A'"] {
            let tree = ReadTree::of(&[rule(source), rule("app.name == 'A'")], "app");
            assert_eq!(tree.to_cel(&record()), cel::to_cel(&record()), "{source}");
        }
    }

    /// The pruned value gives every rule the answer the whole record gives.
    #[test]
    fn rules_give_the_same_outcome_on_the_pruned_record() {
        let sources = [
            "app.policy.permitted_users == 'all_self_authorized'",
            "has(app.policy.ip_relaxation) && app.policy.ip_relaxation == 'enforce'",
            "app.policy.profiles.exists(p, p == 'x')",
            "has(app.certificate)",
            "app.oauth == null",
        ];
        let rules: Vec<Rule> = sources.iter().map(|source| rule(source)).collect();
        let tree = ReadTree::of(&rules, "app");
        let env = cel::new_env();
        let empty = serde_json::json!({});
        let whole =
            cel::Bindings::from_values(env.clone(), cel::to_cel(&record()), cel::to_cel(&empty), cel::to_cel(&empty));
        let pruned = cel::Bindings::from_values(env, tree.to_cel(&record()), cel::to_cel(&empty), cel::to_cel(&empty));
        let none = std::collections::BTreeMap::new();
        let missing = Missing { app: &none, org: &none };
        for rule in &rules {
            let on_whole = rule.fail_if.evaluate(&whole, missing);
            assert!(matches!(on_whole, Evaluated::Known(_)), "{}: {on_whole:?}", rule.fail_if.source);
            assert_eq!(on_whole, rule.fail_if.evaluate(&pruned, missing), "{}", rule.fail_if.source);
        }
    }
}
