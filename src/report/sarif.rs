//! SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, Azure DevOps, VS Code).
//!
//! One run; one rule descriptor per rule in the pack, with the write-up as help. Only results a
//! reviewer has to act on are emitted: `fail` (kind `fail`, level by severity) and `unknown`
//! (kind `review`, level `none`, with the reason). `pass` and `not_applicable` outcomes are left
//! out on purpose: dashboards treat every result as an alert, and the JSON format keeps them all.
//!
//! Each result carries its confidence (`properties.confidence`) and a `rank` from it (high 90,
//! medium 60, low 30: SARIF's 0–100 priority, so viewers that sort by rank show surer findings
//! first), and whether "your value" is an assumed default (`properties.assumed_default`).
//! What is not a result goes to the invocation: every run notice (an incomplete report, nothing
//! found, hidden results, a loosened policy) and every input problem is a
//! `toolExecutionNotification` (input problems with their file and line), and
//! `executionSuccessful` is false when the report is incomplete or found nothing. The run's
//! `properties` list the policy loosenings, the band cap and each app's score.
//!
//! Output is deterministic: keys keep insertion order, results keep the engine's order
//! (rule id, resource kind, name), and nothing depends on the clock or the machine.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value, json};

use crate::document::Report;
use crate::engine::{ResultView, RuleMeta, Suppression};
use crate::escape::markdown;
use crate::escape::terminal as printable;
use crate::escape::uri_reference;
use crate::model::{Confidence, Severity, Status};
use crate::report::labels::{is_web_url, your_value};
use crate::report::tables::{self, Level};

/// The schema the document declares; the id of the OASIS 2.1.0 schema with its errata.
const SCHEMA_URI: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of the stable per-(rule, resource) fingerprint in `partialFingerprints`.
pub(crate) const FINGERPRINT_KEY: &str = "sfauditFingerprint/v1";

/// SARIF `level` for a failing result of this severity.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a number in a string, 0.0–10.0): it maps
/// ≥ 9.0 to Critical, 7.0–8.9 High, 4.0–6.9 Medium, 0.1–3.9 Low.
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

pub(crate) fn render(report: &Report<'_>) -> String {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail, and only UTF-8 is written.
    let _ = write(report, &mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// Stands for the results in the document's skeleton. Once printed, `"results": "…"` can only be
/// this member: a quote inside any string value is printed escaped.
const RESULTS_MARK: &str = "\"results\": \"sfaudit:results\"";

/// The results' indentation in the pretty-printed document (`runs[0].results[i]`).
const RESULT_INDENT: &str = "        ";

/// Writes the document as [`render`] returns it: the skeleton is printed around a mark, and the
/// results, a large scan's bulk, are printed and written one at a time in its place, so that no
/// JSON value of them all, nor their text, is ever held whole. The bytes are serde_json's pretty
/// printing of the whole document (a test holds them equal).
pub(crate) fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut skeleton = document(report, json!("sfaudit:results"));
    crate::escape::json_strings_visible(&mut skeleton);
    let text = serde_json::to_string_pretty(&skeleton).map_err(std::io::Error::other)?;
    let Some((head, tail)) = text.split_once(RESULTS_MARK) else {
        return Err(std::io::Error::other("the SARIF skeleton lost its results mark"));
    };
    out.write_all(head.as_bytes())?;
    out.write_all(b"\"results\": [")?;
    let mut written = 0;
    // pass and not_applicable are not findings; see the module documentation.
    for result in report.results.iter().filter(|result| matches!(result.status, Status::Fail | Status::Unknown)) {
        let mut value = sarif_result(result);
        crate::escape::json_strings_visible(&mut value);
        let printed = serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?;
        out.write_all(if written == 0 { b"\n" } else { b",\n" })?;
        for (index, line) in printed.lines().enumerate() {
            if index > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(RESULT_INDENT.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
        written += 1;
    }
    if written > 0 {
        // The closing bracket sits one level (two spaces) out from the results.
        out.write_all(b"\n")?;
        out.write_all(&RESULT_INDENT.as_bytes()[2..])?;
    }
    out.write_all(b"]")?;
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The whole document, with `results` in its place.
fn document(report: &Report<'_>, results: Value) -> Value {
    let rules = &report.results.rules;
    let run = report.run;
    let mut driver = Map::new();
    driver.insert("name".into(), json!(run.tool.name));
    driver.insert("version".into(), json!(run.tool.version));
    if is_semantic_version(&run.tool.version) {
        driver.insert("semanticVersion".into(), json!(run.tool.version));
    }
    driver.insert("rules".into(), Value::Array(rules.iter().map(rule_descriptor).collect()));

    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "automationDetails": { "id": format!("sfaudit/{}/", run.source.location.trim_end_matches('/')) },
            "invocations": [invocation(report)],
            "results": results,
            "properties": {
                "score": report.summary.score,
                "band": report.summary.band,
                "band_cap": report.summary.band_cap.map(|cap| cap.describe()),
                "app_scores": report.summary.app_scores.iter().map(|app| json!({
                    "kind": app.kind,
                    "name": app.name,
                    "score": app.score,
                    "band": app.band,
                })).collect::<Vec<_>>(),
                "hidden": run.hidden.map(|hidden| json!({ "below": hidden.below, "count": hidden.count })),
                "policy_loosenings": run.loosenings.iter().map(|loosening| json!({
                    "kind": loosening.kind.as_str(),
                    "subject": loosening.subject,
                    "detail": loosening.detail,
                    "source": loosening.source,
                })).collect::<Vec<_>>(),
                "evaluated_at": run.evaluated_at.to_string(),
                "source": run.source,
                "rule_pack": { "version": run.rule_pack.version, "rules": run.rule_pack.rules },
                "fail_on": report.gate.fail_on().to_string(),
            },
        }],
    })
}

