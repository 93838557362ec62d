//! One scan as the history database keeps it: the run and its summary, the failing and unknown
//! results keyed by fingerprint, and each resource's settings (for drift). Built from the report
//! every renderer sees, so what is stored is what was reported.

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::document::Report;
use crate::model::{ResourceKind, Severity, Status};

/// Which org or project a run belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The org id of a live scan (or of a snapshot of one), else the scanned folder's absolute
    /// path or the snapshot's source: runs with the same key form one history.
    pub key: String,
    /// The config profile the run used (`--profile`, `--orgs`), for `history --org NAME`.
    pub profile: Option<String>,
}

impl Target {
    /// The key for a report: the org id when the run knows one, else `location` (the caller
    /// passes the scanned folder's absolute path, which only it can resolve).
    pub fn of(report: &Report<'_>, location: String, profile: Option<String>) -> Self {
        let org_id = org_id(report);
        Self { key: org_id.unwrap_or(location), profile }
    }
}

fn org_id(report: &Report<'_>) -> Option<String> {
    let org = &report.inventory.org;
    org.identity
        .as_ref()
        .map(|identity| identity.id.clone())
        .or_else(|| report.inventory.source.collection.as_ref().map(|collection| collection.org_id.clone()))
        .filter(|id| !id.is_empty())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResultRow {
    pub fingerprint: String,
    pub rule_id: String,
    pub kind: ResourceKind,
    pub name: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub actual: Option<String>,
    pub suppressed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SettingsRow {
    pub kind: ResourceKind,
    pub name: String,
    pub body: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub(crate) target: Target,
    pub(crate) org_name: String,
    pub(crate) org_id: Option<String>,
    pub(crate) source_kind: &'static str,
    pub(crate) source_location: String,
    pub(crate) evaluated_at: OffsetDateTime,
    pub(crate) tool_version: String,
    pub(crate) rule_pack_version: String,
    pub(crate) score: Option<u8>,
    pub(crate) band: String,
    pub(crate) total: usize,
    pub(crate) by_status: [usize; 4],
    /// Failed results per severity, critical first.
    pub(crate) failed_by_severity: [usize; 5],
    pub(crate) apps: usize,
    pub(crate) suppressed: usize,
    pub(crate) gate_failed: bool,
    pub(crate) incomplete: bool,
    pub(crate) results: Vec<ResultRow>,
    pub(crate) settings: Vec<SettingsRow>,
}

impl RunRecord {
    pub fn new(report: &Report<'_>, target: Target) -> Self {
        let org = &report.inventory.org;
        let summary = report.summary;
        let results = report
            .results
            .iter()
            .filter(|result| matches!(result.status, Status::Fail | Status::Unknown))
            .map(|result| ResultRow {
                fingerprint: result.fingerprint().to_string(),
                rule_id: result.rule_id().to_string(),
                kind: result.resource.kind,
                name: result.resource.name.to_string(),
                title: result.rule.title.to_string(),
                status: result.status,
                severity: result.severity,
                actual: result.actual().map(str::to_string),
                suppressed: result.suppression.is_some(),
            })
            .collect();
        let settings = crate::diff::settings(report.inventory)
            .into_iter()
            .map(|(resource, value)| {
                let body = value.to_string();
                let hash = format!("{:x}", Sha256::digest(body.as_bytes()));
                SettingsRow { kind: resource.kind, name: resource.name, body, hash }
            })
            .collect();
        Self {
            org_name: org.identity.as_ref().map_or_else(|| org.name.clone(), |identity| identity.name.clone()),
            org_id: org_id(report),
            target,
            source_kind: report.run.source.kind.as_str(),
            source_location: report.run.source.location.clone(),
            evaluated_at: report.run.evaluated_at.instant(),
            tool_version: report.run.tool.version.clone(),
            rule_pack_version: report.run.rule_pack.version.clone(),
            score: summary.score,
            band: summary.band.clone(),
            total: summary.total,
            by_status: Status::ALL.map(|status| summary.count(status)),
            failed_by_severity: Severity::DESCENDING
                .map(|severity| summary.failed_by_severity.get(&severity).copied().unwrap_or(0)),
            apps: summary.apps,
            suppressed: summary.suppressed,
            gate_failed: report.gate.failed(),
            incomplete: report.inventory.is_incomplete(),
            results,
            settings,
        }
    }
}
