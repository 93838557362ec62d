//! What an alert says, decided from the report: which of the chosen triggers fired, and the
//! summary every payload shows. Pure data; no URL and no secret is ever part of it.

use crate::document::Report;
use crate::engine::BaselineState;
use crate::model::{Severity, Status};

use super::trigger::Trigger;

/// Findings and setting changes listed in one alert; the rest is counted.
pub const LISTED: usize = 10;

/// One finding line: severity, rule, app and the value found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertFinding {
    pub severity: Severity,
    pub rule_id: String,
    pub title: String,
    pub app: String,
    pub actual: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The triggers that fired, in the order of [`Trigger::ALL`].
    pub fired: Vec<Trigger>,
    /// The org's name, or the project folder's.
    pub target: String,
    pub org_id: Option<String>,
    /// `org https://…` or `project path/`.
    pub source: String,
    pub evaluated_at: String,
    pub score: Option<u8>,
    pub band: String,
    pub previous_score: Option<u8>,
    /// The gate's own sentence (`gate on high and above: FAILED (3 blocking)`).
    pub gate: String,
    pub gate_failed: bool,
    pub incomplete: bool,
    pub failed_by_severity: Vec<(Severity, usize)>,
    pub unknown: usize,
    /// The failing results, worst first (at most [`LISTED`]).
    pub worst: Vec<AlertFinding>,
    pub failed_total: usize,
    /// New since the previous run or the baseline (at most [`LISTED`]).
    pub new: Vec<AlertFinding>,
    pub new_total: usize,
    /// `App: field old → new`, weaker settings since the previous run (at most [`LISTED`]).
    pub weaker: Vec<String>,
    pub weaker_total: usize,
    pub tool: String,
}

impl Alert {
    /// What happened, in a few words: `gate failed`, `new findings`, …
    pub fn reason(&self) -> &'static str {
        match self.fired.first() {
            Some(Trigger::GateFailure) if self.incomplete && !self.gate_failed => "scan incomplete",
            Some(Trigger::GateFailure) => "gate failed",
            Some(Trigger::NewFindings) => "new findings",
            Some(Trigger::Drift) => "settings got weaker",
            None => "scan summary",
        }
    }

    /// `score 71/100, Good`.
    pub fn score_text(&self) -> String {
        let score = self.score.map_or_else(|| "no score".to_string(), |score| format!("score {score}/100"));
        format!("{score}, {}", self.band)
    }

    /// A one-line summary with the org or project's name: the title of the Teams card and the
    /// generic document.
    pub fn headline(&self) -> String {
        format!("sfaudit: {} for {} ({})", self.reason(), self.target, self.score_text())
    }
}

/// The alert for this run, or `None` when none of `triggers` fired. New findings come from the
/// history (since the previous run) or else the baseline; drift only from the history.
pub fn decide(report: &Report<'_>, triggers: &[Trigger]) -> Option<Alert> {
    let incomplete = report.inventory.is_incomplete();
    let since = report.trend.and_then(|trend| trend.since_previous.as_ref());
    let results = report.results;
    let finding = |result: crate::engine::ResultView<'_>| AlertFinding {
        severity: result.severity,
        rule_id: result.rule_id().to_string(),
        title: result.rule.title.to_string(),
        app: result.resource.name.to_string(),
        actual: result.actual().map(str::to_string),
    };
    let mut new: Vec<AlertFinding> = match (since, report.run.baseline.is_some()) {
        (Some(since), _) => since
            .new_findings
            .iter()
            .map(|changed| {
                let actual = results
                    .iter()
                    .find(|result| {
                        result.rule_id() == changed.rule_id
                            && result.resource.kind == changed.kind
                            && *result.resource.name == *changed.name
                    })
                    .and_then(|result| result.actual().map(str::to_string));
                AlertFinding {
                    severity: changed.severity,
                    rule_id: changed.rule_id.clone(),
                    title: changed.title.clone(),
                    app: changed.name.clone(),
                    actual,
                }
            })
            .collect(),
        (None, true) => results
            .iter()
            .filter(|result| result.status == Status::Fail && result.baseline == Some(BaselineState::New))
            .map(finding)
            .collect(),
        (None, false) => Vec::new(),
    };
    sort(&mut new);
    let weaker: Vec<String> = since
        .map(|since| {
            since
                .setting_changes
                .iter()
                .filter(|change| change.weaker)
                .map(|change| format!("{}: {} {} → {}", change.name, change.field, change.old, change.new))
                .collect()
        })
        .unwrap_or_default();
    let fired: Vec<Trigger> = Trigger::ALL
        .into_iter()
        .filter(|trigger| triggers.contains(trigger))
        .filter(|trigger| match trigger {
            Trigger::GateFailure => report.gate.failed() || incomplete,
            Trigger::NewFindings => !new.is_empty(),
            Trigger::Drift => since.is_some_and(crate::document::SincePrevious::got_worse),
        })
        .collect();
    if fired.is_empty() {
        return None;
    }
    let mut worst: Vec<AlertFinding> = results
        .iter()
        .filter(|result| result.status == Status::Fail && result.suppression.is_none())
        .map(finding)
        .collect();
    sort(&mut worst);
    let summary = report.summary;
    let org = &report.inventory.org;
    let source = &report.run.source;
    Some(Alert {
        fired,
        target: org.identity.as_ref().map_or_else(|| org.name.clone(), |identity| identity.name.clone()),
        org_id: org.identity.as_ref().map(|identity| identity.id.clone()),
        source: format!("{} {}", source.kind.as_str(), source.location),
        evaluated_at: report.run.evaluated_at.to_string(),
        score: summary.score,
        band: summary.band.clone(),
        previous_score: since.and_then(|since| since.previous_score),
        gate: report.gate.description(),
        gate_failed: report.gate.failed(),
        incomplete,
        failed_by_severity: Severity::DESCENDING
            .into_iter()
            .map(|severity| (severity, summary.failed_by_severity.get(&severity).copied().unwrap_or(0)))
            .collect(),
        unknown: summary.count(Status::Unknown),
        failed_total: worst.len(),
        worst: worst.into_iter().take(LISTED).collect(),
        new_total: new.len(),
        new: new.into_iter().take(LISTED).collect(),
        weaker_total: weaker.len(),
        weaker: weaker.into_iter().take(LISTED).collect(),
        tool: format!("{} {}", report.run.tool.name, report.run.tool.version),
    })
}

fn sort(list: &mut [AlertFinding]) {
    list.sort_by(|a, b| (b.severity, &a.rule_id, &a.app).cmp(&(a.severity, &b.rule_id, &b.app)));
}
