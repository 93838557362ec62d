//! The SARIF 2.1.0 report (src/report/sarif.rs), validated against the official OASIS schema.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, repo_root, scan_json, sfaudit, stderr, stdout};

fn demo_sarif() -> String {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "sarif", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("SARIF output is not valid JSON: {error}\n{text}"))
}

/// Violations of `../shared/schemas/sarif-schema-2.1.0.json` (JSON Schema draft-04), formats
/// included; the schema is self-contained, so nothing is fetched.
fn schema_errors(document: &Value) -> Vec<String> {
    let path = repo_root().join("..").join("shared").join("schemas").join("sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display())),
    )
    .expect("the SARIF schema is JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    let validator =
        jsonschema::draft4::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles");
    validator.iter_errors(document).map(|error| format!("{} at {}", error, error.instance_path())).collect()
}

fn assert_valid_sarif(document: &Value) {
    let errors = schema_errors(document);
    assert!(errors.is_empty(), "SARIF output violates the 2.1.0 schema:\n{}", errors.join("\n"));
}

fn run(document: &Value) -> &Value {
    &document["runs"][0]
}

fn results(document: &Value) -> &Vec<Value> {
    run(document)["results"].as_array().expect("results array")
}

#[test]
fn demo_sarif_matches_the_committed_sample_and_is_deterministic() {
    let render = || sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "sarif"]);
    let output = render();
    assert_eq!(code(&output), 1, "the demo fails the default gate: {}", stderr(&output));
    let first = stdout(&output);
    assert!(first == stdout(&render()), "two renderings of the demo differ");
    assert_matches_sample("demo.sarif", &first);
}

#[test]
fn demo_sarif_validates_against_the_sarif_2_1_0_schema() {
    let document = parse(&demo_sarif());
    assert_valid_sarif(&document);
    // The validator is not vacuous: a wrong level and a line 0 are caught.
    let mut broken = document.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("severe");
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    assert_eq!(schema_errors(&broken).len(), 2, "{:?}", schema_errors(&broken));
    assert_eq!(document["version"], "2.1.0");
    let run = run(&document);
    assert_eq!(run["tool"]["driver"]["name"], "sfaudit");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["automationDetails"]["id"], format!("sfaudit/{DEMO}/"));
    assert_eq!(run["properties"]["evaluated_at"], "2026-12-01T00:00:00Z");
    assert_eq!(run["properties"]["source"]["kind"], "project");
    assert!(run["properties"]["band"].is_string());
}

#[test]
fn every_rule_has_a_descriptor_with_its_write_up_and_severity() {
    let json = scan_json(DEMO, DEMO_AS_OF);
    let document = parse(&demo_sarif());
    let descriptors = run(&document)["tool"]["driver"]["rules"].as_array().expect("rules");
    let rules = json["rules"].as_array().expect("rules");
    assert_eq!(descriptors.len(), rules.len());
    for (descriptor, rule) in descriptors.iter().zip(rules) {
        assert_eq!(descriptor["id"], rule["id"]);
        assert_eq!(descriptor["name"], rule["control"]);
        assert_eq!(descriptor["shortDescription"]["text"], rule["title"].as_str().expect("title").trim());
        assert_eq!(descriptor["fullDescription"]["text"], rule["overview"].as_str().expect("overview").trim());
        let help = descriptor["help"]["text"].as_str().expect("help text");
        // The Markdown is the write-up escaped as the Markdown report escapes it: read back as
        // plain text, it says the same.
        let markdown = plain_text(descriptor["help"]["markdown"].as_str().expect("help markdown"));
        for part in ["risk", "threat_scenarios", "remediation", "cvss"] {
            let text = rule[part].as_str().expect("write-up field").trim();
            assert!(help.contains(text), "{} help lacks its {part}", rule["id"]);
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(markdown.contains(&text), "{} markdown help lacks its {part}:\n{text}\n{markdown}", rule["id"]);
        }
        let first_url = rule["references"].as_array().and_then(|references| {
            references.iter().find(|reference| reference.as_str().is_some_and(|text| text.starts_with("http")))
        });
        if let Some(first) = first_url {
            assert_eq!(&descriptor["helpUri"], first, "{}", rule["id"]);
        }
        let (level, security_severity) = match rule["severity"].as_str().expect("severity") {
            "critical" => ("error", "9.5"),
            "high" => ("error", "8.0"),
            "medium" => ("warning", "5.5"),
            "low" => ("warning", "2.0"),
            _ => ("note", "0.0"),
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level, "{}", rule["id"]);
        let properties = &descriptor["properties"];
        assert_eq!(properties["security-severity"], security_severity, "{}", rule["id"]);
        assert_eq!(properties["tags"], serde_json::json!(["security", rule["category"]]));
        assert_eq!(properties["cvss"], rule["cvss"]);
        assert_eq!(properties["control"], rule["control"]);
    }
}

