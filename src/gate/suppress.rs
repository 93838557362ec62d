//! Suppressions: accepted risks. Matched failures are kept and marked, expired suppressions stop
//! applying and are reported, unused ones are reported so they do not linger.

use std::fmt;

use time::Date;

use super::glob;
use crate::engine::{ResultView, Results, Suppression};
use crate::model::{ResourceKind, Status};

/// One accepted risk: which results it covers and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SuppressionRule {
    /// Rule id or glob (`certificate-*`).
    pub rule: String,
    /// App API name glob; `*` when absent. The org record is named like the project folder.
    pub app: String,
    /// Namespace prefix glob (`acme*`), matched against the app's namespace; `None` matches any
    /// app, with or without one. `""` matches only apps without a namespace.
    pub namespace: Option<String>,
    pub kind: Option<ResourceKind>,
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub expires: Option<Date>,
    /// `file:line` of the entry.
    pub source: String,
}

/// Where a suppression stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpiryStatus {
    Active,
    ExpiresIn(i64),
    Expired,
}

impl ExpiryStatus {
    pub(crate) fn of(suppression: &SuppressionRule, today: Date) -> Self {
        match suppression.expires {
            Some(expires) if expires < today => Self::Expired,
            Some(expires) if (expires - today).whole_days() <= EXPIRY_NOTICE_DAYS => {
                Self::ExpiresIn((expires - today).whole_days())
            }
            _ => Self::Active,
        }
    }
}

impl fmt::Display for ExpiryStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Active => formatter.write_str("active"),
            Self::ExpiresIn(days) => write!(formatter, "expires in {days} days"),
            Self::Expired => formatter.write_str("expired"),
        }
    }
}

/// Suppressions expiring within this many days are announced on every run.
pub(crate) const EXPIRY_NOTICE_DAYS: i64 = 30;

/// Marks the failing results each live suppression covers; returns warnings for the report.
pub(crate) fn apply(results: &mut Results, suppressions: &[SuppressionRule], today: Date) -> Vec<String> {
    let mut warnings = Vec::new();
    for suppression in suppressions {
        let scope = describe(suppression);
        match (ExpiryStatus::of(suppression, today), suppression.expires) {
            (ExpiryStatus::Expired, Some(expires)) => {
                let covered = results.iter().filter(|result| covers(suppression, *result)).count();
                warnings.push(format!(
                    "suppression {scope} ({}) expired on {expires}; its {covered} failing result(s) count again",
                    suppression.source
                ));
                continue;
            }
            (ExpiryStatus::ExpiresIn(days_left), Some(expires)) => warnings.push(format!(
                "suppression {scope} ({}) expires on {expires}, in {days_left} day(s)",
                suppression.source
            )),
            _ => {}
        }
        let covered: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, result)| covers(suppression, *result))
            .map(|(index, _)| index)
            .collect();
        let matched = covered.len();
        let unmarked: Vec<usize> =
            covered.into_iter().filter(|&index| results.results[index].suppression.is_none()).collect();
        if !unmarked.is_empty() {
            let kept = results.add_suppression(Suppression {
                reason: suppression.reason.clone(),
                owner: suppression.owner.clone(),
                ticket: suppression.ticket.clone(),
                expires: suppression.expires,
                source: suppression.source.clone(),
            });
            for index in unmarked {
                results.results[index].suppression = Some(kept);
            }
        }
        if matched == 0 {
            warnings.push(format!(
                "suppression {scope} ({}) matches no failing result; remove it if the finding was fixed",
                suppression.source
            ));
        }
    }
    warnings
}

fn covers(suppression: &SuppressionRule, result: ResultView<'_>) -> bool {
    result.status == Status::Fail
        && glob::matches(&suppression.rule, result.rule_id())
        && glob::matches(&suppression.app, &result.resource.name)
        && suppression.kind.is_none_or(|kind| kind == result.resource.kind)
        && suppression.namespace.as_deref().is_none_or(|namespace| glob::matches(namespace, &result.resource.namespace))
}

fn describe(suppression: &SuppressionRule) -> String {
    let kind = suppression.kind.map(|kind| format!(" {}", kind.as_str())).unwrap_or_default();
    let namespace =
        suppression.namespace.as_deref().map(|namespace| format!(" in namespace {namespace}")).unwrap_or_default();
    format!("of {} for{kind} {}{namespace}", suppression.rule, suppression.app)
}

