//! A saved result or snapshot that holds a secret in an app's raw documents (edited, or written
//! by another tool) is redacted as it is read: `report --from`, `scan --snapshot` and `diff`
//! never write the secret again.

use crate::common::{DEMO, DEMO_AS_OF, code, scan_json, sfaudit, stderr, stdout};

const SECRET: &str = "SUPERSECRETVALUE123";
const KEY: &str =
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";

#[test]
fn secrets_in_a_saved_result_are_redacted_when_it_is_read_back() {
    let mut document = scan_json(DEMO, DEMO_AS_OF);
    let raw = document["inventory"]["apps"][0]["raw"].as_object_mut().expect("raw documents");
    let (_, first) = raw.iter_mut().next().expect("a document");
    first["oauthConfig"] = serde_json::json!({"consumerSecret": SECRET, "note": KEY});
    first["PrivateKey"] = serde_json::json!(KEY);
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = folder.path().join("edited.json");
    std::fs::write(&saved, document.to_string()).expect("write");
    let saved = saved.display().to_string();

    for args in [
        vec!["report", "--from", saved.as_str(), "--format", "json"],
        vec!["scan", "--snapshot", saved.as_str(), "--as-of", DEMO_AS_OF, "--fail-on", "none", "--format", "json"],
        vec!["diff", saved.as_str(), saved.as_str()],
    ] {
        let output = sfaudit(&args);
        assert!(code(&output) <= 1, "{args:?}: {}", stderr(&output));
        let shown = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!shown.contains(SECRET) && !shown.contains("BEGIN PRIVATE KEY"), "{args:?}: {shown}");
    }
    let output = sfaudit(&["report", "--from", saved.as_str(), "--format", "json"]);
    let written: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let raw = written["inventory"]["apps"][0]["raw"].as_object().expect("raw documents");
    let first = raw.values().next().expect("a document");
    assert_eq!(first["oauthConfig"], serde_json::json!({"consumerSecret": "[redacted]", "note": "[redacted]"}));
    assert_eq!(first["PrivateKey"], "[redacted]");
}
