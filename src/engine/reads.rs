//! What of a record the loaded rules read: the record paths their expressions name, as a tree, so
//! that each app's CEL value holds only those parts. Converting a whole record (its `missing`
//! notes, files, evidence lists, …) for every app cost more than evaluating the rules on it.

use std::collections::BTreeMap;

use super::cel;
use super::rule::Rule;

/// Field names below a record root; a node marked `whole` is read as a whole (a rule compares,
/// counts or iterates it), so everything below it is kept.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct ReadTree {
    whole: bool,
    /// Only whether the node is there, and whether it is `null`, is read (`app.policy != null`);
    /// meaningful only for a node with no `fields` that is not `whole`.
    presence: bool,
    fields: BTreeMap<String, ReadTree>,
}

impl ReadTree {
    /// The tree of `root` (`app`) from every expression of `rules`: `when`, `fail_if`, `actual`
    /// and a computed confidence. A bare `app` (or `app[...]`, which is not a field path) reads
    /// the whole record.
    pub(crate) fn of<'r>(rules: impl IntoIterator<Item = &'r Rule>, root: &str) -> Self {
        let mut tree = Self::default();
        for expression in rules.into_iter().flat_map(expressions) {
            for path in &expression.paths {
                tree.insert_path(path, root, false);
            }
        }
        tree
    }

    /// What decides one rule's outcome, for telling its inputs apart ([`Self::write_key`]): like
    /// [`Self::of`], but a path every expression of the rule only tests for presence counts only
    /// for being there or `null`.
    pub(crate) fn deciding(rule: &Rule, root: &str) -> Self {
        let mut tree = Self::default();
        let read_as_value: Vec<&String> = expressions(rule)
            .flat_map(|expression| expression.paths.iter().filter(|path| !expression.presence_only.contains(path)))
            .collect();
        for expression in expressions(rule) {
            for path in &expression.paths {
                tree.insert_path(path, root, !read_as_value.contains(&path));
            }
        }
        tree
    }

    fn insert_path(&mut self, path: &str, root: &str, presence: bool) {
        let mut segments = path.split('.');
        if segments.next() == Some(root) {
            self.insert(segments, presence);
        }
    }

    fn insert<'a>(&mut self, mut segments: impl Iterator<Item = &'a str>, presence: bool) {
        if self.whole {
            return;
        }
        match segments.next() {
            None if presence => self.presence = true,
            None => {
                self.whole = true;
                self.fields.clear();
            }
            Some(field) => self.fields.entry(field.to_string()).or_default().insert(segments, presence),
        }
    }

    /// Whether the expressions read the field `name` of the root, or the root as a whole.
    pub(crate) fn reads_field(&self, name: &str) -> bool {
        self.whole || self.fields.contains_key(name)
    }

    /// Whether the expressions read `path` (dotted, below the root), a part of it, or a record
    /// holding it: whether a note that `path` is missing can change their outcome.
    pub(crate) fn touches(&self, path: &str) -> bool {
        let mut node = self;
        for segment in path.split('.') {
            if node.whole || node.presence {
                return true;
            }
            match node.fields.get(segment) {
                Some(below) => node = below,
                None => return false,
            }
        }
        true
    }

    /// Appends to `out` exactly what the expressions can see of `value`: two values with the same
    /// bytes give every expression of the tree the same outcome. A field that is absent and one
    /// that is `null` are told apart (`has()` sees the difference); each value is followed by a
    /// 0xFF byte, which UTF-8 JSON never contains, so concatenated values cannot run together.
    pub(crate) fn write_key(&self, value: &serde_json::Value, out: &mut Vec<u8>) {
        if self.presence && !self.whole && self.fields.is_empty() {
            out.push(if value.is_null() { b'n' } else { b'p' });
            return;
        }
        match value {
            serde_json::Value::Object(map) if !self.whole => {
                for (field, below) in &self.fields {
                    match map.get(field) {
                        Some(value) => {
                            out.push(1);
                            below.write_key(value, out);
                        }
                        None => out.push(0),
                    }
                }
            }
            other => {
                // Writing JSON into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, other);
            }
        }
        out.push(0xFF);
    }

    /// The CEL value of `value` with only the read fields of its objects; anything that is not an
    /// object (null, a list, a scalar) is kept as it is.
    pub(crate) fn to_val(&self, value: &serde_json::Value) -> Box<dyn ::cel::common::value::Val> {
        match value {
            serde_json::Value::Object(map) if !self.whole => cel::object_to_val(
                self.fields
                    .iter()
                    .filter_map(|(field, below)| map.get(field).map(|value| (field.clone(), below.to_val(value)))),
            ),
            other => cel::json_to_val(other),
        }
    }
}

