//! The score and counts every format shows, computed once.
//!
//! Score = 100 × Σ weight(passed) / Σ weight(passed + failed + unknown), rounded down, with
//! weights critical 10, high 5, medium 3, low 1, info 0. Not-applicable results are left out;
//! unknown results count as not passed. Bands follow Salesforce Health Check wording.

use std::collections::BTreeMap;

use crate::engine::RuleResult;
use crate::model::{Severity, Status};

pub(crate) fn weight(severity: Severity) -> u64 {
    match severity {
        Severity::Critical => 10,
        Severity::High => 5,
        Severity::Medium => 3,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `None` when no weighted result could be evaluated.
    pub score: Option<u8>,
    pub band: String,
    pub total: usize,
    pub by_status: BTreeMap<Status, usize>,
    /// Failed results per severity.
    pub failed_by_severity: BTreeMap<Severity, usize>,
    /// Results per severity and status: the "counts by risk" table of every format.
    pub by_severity_and_status: BTreeMap<(Severity, Status), usize>,
    pub apps: usize,
    /// Failed results covered by a suppression (they count as failed above, but not in the gate).
    pub suppressed: usize,
}

impl Summary {
    /// `71/100`, or `—` when there was nothing to weigh.
    pub fn score_text(&self) -> String {
        self.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"))
    }

    pub(crate) fn count(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    pub(crate) fn count_of(&self, severity: Severity, status: Status) -> usize {
        self.by_severity_and_status.get(&(severity, status)).copied().unwrap_or(0)
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

pub(crate) fn summarize(results: &[RuleResult], apps: usize) -> Summary {
    let mut by_status: BTreeMap<Status, usize> = Status::ALL.into_iter().map(|status| (status, 0)).collect();
    let mut by_severity_and_status: BTreeMap<(Severity, Status), usize> = BTreeMap::new();
    let (mut earned, mut possible) = (0_u64, 0_u64);
    for result in results {
        *by_status.entry(result.status).or_default() += 1;
        *by_severity_and_status.entry((result.severity, result.status)).or_default() += 1;
        let weight = weight(result.severity);
        match result.status {
            Status::Pass => {
                earned += weight;
                possible += weight;
            }
            Status::Fail | Status::Unknown => possible += weight,
            Status::NotApplicable => {}
        }
    }
    let failed_by_severity = Severity::DESCENDING
        .into_iter()
        .map(|severity| (severity, by_severity_and_status.get(&(severity, Status::Fail)).copied().unwrap_or(0)))
        .collect();
    let score = (possible > 0).then(|| u8::try_from(earned * 100 / possible).unwrap_or(100));
    let suppressed = results.iter().filter(|result| result.suppression.is_some()).count();
    Summary {
        score,
        band: band(score).to_string(),
        total: results.len(),
        by_status,
        failed_by_severity,
        by_severity_and_status,
        apps,
        suppressed,
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
}
