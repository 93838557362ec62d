//! The tables a read document's results point into ([`Results`]): its rules by id, its
//! resources, and the files results name. Version 2 results leave a rule's texts to `rules[]` and a
//! resource's label and namespace to the inventory; version 1 results carry them themselves.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::engine::{LOCATION_FILES, ResourceRef, Results, RuleMeta, RuleResult, Suppression, TableIndex};
use crate::limits::MAX_RULES;
use crate::model::{Inventory, Origin, ResourceKind, Severity, Text};

/// A rule's texts as a version 1 result carries them.
pub(super) struct CarriedRule {
    pub(super) id: Text,
    pub(super) control: Text,
    pub(super) title: Text,
    pub(super) category: Text,
    pub(super) expected: Text,
    pub(super) severity: Severity,
}

pub(in crate::document) struct Tables<'a> {
    rules: Vec<RuleMeta>,
    rule_index: HashMap<String, u16>,
    resources: Vec<ResourceRef>,
    resource_index: HashMap<ResourceRef, u32>,
    /// Each resource's files, in the order its results first name them, by resource index.
    locations: Vec<Vec<Origin>>,
    apps: HashMap<(ResourceKind, &'a str), (&'a str, &'a str)>,
    org_name: &'a str,
    /// Results' texts and suppressions, as [`Results`] keeps them.
    kept: Results,
}

impl<'a> Tables<'a> {
    pub(super) fn new(rules: Vec<RuleMeta>, inventory: &'a Inventory) -> Result<Self, String> {
        if rules.len() > MAX_RULES {
            return Err(format!("rules[] lists {} rules; sfaudit reads at most {MAX_RULES}", rules.len()));
        }
        let mut rule_index = HashMap::with_capacity(rules.len());
        for (rule, index) in rules.iter().zip(0..=u16::MAX) {
            // Reports look a rule up by id (SARIF's rule descriptors, say): two entries of one id
            // could show one severity and judge by the other.
            if rule_index.insert(rule.id.clone(), index).is_some() {
                return Err(format!("rules[] lists rule '{}' twice; a result names one rule per id", rule.id));
            }
        }
        Ok(Self {
            rules,
            rule_index,
            resources: Vec::new(),
            resource_index: HashMap::new(),
            locations: Vec::new(),
            apps: inventory
                .apps
                .iter()
                .map(|app| ((app.kind, app.name.as_str()), (app.label.as_str(), app.namespace.as_str())))
                .collect(),
            org_name: &inventory.org.name,
            kept: Results::default(),
        })
    }

    /// The rule with this id in `rules[]`.
    pub(super) fn rule(&self, id: &str) -> Option<(u16, &RuleMeta)> {
        self.rule_index.get(id).map(|&index| (index, &self.rules[index as usize]))
    }

    /// The rule a version 1 result names; one that is not in `rules[]` is made from the texts the
    /// result carries, so results of documents written before `rules[]` listed every rule still read.
    pub(super) fn carried_rule(&mut self, carried: CarriedRule) -> Result<u16, String> {
        if let Some((index, _)) = self.rule(&carried.id) {
            return Ok(index);
        }
        let meta = RuleMeta::from_result_texts(
            &carried.id,
            &carried.control,
            &carried.title,
            &carried.category,
            &carried.expected,
            carried.severity,
        );
        let index = u16::try_from(self.rules.len()).map_err(|_| {
            format!("the results name more than {MAX_RULES} different rules; sfaudit reads at most that many")
        })?;
        self.rule_index.insert(meta.id.clone(), index);
        self.rules.push(meta);
        Ok(index)
    }

    /// The resource's label and namespace from the inventory; the org is labelled with its name
    /// and has no namespace.
    pub(super) fn inventory_resource(&self, kind: ResourceKind, name: &str) -> Option<(Text, Text)> {
        match kind {
            ResourceKind::Org => (name == self.org_name).then(|| (name.into(), "".into())),
            _ => self.apps.get(&(kind, name)).map(|(label, namespace)| ((*label).into(), (*namespace).into())),
        }
    }

    pub(super) fn resource(&mut self, resource: ResourceRef) -> Result<u32, String> {
        intern(&mut self.resources, &mut self.resource_index, resource)
    }

    /// Which of `resource`'s files `location` is, added when new; `place` names the result.
    pub(super) fn location(&mut self, resource: u32, location: Origin, place: &str) -> Result<u8, String> {
        let resource = resource as usize;
        if self.locations.len() <= resource {
            self.locations.resize_with(resource + 1, Vec::new);
        }
        let known = &mut self.locations[resource];
        if let Some(at) = known.iter().position(|file| *file == location) {
            return Ok(u8::try_from(at).unwrap_or(u8::MAX));
        }
        let at = u8::try_from(known.len()).map_err(|_| {
            format!("{place}.location: the results name more than {} files for one resource", 1 + LOCATION_FILES)
        })?;
        known.push(location);
        Ok(at)
    }

    /// Where a result's text is kept.
    pub(super) fn text(&mut self, text: Option<Text>) -> Option<TableIndex> {
        text.map(|text| self.kept.add_text(text))
    }

    /// Where a result's suppression is kept.
    pub(super) fn suppression(&mut self, suppression: Option<Suppression>) -> Option<TableIndex> {
        suppression.map(|suppression| self.kept.add_suppression(suppression))
    }

    pub(super) fn into_results(self, results: Vec<RuleResult>, params: BTreeMap<String, Value>) -> Results {
        let mut first_location = Vec::with_capacity(self.resources.len());
        let mut locations = Vec::new();
        for files in self.locations {
            // A document within MAX_SAVED_RESULT_BYTES names far fewer than 4 billion files.
            first_location.push(u32::try_from(locations.len()).unwrap_or(u32::MAX));
            locations.extend(files);
        }
        first_location.resize(self.resources.len(), 0);
        Results {
            results,
            rules: self.rules,
            resources: self.resources,
            locations,
            first_location,
            params,
            texts: self.kept.texts,
            suppressions: self.kept.suppressions,
        }
    }
}

/// The index of `value` in `table`, added at the end when it is not there yet; `index` maps each
/// value already in the table to its place.
fn intern<T: Clone + Eq + std::hash::Hash>(
    table: &mut Vec<T>,
    index: &mut HashMap<T, u32>,
    value: T,
) -> Result<u32, String> {
    if let Some(&at) = index.get(&value) {
        return Ok(at);
    }
    let at = u32::try_from(table.len()).map_err(|_| "more than 4 billion distinct entries".to_string())?;
    table.push(value.clone());
    index.insert(value, at);
    Ok(at)
}
