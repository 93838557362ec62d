//! What the history says, computed from the store: the trend a report draws, and the timeline
//! `sfaudit history` prints (score over time, new and fixed findings per run, open findings
//! with their first-seen date and age).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::record::ResultRow;
use super::store::{HistoryError, Store, StoredRun};
use crate::document::{ChangedFinding, ChangedSetting, SincePrevious, Trend, TrendPoint};
use crate::model::Status;

/// At most this many runs are drawn in a report's trend chart (the most recent ones).
pub const TREND_POINTS: usize = 60;

/// Which runs `sfaudit history` shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A profile name, org name, org id or target key.
    pub org: Option<String>,
    /// Only runs evaluated at or after this instant (new and fixed still compare with the run
    /// before, even when that one is older).
    pub since: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryView {
    pub targets: Vec<TargetHistory>,
}

/// One org or project over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHistory {
    pub target: String,
    pub org_name: String,
    pub org_id: Option<String>,
    pub profiles: Vec<String>,
    /// Runs shown (after `--since`), oldest first.
    pub runs: Vec<RunChange>,
    /// Failing results of the latest run, oldest first.
    pub open: Vec<OpenFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunChange {
    pub id: i64,
    pub evaluated_at: OffsetDateTime,
    pub score: Option<u8>,
    pub band: String,
    pub failed: usize,
    pub unknown: usize,
    pub gate_failed: bool,
    pub incomplete: bool,
    /// `None` for the first run of the target (nothing to compare with).
    pub new: Option<Vec<ChangedFinding>>,
    pub fixed: Option<Vec<ChangedFinding>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub finding: ChangedFinding,
    pub actual: Option<String>,
    pub suppressed: bool,
    /// The first recorded run in which it failed.
    pub first_seen: OffsetDateTime,
    /// Whole days from `first_seen` to the latest run.
    pub age_days: i64,
}

fn changed(result: &ResultRow) -> ChangedFinding {
    ChangedFinding {
        rule_id: result.rule_id.clone(),
        severity: result.severity,
        kind: result.kind,
        name: result.name.clone(),
        title: result.title.clone(),
    }
}

fn failing(results: &BTreeMap<String, ResultRow>) -> BTreeMap<&str, &ResultRow> {
    results
        .iter()
        .filter(|(_, result)| result.status == Status::Fail)
        .map(|(fingerprint, result)| (fingerprint.as_str(), result))
        .collect()
}

/// Findings failing in `after` and not in `before`, worst first.
fn difference(after: &BTreeMap<&str, &ResultRow>, before: &BTreeMap<&str, &ResultRow>) -> Vec<ChangedFinding> {
    let mut list: Vec<ChangedFinding> = after
        .iter()
        .filter(|(fingerprint, _)| !before.contains_key(*fingerprint))
        .map(|(_, result)| changed(result))
        .collect();
    sort_findings(&mut list);
    list
}

fn sort_findings(list: &mut [ChangedFinding]) {
    list.sort_by(|a, b| (b.severity, &a.rule_id, a.kind, &a.name).cmp(&(a.severity, &b.rule_id, b.kind, &b.name)));
}

/// The trend of the run `run_id`: every earlier run of its target and what changed since the
/// one before it.
pub fn trend(store: &Store, run_id: i64) -> Result<Trend, HistoryError> {
    let runs = store.runs()?;
    let Some(current) = runs.iter().find(|run| run.id == run_id) else {
        return Ok(Trend { points: Vec::new(), since_previous: None });
    };
    let mut own: Vec<&StoredRun> = runs.iter().filter(|run| run.target == current.target).collect();
    let position = own.iter().position(|run| run.id == run_id).unwrap_or(0);
    own.truncate(position + 1);
    let window = own.len().saturating_sub(TREND_POINTS);
    let mut previous = match window.checked_sub(1) {
        Some(before) => Some(store.results(own[before].id)?),
        None => None,
    };
    let mut points = Vec::new();
    for run in &own[window..] {
        let results = store.results(run.id)?;
        let now = failing(&results);
        let (new, fixed) = match &previous {
            Some(before) => {
                let before = failing(before);
                (difference(&now, &before).len(), difference(&before, &now).len())
            }
            None => (now.len(), 0),
        };
        points.push(TrendPoint {
            evaluated_at: run.evaluated_at,
            score: run.score,
            band: run.band.clone(),
            failed: run.failed,
            new,
            fixed,
        });
        previous = Some(results);
    }
    let since_previous = match position.checked_sub(1).map(|index| own[index]) {
        Some(previous) => Some(since(store, previous, current)?),
        None => None,
    };
    Ok(Trend { points, since_previous })
}

