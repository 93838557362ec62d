//! The Markdown report (src/report/markdown.rs): the demo sample, one collapsed write-up per
//! failing rule, and org-supplied strings rendered as text.

use std::collections::BTreeSet;

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, sfaudit, stdout};
use crate::report::{hostile_project, scan_hostile};

#[test]
fn demo_markdown_matches_the_committed_sample() {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "markdown"]);
    assert_eq!(code(&output), 1, "the demo has high and critical failures, so the default gate fails");
    assert_matches_sample("demo.md", &stdout(&output));
}

/// The cells of a table row, split on pipes that are not backslash-escaped.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut backslashes = 0;
    for character in row.chars() {
        if character == '|' && backslashes % 2 == 0 {
            cells.push(String::new());
        } else if let Some(cell) = cells.last_mut() {
            cell.push(character);
        }
        backslashes = if character == '\\' { backslashes + 1 } else { 0 };
    }
    cells
}

/// Every table row has as many cells as its header row.
fn assert_tables_are_rectangular(markdown: &str) {
    let mut width = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            width = None;
            continue;
        }
        let count = cells(line).len();
        match width {
            None => width = Some(count),
            Some(expected) => assert_eq!(count, expected, "a row with extra or missing cells: {line}"),
        }
    }
}

#[test]
fn markdown_has_the_summary_tables_and_one_details_block_per_failing_rule() {
    // The whole demo no longer fits a comment even shortened: its write-ups are left out.
    let whole = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "markdown", "--fail-on", "none"]));
    assert!(whole.chars().count() <= 65_536, "{} characters", whole.chars().count());
    assert!(whole.contains("write-ups are left out to fit a GitHub comment"), "{whole}");
    assert_eq!(whole.matches("<details>").count(), 0);
    // Without the sessions and scopes-and-flows controls it fits once shortened to the remediation.
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("sfaudit.toml");
    std::fs::write(&config, "ignore = [\"sessions\", \"scopes-and-flows\"]\n").expect("config");
    let config = config.display().to_string();
    let markdown = stdout(&sfaudit(&[
        "scan",
        DEMO,
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "markdown",
        "--fail-on",
        "none",
        "--config",
        &config,
    ]));
    let first = markdown.lines().next().expect("a title line");
    assert!(
        first.starts_with("## sfaudit report: project examples/demo-org") && first.contains("2026-12-01"),
        "{first}"
    );
    assert!(markdown.contains("**Score: "), "{markdown}");
    assert!(
        markdown.contains("| Status | Risk | Confidence | Control | App | Your value | Recommended value | Rule |")
    );
    assert_tables_are_rectangular(&markdown);
    assert!(markdown.contains("### Not evaluated: data unavailable"), "{markdown}");

    let output =
        sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "json", "--fail-on", "none", "--config", &config]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let failing: BTreeSet<&str> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["status"] == "fail")
        .filter_map(|result| result["rule_id"].as_str())
        .collect();
    assert_eq!(markdown.matches("<details>").count(), failing.len());
    assert_eq!(markdown.matches("</details>").count(), failing.len());
    for rule in &failing {
        let summary = format!("<code>{rule}</code>");
        assert_eq!(markdown.matches(&summary).count(), 1, "one details block for {rule}");
    }
    assert!(markdown.chars().count() <= 65_536, "{} characters", markdown.chars().count());
    assert!(markdown.contains("Write-ups are shortened to the remediation"), "{markdown}");
    let block = markdown
        .split("<details>")
        .find(|block| block.contains("<code>certificate-sha1-signature</code>"))
        .expect("block");
    for part in ["**CVSS range:**", "**Remediation**"] {
        assert!(block.contains(part), "{part} missing from {block}");
    }
    assert!(!block.contains("**Threat scenarios**"), "{block}");
    assert!(block.contains("Analytics_Export"), "{block}");
    // A blank line after the summary, so GitHub renders the Markdown inside the block.
    assert!(block.contains("</summary>\n\n"), "{block}");
    assert!(markdown.contains("### Not evaluated: data unavailable"), "{markdown}");
}

#[test]
fn a_report_that_fits_a_comment_carries_the_full_write_ups() {
    let devops = crate::common::realworld_root().join("N-P-N-P__SFDX-SFDX").display().to_string();
    let markdown =
        stdout(&sfaudit(&["scan", &devops, "--as-of", "2026-11-23", "--format", "markdown", "--fail-on", "none"]));
    assert!(!markdown.contains("shortened"), "{markdown}");
    let block =
        markdown.split("<details>").find(|block| block.contains("<code>certificate-expired</code>")).expect("block");
    for part in
        ["**Overview**", "**Risk**", "**Threat scenarios**", "**CVSS range:**", "**Remediation**", "**References**"]
    {
        assert!(block.contains(part), "{part} missing from {block}");
    }
}

#[test]
fn hostile_names_and_labels_render_as_text() {
    let project = hostile_project();
    let markdown = scan_hostile(project.path(), "markdown");
    assert_tables_are_rectangular(&markdown);
    assert!(!markdown.contains("<img"), "raw HTML from a label reached the report");
    assert!(markdown.contains("&lt;img src=x onerror=alert(1)&gt;"), "{markdown}");
    assert!(markdown.contains("Evil\\|\\`tick\\`&lt;img"), "{markdown}");
    assert!(markdown.contains("\\[x\\](javascript:alert(1))"), "a link written in a label stays text");
    assert!(markdown.contains("\\*bold\\* \\_em\\_"), "{markdown}");
    assert!(markdown.contains("\\~\\~s\\~\\~ \\$m\\$ &amp;amp;"), "{markdown}");
    assert!(markdown.contains("line1<br>line2<br>line3"), "line breaks in a label become <br>");
    assert!(!markdown.lines().any(|line| line.starts_with("line2") || line.starts_with("line3")));
    assert!(markdown.contains("\\# Heading"), "a name cannot start a heading in a list item");
    assert!(!markdown.contains("http://evil"), "an org-supplied URL is not a clickable link");
    assert!(markdown.contains("http&#58;//evil.example.com/"), "{markdown}");
    // The only HTML is the report's own.
    let allowed = ["details>", "/details>", "summary>", "/summary>", "strong>", "/strong>", "code>", "/code>", "br>"];
    for (index, _) in markdown.match_indices('<') {
        let rest = &markdown[index + 1..];
        assert!(
            allowed.iter().any(|tag| rest.starts_with(tag)) || rest.starts_with("https://"),
            "unexpected markup: {}",
            rest.chars().take(40).collect::<String>()
        );
    }
}