/// The run's invocation: whether it can stand on its own, and its notifications.
fn invocation(report: &Report<'_>) -> Value {
    let notices = tables::notices(report);
    let successful = !notices.iter().any(|notice| notice.level == Level::Error);
    let mut notifications: Vec<Value> = notices
        .iter()
        .map(|notice| {
            json!({
                "level": notice.level.as_str(),
                "message": { "text": notice.text },
                "descriptor": { "id": notice.id },
            })
        })
        .collect();
    for problem in &report.inventory.problems {
        let mut region = Map::new();
        if let Some(line) = problem.line.filter(|line| *line >= 1) {
            region.insert("startLine".into(), json!(line));
        }
        let mut physical = Map::new();
        physical.insert(
            "artifactLocation".into(),
            json!({ "uri": uri_reference(&problem.path), "uriBaseId": "%SRCROOT%" }),
        );
        if !region.is_empty() {
            physical.insert("region".into(), Value::Object(region));
        }
        notifications.push(json!({
            "level": if problem.fatal { "error" } else { "warning" },
            "message": { "text": format!("{} {}", problem.message, problem.hint) },
            "descriptor": { "id": "input_problem" },
            "locations": [{ "physicalLocation": Value::Object(physical) }],
        }));
    }
    json!({ "executionSuccessful": successful, "toolExecutionNotifications": notifications })
}

/// SARIF `rank` (0–100) for a result of this confidence.
pub(crate) fn rank(confidence: Confidence) -> f64 {
    match confidence {
        Confidence::High => 90.0,
        Confidence::Medium => 60.0,
        Confidence::Low => 30.0,
    }
}

fn rule_descriptor(rule: &RuleMeta) -> Value {
    let mut descriptor = Map::new();
    descriptor.insert("id".into(), json!(rule.id));
    descriptor.insert("name".into(), json!(rule.control));
    descriptor.insert("shortDescription".into(), json!({ "text": rule.title.trim() }));
    descriptor.insert("fullDescription".into(), json!({ "text": rule.overview.trim() }));
    descriptor.insert("help".into(), json!({ "text": help_text(rule), "markdown": help_markdown(rule) }));
    // `helpUri` must be an absolute URI; a reference that is plain text is only in `help`.
    if let Some(uri) = rule.references.iter().map(|reference| reference.trim()).find(|reference| is_web_url(reference))
    {
        descriptor.insert("helpUri".into(), json!(uri));
    }
    descriptor.insert("defaultConfiguration".into(), json!({ "level": level(rule.severity) }));
    descriptor.insert(
        "properties".into(),
        json!({
            "security-severity": security_severity(rule.severity),
            "tags": ["security", rule.category],
            "severity": rule.severity,
            "cvss": rule.cvss,
            "control": rule.control,
        }),
    );
    Value::Object(descriptor)
}

