//! Drift between two runs as data: the two sides, findings compared, apps added and removed, and
//! each setting that changed with its judgement.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::engine::{ResultView, Results};
use crate::model::{Inventory, ResourceKind, Severity, Status};

use super::judge::{Direction, judge};

/// One side of a comparison: a JSON result (findings and inventory) or a snapshot (inventory).
#[derive(Debug, Clone)]
pub struct Side {
    pub path: String,
    pub inventory: Inventory,
    pub results: Option<Results>,
}

impl Side {
    pub(crate) fn load(path: &Path) -> Result<Self, Diagnostic> {
        let shown = path.display().to_string();
        let text = crate::input::read_text(path, crate::limits::MAX_SAVED_RESULT_BYTES)
            .map_err(|error| Diagnostic::new(&shown, None, error.to_string()).with_hint("check the path"))?;
        Self::parse(&shown, &text)
    }

    /// A saved result or a snapshot from its text; `shown` names it in problems.
    pub fn parse(shown: &str, text: &str) -> Result<Self, Diagnostic> {
        crate::input::check_json_depth(text.as_bytes(), crate::limits::MAX_JSON_DEPTH).map_err(|line| {
            Diagnostic::new(
                shown,
                Some(line),
                format!("nests more than {} levels deep (sfaudit's limit)", crate::limits::MAX_JSON_DEPTH),
            )
        })?;
        let names = crate::json_member::member_names(text.as_bytes()).map_err(|error| {
            Diagnostic::new(shown, u32::try_from(error.line()).ok(), format!("not valid JSON: {error}"))
                .with_hint("pass a file written by `sfaudit collect` or `sfaudit scan --format json`")
        })?;
        // A results document is read as one or refused: reading a damaged one (or one of another
        // schema version) as a bare snapshot would drop its findings and report no regression.
        // It has the members only a results document has.
        if ["run", "results", "summary", "rules"].iter().any(|name| names.contains(*name)) {
            let loaded = crate::document::parse(shown, text)?;
            return Ok(Self { path: shown.to_string(), inventory: loaded.inventory, results: Some(loaded.results) });
        }
        let inventory = crate::collect::snapshot::parse_snapshot(shown, text.as_bytes())?;
        Ok(Self { path: shown.to_string(), inventory, results: None })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct ResourceName {
    pub kind: ResourceKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub resource: ResourceName,
    pub title: String,
    pub actual: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SeverityChange {
    pub finding: Finding,
    pub old: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SettingChange {
    pub resource: ResourceName,
    /// Record path, as rules name it (`policy.permitted_users`).
    pub field: String,
    pub old: String,
    pub new: String,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    pub(crate) old: String,
    pub(crate) new: String,
    /// Always true: findings are compared, a snapshot's evaluated first.
    pub(crate) compared_findings: bool,
    /// When a side was a snapshot: the date both sides' settings were evaluated as of, with the
    /// built-in rules (their saved findings, if any, set aside).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) evaluated_as_of: Option<String>,
    pub(crate) new_findings: Vec<Finding>,
    pub(crate) fixed_findings: Vec<Finding>,
    pub(crate) severity_changes: Vec<SeverityChange>,
    pub(crate) apps_added: Vec<ResourceName>,
    pub(crate) apps_removed: Vec<ResourceName>,
    pub(crate) setting_changes: Vec<SettingChange>,
}

impl Drift {
    /// What a nightly job alerts on: a new finding, a raised severity, or a weaker setting.
    pub(crate) fn got_worse(&self) -> bool {
        !self.new_findings.is_empty()
            || self.severity_changes.iter().any(|change| change.finding.severity > change.old)
            || self.setting_changes.iter().any(|change| change.direction == Direction::Weaker)
    }
}

fn finding(result: ResultView<'_>) -> Finding {
    Finding {
        rule_id: result.rule_id().to_string(),
        severity: result.severity,
        resource: ResourceName { kind: result.resource.kind, name: result.resource.name.to_string() },
        title: result.rule.title.clone(),
        actual: result.actual().map(str::to_string),
    }
}

pub fn compare(old: &Side, new: &Side) -> Drift {
    let mut drift = Drift {
        old: old.path.clone(),
        new: new.path.clone(),
        compared_findings: false,
        evaluated_as_of: None,
        new_findings: Vec::new(),
        fixed_findings: Vec::new(),
        severity_changes: Vec::new(),
        apps_added: Vec::new(),
        apps_removed: Vec::new(),
        setting_changes: Vec::new(),
    };
    if let (Some(old_results), Some(new_results)) = (&old.results, &new.results) {
        drift.compared_findings = true;
        let failing = |results: &Results| -> BTreeMap<String, Finding> {
            results
                .iter()
                .filter(|result| result.status == Status::Fail)
                .map(|result| (result.fingerprint().to_string(), finding(result)))
                .collect()
        };
        let (before, after) = (failing(old_results), failing(new_results));
        for (fingerprint, finding) in &after {
            match before.get(fingerprint) {
                None => drift.new_findings.push(finding.clone()),
                Some(previous) if previous.severity != finding.severity => {
                    drift.severity_changes.push(SeverityChange { finding: finding.clone(), old: previous.severity });
                }
                Some(_) => {}
            }
        }
        drift.fixed_findings = before
            .iter()
            .filter(|(fingerprint, _)| !after.contains_key(*fingerprint))
            .map(|(_, f)| f.clone())
            .collect();
        for list in [&mut drift.new_findings, &mut drift.fixed_findings] {
            list.sort_by(|a, b| (b.severity, &a.rule_id, &a.resource).cmp(&(a.severity, &b.rule_id, &b.resource)));
        }
    }
    let (before, after) = (settings(&old.inventory), settings(&new.inventory));
    let (added, removed, changes) = compare_settings(&before, &after);
    drift.apps_added = added;
    drift.apps_removed = removed;
    drift.setting_changes = changes;
    drift
}

/// Every resource's settings, as compared between runs: the record without evidence, usage and
/// what changes by itself (days until a certificate expires). Holds no secret: secrets are never
/// in the inventory (consumer secrets in files are reported by path only).
pub(crate) fn settings(inventory: &Inventory) -> BTreeMap<ResourceName, Value> {
    let mut map: BTreeMap<ResourceName, Value> = inventory
        .apps
        .iter()
        .map(|app| (ResourceName { kind: app.kind, name: app.name.clone() }, comparable(serde_json::to_value(app))))
        .collect();
    map.insert(
        ResourceName { kind: ResourceKind::Org, name: "org".to_string() },
        comparable(serde_json::to_value(&inventory.org)),
    );
    map
}

/// Apps added, apps removed, and each setting that changed between two [`settings`] maps.
pub(crate) fn compare_settings(
    before: &BTreeMap<ResourceName, Value>,
    after: &BTreeMap<ResourceName, Value>,
) -> (Vec<ResourceName>, Vec<ResourceName>, Vec<SettingChange>) {
    let added = after.keys().filter(|name| !before.contains_key(*name)).cloned().collect();
    let removed = before.keys().filter(|name| !after.contains_key(*name)).cloned().collect();
    let mut changes = Vec::new();
    for (resource, new_record) in after {
        if let Some(old_record) = before.get(resource) {
            changes.extend(setting_changes(resource, old_record, new_record));
        }
    }
    (added, removed, changes)
}

/// The record without what always differs between runs or is not a setting.
fn comparable(value: Result<Value, serde_json::Error>) -> Value {
    let mut value = value.unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        for key in ["raw", "missing", "files", "origin", "usage", "name", "kind", "identity"] {
            map.remove(key);
        }
        if let Some(certificate) = map.get_mut("certificate").and_then(Value::as_object_mut) {
            certificate.remove("days_until_expiry");
            certificate.remove("days_until_valid");
        }
    }
    value
}

/// Fields compared as a whole (a change anywhere inside is one change).
const WHOLE: [&str; 4] =
    ["certificate", "policy.refresh_token", "policy.named_user_jwt_timeout", "policy.guest_jwt_timeout"];

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !WHOLE.contains(&prefix) => {
            for (key, child) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, child, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

fn setting_changes(resource: &ResourceName, old: &Value, new: &Value) -> Vec<SettingChange> {
    let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut before);
    flatten("", new, &mut after);
    let fields: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut changes = Vec::new();
    for field in fields {
        let (old_value, new_value) =
            (before.get(field).unwrap_or(&Value::Null), after.get(field).unwrap_or(&Value::Null));
        if old_value == new_value {
            continue;
        }
        changes.push(SettingChange {
            resource: resource.clone(),
            field: field.clone(),
            old: show(field, old_value),
            new: show(field, new_value),
            direction: judge(field, old_value, new_value),
        });
    }
    changes
}

fn show(field: &str, value: &Value) -> String {
    match (field, value) {
        (_, Value::Null) => "none".to_string(),
        ("certificate", Value::Object(certificate)) => format!(
            "{} (not after {}, {}-bit {}, SHA-256 {}…)",
            certificate.get("subject").and_then(Value::as_str).unwrap_or("?"),
            certificate.get("not_after").and_then(Value::as_str).unwrap_or("?"),
            certificate.get("key_bits").and_then(Value::as_i64).unwrap_or(0),
            certificate.get("key_algorithm").and_then(Value::as_str).unwrap_or("?"),
            certificate
                .get("sha256_fingerprint")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .take(11)
                .collect::<String>()
        ),
        ("policy.refresh_token", Value::Object(token)) => {
            let policy = token.get("policy").and_then(Value::as_str).unwrap_or("?");
            match (token.get("period").and_then(Value::as_i64), token.get("unit").and_then(Value::as_str)) {
                (Some(period), Some(unit)) => format!("{policy} {period} {unit}"),
                _ => policy.to_string(),
            }
        }
        (_, Value::Object(timeout)) if timeout.contains_key("type") => {
            match timeout.get("minutes").and_then(Value::as_i64) {
                Some(minutes) => format!("custom {minutes} minutes"),
                None => timeout.get("type").and_then(Value::as_str).unwrap_or("?").to_string(),
            }
        }
        (_, Value::String(text)) => text.clone(),
        (_, Value::Array(items)) => {
            let items: Vec<String> =
                items.iter().map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_string)).collect();
            if items.is_empty() { "none".to_string() } else { items.join(", ") }
        }
        (_, other) => other.to_string(),
    }
}
