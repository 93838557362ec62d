//! The JSON spelling of a results document (schema version 1): borrowed views that serialise the
//! internal types without copying them, and owned shapes that a document is read into and checked
//! against before it becomes internal types again.

use std::collections::BTreeMap;

use serde::ser::SerializeSeq as _;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::run::{Loaded, Report, RulePackInfo, RunInfo, ToolInfo};
use super::summary::{AppScore, BandCap, summarize};
use crate::engine::{BaselineState, DeclaredConfidence, ResourceRef, Results, RuleMeta, RuleResult, Suppression};
use crate::gate::FailOn;
use crate::gate::baseline::BaselineSummary;
use crate::gate::confidence::Hidden;
use crate::gate::loosening::{Loosening, LooseningKind};
use crate::model::{Confidence, EvaluationDate, Inventory, Origin, ResourceKind, ScanSource, Severity, Status, Text};

/// Version of the JSON results document; bumped on any incompatible change.
pub(crate) const RESULTS_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub(super) struct DocumentOut<'a> {
    schema_version: u32,
    run: RunOut<'a>,
    summary: SummaryOut<'a>,
    #[serde(serialize_with = "results_out")]
    results: &'a [RuleResult],
    #[serde(serialize_with = "rules_out")]
    rules: &'a [RuleMeta],
    params: &'a BTreeMap<String, Value>,
    inventory: &'a Inventory,
}