/// The write-up as plain text, in the order reviewers read it.
fn help_text(rule: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = write!(out, "{}\n\n", rule.overview.trim());
    for (heading, body) in write_up_sections(rule) {
        let _ = write!(out, "{heading}:\n{body}\n\n");
    }
    let _ = write!(out, "Recommended value: {}\nCVSS range: {}", rule.expected.trim(), rule.cvss.trim());
    if !rule.references.is_empty() {
        out.push_str("\n\nReferences:");
        for reference in &rule.references {
            let _ = write!(out, "\n- {}", reference.trim());
        }
    }
    out
}

/// The same write-up as Markdown (GitHub shows it on the alert page). A rule pack's text is
/// escaped as the Markdown report escapes it: its prose keeps paragraphs, lists and code spans,
/// and nothing else in it can make a link, an image, a mention or HTML.
fn help_markdown(rule: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "**{}** ({} severity, CVSS {}; control: {})\n\n{}\n\n",
        markdown::inline(rule.title.trim()),
        rule.severity,
        markdown::inline(rule.cvss.trim()),
        markdown::inline(rule.control.trim()),
        markdown::prose(rule.overview.trim())
    );
    for (heading, body) in write_up_sections(rule) {
        let _ = write!(out, "### {heading}\n\n{}\n\n", markdown::prose(body));
    }
    let expected = rule.expected.trim();
    if expected.contains(['`', '\n', '\r']) || expected.chars().any(crate::escape::is_hidden) {
        let _ = write!(out, "**Recommended value:** {}", markdown::inline(expected));
    } else {
        let _ = write!(out, "**Recommended value:** `{expected}`");
    }
    if !rule.references.is_empty() {
        out.push_str("\n\n### References\n");
        for reference in &rule.references {
            let reference = reference.trim();
            if is_web_url(reference) {
                let _ = write!(out, "\n- <{reference}>");
            } else {
                let _ = write!(out, "\n- {}", markdown::inline(reference));
            }
        }
    }
    out
}

fn write_up_sections(rule: &RuleMeta) -> Vec<(&'static str, &str)> {
    [
        ("Risk", rule.risk.as_str()),
        ("Threat scenarios", rule.threat_scenarios.as_str()),
        ("Higher risk when", rule.higher_risk_when.as_str()),
        ("Lower risk when", rule.lower_risk_when.as_str()),
        ("Business considerations", rule.business_considerations.as_str()),
        ("Remediation", rule.remediation.as_str()),
    ]
    .into_iter()
    .map(|(heading, body)| (heading, body.trim()))
    .filter(|(_, body)| !body.is_empty())
    .collect()
}

