//! What version 2 results leave out, found again: a rule's texts by id in `rules[]`, and a
//! resource's label and namespace in the inventory.

use std::collections::HashMap;

use crate::engine::RuleMeta;
use crate::model::{Inventory, ResourceKind, Text};

/// A rule's texts, shared by all of its results.
pub(super) struct RuleTexts {
    pub(super) control: Text,
    pub(super) title: Text,
    pub(super) category: Text,
}

pub(in crate::document) struct Lookup<'a> {
    rules: HashMap<&'a str, RuleTexts>,
    apps: HashMap<(ResourceKind, &'a str), (Text, Text)>,
    org_name: &'a str,
}

impl<'a> Lookup<'a> {
    pub(super) fn new(rules: &'a [RuleMeta], inventory: &'a Inventory) -> Self {
        Self {
            rules: rules
                .iter()
                .map(|rule| {
                    let texts = RuleTexts {
                        control: rule.control.as_str().into(),
                        title: rule.title.as_str().into(),
                        category: rule.category.as_str().into(),
                    };
                    (rule.id.as_str(), texts)
                })
                .collect(),
            apps: inventory
                .apps
                .iter()
                .map(|app| ((app.kind, app.name.as_str()), (app.label.as_str().into(), app.namespace.as_str().into())))
                .collect(),
            org_name: &inventory.org.name,
        }
    }

    pub(super) fn rule(&self, id: &str) -> Option<&RuleTexts> {
        self.rules.get(id)
    }

    /// The resource's label and namespace; the org is labelled with its name and has no namespace.
    pub(super) fn resource(&self, kind: ResourceKind, name: &str) -> Option<(Text, Text)> {
        match kind {
            ResourceKind::Org => (name == self.org_name).then(|| (name.into(), "".into())),
            _ => self.apps.get(&(kind, name)).cloned(),
        }
    }
}
