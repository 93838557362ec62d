//! The score and counts every format shows, computed once.
//!
//! Score = 100 × Σ weight(passed) / Σ weight(passed + failed + unknown), rounded down, with
//! weights critical 10, high 5, medium 3, low 1, info 0. Not-applicable results are left out;
//! unknown results count as not passed. Bands follow Salesforce Health Check wording.
//!
//! The band is capped: while any high-risk control fails (severity critical or high, the results
//! every report shows with the status "Critical"), the band is at best **Poor**, whatever the
//! score. Passing results of many minor controls must not outweigh a finding the table below the
//! headline calls Critical; SBS-based reports cap their grade the same way when critical controls
//! fail. The score itself is left as computed, and the report says the band was capped and why.
//! The same formula and cap give each app its own score.

use std::collections::BTreeMap;

use crate::engine::{Results, RuleResult};
use crate::model::{ResourceKind, Severity, Status, Text};

pub(crate) fn weight(severity: Severity) -> u64 {
    match severity {
        Severity::Critical => 10,
        Severity::High => 5,
        Severity::Medium => 3,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

/// The best band a scope with a failed high-risk control can have.
pub(crate) const CAPPED_BAND: &str = "Poor";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `None` when no weighted result could be evaluated.
    pub score: Option<u8>,
    pub band: String,
    /// Set when failed high-risk controls lowered the band the score alone would give.
    pub band_cap: Option<BandCap>,
    pub total: usize,
    pub by_status: BTreeMap<Status, usize>,
    /// Failed results per severity.
    pub failed_by_severity: BTreeMap<Severity, usize>,
    /// Results per severity and status: the "counts by risk" table of every format.
    pub by_severity_and_status: BTreeMap<(Severity, Status), usize>,
    pub apps: usize,
    /// Failed results covered by a suppression (they count as failed above, but not in the gate).
    pub suppressed: usize,
    /// Each app's own score, band and cap, in inventory order (kind, then name).
    pub app_scores: Vec<AppScore>,
}

/// Why a band was capped: the failed high-risk results, and the band the score alone gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandCap {
    pub failed_critical: usize,
    pub failed_high: usize,
    pub uncapped: &'static str,
}

impl BandCap {
    /// `capped from Good: 2 critical and 16 high-severity controls failed`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [(self.failed_critical, "critical"), (self.failed_high, "high")]
            .into_iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, severity)| format!("{count} {severity}"))
            .collect();
        let total = self.failed_critical + self.failed_high;
        let noun = if total == 1 { "control" } else { "controls" };
        format!("capped from {}: {}-severity {noun} failed", self.uncapped, parts.join(" and "))
    }
}

/// One app's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppScore {
    pub kind: ResourceKind,
    pub name: Text,
    pub score: Option<u8>,
    pub band: &'static str,
    pub band_cap: Option<BandCap>,
}

impl Summary {
    /// `71/100`, or `—` when there was nothing to weigh.
    pub fn score_text(&self) -> String {
        self.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"))
    }

    /// `Poor (capped at Poor: …)`, or the band alone.
    pub fn band_text(&self) -> String {
        band_text(&self.band, self.band_cap.as_ref())
    }

    /// The scores the run could have computed when `hidden` more results, left out of the file,
    /// were counted too: each hidden result may have passed or failed at the highest weight.
    pub(crate) fn scores_with_hidden(&self, hidden: usize) -> std::ops::RangeInclusive<u8> {
        let total = |statuses: &[Status]| -> u64 {
            self.by_severity_and_status
                .iter()
                .filter(|((_, status), _)| statuses.contains(status))
                .map(|((severity, _), count)| weight(*severity) * u64::try_from(*count).unwrap_or(u64::MAX))
                .sum()
        };
        let earned = total(&[Status::Pass]);
        let possible = total(&[Status::Pass, Status::Fail, Status::Unknown]);
        let most_hidden = weight(Severity::Critical).saturating_mul(u64::try_from(hidden).unwrap_or(u64::MAX));
        let score = |earned: u64, possible: u64| -> u8 {
            earned.saturating_mul(100).checked_div(possible).map_or(100, |score| u8::try_from(score).unwrap_or(100))
        };
        let widest = possible.saturating_add(most_hidden);
        score(earned, widest)..=score(earned.saturating_add(most_hidden), widest)
    }

