//! JUnit XML, for CI test-report views (GitLab, Jenkins, Azure DevOps, GitHub test reporters).
//!
//! One `<testsuite>` per rule category, one `<testcase>` per (rule, resource), named
//! `<rule-id> :: <app>` with the rule id as `classname`. Outcomes: `pass` → a plain test case;
//! `fail` → `<failure type="<severity>">`; `not_applicable` → `<skipped>`; `unknown` → `<error>`.
//! A suppressed `fail` is an accepted risk: it does not fail the gate, so it is not a failure
//! here either, and it is not a pass: it becomes `<skipped message="suppressed: <reason>">`.
//!
//! What is not a result is a `<testsuite name="sfaudit run">` first, so CI views show it: an
//! input problem is an `<error type="input_problem">` case naming the file; an incomplete report
//! or a scan that found nothing is an `<error>` case; each policy loosening and the results hidden
//! by `--min-confidence` are `<skipped>` cases. Each result's confidence is in its details, and
//! "your value" ends in "(default)" when Salesforce's default was assumed.
//!
//! The output validates against the Jenkins xUnit `junit-10.xsd`, which has no `skipped`
//! attribute on `<testsuites>`: the total of skipped cases is on each `<testsuite>` only.
//! Every string is escaped, and characters XML 1.0 cannot carry (or that a terminal would
//! interpret, such as ESC) are written as visible `\u{..}` escapes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::document::Report;
use crate::engine::{ResultView, Suppression};
use crate::escape::{xml_attribute as attribute, xml_text as text};
use crate::model::Status;
use crate::report::labels::{loosening_line, problem_line, your_value};
use crate::report::tables;

/// The element a test case carries, decided once so counts and output agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failure,
    Error,
    Skipped,
    Suppressed,
}

fn outcome(result: ResultView<'_>) -> Outcome {
    match (result.status, result.suppression()) {
        (Status::Pass, _) => Outcome::Passed,
        (Status::Fail, Some(_)) => Outcome::Suppressed,
        (Status::Fail, None) => Outcome::Failure,
        (Status::Unknown, _) => Outcome::Error,
        (Status::NotApplicable, _) => Outcome::Skipped,
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        self.tests += 1;
        match outcome {
            Outcome::Passed => {}
            Outcome::Failure => self.failures += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped | Outcome::Suppressed => self.skipped += 1,
        }
    }
}

/// A test case of the run suite: not a result, but something the run says about itself.
struct RunCase {
    name: String,
    outcome: Outcome,
    kind: &'static str,
    message: String,
}

fn run_cases(report: &Report<'_>) -> Vec<RunCase> {
    let mut cases = Vec::new();
    for notice in tables::notices(report) {
        let outcome = match notice.id {
            "incomplete" | "nothing_found" => Outcome::Error,
            "hidden" => Outcome::Skipped,
            _ => continue,
        };
        cases.push(RunCase { name: notice.id.replace('_', " "), outcome, kind: notice.id, message: notice.text });
    }
    for problem in &report.inventory.problems {
        cases.push(RunCase {
            name: format!("input :: {}", problem.path),
            outcome: Outcome::Error,
            kind: "input_problem",
            message: problem_line(problem),
        });
    }
    for loosening in &report.run.loosenings {
        cases.push(RunCase {
            name: format!("policy loosening :: {}", loosening.subject),
            outcome: Outcome::Skipped,
            kind: loosening.kind.as_str(),
            message: loosening_line(loosening),
        });
    }
    cases
}

pub(crate) fn render(report: &Report<'_>) -> String {
    super::chunked::render(&|text, offered| records(report, text, offered))
}

/// Writes what [`render`] returns a megabyte at a time.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::chunked::write(&|text, offered| records(report, text, offered), out)
}

