//! The versioned JSON document: the machine interface, and the input of `report --from`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{RESULTS_SCHEMA_VERSION, Report, RunInfo, Summary};
use crate::engine::{Results, RuleMeta, RuleResult};
use crate::model::Inventory;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    run: &'a RunInfo,
    summary: &'a Summary,
    results: &'a [RuleResult],
    rules: &'a [RuleMeta],
    params: &'a BTreeMap<String, serde_json::Value>,
    inventory: &'a Inventory,
}

pub fn render(report: &Report<'_>) -> String {
    let mut bytes = Vec::new();
    match write(report, &mut bytes) {
        Ok(()) => String::from_utf8(bytes).unwrap_or_default(),
        Err(error) => format!("{{\"schema_version\": {RESULTS_SCHEMA_VERSION}, \"error\": {:?}}}\n", error.to_string()),
    }
}

/// Streams the document, so a result of hundreds of thousands of rows never sits in memory as text.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let document = Document {
        schema_version: RESULTS_SCHEMA_VERSION,
        run: report.run,
        summary: report.summary,
        results: &report.results.results,
        rules: &report.results.rules,
        params: &report.results.params,
        inventory: report.inventory,
    };
    let mut buffered = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut buffered, &document)?;
    std::io::Write::write_all(&mut buffered, b"\n")?;
    std::io::Write::flush(&mut buffered)
}

/// A JSON result read back from disk, owning everything a [`Report`] borrows.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedResult {
    pub schema_version: u32,
    pub run: RunInfo,
    pub summary: Summary,
    pub results: Vec<RuleResult>,
    pub rules: Vec<RuleMeta>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    pub inventory: Inventory,
}

/// The parts of a saved result in the shapes the renderers take.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub run: RunInfo,
    pub summary: Summary,
    pub results: Results,
    pub inventory: Inventory,
}

impl Loaded {
    pub fn report(&self) -> Report<'_> {
        Report { run: &self.run, inventory: &self.inventory, results: &self.results, summary: &self.summary }
    }
}

/// Reads a document written by [`render`]; the message says what is wrong and where.
pub fn parse(text: &str) -> Result<Loaded, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("not valid JSON (line {}): {error}", error.line()))?;
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(RESULTS_SCHEMA_VERSION)) {
        return Err(match version {
            Some(version) => format!(
                "results schema version {version} is not supported (this sfaudit reads version {RESULTS_SCHEMA_VERSION})"
            ),
            None => "not an sfaudit JSON result: no schema_version".to_string(),
        });
    }
    let saved: SavedResult =
        serde_json::from_value(value).map_err(|error| format!("not an sfaudit JSON result: {error}"))?;
    Ok(Loaded {
        run: saved.run,
        summary: saved.summary,
        results: Results { results: saved.results, rules: saved.rules, params: saved.params },
        inventory: saved.inventory,
    })
}