    pub(crate) fn count(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    pub(crate) fn count_of(&self, severity: Severity, status: Status) -> usize {
        self.by_severity_and_status.get(&(severity, status)).copied().unwrap_or(0)
    }

    /// Sets the score (a saved document's, kept as written) and the band and cap that follow.
    pub(crate) fn set_score(&mut self, score: Option<u8>) {
        let failed = (self.count_of(Severity::Critical, Status::Fail), self.count_of(Severity::High, Status::Fail));
        let (band, band_cap) = capped_band(score, failed);
        self.score = score;
        self.band = band.to_string();
        self.band_cap = band_cap;
    }
}

impl AppScore {
    pub fn score_text(&self) -> String {
        self.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"))
    }

    pub fn band_text(&self) -> String {
        band_text(self.band, self.band_cap.as_ref())
    }
}

fn band_text(band: &str, cap: Option<&BandCap>) -> String {
    match cap {
        Some(cap) => format!("{band}, {}", cap.describe()),
        None => band.to_string(),
    }
}

pub(crate) fn band(score: Option<u8>) -> &'static str {
    match score {
        None => "No data",
        Some(90..) => "Excellent",
        Some(80..=89) => "Very Good",
        Some(70..=79) => "Good",
        Some(55..=69) => "Poor",
        Some(_) => "Very Poor",
    }
}

/// The band for `score`, at best [`CAPPED_BAND`] while high-risk controls fail (`failed` counts
/// the failed critical and high results); the cap is returned only when it lowered the band.
pub(crate) fn capped_band(score: Option<u8>, failed: (usize, usize)) -> (&'static str, Option<BandCap>) {
    let uncapped = band(score);
    let (failed_critical, failed_high) = failed;
    if failed_critical + failed_high > 0 && score.is_some_and(|score| score >= 70) {
        (CAPPED_BAND, Some(BandCap { failed_critical, failed_high, uncapped }))
    } else {
        (uncapped, None)
    }
}

/// Earned and possible weight, and the failed high-risk results, of one scope.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    results: usize,
    earned: u64,
    possible: u64,
    failed: (usize, usize),
}

impl Tally {
    fn merge(&mut self, other: Self) {
        self.results += other.results;
        self.earned += other.earned;
        self.possible += other.possible;
        self.failed.0 += other.failed.0;
        self.failed.1 += other.failed.1;
    }

    fn add(&mut self, result: &RuleResult) {
        self.results += 1;
        let weight = weight(result.severity);
        match result.status {
            Status::Pass => {
                self.earned += weight;
                self.possible += weight;
            }
            Status::Fail | Status::Unknown => self.possible += weight,
            Status::NotApplicable => {}
        }
        match (result.status, result.severity) {
            (Status::Fail, Severity::Critical) => self.failed.0 += 1,
            (Status::Fail, Severity::High) => self.failed.1 += 1,
            _ => {}
        }
    }

    fn score(&self) -> Option<u8> {
        (self.possible > 0).then(|| u8::try_from(self.earned * 100 / self.possible).unwrap_or(100))
    }
}

pub(crate) fn summarize(results: &Results, apps: usize) -> Summary {
    let mut by_status: BTreeMap<Status, usize> = Status::ALL.into_iter().map(|status| (status, 0)).collect();
    let mut by_severity_and_status: BTreeMap<(Severity, Status), usize> = BTreeMap::new();
    let mut whole = Tally::default();
    // Tallied by resource index: looking apps up by name for each of a large scan's results cost
    // more than the rest of the summary.
    let mut per_resource: Vec<Tally> = results.resources.iter().map(|_| Tally::default()).collect();
    for result in &results.results {
        *by_status.entry(result.status).or_default() += 1;
        *by_severity_and_status.entry((result.severity, result.status)).or_default() += 1;
        whole.add(result);
        if let Some(tally) = per_resource.get_mut(result.resource as usize) {
            tally.add(result);
        }
    }
    let mut per_app: BTreeMap<(ResourceKind, &Text), Tally> = BTreeMap::new();
    for (resource, tally) in results.resources.iter().zip(per_resource) {
        if resource.kind != ResourceKind::Org && tally.results > 0 {
            per_app.entry((resource.kind, &resource.name)).or_default().merge(tally);
        }
    }
    let failed_by_severity = Severity::DESCENDING
        .into_iter()
        .map(|severity| (severity, by_severity_and_status.get(&(severity, Status::Fail)).copied().unwrap_or(0)))
        .collect();
    let score = whole.score();
    let (band, band_cap) = capped_band(score, whole.failed);
    let suppressed = results.results.iter().filter(|result| result.suppression.is_some()).count();
    let app_scores = per_app
        .into_iter()
        .map(|((kind, name), tally)| {
            let score = tally.score();
            let (band, band_cap) = capped_band(score, tally.failed);
            AppScore { kind, name: name.clone(), score, band, band_cap }
        })
        .collect();
    Summary {
        score,
        band: band.to_string(),
        band_cap,
        total: results.results.len(),
        by_status,
        failed_by_severity,
        by_severity_and_status,
        apps,
        suppressed,
        app_scores,
    }
}

