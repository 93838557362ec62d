//! OCSF for a SIEM: one Compliance Finding event (OCSF 1.3.0, class_uid 2003, category Findings)
//! per failing or unknown result, as JSON lines.
//!
//! Each event names the org (`metadata.tenant_uid` and a `resources[]` entry of type
//! `Salesforce Org`), the app (`resources[0]`), the rule (`compliance.control`, and
//! `finding_info.uid` = the result's stable fingerprint, so a SIEM can follow a finding across
//! runs) and the remediation (`remediation.desc` and `references`). The framework mappings of a
//! rule become `compliance.standards` and `compliance.requirements`. Values OCSF has no attribute
//! for (your value, the recommended value, the file and line) are under `unmapped`, as the
//! schema intends. Keys with no value are left out rather than written as `null`. As in SARIF,
//! hidden characters in any string are written as visible `\u{…}` escapes: a SIEM decodes the
//! JSON and shows the strings.
//! Schema: https://schema.ocsf.io/1.3.0/classes/compliance_finding
//!
//! A run a reader must not take at face value (a file not read, nothing found, input problems, a
//! loosened policy, results hidden by `--min-confidence`) adds one more Compliance Finding first,
//! for the scan itself (`compliance.control` = `sfaudit-run`): its notices are the message, and
//! the input problems and loosenings are under `unmapped.tables`. A SIEM fed only this format
//! still sees that the scan was incomplete.

use serde_json::{Map, Value, json};

use super::labels::your_value;
use super::tables::{self, Level};
use crate::document::Report;
use crate::document::notices::Notice;
use crate::engine::ResultView;
use crate::model::{Confidence, ResourceKind, Severity, Status};

/// The OCSF version the events follow.
pub(crate) const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u64 = 2003;
const CATEGORY_UID: u64 = 2;
/// Activity "Create": the finding is reported by this run.
const ACTIVITY_CREATE: u64 = 1;

fn severity(severity: Severity) -> (u64, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn confidence(confidence: Confidence) -> (u64, &'static str) {
    match confidence {
        Confidence::Low => (1, "Low"),
        Confidence::Medium => (2, "Medium"),
        Confidence::High => (3, "High"),
    }
}

fn resource_type(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ConnectedApp => "Salesforce Connected App",
        ResourceKind::ExternalClientApp => "Salesforce External Client App",
        ResourceKind::Org => "Salesforce Org",
    }
}

/// Inserts `value` unless it is empty text or an empty list.
fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    };
    if !empty {
        map.insert(key.to_string(), value);
    }
}

fn object(pairs: &[(&str, Value)]) -> Value {
    let mut map = Map::new();
    for (key, value) in pairs {
        put(&mut map, key, value.clone());
    }
    Value::Object(map)
}

struct Context {
    time: i64,
    product: Value,
    org_id: Option<String>,
    org_resource: Value,
    rule_pack: String,
}

