//! Salesforce's own Health Check beside sfaudit's score: the words every renderer shows. Live
//! scans read it (`inventory.org.health_check`); project scans have none and show nothing.

use crate::document::Report;
use crate::model::{HealthCheckRisk, SalesforceHealthCheck};

/// What the report knows about Salesforce's Health Check.
pub(crate) enum HealthCheckView<'a> {
    Read(&'a SalesforceHealthCheck),
    /// A live scan that could not read it: the reason.
    Unread(&'a str),
}

pub(crate) fn of<'a>(report: &Report<'a>) -> Option<HealthCheckView<'a>> {
    let org = &report.inventory.org;
    match (&org.health_check, org.missing.get("health_check")) {
        (Some(check), _) => Some(HealthCheckView::Read(check)),
        (None, Some(reason)) => Some(HealthCheckView::Unread(reason)),
        (None, None) => None,
    }
}

impl HealthCheckView<'_> {
    /// `62/100 (2 high-risk settings, 1 medium-risk)`, or why it is not known.
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::Read(check) => {
                let score = check.score.map_or_else(|| "no score".to_string(), |score| format!("{score}/100"));
                let high = check.high_risk.len();
                let baseline =
                    if check.baseline.is_empty() { String::new() } else { format!(", baseline {}", check.baseline) };
                format!(
                    "{score} ({high} high-risk setting{}, {} medium-risk{baseline})",
                    if high == 1 { "" } else { "s" },
                    check.medium_risk_count
                )
            }
            Self::Unread(reason) => format!("not read: {reason}"),
        }
    }

    pub(crate) fn high_risk(&self) -> &[HealthCheckRisk] {
        match self {
            Self::Read(check) => &check.high_risk,
            Self::Unread(_) => &[],
        }
    }
}