/// The Health-Review status word for a result.
pub(crate) fn health_status(status: Status, severity: Severity) -> &'static str {
    match (status, severity) {
        (Status::Fail, Severity::Critical | Severity::High) => "Critical",
        (Status::Fail, Severity::Medium | Severity::Low) => "Warning",
        (Status::Fail, Severity::Info) => "Informational",
        (Status::Pass, _) => "Compliant",
        (Status::Unknown, _) => "Unknown",
        (Status::NotApplicable, _) => "Not applicable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_every_score() {
        assert_eq!(band(Some(100)), "Excellent");
        assert_eq!(band(Some(90)), "Excellent");
        assert_eq!(band(Some(89)), "Very Good");
        assert_eq!(band(Some(70)), "Good");
        assert_eq!(band(Some(55)), "Poor");
        assert_eq!(band(Some(54)), "Very Poor");
        assert_eq!(band(None), "No data");
    }

    fn push(results: &mut Results, app: &str, severity: Severity, status: Status) {
        let resource = crate::engine::ResourceRef {
            kind: ResourceKind::ConnectedApp,
            name: app.into(),
            label: app.into(),
            namespace: "".into(),
        };
        results.push_test_result(&format!("{severity}-rule"), severity, resource, status);
    }

    #[test]
    fn many_apps_each_failing_one_high_risk_control_are_not_good() {
        // Each app passes eleven medium controls and fails one high one: 33 of 38 weight, 86/100.
        let mut results = Results::default();
        for app in 0..17 {
            let name = format!("App_{app:02}");
            for _ in 0..11 {
                push(&mut results, &name, Severity::Medium, Status::Pass);
            }
            push(&mut results, &name, Severity::High, Status::Fail);
        }
        let summary = summarize(&results, 17);
        assert_eq!(summary.score, Some(86));
        assert_eq!(summary.band, "Poor");
        assert_eq!(summary.band_cap, Some(BandCap { failed_critical: 0, failed_high: 17, uncapped: "Very Good" }));
        assert_eq!(summary.band_text(), "Poor, capped from Very Good: 17 high-severity controls failed");
        assert_eq!(summary.app_scores.len(), 17);
        assert!(summary.app_scores.iter().all(|app| app.score == Some(86) && app.band == "Poor"));
    }

    #[test]
    fn the_cap_only_lowers_a_band_and_only_for_high_risk_failures() {
        let cap = |failed_critical, failed_high, uncapped| Some(BandCap { failed_critical, failed_high, uncapped });
        assert_eq!(capped_band(Some(95), (1, 0)), ("Poor", cap(1, 0, "Excellent")));
        assert_eq!(capped_band(Some(70), (0, 2)), ("Poor", cap(0, 2, "Good")));
        assert_eq!(capped_band(Some(60), (1, 3)), ("Poor", None));
        assert_eq!(capped_band(Some(40), (0, 1)), ("Very Poor", None));
        assert_eq!(capped_band(Some(95), (0, 0)), ("Excellent", None));
        assert_eq!(capped_band(None, (2, 0)), ("No data", None));
        let mut mixed = Results::default();
        push(&mut mixed, "A", Severity::Low, Status::Fail);
        push(&mut mixed, "A", Severity::Critical, Status::Pass);
        let summary = summarize(&mixed, 1);
        assert_eq!((summary.score, summary.band.as_str(), summary.band_cap), (Some(90), "Excellent", None));
        let describe =
            |failed_critical, failed_high| BandCap { failed_critical, failed_high, uncapped: "Good" }.describe();
        assert_eq!(describe(1, 1), "capped from Good: 1 critical and 1 high-severity controls failed");
        assert_eq!(describe(0, 1), "capped from Good: 1 high-severity control failed");
    }
}