fn event(context: &Context, result: ResultView<'_>) -> Value {
    let rule = result.rule;
    // Without a remediation (a rule known only from a version 1 result has no write-up), point at
    // `rules explain`.
    let remediation = if rule.remediation.trim().is_empty() {
        format!("Set it to: {}. See `sfaudit rules explain {}`.", rule.expected, result.rule_id())
    } else {
        rule.remediation.to_string()
    };
    let (severity_id, severity_name) = severity(result.severity);
    let (confidence_id, confidence_name) = confidence(result.confidence);
    let (status_id, status_name) = if result.suppression.is_some() { (3, "Suppressed") } else { (1, "New") };
    let (compliance_status_id, compliance_status) =
        if result.status == Status::Fail { (3, "Fail") } else { (0, "Unknown") };
    let mut standards = vec![format!("sfaudit rule pack {}", context.rule_pack)];
    let mut requirements = vec![result.rule.control.to_string()];
    for (framework, ids) in &result.rule.mappings {
        if !ids.is_empty() {
            standards.push(framework.clone());
            requirements.extend(ids.iter().map(|id| format!("{framework}: {id}")));
        }
    }
    let your_value = your_value(result, "unknown");
    let mut resources = Vec::new();
    if result.resource.kind != ResourceKind::Org {
        resources.push(object(&[
            ("uid", json!(format!("{}/{}", result.resource.kind.metadata_type(), result.resource.name))),
            ("name", json!(&*result.resource.name)),
            ("type", json!(resource_type(result.resource.kind))),
            (
                "labels",
                json!(if result.resource.label.is_empty() {
                    Vec::new()
                } else {
                    vec![result.resource.label.to_string()]
                }),
            ),
        ]));
    }
    resources.push(context.org_resource.clone());
    let mut event = header(context, result.fingerprint().as_str(), (severity_id, severity_name));
    for (key, value) in [
        ("confidence_id", json!(confidence_id)),
        ("confidence", json!(confidence_name)),
        ("status_id", json!(status_id)),
        ("status", json!(status_name)),
        (
            "message",
            json!(format!(
                "{}: {} — your value {your_value}; recommended {}",
                result.rule.title, result.resource.name, result.rule.expected
            )),
        ),
        (
            "finding_info",
            object(&[
                ("uid", json!(result.fingerprint())),
                ("title", json!(&*result.rule.title)),
                ("desc", json!(&*rule.overview)),
                ("types", json!([&*result.rule.category])),
                ("created_time", json!(context.time)),
                ("src_url", json!(rule.references.first().cloned().unwrap_or_default())),
            ]),
        ),
        (
            "compliance",
            object(&[
                ("standards", json!(standards)),
                ("control", json!(result.rule_id())),
                ("requirements", json!(requirements)),
                ("status", json!(compliance_status)),
                ("status_id", json!(compliance_status_id)),
                ("status_detail", json!(result.reason().unwrap_or_default())),
            ]),
        ),
        ("resources", Value::Array(resources)),
        ("remediation", object(&[("desc", json!(remediation)), ("references", json!(rule.references))])),
        (
            "unmapped",
            object(&[
                ("rule_id", json!(result.rule_id())),
                ("actual", json!(result.actual().map(|_| your_value.clone()))),
                ("expected", json!(&*result.rule.expected)),
                ("reason", json!(result.reason())),
                ("file", json!(result.location.path.as_deref())),
                ("line", json!(result.location.line)),
                ("suppression_reason", json!(result.suppression().map(|suppression| suppression.reason.clone()))),
            ]),
        ),
    ] {
        put(&mut event, key, value);
    }
    Value::Object(event)
}

/// What every event of a run shares: the class, the time, the severity and the metadata, whose
/// `uid` is `finding_uid` in this run (unique per event).
fn header(context: &Context, finding_uid: &str, (severity_id, severity_name): (u64, &str)) -> Map<String, Value> {
    let mut metadata = Map::new();
    metadata.insert("version".into(), json!(OCSF_VERSION));
    metadata.insert("product".into(), context.product.clone());
    put(&mut metadata, "log_name", json!("sfaudit"));
    put(&mut metadata, "tenant_uid", json!(context.org_id));
    put(&mut metadata, "uid", json!(format!("{finding_uid}-{}", context.time)));
    let mut event = Map::new();
    for (key, value) in [
        ("activity_id", json!(ACTIVITY_CREATE)),
        ("activity_name", json!("Create")),
        ("category_uid", json!(CATEGORY_UID)),
        ("category_name", json!("Findings")),
        ("class_uid", json!(CLASS_UID)),
        ("class_name", json!("Compliance Finding")),
        ("type_uid", json!(CLASS_UID * 100 + ACTIVITY_CREATE)),
        ("type_name", json!("Compliance Finding: Create")),
        ("severity_id", json!(severity_id)),
        ("severity", json!(severity_name)),
        ("time", json!(context.time)),
        ("metadata", Value::Object(metadata)),
    ] {
        put(&mut event, key, value);
    }
    event
}

/// One line per failing or unknown result, in the results' order.
pub(crate) fn render(report: &Report<'_>) -> String {
    super::chunked::render(&|text, offered| records(report, text, offered))
}

/// Writes what [`render`] returns a megabyte at a time.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::chunked::write(&|text, offered| records(report, text, offered), out)
}

