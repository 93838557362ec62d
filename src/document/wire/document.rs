//! The document as a whole: its run and summary shapes, written from a [`Report`] (version 2) and
//! read back into a [`Loaded`] (version 1 or 2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lookup::Tables;
use super::result::{IntoResult, results_out};
use super::results_compact;
use super::rule::{RuleShape, rules_out};
use crate::document::notices::notices;
use crate::document::run::{Loaded, Report, RulePackInfo, RunInfo, ToolInfo};
use crate::document::summary::{AppScore, BandCap, CAPPED_BAND, summarize};
use crate::engine::{Results, RuleMeta};
use crate::gate::FailOn;
use crate::gate::baseline::BaselineSummary;
use crate::gate::confidence::Hidden;
use crate::gate::incomplete::found_nothing;
use crate::gate::loosening::{Loosening, LooseningKind};
use crate::model::{Confidence, EvaluationDate, Inventory, ResourceKind, ScanSource, Severity, Status};

/// Version of the JSON results document written; bumped on any incompatible change.
pub(crate) const RESULTS_SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
pub(in crate::document) struct DocumentOut<'a> {
    schema_version: u32,
    run: RunOut<'a>,
    summary: SummaryOut<'a>,
    #[serde(serialize_with = "results_out")]
    results: &'a Results,
    #[serde(serialize_with = "rules_out")]
    rules: &'a [RuleMeta],
    params: &'a BTreeMap<String, Value>,
    inventory: &'a Inventory,
}

/// `key` (the JSON text before a value) and `value` in compact JSON.
fn field<T: Serialize>(out: &mut dyn std::io::Write, key: &str, value: &T) -> std::io::Result<()> {
    out.write_all(key.as_bytes())?;
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)
}

/// The inventory as serde spells it (the same bytes), with its apps written on every core.
fn write_inventory(inventory: &Inventory, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Destructured so that a new field is a compile error here, not a field left out.
    let Inventory { schema_version, source, apps, org, problems, coverage } = inventory;
    field(out, "{\"schema_version\":", schema_version)?;
    field(out, ",\"source\":", source)?;
    out.write_all(b",\"apps\":")?;
    let render = |index: usize, buffer: &mut Vec<u8>| {
        // Serialising plain data into a Vec cannot fail.
        let _ = serde_json::to_writer(buffer, &apps[index]);
    };
    results_compact::write_array(apps.len(), APPS_PER_CHUNK, &render, out)?;
    field(out, ",\"org\":", org)?;
    if !problems.is_empty() {
        field(out, ",\"problems\":", problems)?;
    }
    field(out, ",\"coverage\":", coverage)?;
    out.write_all(b"}")
}

/// Apps per chunk when the inventory is written on every core: about 170 KB of JSON at 5 KB an
/// app. Chunks of 256 apps kept 15 MB in flight (peak memory) at 10,000 apps.
const APPS_PER_CHUNK: usize = 32;

/// `rules[]` as the document spells it, for writing on its own.
struct RulesOut<'a>(&'a [RuleMeta]);

impl Serialize for RulesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        rules_out(&self.0, serializer)
    }
}

impl<'a> DocumentOut<'a> {
    /// The compact spelling: the same bytes as serde's, field by field in the order of the
    /// struct, with the results written on every core ([`results_compact`]).
    pub(in crate::document) fn write_compact(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        field(out, "{\"schema_version\":", &self.schema_version)?;
        field(out, ",\"run\":", &self.run)?;
        field(out, ",\"summary\":", &self.summary)?;
        out.write_all(b",\"results\":")?;
        results_compact::write(self.results, out)?;
        field(out, ",\"rules\":", &RulesOut(self.rules))?;
        field(out, ",\"params\":", &self.params)?;
        out.write_all(b",\"inventory\":")?;
        write_inventory(self.inventory, out)?;
        out.write_all(b"}")
    }