fn since(store: &Store, previous: &StoredRun, current: &StoredRun) -> Result<SincePrevious, HistoryError> {
    let (before_results, after_results) = (store.results(previous.id)?, store.results(current.id)?);
    let (before, after) = (failing(&before_results), failing(&after_results));
    let (added, removed, changes) =
        crate::diff::compare_settings(&store.settings(previous.id)?, &store.settings(current.id)?);
    Ok(SincePrevious {
        previous_at: previous.evaluated_at,
        previous_score: previous.score,
        new_findings: difference(&after, &before),
        fixed_findings: difference(&before, &after),
        apps_added: added.into_iter().map(|resource| (resource.kind, resource.name)).collect(),
        apps_removed: removed.into_iter().map(|resource| (resource.kind, resource.name)).collect(),
        setting_changes: changes
            .into_iter()
            .map(|change| ChangedSetting {
                kind: change.resource.kind,
                name: change.resource.name,
                field: change.field,
                old: change.old,
                new: change.new,
                direction: change.direction.as_str(),
                weaker: change.direction == crate::diff::Direction::Weaker,
            })
            .collect(),
    })
}

fn matches(run: &StoredRun, wanted: &str) -> bool {
    [Some(&run.target), Some(&run.org_name), run.org_id.as_ref(), run.profile.as_ref()]
        .into_iter()
        .flatten()
        .any(|name| name.eq_ignore_ascii_case(wanted))
}

/// Every target's runs (filtered), with new and fixed findings per run and the open findings.
pub fn timeline(store: &Store, filter: &Filter) -> Result<HistoryView, HistoryError> {
    let runs = store.runs()?;
    let mut by_target: BTreeMap<&str, Vec<&StoredRun>> = BTreeMap::new();
    for run in &runs {
        by_target.entry(run.target.as_str()).or_default().push(run);
    }
    by_target.retain(|_, runs| filter.org.as_deref().is_none_or(|wanted| runs.iter().any(|run| matches(run, wanted))));
    let mut targets = Vec::new();
    for (target, runs) in by_target {
        let Some(latest) = runs.last() else { continue };
        let mut first_seen: BTreeMap<String, OffsetDateTime> = BTreeMap::new();
        let mut shown = Vec::new();
        let mut previous: Option<BTreeMap<String, ResultRow>> = None;
        let mut latest_results = BTreeMap::new();
        for run in &runs {
            let results = store.results(run.id)?;
            for (fingerprint, result) in &results {
                if result.status == Status::Fail {
                    first_seen.entry(fingerprint.clone()).or_insert(run.evaluated_at);
                }
            }
            let now = failing(&results);
            let (new, fixed) = match &previous {
                Some(before) => {
                    let before = failing(before);
                    (Some(difference(&now, &before)), Some(difference(&before, &now)))
                }
                None => (None, None),
            };
            if filter.since.is_none_or(|since| run.evaluated_at >= since) {
                shown.push(RunChange {
                    id: run.id,
                    evaluated_at: run.evaluated_at,
                    score: run.score,
                    band: run.band.clone(),
                    failed: run.failed,
                    unknown: run.unknown,
                    gate_failed: run.gate_failed,
                    incomplete: run.incomplete,
                    new,
                    fixed,
                });
            }
            if run.id == latest.id {
                latest_results.clone_from(&results);
            }
            previous = Some(results);
        }
        let mut open: Vec<OpenFinding> = latest_results
            .iter()
            .filter(|(_, result)| result.status == Status::Fail)
            .map(|(fingerprint, result)| {
                let seen = first_seen.get(fingerprint).copied().unwrap_or(latest.evaluated_at);
                OpenFinding {
                    finding: changed(result),
                    actual: result.actual.clone(),
                    suppressed: result.suppressed,
                    first_seen: seen,
                    age_days: (latest.evaluated_at - seen).whole_days(),
                }
            })
            .collect();
        open.sort_by(|a, b| {
            (a.first_seen, b.finding.severity, &a.finding.rule_id, &a.finding.name).cmp(&(
                b.first_seen,
                a.finding.severity,
                &b.finding.rule_id,
                &b.finding.name,
            ))
        });
        let mut profiles: Vec<String> = runs.iter().filter_map(|run| run.profile.clone()).collect();
        profiles.sort();
        profiles.dedup();
        targets.push(TargetHistory {
            target: target.to_string(),
            org_name: latest.org_name.clone(),
            org_id: latest.org_id.clone(),
            profiles,
            runs: shown,
            open,
        });
    }
    Ok(HistoryView { targets })
}
