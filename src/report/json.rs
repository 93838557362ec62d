//! The versioned JSON document: the machine interface, and the input of later `report`/`diff`.

use serde::Serialize;

use super::{RESULTS_SCHEMA_VERSION, Report, RunInfo, Summary};
use crate::engine::{RuleMeta, RuleResult};
use crate::model::Inventory;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    run: &'a RunInfo,
    summary: &'a Summary,
    results: &'a [RuleResult],
    rules: &'a [RuleMeta],
    params: &'a std::collections::BTreeMap<String, serde_json::Value>,
    inventory: &'a Inventory,
}

pub fn render(report: &Report<'_>) -> String {
    let document = Document {
        schema_version: RESULTS_SCHEMA_VERSION,
        run: report.run,
        summary: report.summary,
        results: &report.results.results,
        rules: &report.results.rules,
        params: &report.results.params,
        inventory: report.inventory,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|error| {
        serde_json::json!({"schema_version": RESULTS_SCHEMA_VERSION, "error": error.to_string()}).to_string()
    });
    text.push('\n');
    text
}