/// Appends one event a line to `out`, offering it to `offered` after each finding, which may
/// write and empty it.
pub(super) fn records(report: &Report<'_>, out: &mut String, offered: &mut dyn FnMut(&mut String)) {
    let org = &report.inventory.org;
    let org_id = org
        .identity
        .as_ref()
        .map(|identity| identity.id.clone())
        .or_else(|| report.run.source.collection.as_ref().map(|collection| collection.org_id.clone()))
        .filter(|id| !id.is_empty());
    let org_name = org.identity.as_ref().map_or_else(|| org.name.clone(), |identity| identity.name.clone());
    let context = Context {
        time: i64::try_from(report.run.evaluated_at.instant().unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        product: object(&[
            ("name", json!(report.run.tool.name)),
            ("vendor_name", json!(report.run.tool.name)),
            ("version", json!(report.run.tool.version)),
        ]),
        org_resource: object(&[
            ("uid", json!(org_id.clone().unwrap_or_else(|| report.run.source.location.clone()))),
            ("name", json!(org_name)),
            ("type", json!(resource_type(ResourceKind::Org))),
        ]),
        org_id,
        rule_pack: report.run.rule_pack.version.clone(),
    };
    if let Some(mut event) = run_event(&context, report) {
        crate::escape::json_strings_visible(&mut event);
        out.push_str(&event.to_string());
        out.push('\n');
    }
    for result in report.results.iter() {
        if matches!(result.status, Status::Fail | Status::Unknown) {
            let mut event = event(&context, result);
            crate::escape::json_strings_visible(&mut event);
            out.push_str(&event.to_string());
            out.push('\n');
            offered(out);
        }
    }
}

/// The scan itself as a finding, when its notices or tables say the results are not the whole
/// story; `None` for a run a reader can take at face value.
fn run_event(context: &Context, report: &Report<'_>) -> Option<Value> {
    let notices = tables::notices(report);
    let run_tables = tables::run_tables(report);
    let worst = notices.iter().map(|notice| notice.level).min_by_key(|level| level_rank(*level))?;
    let (severity_id, severity_name, compliance_status_id, compliance_status) = match worst {
        Level::Error => (4, "High", 3, "Fail"),
        Level::Warning => (3, "Medium", 2, "Warning"),
        Level::Note => (1, "Informational", 2, "Warning"),
    };
    let text: Vec<&str> = notices.iter().map(|notice| notice.text.as_str()).collect();
    let uid = format!("sfaudit-run/{}", report.run.source.location);
    let mut event = header(context, &uid, (severity_id, severity_name));
    for (key, value) in [
        ("status_id", json!(1)),
        ("status", json!("New")),
        ("message", json!(text.join(" "))),
        (
            "finding_info",
            object(&[
                ("uid", json!(uid)),
                ("title", json!("sfaudit scan: what the results do not cover")),
                ("types", json!(["scan"])),
                ("created_time", json!(context.time)),
            ]),
        ),
        (
            "compliance",
            object(&[
                ("standards", json!([format!("sfaudit rule pack {}", context.rule_pack)])),
                ("control", json!("sfaudit-run")),
                ("status", json!(compliance_status)),
                ("status_id", json!(compliance_status_id)),
                ("status_detail", json!(text.join(" "))),
            ]),
        ),
        ("resources", json!([context.org_resource.clone()])),
        (
            "unmapped",
            object(&[
                ("notices", Value::Array(notices.iter().map(notice_json).collect())),
                (
                    "tables",
                    Value::Array(
                        run_tables
                            .iter()
                            .map(|table| {
                                json!({"id": table.id, "title": table.title, "header": table.header, "rows": table.rows})
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
    ] {
        put(&mut event, key, value);
    }
    Some(Value::Object(event))
}

fn level_rank(level: Level) -> u8 {
    match level {
        Level::Error => 0,
        Level::Warning => 1,
        Level::Note => 2,
    }
}

fn notice_json(notice: &Notice) -> Value {
    json!({"level": notice.level.as_str(), "id": notice.id, "text": notice.text})
}