    pub(in crate::document) fn new(report: &Report<'a>) -> Self {
        let run = report.run;
        let summary = report.summary;
        Self {
            schema_version: RESULTS_SCHEMA_VERSION,
            run: RunOut {
                tool: ToolShape { name: &run.tool.name, version: &run.tool.version },
                rule_pack: RulePackShape { version: &run.rule_pack.version, rules: run.rule_pack.rules },
                source: &run.source,
                evaluated_at: run.evaluated_at.to_string(),
                fail_on: report.gate.fail_on().to_string(),
                warnings: &run.warnings,
                baseline: run.baseline.as_ref().map(|baseline| BaselineShape {
                    file: baseline.file.as_str(),
                    new: baseline.new,
                    unchanged: baseline.unchanged,
                    fixed: baseline.fixed,
                }),
                hidden: run.hidden.map(|hidden| HiddenShape { below: hidden.below, count: hidden.count }),
                policy_loosenings: run
                    .loosenings
                    .iter()
                    .map(|loosening| LooseningShape {
                        kind: loosening.kind.as_str(),
                        subject: &loosening.subject,
                        detail: &loosening.detail,
                        source: &loosening.source,
                    })
                    .collect(),
                incomplete: report.inventory.is_incomplete(),
                no_metadata_found: found_nothing(report.inventory),
                notices: notices(report)
                    .into_iter()
                    .map(|notice| NoticeOut { level: notice.level.as_str(), id: notice.id, text: notice.text })
                    .collect(),
            },
            summary: SummaryOut {
                score: summary.score,
                band: &summary.band,
                band_cap: summary.band_cap.as_ref().map(BandCapOut::from),
                app_scores: summary.app_scores.iter().map(AppScoreOut::from).collect(),
                total: summary.total,
                by_status: &summary.by_status,
                failed_by_severity: &summary.failed_by_severity,
                apps: summary.apps,
                suppressed: summary.suppressed,
            },
            results: report.results,
            rules: &report.results.rules,
            params: &report.results.params,
            inventory: report.inventory,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ToolShape<S> {
    name: S,
    version: S,
}

#[derive(Serialize, Deserialize)]
struct RulePackShape<S> {
    version: S,
    rules: usize,
}

#[derive(Serialize, Deserialize)]
struct BaselineShape<S> {
    file: S,
    new: usize,
    unchanged: usize,
    fixed: usize,
}

#[derive(Serialize, Deserialize)]
struct HiddenShape {
    below: Confidence,
    count: usize,
}

#[derive(Serialize, Deserialize)]
struct LooseningShape<S> {
    kind: S,
    subject: S,
    detail: S,
    source: S,
}

#[derive(Serialize)]
struct RunOut<'a> {
    tool: ToolShape<&'a str>,
    rule_pack: RulePackShape<&'a str>,
    source: &'a ScanSource,
    evaluated_at: String,
    fail_on: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineShape<&'a str>>,
    /// `--min-confidence`: the level and how many results were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden: Option<HiddenShape>,
    policy_loosenings: Vec<LooseningShape<&'a str>>,
    /// A file could not be read at all (not well-formed XML), or org data rules need could not be
    /// collected: the report does not cover it.
    incomplete: bool,
    /// No OAuth app and no OAuth settings metadata was found where the scan looked.
    no_metadata_found: bool,
    /// What every format says before the results, as text (derived; not read back).
    notices: Vec<NoticeOut>,
}

#[derive(Serialize)]
struct NoticeOut {
    level: &'static str,
    id: &'static str,
    text: String,
}

#[derive(Serialize)]
struct BandCapOut {
    band: &'static str,
    uncapped_band: &'static str,
    failed_critical: usize,
    failed_high: usize,
}

impl From<&BandCap> for BandCapOut {
    fn from(cap: &BandCap) -> Self {
        Self {
            band: CAPPED_BAND,
            uncapped_band: cap.uncapped,
            failed_critical: cap.failed_critical,
            failed_high: cap.failed_high,
        }
    }
}

#[derive(Serialize)]
struct AppScoreOut<'a> {
    kind: ResourceKind,
    name: &'a str,
    score: Option<u8>,
    band: &'a str,
    band_cap: Option<BandCapOut>,
}

impl<'a> From<&'a AppScore> for AppScoreOut<'a> {
    fn from(app: &'a AppScore) -> Self {
        Self {
            kind: app.kind,
            name: &app.name,
            score: app.score,
            band: app.band,
            band_cap: app.band_cap.as_ref().map(BandCapOut::from),
        }
    }
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    score: Option<u8>,
    band: &'a str,
    /// Set when failed high-risk controls capped the band below what the score gives.
    band_cap: Option<BandCapOut>,
    total: usize,
    by_status: &'a BTreeMap<Status, usize>,
    failed_by_severity: &'a BTreeMap<Severity, usize>,
    apps: usize,
    suppressed: usize,
    app_scores: Vec<AppScoreOut<'a>>,
}

/// A document as read; `R` is the result shape of its schema version.
#[derive(Deserialize)]
pub(in crate::document) struct DocumentIn<R> {
    run: RunIn,
    summary: SummaryIn,
    results: Vec<R>,
    rules: Vec<RuleShape<String>>,
    #[serde(default)]
    params: BTreeMap<String, Value>,
    inventory: Inventory,
}

