//! The report with the lookups every section of the page needs.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::cells::date_text;
use crate::document::Report;
use crate::engine::ResultView;
use crate::model::{ResourceKind, Status};

/// The report with the lookups every section needs.
pub(super) struct View<'r, 'a> {
    pub(super) report: &'r Report<'a>,
    /// Position of each app in the inventory, for anchors (`#app-3`).
    pub(super) app_index: BTreeMap<(ResourceKind, &'r str), usize>,
    /// For each rule, the failed (else unknown) result whose row carries the full write-up.
    pub(super) write_up_row: BTreeMap<&'r str, String>,
    pub(super) evaluated: OffsetDateTime,
}

impl<'r, 'a> View<'r, 'a> {
    pub(super) fn new(report: &'r Report<'a>) -> Self {
        let app_index = report
            .inventory
            .apps
            .iter()
            .enumerate()
            .map(|(index, app)| ((app.kind, app.name.as_str()), index))
            .collect();
        let mut write_up_row = BTreeMap::new();
        for status in [Status::Unknown, Status::Fail] {
            for result in report.results.iter().rev().filter(|result| result.status == status) {
                write_up_row.insert(result.rule_id(), result.fingerprint().to_string());
            }
        }
        let evaluated = report.run.evaluated_at.instant();
        Self { report, app_index, write_up_row, evaluated }
    }

    pub(super) fn results(&self) -> impl DoubleEndedIterator<Item = ResultView<'r>> + use<'r> {
        self.report.results.iter()
    }

    pub(super) fn org_name(&self) -> &'r str {
        let org = &self.report.inventory.org;
        org.identity.as_ref().map_or(org.name.as_str(), |identity| identity.name.as_str())
    }

    pub(super) fn evaluation_date(&self) -> String {
        date_text(self.evaluated.date())
    }

    /// The anchor of a result's resource: its row in "Apps at a glance", or the org.
    pub(super) fn anchor(&self, kind: ResourceKind, name: &str) -> String {
        match self.app_index.get(&(kind, name)) {
            Some(index) => format!("app-{index}"),
            None => "org".to_string(),
        }
    }

    /// Days left below which a certificate shows as urgent and as due soon (the rules' parameters).
    pub(super) fn expiry_thresholds(&self) -> (i64, i64) {
        let param = |name: &str, default: i64| {
            self.report.results.params.get(name).and_then(serde_json::Value::as_i64).unwrap_or(default)
        };
        (param("cert_expiry_high_days", 30), param("cert_expiry_medium_days", 90))
    }
}