impl<'a> DocumentOut<'a> {
    pub(super) fn new(report: &Report<'a>) -> Self {
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
                incomplete: report.inventory.problems.iter().any(|problem| problem.fatal),
                no_metadata_found: !report.inventory.holds_oauth_metadata(),
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
            results: &report.results.results,
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
    /// A file could not be read at all (not well-formed XML): the report does not cover it.
    incomplete: bool,
    /// No OAuth app and no OAuth settings metadata was found where the scan looked.
    no_metadata_found: bool,
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
            band: super::summary::CAPPED_BAND,
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

#[derive(Serialize)]
struct ResourceOut<'a> {
    kind: ResourceKind,
    name: &'a str,
    label: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    source: &'a str,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    rule_id: &'a str,
    status: Status,
    severity: Severity,
    confidence: Confidence,
    control: &'a str,
    title: &'a str,
    category: &'a str,
    resource: ResourceOut<'a>,
    location: &'a Origin,
    actual: Option<&'a str>,
    assumed: bool,
    expected: &'a str,
    reason: Option<&'a str>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

impl<'a> From<&'a RuleResult> for ResultOut<'a> {
    fn from(result: &'a RuleResult) -> Self {
        Self {
            rule_id: &result.rule_id,
            status: result.status,
            severity: result.severity,
            confidence: result.confidence,
            control: &result.control,
            title: &result.title,
            category: &result.category,
            resource: ResourceOut {
                kind: result.resource.kind,
                name: &result.resource.name,
                label: &result.resource.label,
                namespace: &result.resource.namespace,
            },
            location: &result.location,
            actual: result.actual.as_deref(),
            assumed: result.assumed,
            expected: &result.expected,
            reason: result.reason.as_deref(),
            fingerprint: &result.fingerprint,
            suppression: result.suppression.as_deref().map(|suppression| SuppressionOut {
                reason: &suppression.reason,
                owner: suppression.owner.as_deref(),
                ticket: suppression.ticket.as_deref(),
                expires: suppression.expires.map(|date| date.to_string()),
                source: &suppression.source,
            }),
            baseline: result.baseline.map(BaselineState::as_str),
        }
    }
}

fn results_out<S: Serializer>(results: &&[RuleResult], serializer: S) -> Result<S::Ok, S::Error> {
    let mut sequence = serializer.serialize_seq(Some(results.len()))?;
    for result in *results {
        sequence.serialize_element(&ResultOut::from(result))?;
    }
    sequence.end()
}

/// A rule as the document spells it; `S` is `&str` when written and `String` when read.
#[derive(Serialize, Deserialize)]
struct RuleShape<S: Ord> {
    id: S,
    control: S,
    title: S,
    severity: Severity,
    /// `high`, `medium`, `low` or `computed`; documents written before rules had one are `high`.
    #[serde(default)]
    confidence: Option<S>,
    cvss: S,
    category: S,
    applies_to: Vec<ResourceKind>,
    expected: S,
    overview: S,
    risk: S,
    threat_scenarios: S,
    higher_risk_when: S,
    lower_risk_when: S,
    business_considerations: S,
    remediation: S,
    references: Vec<S>,
    mappings: BTreeMap<S, Vec<S>>,
    source: S,
}

fn rules_out<S: Serializer>(rules: &&[RuleMeta], serializer: S) -> Result<S::Ok, S::Error> {
    let mut sequence = serializer.serialize_seq(Some(rules.len()))?;
    for rule in *rules {
        sequence.serialize_element(&RuleShape {
            id: rule.id.as_str(),
            control: &rule.control,
            title: &rule.title,
            severity: rule.severity,
            confidence: Some(rule.confidence.as_str()),
            cvss: &rule.cvss,
            category: &rule.category,
            applies_to: rule.applies_to.clone(),
            expected: &rule.expected,
            overview: &rule.overview,
            risk: &rule.risk,
            threat_scenarios: &rule.threat_scenarios,
            higher_risk_when: &rule.higher_risk_when,
            lower_risk_when: &rule.lower_risk_when,
            business_considerations: &rule.business_considerations,
            remediation: &rule.remediation,
            references: rule.references.iter().map(String::as_str).collect(),
            mappings: rule
                .mappings
                .iter()
                .map(|(name, ids)| (name.as_str(), ids.iter().map(String::as_str).collect()))
                .collect(),
            source: &rule.source,
        })?;
    }
    sequence.end()
}

impl RuleShape<String> {
    fn into_rule_meta(self) -> Result<RuleMeta, String> {
        // Destructured so that a new field is a compile error here, not a silent omission.
        let RuleShape {
            id,
            control,
            title,
            severity,
            confidence,
            cvss,
            category,
            applies_to,
            expected,
            overview,
            risk,
            threat_scenarios,
            higher_risk_when,
            lower_risk_when,
            business_considerations,
            remediation,
            references,
            mappings,
            source,
        } = self;
        let confidence = match confidence.as_deref() {
            None => DeclaredConfidence::Fixed(Confidence::High),
            Some(text) => DeclaredConfidence::parse(text)
                .ok_or_else(|| format!("rules[{id}].confidence '{text}' is not one of high, medium, low, computed"))?,
        };
        Ok(RuleMeta {
            id,
            control,
            title,
            severity,
            confidence,
            cvss,
            category,
            applies_to,
            expected,
            overview,
            risk,
            threat_scenarios,
            higher_risk_when,
            lower_risk_when,
            business_considerations,
            remediation,
            references,
            mappings: mappings.into_iter().collect(),
            source,
        })
    }
}

#[derive(Deserialize)]
pub(super) struct DocumentIn {
    run: RunIn,
    summary: SummaryIn,
    results: Vec<ResultIn>,
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

#[derive(Deserialize)]
struct ResourceIn {
    kind: ResourceKind,
    name: Text,
    label: Text,
    #[serde(default = "no_namespace")]
    namespace: Text,
}

fn no_namespace() -> Text {
    "".into()
}

#[derive(Deserialize)]
struct SuppressionIn {
    reason: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    source: String,
}

#[derive(Deserialize)]
struct ResultIn {
    rule_id: Text,
    status: Status,
    severity: Severity,
    #[serde(default = "certain")]
    confidence: Confidence,
    control: Text,
    title: Text,
    category: Text,
    resource: ResourceIn,
    location: Origin,
    actual: Option<String>,
    #[serde(default)]
    assumed: bool,
    expected: Text,
    reason: Option<Text>,
    fingerprint: String,
    #[serde(default)]
    suppression: Option<SuppressionIn>,
    #[serde(default)]
    baseline: Option<String>,
}

/// Documents written before results carried a confidence held only high-confidence results.
fn certain() -> Confidence {
    Confidence::High
}

impl ResultIn {
    fn into_result(self, index: usize) -> Result<RuleResult, String> {
        let place = || format!("results[{index}]");
        let suppression = match self.suppression {
            None => None,
            Some(suppression) => {
                let expires = match suppression.expires {
                    None => None,
                    Some(text) => Some(
                        time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]"))
                            .map_err(|_| format!("{}.suppression.expires '{text}' is not a date", place()))?,
                    ),
                };
                Some(Box::new(Suppression {
                    reason: suppression.reason,
                    owner: suppression.owner,
                    ticket: suppression.ticket,
                    expires,
                    source: suppression.source,
                }))
            }
        };
        let baseline = match self.baseline.as_deref() {
            None => None,
            Some("new") => Some(BaselineState::New),
            Some("unchanged") => Some(BaselineState::Unchanged),
            Some(other) => return Err(format!("{}.baseline '{other}' is not new or unchanged", place())),
        };
        Ok(RuleResult {
            rule_id: self.rule_id,
            status: self.status,
            severity: self.severity,
            confidence: self.confidence,
            control: self.control,
            title: self.title,
            category: self.category,
            resource: ResourceRef {
                kind: self.resource.kind,
                name: self.resource.name,
                label: self.resource.label,
                namespace: self.resource.namespace,
            },
            location: self.location,
            actual: self.actual,
            assumed: self.assumed,
            expected: self.expected,
            reason: self.reason,
            fingerprint: self.fingerprint,
            suppression,
            baseline,
            order: (0, 0),
        })
    }
}

impl DocumentIn {
    pub(super) fn into_loaded(self) -> Result<Loaded, String> {
        let run = self.run;
        let evaluated_at = EvaluationDate::parse_timestamp(&run.evaluated_at)
            .map_err(|_| format!("run.evaluated_at '{}' is not an RFC 3339 time", run.evaluated_at))?;
        let fail_on: FailOn = run.fail_on.parse().map_err(|message| format!("run.fail_on: {message}"))?;
        let results = self
            .results
            .into_iter()
            .enumerate()
            .map(|(index, result)| result.into_result(index))
            .collect::<Result<Vec<_>, _>>()?;
        // The counts are recomputed from the results; the score and app count are kept as written,
        // so a re-rendered report says what the run said.
        let mut summary = summarize(&results, self.summary.apps);
        summary.set_score(self.summary.score);
        Ok(Loaded {
            run: RunInfo {
                tool: ToolInfo { name: run.tool.name, version: run.tool.version },
                rule_pack: RulePackInfo { version: run.rule_pack.version, rules: run.rule_pack.rules },
                source: run.source,
                evaluated_at,
                warnings: run.warnings,
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
            results: Results {
                results,
                rules: self.rules.into_iter().map(RuleShape::into_rule_meta).collect::<Result<_, _>>()?,
                params: self.params,
            },
            inventory: self.inventory,
        })
    }
}