/// The expressions of a rule: `when`, `fail_if`, `actual` and a computed confidence.
fn expressions(rule: &Rule) -> impl Iterator<Item = &super::cel::Expression> {
    [rule.when.as_ref(), Some(&rule.fail_if), rule.actual.as_ref(), rule.confidence.expression()].into_iter().flatten()
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

    fn value_of(val: Box<dyn ::cel::common::value::Val>) -> ::cel::Value {
        ::cel::Value::try_from(&*val).expect("a JSON value converts back")
    }

    #[test]
    fn keeps_only_the_read_fields_and_whole_subtrees_under_a_read_path() {
        let rules =
            [rule("app.policy.permitted_users == 'x' && size(app.policy.profiles) > 0"), rule("has(app.oauth)")];
        let tree = ReadTree::of(&rules, "app");
        let kept = value_of(tree.to_val(&record()));
        let expected = value_of(cel::json_to_val(&serde_json::json!({
            "policy": {"permitted_users": "all_self_authorized", "profiles": ["x"]},
            "oauth": null,
        })));
        assert_eq!(kept, expected);
    }

    #[test]
    fn a_bare_root_or_an_index_keeps_the_whole_record() {
        for source in ["app != null", "app['name'] == 'A'"] {
            let tree = ReadTree::of(&[rule(source), rule("app.name == 'A'")], "app");
            assert_eq!(value_of(tree.to_val(&record())), value_of(cel::json_to_val(&record())), "{source}");
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
        let whole = cel::Bindings::new(env.clone(), &record(), &empty, &empty);
        let mut pruned = cel::Bindings::new(env, &serde_json::Value::Null, &empty, &empty);
        pruned.set_app(tree.to_val(&record()));
        let none = crate::model::SmallMap::new();
        let missing = Missing { app: &none, org: &none };
        for rule in &rules {
            let on_whole = rule.fail_if.evaluate(&whole, missing);
            assert!(matches!(on_whole, Evaluated::Known(_)), "{}: {on_whole:?}", rule.fail_if.source);
            assert_eq!(on_whole, rule.fail_if.evaluate(&pruned, missing), "{}", rule.fail_if.source);
        }
    }

    fn key(tree: &ReadTree, value: &serde_json::Value) -> Vec<u8> {
        let mut out = Vec::new();
        tree.write_key(value, &mut out);
        out
    }

    /// Two records get the same key exactly when a rule cannot tell them apart.
    #[test]
    fn a_key_holds_what_the_rule_reads_and_no_more() {
        let rule =
            rule("app.policy != null && app.policy.permitted_users == 'admin_approved' && has(app.oauth.scopes)");
        let tree = ReadTree::deciding(&rule, "app");
        let base = serde_json::json!({
            "name": "A",
            "policy": {"permitted_users": "admin_approved", "permission_sets": ["A_Integration"]},
            "oauth": {"scopes": ["api"], "callback_urls": ["https://a.example.com"]},
        });
        let same_for_the_rule = serde_json::json!({
            "name": "B",
            "policy": {"permitted_users": "admin_approved", "permission_sets": ["B_Integration"]},
            "oauth": {"scopes": ["full"], "callback_urls": ["https://b.example.com"]},
        });
        assert_eq!(key(&tree, &base), key(&tree, &same_for_the_rule), "names, lists and URLs the rule does not read");
        for different in [
            serde_json::json!({"policy": {"permitted_users": "all_self_authorized"}, "oauth": {"scopes": []}}),
            serde_json::json!({"policy": null, "oauth": {"scopes": []}}),
            serde_json::json!({"oauth": {"scopes": []}}),
            serde_json::json!({"policy": {"permitted_users": "admin_approved"}, "oauth": {}}),
            serde_json::json!({"policy": {"permitted_users": "admin_approved"}, "oauth": {"scopes": null}}),
            serde_json::json!({"policy": {"permitted_users": "admin_approved"}, "oauth": "text"}),
        ] {
            assert_ne!(key(&tree, &base), key(&tree, &different), "{different}");
        }
    }

    #[test]
    fn a_missing_path_touches_what_reads_it_its_parts_and_what_holds_it() {
        let tree = ReadTree::deciding(
            &rule("app.policy != null && app.oauth.scopes.exists(s, s == 'full') && app.certificate.key_bits > 1"),
            "app",
        );
        for touched in ["policy", "policy.refresh_token", "oauth", "oauth.scopes", "oauth.scopes.x", "certificate"] {
            assert!(tree.touches(touched), "{touched}");
        }
        for untouched in ["oauth.flows", "saml", "certificate.subject", "usage.tokens"] {
            assert!(!tree.touches(untouched), "{untouched}");
        }
        let whole = ReadTree::deciding(&rule("app != null && app['name'] == 'A'"), "app");
        assert!(whole.touches("usage.tokens"));
    }

    #[test]
    fn a_path_also_read_as_a_value_is_keyed_by_its_value() {
        let rule = rule("app.policy != null && size(app.policy) > 1");
        let tree = ReadTree::deciding(&rule, "app");
        let one = serde_json::json!({"policy": {"a": 1}});
        let two = serde_json::json!({"policy": {"a": 1, "b": 2}});
        assert_ne!(key(&tree, &one), key(&tree, &two));
    }

    #[test]
    fn concatenated_values_cannot_run_together() {
        let rule = rule("app.certificate.key_bits == 1 && app.certificate.validity_days == 2");
        let tree = ReadTree::deciding(&rule, "app");
        assert_ne!(
            key(&tree, &serde_json::json!({"certificate": {"key_bits": 1, "validity_days": 23}})),
            key(&tree, &serde_json::json!({"certificate": {"key_bits": 12, "validity_days": 3}}))
        );
    }
}