fn sarif_result(result: ResultView<'_>) -> Value {
    let resource = &result.resource;
    let app = format!("{} ({})", printable(&resource.name), resource.kind.metadata_type());
    let (kind, level, message) = match result.status {
        Status::Unknown => (
            // SARIF §3.27.10: a result whose kind is not `fail` has level `none`.
            "review",
            "none",
            format!(
                "{}: {app}: could not be evaluated: {}. Recommended value: {}.",
                result.rule.title.trim(),
                printable(result.reason().unwrap_or("data unavailable")),
                result.rule.expected.trim()
            ),
        ),
        _ => (
            "fail",
            level(result.severity),
            format!(
                "{}: {app}: your value is {}, the recommended value is {}.",
                result.rule.title.trim(),
                printable(&your_value(result, "unknown")),
                result.rule.expected.trim()
            ),
        ),
    };

    let mut location = Map::new();
    if let Some(path) = &result.location.path {
        let mut physical = Map::new();
        physical.insert("artifactLocation".into(), json!({ "uri": uri_reference(path), "uriBaseId": "%SRCROOT%" }));
        if let Some(line) = result.location.line.filter(|line| *line >= 1) {
            physical.insert("region".into(), json!({ "startLine": line }));
        }
        location.insert("physicalLocation".into(), Value::Object(physical));
    }
    location.insert(
        "logicalLocations".into(),
        json!([{
            "name": resource.name,
            "fullyQualifiedName": format!("{}/{}", resource.kind.metadata_type(), resource.name),
            "kind": "resource",
        }]),
    );

    let mut out = Map::new();
    out.insert("ruleId".into(), json!(result.rule_id()));
    // The driver's rules are the results' rule table, in its order.
    out.insert("ruleIndex".into(), json!(result.stored().rule));
    out.insert("kind".into(), json!(kind));
    out.insert("level".into(), json!(level));
    out.insert("rank".into(), json!(rank(result.confidence)));
    out.insert("message".into(), json!({ "text": message }));
    out.insert("locations".into(), json!([Value::Object(location)]));
    out.insert("partialFingerprints".into(), json!({ FINGERPRINT_KEY: result.fingerprint() }));
    if let Some(suppression) = result.suppression() {
        out.insert("suppressions".into(), json!([sarif_suppression(suppression)]));
    }
    let mut properties = Map::new();
    properties.insert("status".into(), json!(result.status));
    properties.insert("severity".into(), json!(result.severity));
    properties.insert("category".into(), json!(result.rule.category));
    properties.insert("control".into(), json!(result.rule.control));
    properties.insert(
        "resource".into(),
        json!({ "kind": resource.kind, "name": resource.name, "label": resource.label, "namespace": resource.namespace }),
    );
    properties.insert("confidence".into(), json!(result.confidence));
    properties.insert("actual".into(), json!(result.actual()));
    properties.insert("assumed_default".into(), json!(result.assumed));
    properties.insert("expected".into(), json!(result.rule.expected));
    if let Some(reason) = result.reason() {
        properties.insert("reason".into(), json!(reason));
    }
    out.insert("properties".into(), Value::Object(properties));
    Value::Object(out)
}

/// A suppression from the project's configuration, not from the scanned files: kind `external`.
fn sarif_suppression(suppression: &Suppression) -> Value {
    let mut properties = Map::new();
    properties.insert("source".into(), json!(suppression.source));
    for (key, value) in [("owner", &suppression.owner), ("ticket", &suppression.ticket)] {
        if let Some(value) = value {
            properties.insert(key.into(), json!(value));
        }
    }
    if let Some(expires) = suppression.expires {
        properties.insert("expires".into(), json!(expires.to_string()));
    }
    json!({
        "kind": "external",
        "status": "accepted",
        "justification": suppression.reason,
        "properties": properties,
    })
}

fn is_semantic_version(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document printed whole, as the streamed text must read.
    fn printed_whole(report: &Report<'_>) -> String {
        let results = report
            .results
            .iter()
            .filter(|result| matches!(result.status, Status::Fail | Status::Unknown))
            .map(sarif_result)
            .collect();
        let mut whole = document(report, Value::Array(results));
        crate::escape::json_strings_visible(&mut whole);
        serde_json::to_string_pretty(&whole).expect("a value prints") + "\n"
    }

    #[test]
    fn the_streamed_document_is_the_whole_document_printed_with_results_and_without() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-reports/demo.json");
        let mut loaded = crate::document::parse("demo.json", &std::fs::read_to_string(path).expect("the demo sample"))
            .expect("the demo sample reads");
        for emptied in [false, true] {
            if emptied {
                loaded.results.results.clear();
            }
            let gate =
                crate::gate::decide(&loaded.results.results, crate::gate::Policy::threshold(loaded.fail_on), false);
            let report = loaded.report(&gate);
            let streamed = render(&report);
            assert_eq!(streamed.contains("\"ruleId\""), !emptied);
            assert!(streamed == printed_whole(&report), "streamed SARIF differs (results emptied: {emptied})");
        }
    }

    #[test]
    fn levels_and_security_severities_follow_the_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Low), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(security_severity(Severity::High), "8.0");
        assert!(is_semantic_version("0.1.0"));
        assert!(is_semantic_version("1.2.3-rc.1"));
        assert!(!is_semantic_version("0.1"));
    }
}
