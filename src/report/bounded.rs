//! Strings from an org, a metadata file or a saved result shortened for rendering: every format
//! but the JSON document shows at most [`MAX_RENDERED_FIELD_CHARS`] characters of one value,
//! with a visible mark where it was cut. One 4 MB app name repeated in every result row of every
//! format would otherwise make gigabytes of reports. The JSON document keeps every value whole.
//!
//! Reports whose strings all fit (nearly all) are rendered as they are; only a report holding a
//! longer string is copied, with its long strings cut.

use serde_json::Value;

use crate::document::{Report, RunInfo};
use crate::engine::Results;
use crate::escape::field;
use crate::limits::MAX_RENDERED_FIELD_CHARS;
use crate::model::{Inventory, Text};

/// A report's data with long strings cut; borrow it with [`Bounded::report`]. The inventory is
/// copied only when what the format shows of it holds a long string: a hostile app name is in
/// the results too, and copying every app record for it doubled a large scan's memory.
#[derive(Debug)]
pub(crate) struct Bounded {
    run: RunInfo,
    inventory: Option<Inventory>,
    results: Results,
}

impl Bounded {
    pub(crate) fn report<'a>(&'a self, original: &Report<'a>) -> Report<'a> {
        let inventory = self.inventory.as_ref().unwrap_or(original.inventory);
        Report { run: &self.run, inventory, results: &self.results, ..*original }
    }
}

/// `None` when every string `format` shows fits; else a copy with the long ones cut.
pub(crate) fn bounded(report: &Report<'_>, format: crate::report::Format) -> Option<Bounded> {
    let shows_apps = format == crate::report::Format::Html;
    let inventory_long = inventory_has_long_string(report.inventory, shows_apps);
    if !inventory_long && !has_long_string(report) {
        return None;
    }
    let inventory = if inventory_long { Some(clipped_inventory(report.inventory)?) } else { None };
    let mut run = report.run.clone();
    if let Some(source) = clipped(&run.source) {
        run.source = source;
    }
    for text in
        [&mut run.tool.name, &mut run.tool.version, &mut run.rule_pack.version].into_iter().chain(&mut run.warnings)
    {
        *text = field(text).into_owned();
    }
    let mut results = report.results.clone();
    for text in &mut results.texts {
        clip_text(text);
    }
    for suppression in &mut results.suppressions {
        for text in [&mut suppression.reason, &mut suppression.source] {
            *text = field(text).into_owned();
        }
    }
    for resource in &mut results.resources {
        clip_text(&mut resource.name);
        clip_text(&mut resource.label);
    }
    for path in results.locations.iter_mut().filter_map(|location| location.path.as_mut()) {
        clip_text(path);
    }
    for rule in &mut results.rules {
        for text in [&mut rule.id, &mut rule.control, &mut rule.title, &mut rule.category, &mut rule.expected] {
            *text = field(text).into_owned();
        }
    }
    for value in results.params.values_mut() {
        clip_value(value);
    }
    Some(Bounded { run, inventory, results })
}

fn clip_text(text: &mut Text) {
    if text.chars().nth(MAX_RENDERED_FIELD_CHARS).is_some() {
        *text = field(text).as_ref().into();
    }
}

fn clip_value(value: &mut Value) {
    crate::escape::map_json_strings(value, field);
}

/// A copy of `value` with its long strings cut, through a JSON value of it alone.
fn clipped<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Option<T> {
    let mut value = serde_json::to_value(value).ok()?;
    clip_value(&mut value);
    serde_json::from_value(value).ok()
}

/// The inventory with its long strings cut, an app at a time: a JSON value of a large inventory
/// at once took seven times its size.
fn clipped_inventory(inventory: &Inventory) -> Option<Inventory> {
    Some(Inventory {
        schema_version: inventory.schema_version,
        source: clipped(&inventory.source)?,
        apps: inventory.apps.iter().map(clipped).collect::<Option<_>>()?,
        org: clipped(&inventory.org)?,
        problems: clipped(&inventory.problems)?,
        coverage: clipped(&inventory.coverage)?,
    })
}

/// Whether any string the report shows outside its inventory is longer than the limit, found
/// without copying.
fn has_long_string(report: &Report<'_>) -> bool {
    let long = |text: &str| text.len() > MAX_RENDERED_FIELD_CHARS;
    let run = report.run;
    if [&run.tool.name, &run.tool.version, &run.rule_pack.version]
        .into_iter()
        .chain(&run.warnings)
        .any(|text| long(text))
    {
        return true;
    }
    let tables = &report.results;
    let results = tables.texts.iter().any(|text| long(text))
        || tables.suppressions.iter().any(|suppression| long(&suppression.reason))
        || tables.resources.iter().any(|resource| long(&resource.name) || long(&resource.label))
        || tables.locations.iter().filter_map(|location| location.path.as_deref()).any(long);
    let rules = report.results.rules.iter().any(|rule| {
        [&rule.id, &rule.control, &rule.title, &rule.category, &rule.expected].into_iter().any(|text| long(text))
    });
    results
        || rules
        || longest_string(&(&run.source, &report.results.params))
            .is_none_or(|longest| longest > MAX_RENDERED_FIELD_CHARS)
}

/// Whether a string of the inventory that a format shows is longer than the limit: its source,
/// org, input problems and coverage for every format, and the app records for the HTML report
/// (no report shows `raw`, so the metadata trees are not measured).
fn inventory_has_long_string(inventory: &Inventory, shows_apps: bool) -> bool {
    let shown = (&inventory.source, &inventory.org, &inventory.problems, &inventory.coverage);
    let longest_app = || {
        inventory.apps.iter().map(|app| {
            longest_string(&(
                (&app.name, &app.label, &app.namespace, &app.origin, &app.files, &app.integration),
                (&app.oauth, &app.certificate, &app.saml, &app.policy, &app.source_control, &app.usage),
                (&app.missing, &app.defaults),
            ))
        })
    };
    let too_long = |longest: Option<usize>| longest.is_none_or(|longest| longest > MAX_RENDERED_FIELD_CHARS);
    too_long(longest_string(&shown)) || (shows_apps && longest_app().any(too_long))
}

/// The longest string token of `value`'s JSON, measured without writing it anywhere; `None` if it
/// cannot be serialised (then it is treated as long, and copied through the slow path).
fn longest_string<T: serde::Serialize>(value: &T) -> Option<usize> {
    let mut probe = Probe::default();
    serde_json::to_writer(&mut probe, value).ok().map(|()| probe.longest)
}

/// Measures the longest string token of JSON written into it.
#[derive(Debug, Default)]
struct Probe {
    in_string: bool,
    escaped: bool,
    length: usize,
    longest: usize,
}

impl std::io::Write for Probe {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for byte in bytes {
            if !self.in_string {
                if *byte == b'"' {
                    self.in_string = true;
                    self.length = 0;
                }
                continue;
            }
            match (self.escaped, *byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => {
                    self.in_string = false;
                    self.longest = self.longest.max(self.length);
                    continue;
                }
                _ => {}
            }
            self.length += 1;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