#[derive(Deserialize)]
struct RunIn {
    tool: ToolShape<String>,
    rule_pack: RulePackShape<String>,
    source: ScanSource,
    evaluated_at: String,
    fail_on: String,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    baseline: Option<BaselineShape<String>>,
    #[serde(default)]
    hidden: Option<HiddenShape>,
    #[serde(default)]
    policy_loosenings: Vec<LooseningShape<String>>,
}

#[derive(Deserialize)]
struct SummaryIn {
    score: Option<u8>,
    apps: usize,
}

impl<R: IntoResult> DocumentIn<R> {
    pub(in crate::document) fn into_loaded(mut self) -> Result<Loaded, String> {
        crate::xml::redact_raw_documents(&mut self.inventory);
        let run = self.run;
        let evaluated_at = EvaluationDate::parse_timestamp(&run.evaluated_at)
            .map_err(|_| format!("run.evaluated_at '{}' is not an RFC 3339 time", run.evaluated_at))?;
        let fail_on: FailOn = run.fail_on.parse().map_err(|message| format!("run.fail_on: {message}"))?;
        let rules: Vec<RuleMeta> = self.rules.into_iter().map(RuleShape::into_rule_meta).collect::<Result<_, _>>()?;
        let mut tables = Tables::new(rules, &self.inventory)?;
        let results = self
            .results
            .into_iter()
            .enumerate()
            .map(|(index, result)| result.into_result(index, &mut tables))
            .collect::<Result<Vec<_>, _>>()?;
        let results = tables.into_results(results, self.params);
        // Reports show a rule's severity from rules[] (SARIF's security-severity, say) beside each
        // result's own: a scan writes them equal, so a file where they differ was edited.
        for (index, result) in results.results.iter().enumerate() {
            let rule = &results.rules[usize::from(result.rule)];
            if rule.severity != result.severity {
                return Err(format!(
                    "results[{index}].severity is {} but rules[] gives {} the severity {}: the file was edited or is \
                     damaged",
                    result.severity.as_str(),
                    rule.id,
                    rule.severity.as_str()
                ));
            }
        }
        // The counts and score are recomputed from the results, so an edited summary cannot make a
        // report say what its results do not. Only when `--min-confidence` left results out of
        // the file is the written score kept: the run computed it from them all.
        if let Some(score) = self.summary.score.filter(|score| *score > 100) {
            return Err(format!("summary.score is {score}; a score is 0 to 100"));
        }
        let mut summary = summarize(&results, self.summary.apps);
        let mut warnings = run.warnings;
        if let Some(hidden) = &run.hidden {
            if hidden.below == Confidence::Low {
                return Err("run.hidden.below is low, and no result is less sure than low".to_string());
            }
        }
        let feasible = |score: u8, hidden: usize| summary.scores_with_hidden(hidden).contains(&score);
        let kept = match (&run.hidden, self.summary.score) {
            (Some(hidden), Some(score)) => feasible(score, hidden.count),
            (Some(_), None) => summary.score.is_none(),
            (None, _) => false,
        };
        if kept {
            summary.set_score(self.summary.score);
        } else if summary.score != self.summary.score {
            let shown = |score: Option<u8>| score.map_or_else(|| "none".to_string(), |score| score.to_string());
            warnings.push(format!(
                "the file's summary.score ({}) does not match its results, which give {}: the report shows the \
                 score the results give",
                shown(self.summary.score),
                shown(summary.score)
            ));
        }
        Ok(Loaded {
            run: RunInfo {
                tool: ToolInfo { name: run.tool.name, version: run.tool.version },
                rule_pack: RulePackInfo { version: run.rule_pack.version, rules: run.rule_pack.rules },
                source: run.source,
                evaluated_at,
                warnings,
                baseline: run.baseline.map(|baseline| BaselineSummary {
                    file: baseline.file,
                    new: baseline.new,
                    unchanged: baseline.unchanged,
                    fixed: baseline.fixed,
                }),
                hidden: run.hidden.map(|hidden| Hidden { below: hidden.below, count: hidden.count }),
                loosenings: run
                    .policy_loosenings
                    .into_iter()
                    .enumerate()
                    .map(|(index, loosening)| {
                        let kind = LooseningKind::parse(&loosening.kind).ok_or_else(|| {
                            format!("run.policy_loosenings[{index}].kind '{}' is not a known kind", loosening.kind)
                        })?;
                        Ok(Loosening {
                            kind,
                            subject: loosening.subject,
                            detail: loosening.detail,
                            source: loosening.source,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            },
            fail_on,
            summary,
            results,
            inventory: self.inventory,
        })
    }
}