/// Suppressions whose expiry falls within `days` of `today` (already expired ones included).
pub(crate) fn expiring(suppressions: &[SuppressionRule], today: Date, days: i64) -> Vec<&SuppressionRule> {
    let mut soon: Vec<&SuppressionRule> = suppressions
        .iter()
        .filter(|suppression| suppression.expires.is_some_and(|expires| (expires - today).whole_days() <= days))
        .collect();
    soon.sort_by_key(|suppression| suppression.expires);
    soon
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ResourceRef;
    use crate::model::Severity;
    use time::macros::date;

    fn results(entries: &[(&str, &str, &str, Status)]) -> Results {
        let mut results = Results::default();
        for (rule, app, namespace, status) in entries {
            let resource = ResourceRef {
                kind: ResourceKind::ConnectedApp,
                name: (*app).into(),
                label: (*app).into(),
                namespace: (*namespace).into(),
            };
            results.push_test_result(rule, Severity::High, resource, *status);
        }
        results
    }

    fn suppressed(results: &Results) -> Vec<bool> {
        results.results.iter().map(|result| result.suppression.is_some()).collect()
    }

    fn suppression(rule: &str, app: &str, expires: Option<Date>) -> SuppressionRule {
        SuppressionRule {
            rule: rule.to_string(),
            app: app.to_string(),
            namespace: None,
            kind: None,
            reason: "accepted".to_string(),
            owner: None,
            ticket: None,
            expires,
            source: "sfaudit.toml:3".to_string(),
        }
    }

    #[test]
    fn marks_matching_failures_only() {
        let mut results = results(&[
            ("full-scope-granted", "Legacy_A", "", Status::Fail),
            ("full-scope-granted", "Other", "", Status::Fail),
            ("full-scope-granted", "Legacy_B", "", Status::Pass),
        ]);
        let warnings = apply(&mut results, &[suppression("full-*", "Legacy_*", None)], date!(2026 - 12 - 01));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(suppressed(&results), [true, false, false]);
    }

    #[test]
    fn expired_suppressions_stop_applying_and_warn() {
        let mut results = results(&[("full-scope-granted", "A", "", Status::Fail)]);
        let warnings = apply(
            &mut results,
            &[suppression("full-scope-granted", "A", Some(date!(2026 - 11 - 30)))],
            date!(2026 - 12 - 01),
        );
        assert_eq!(suppressed(&results), [false]);
        assert!(warnings[0].contains("expired on 2026-11-30"), "{warnings:?}");
    }

    #[test]
    fn expiring_and_unused_suppressions_warn() {
        let mut results = results(&[("full-scope-granted", "A", "", Status::Fail)]);
        let warnings = apply(
            &mut results,
            &[suppression("full-scope-granted", "A", Some(date!(2026 - 12 - 20))), suppression("pkce-*", "*", None)],
            date!(2026 - 12 - 01),
        );
        assert_eq!(suppressed(&results), [true]);
        assert!(warnings.iter().any(|warning| warning.contains("in 19 day(s)")), "{warnings:?}");
        assert!(warnings.iter().any(|warning| warning.contains("matches no failing result")), "{warnings:?}");
    }

    #[test]
    fn a_namespace_glob_matches_the_apps_namespace() {
        let mut results = results(&[
            ("full-scope-granted", "acme__Sync", "acme", Status::Fail),
            ("full-scope-granted", "other__Sync", "other", Status::Fail),
            ("full-scope-granted", "Local_Sync", "", Status::Fail),
        ]);
        let mut packaged = suppression("full-scope-granted", "*", None);
        packaged.namespace = Some("ac*".to_string());
        let warnings = apply(&mut results, &[packaged], date!(2026 - 12 - 01));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(suppressed(&results), [true, false, false]);
        let mut unpackaged = suppression("full-scope-granted", "*", None);
        unpackaged.namespace = Some(String::new());
        let warnings = apply(&mut results, &[unpackaged], date!(2026 - 12 - 01));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(suppressed(&results), [true, false, true]);
    }
}