/// Appends the document to `out`, offering it to `offered` after each result's test case, which
/// may write and empty it.
pub(super) fn records(report: &Report<'_>, out: &mut String, offered: &mut dyn FnMut(&mut String)) {
    let mut suites: BTreeMap<&str, Vec<ResultView<'_>>> = BTreeMap::new();
    for result in report.results.iter() {
        suites.entry(&*result.rule.category).or_default().push(result);
    }
    let run_cases = run_cases(report);
    let mut run_counts = Counts::default();
    for case in &run_cases {
        run_counts.add(case.outcome);
    }
    let mut total = run_counts;
    for result in report.results.iter() {
        total.add(outcome(result));
    }

    let run = report.run;
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"0\">",
        attribute(&run.tool.name),
        total.tests,
        total.failures,
        total.errors
    );
    let score = report.summary.score.map_or_else(|| "none".to_string(), |score| score.to_string());
    let (evaluated_at, fail_on) = (run.evaluated_at.to_string(), report.gate.fail_on().to_string());
    let band = report.summary.band_text();
    let incomplete = report.inventory.is_incomplete().to_string();
    let loosenings = report.run.loosenings.len().to_string();
    let hidden = report.run.hidden.map_or_else(|| "0".to_string(), |hidden| hidden.count.to_string());
    let properties = [
        ("sfaudit.version", run.tool.version.as_str()),
        ("sfaudit.rule_pack", run.rule_pack.version.as_str()),
        ("sfaudit.source", run.source.kind.as_str()),
        ("sfaudit.location", run.source.location.as_str()),
        ("sfaudit.evaluated_at", evaluated_at.as_str()),
        ("sfaudit.score", score.as_str()),
        ("sfaudit.band", band.as_str()),
        ("sfaudit.fail_on", fail_on.as_str()),
        ("sfaudit.incomplete", incomplete.as_str()),
        ("sfaudit.policy_loosenings", loosenings.as_str()),
        ("sfaudit.hidden_below_min_confidence", hidden.as_str()),
    ];
    let write_properties = |out: &mut String| {
        out.push_str("    <properties>\n");
        for (name, value) in properties {
            let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", attribute(value));
        }
        out.push_str("    </properties>\n");
    };
    if !run_cases.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"sfaudit run\" tests=\"{}\" failures=\"0\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
            run_counts.tests, run_counts.errors, run_counts.skipped
        );
        write_properties(out);
        for case in &run_cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"sfaudit.{}\" time=\"0\">",
                attribute(&case.name),
                case.kind
            );
            match case.outcome {
                Outcome::Error => {
                    let _ = write!(
                        out,
                        "\n      <error message=\"{}\" type=\"{}\">{}</error>\n    ",
                        attribute(&case.message),
                        case.kind,
                        text(&case.message)
                    );
                }
                _ => {
                    let _ = write!(out, "\n      <skipped message=\"{}\"/>\n    ", attribute(&case.message));
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    for (category, results) in &suites {
        let mut counts = Counts::default();
        for result in results {
            counts.add(outcome(*result));
        }
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
            attribute(category),
            counts.tests,
            counts.failures,
            counts.errors,
            counts.skipped
        );
        write_properties(out);
        for result in results {
            test_case(out, *result);
            offered(out);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
}

fn test_case(out: &mut String, result: ResultView<'_>) {
    let name = format!("{} :: {}", result.rule_id(), result.resource.name);
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
        attribute(&name),
        attribute(result.rule_id())
    );
    let actual = your_value(result, "unknown");
    let reason = result.reason().unwrap_or("");
    match outcome(result) {
        Outcome::Passed => out.push_str("/>\n"),
        Outcome::Failure => {
            let message = format!(
                "{}: your value is {actual}, the recommended value is {}",
                result.rule.title.trim(),
                result.rule.expected.trim()
            );
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                attribute(&message),
                result.severity,
                text(&details(result))
            );
        }
        Outcome::Error => {
            let _ = writeln!(
                out,
                ">\n      <error message=\"{}\" type=\"unknown\">{}</error>",
                attribute(if reason.is_empty() { "data unavailable" } else { reason }),
                text(&details(result))
            );
            if let Some(suppression) = result.suppression() {
                let _ = writeln!(out, "      <system-out>{}</system-out>", text(&suppressed_note(suppression)));
            }
            out.push_str("    </testcase>\n");
        }
        Outcome::Skipped => {
            let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", attribute(reason));
        }
        Outcome::Suppressed => {
            let reason = result.suppression().map_or("", |suppression| suppression.reason.as_str());
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\">{}</skipped>\n    </testcase>",
                attribute(&format!("suppressed: {reason}")),
                text(&format!("{}{}", result.suppression().map(suppressed_note).unwrap_or_default(), details(result)))
            );
        }
    }
}

/// What a reviewer needs to act on a failure without opening another report.
fn details(result: ResultView<'_>) -> String {
    let resource = &result.resource;
    let mut out = format!(
        "{} ({} severity, control: {})\nApp: {} ({} {})\n",
        result.rule.title.trim(),
        result.severity,
        result.rule.control.trim(),
        resource.label,
        resource.kind.metadata_type(),
        resource.name
    );
    if let Some(path) = &result.location.path {
        match result.location.line {
            Some(line) => {
                let _ = writeln!(out, "File: {path}:{line}");
            }
            None => {
                let _ = writeln!(out, "File: {path}");
            }
        }
    }
    match result.status {
        Status::Unknown => {
            let _ = writeln!(out, "Not evaluated: {}", result.reason().unwrap_or("data unavailable"));
        }
        _ => {
            let _ = writeln!(out, "Your value: {}", your_value(result, "unknown"));
        }
    }
    let _ = writeln!(out, "Confidence: {}", result.confidence);
    let _ = writeln!(out, "Recommended value: {}", result.rule.expected.trim());
    if result.rule.has_write_up() {
        let _ = writeln!(out, "Remediation: {}", result.rule.remediation.trim());
    }
    out
}

fn suppressed_note(suppression: &Suppression) -> String {
    let mut note = format!("Suppressed ({}): {}", suppression.source, suppression.reason);
    for (label, value) in [("owner", &suppression.owner), ("ticket", &suppression.ticket)] {
        if let Some(value) = value {
            let _ = write!(note, "; {label} {value}");
        }
    }
    if let Some(expires) = suppression.expires {
        let _ = write!(note, "; expires {expires}");
    }
    note.push('\n');
    note
}