#[test]
fn results_are_the_fail_and_unknown_outcomes_of_the_json_report() {
    let json = scan_json(DEMO, DEMO_AS_OF);
    let document = parse(&demo_sarif());
    let descriptors = run(&document)["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = results(&document);
    let by_status = &json["summary"]["by_status"];
    let kind_count = |kind: &str| results.iter().filter(|result| result["kind"] == kind).count() as u64;
    assert_eq!(kind_count("fail"), by_status["fail"].as_u64().expect("fail count"));
    assert_eq!(kind_count("review"), by_status["unknown"].as_u64().expect("unknown count"));
    assert_eq!(results.len() as u64, kind_count("fail") + kind_count("review"), "pass/not_applicable leaked in");
    assert!(kind_count("fail") > 0 && kind_count("review") > 0, "the demo has both kinds");

    let json_results: BTreeMap<&str, &Value> = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| (result["fingerprint"].as_str().expect("fingerprint"), result))
        .collect();
    for result in results {
        let fingerprint = result["partialFingerprints"]["sfauditFingerprint/v1"].as_str().expect("fingerprint");
        let source = json_results[fingerprint];
        assert_eq!(result["ruleId"], source["rule_id"]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(descriptors[index]["id"], result["ruleId"], "ruleIndex points at another rule");
        let message = result["message"]["text"].as_str().expect("message");
        let title = crate::common::rule_of(&json, source)["title"].as_str().expect("title");
        assert!(message.starts_with(title), "{message}");
        assert!(message.contains(source["resource"]["name"].as_str().expect("name")), "{message}");
        assert!(message.contains(source["expected"].as_str().expect("expected")), "{message}");
        if result["kind"] == "fail" {
            assert_eq!(source["status"], "fail");
            let level = match source["severity"].as_str().expect("severity") {
                "critical" | "high" => "error",
                "medium" | "low" => "warning",
                _ => "note",
            };
            assert_eq!(result["level"], level);
            if let Some(actual) = source["actual"].as_str() {
                assert!(message.contains(actual), "{message} lacks your value {actual}");
            }
        } else {
            assert_eq!(source["status"], "unknown");
            assert_eq!(result["level"], "none", "SARIF requires level none for kind review");
            assert!(message.contains(source["reason"].as_str().expect("reason")), "{message}");
        }
        let location = &result["locations"][0];
        let kind = match source["resource"]["kind"].as_str().expect("kind") {
            "connected_app" => "ConnectedApp",
            "external_client_app" => "ExternalClientApplication",
            _ => "Organization",
        };
        let logical = &location["logicalLocations"][0];
        assert_eq!(logical["name"], source["resource"]["name"]);
        assert_eq!(
            logical["fullyQualifiedName"],
            format!("{kind}/{}", source["resource"]["name"].as_str().expect("name"))
        );
        assert_eq!(logical["kind"], "resource");
        // A project scan knows the file behind every result.
        let path = source["location"]["path"].as_str().expect("a project result has a path");
        let physical = &location["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], path);
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["startLine"], source["location"]["line"]);
    }
}

#[test]
fn fingerprints_are_stable_across_runs_and_unique_per_rule_and_app() {
    let fingerprints = |document: &Value| -> Vec<(String, String, String)> {
        results(document)
            .iter()
            .map(|result| {
                (
                    result["ruleId"].as_str().expect("ruleId").to_string(),
                    result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                        .as_str()
                        .expect("name")
                        .to_string(),
                    result["partialFingerprints"]["sfauditFingerprint/v1"].as_str().expect("fingerprint").to_string(),
                )
            })
            .collect()
    };
    let first = fingerprints(&parse(&demo_sarif()));
    // A different evaluation date changes outcomes, not the identity of (rule, app).
    let later = sfaudit(&["scan", DEMO, "--as-of", "2027-06-01", "--format", "sarif", "--fail-on", "none"]);
    assert_eq!(code(&later), 0, "{}", stderr(&later));
    let second = fingerprints(&parse(&stdout(&later)));
    assert_eq!(first, fingerprints(&parse(&demo_sarif())));
    let by_key: BTreeMap<(&str, &str), &str> =
        first.iter().map(|(rule, app, fingerprint)| ((rule.as_str(), app.as_str()), fingerprint.as_str())).collect();
    for (rule, app, fingerprint) in &second {
        if let Some(earlier) = by_key.get(&(rule.as_str(), app.as_str())) {
            assert_eq!(earlier, fingerprint, "{rule} on {app} changed fingerprint between runs");
        }
    }
    let unique: BTreeSet<&str> = first.iter().map(|(_, _, fingerprint)| fingerprint.as_str()).collect();
    assert_eq!(unique.len(), first.len(), "two (rule, app) pairs share a fingerprint");
    assert_eq!(by_key.len(), first.len(), "a (rule, app) pair is reported twice");
}

#[test]
fn suppressed_results_are_kept_and_marked() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut json = scan_json(DEMO, DEMO_AS_OF);
    let results = json["results"].as_array_mut().expect("results");
    let failed = results.iter_mut().find(|result| result["status"] == "fail").expect("a failed result");
    failed["suppression"] = serde_json::json!({
        "reason": "accepted <risk> & \"known\"",
        "owner": "secops",
        "ticket": "SEC-42",
        "expires": "2027-01-31",
        "source": "sfaudit.toml:7",
    });
    let fingerprint = failed["fingerprint"].as_str().expect("fingerprint").to_string();
    let saved = folder.path().join("results.json");
    std::fs::write(&saved, serde_json::to_string(&json).expect("json")).expect("write");
    let output = sfaudit(&["report", "--from", &saved.display().to_string(), "--format", "sarif"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document = parse(&stdout(&output));
    assert_valid_sarif(&document);
    let results = crate::sarif::results(&document);
    assert_eq!(
        results.len() as u64,
        json["summary"]["by_status"]["fail"].as_u64().unwrap_or(0)
            + json["summary"]["by_status"]["unknown"].as_u64().unwrap_or(0),
        "the suppressed result was dropped"
    );
    let suppressed: Vec<&Value> = results.iter().filter(|result| result.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    let result = suppressed[0];
    assert_eq!(result["partialFingerprints"]["sfauditFingerprint/v1"], fingerprint.as_str());
    assert_eq!(result["kind"], "fail");
    let suppression = &result["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(suppression["justification"], "accepted <risk> & \"known\"");
    assert_eq!(suppression["properties"]["source"], "sfaudit.toml:7");
    assert_eq!(suppression["properties"]["ticket"], "SEC-42");
}

#[test]
fn a_hostile_app_name_yields_valid_sarif() {
    let folder = tempfile::tempdir().expect("temp dir");
    let apps = folder.path().join("connectedApps");
    std::fs::create_dir_all(&apps).expect("mkdir");
    std::fs::write(
        apps.join("Evil<&\u{1b}[2J\".connectedApp-meta.xml"),
        "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>&lt;/script&gt;&amp;</label><oauthConfig><callbackUrl>http://evil.example.com/</callbackUrl><scopes>Full</scopes></oauthConfig></ConnectedApp>",
    )
    .expect("write");
    let output = sfaudit(&["scan", &folder.path().display().to_string(), "--format", "sarif", "--fail-on", "none"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!output.stdout.contains(&0x1b), "a raw escape character reached the SARIF output");
    let document = parse(&stdout(&output));
    assert_valid_sarif(&document);
    let results = results(&document);
    assert!(!results.is_empty(), "the hostile app has findings");
    let hostile = results
        .iter()
        .find(|result| result["locations"][0]["logicalLocations"][0]["name"] == "Evil<&\\u{1b}[2J\"")
        .expect("a result names the hostile app, its escape character shown escaped");
    assert!(
        hostile["message"]["text"].as_str().expect("message").contains("Evil<&\\u{1b}[2J\""),
        "the message shows the escape character escaped: {}",
        hostile["message"]["text"]
    );
    let uri = hostile["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri");
    assert!(uri.ends_with("Evil%3C%26%1B%5B2J%22.connectedApp-meta.xml"), "{uri}");
}

/// The results are printed one at a time around the rest of the document; the demo's bytes are
/// serde_json's pretty printing of the whole document (the empty case is a unit test).
#[test]
fn sarif_is_streamed_as_exactly_the_pretty_printing_of_the_whole_document() {
    let demo = demo_sarif();
    assert!(!results(&parse(&demo)).is_empty());
    let reprinted = serde_json::to_string_pretty(&parse(&demo)).expect("a value prints") + "\n";
    assert!(demo == reprinted, "the demo's SARIF is not serde's pretty printing");
}

/// Markdown as the text it renders: backslash escapes and character references undone, white
/// space collapsed.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown;
    while let Some(character) = rest.chars().next() {
        if character == '\\' && rest[1..].starts_with(|next: char| next.is_ascii_punctuation()) {
            out.push_str(&rest[1..2]);
            rest = &rest[2..];
        } else if let Some((reference, after)) = rest.strip_prefix('&').and_then(|tail| tail.split_once(';')) {
            let decoded = match reference {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                number => number.strip_prefix('#').and_then(|digits| digits.parse().ok()).and_then(char::from_u32),
            };
            match decoded {
                Some('\u{200b}') => {}
                Some(decoded) => out.push(decoded),
                None => out.push('&'),
            }
            rest = if decoded.is_some() { after } else { &rest[1..] };
        } else {
            out.push(character);
            rest = &rest[character.len_utf8()..];
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A rule pack's texts cannot make links, images, mentions or HTML on the alert page, and a
/// reference that is not a plain URL is neither an autolink nor the helpUri.
#[test]
fn a_rule_packs_text_is_escaped_in_the_help_markdown() {
    let folder = tempfile::tempdir().expect("temp dir");
    let rule = r#"id = "hostile"
control = "c"
title = "Broken [click me](https://evil.example/phish) ![px](https://evil.example/p.png) @acme/security"
severity = "high"
cvss = "7.0"
category = "custom"
applies_to = ["connected_app"]
fail_if = "true"
expected = "a`\n\n[Fix it here](https://evil.example/fix) <img src=x onerror=alert(1)>"
overview = "o <script>alert(1)</script>"
risk = "r"
threat_scenarios = "t"
remediation = "m"
references = ["https://a.example>[click](https://evil.example/phish)"]
"#;
    std::fs::write(folder.path().join("hostile.toml"), rule).expect("write");
    let rules = folder.path().display().to_string();
    let output = crate::common::scan_demo(&["--format", "sarif", "--rules-dir", &rules]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF");
    let descriptor = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|descriptor| descriptor["id"] == "hostile")
        .expect("the pack's rule");
    let markdown = descriptor["help"]["markdown"].as_str().expect("markdown");
    for live in ["](https://", "<img", "<script", "@acme", "<https://a.example>"] {
        assert!(!markdown.contains(live), "{live} in {markdown}");
    }
    assert!(descriptor.get("helpUri").is_none(), "{descriptor}");
}
