//! What each fuzz target does with its input: the readers sfaudit runs on what it is given, and
//! what it does next with what they accept. The one public door to those readers, shared by the
//! cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, libFuzzer on nightly) and the stable mutation
//! test (`tests/integration/fuzz.rs`), so both exercise the same code and the readers themselves
//! stay crate-private. A target fails only by panicking, aborting or hanging; every refusal is a
//! normal `Err`.

use std::str::FromStr as _;

use crate::model::{EvaluationDate, SourceKind};
use crate::report::Format;
use crate::salesforce::{rest, soap};
use base64::Engine as _;
use reqwest::StatusCode;

fn as_of() -> EvaluationDate {
    EvaluationDate::from_str("2026-12-01").unwrap_or_else(|_| EvaluationDate::now())
}

/// A metadata file: strict XML, the element tree and its JSON, and a Connected App's record.
/// The JSON text written straight from the tree must be the JSON of its value.
pub fn metadata_xml(data: &[u8]) {
    if let Ok(document) = crate::xml::parse_metadata("fuzz.connectedApp-meta.xml", data) {
        assert_eq!(document.root.to_raw_document().to_value(), document.root.to_json(), "raw document differs");
        let _ = document.root.contains_filled("consumerSecret");
        let _ = crate::collect::normalize::connected_app(&document, "Fuzz", SourceKind::Project, &as_of());
    }
}

/// A certificate as metadata holds it (PEM or base64 text), and the same bytes as DER; and the
/// check for private-key material in the same text.
pub fn certificate(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::model::cert::parse_certificate(text, &as_of());
        let _ = crate::xml::holds_private_key(text);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = crate::model::cert::parse_certificate(&encoded, &as_of());
    let _ = crate::xml::holds_private_key(&encoded);
}

/// A Metadata API answer: how it is classified under several statuses, and the list and read
/// parsers.
pub fn soap_response(data: &[u8]) {
    for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_REQUEST] {
        let _ = soap::classify(status, data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = soap::parse_list(text);
        if let Ok(records) = soap::parse_read(text) {
            for record in records {
                let _ = record.to_raw_document();
            }
        }
    }
}

/// A REST answer under the statuses that mean different things.
pub fn rest_json(data: &[u8]) {
    for status in [200, 400, 401, 403, 429, 500] {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let _ = rest::classify(status, data);
    }
}

/// `sfaudit.toml`.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::config::check("fuzz/sfaudit.toml", text);
    }
}

/// A saved results document or snapshot, as `report --from`, `diff`, `--baseline` and
/// `--snapshot` read it, and what they do with it: render every format, compare.
pub fn results_document(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loaded) = crate::document::parse("fuzz.json", text) {
        let decision = crate::gate::decide(
            &loaded.results.results,
            crate::gate::Policy::threshold(loaded.fail_on),
            loaded.run.baseline.is_some(),
        );
        let report = loaded.report(&decision);
        for format in Format::ALL {
            let _ = crate::report::render(format, &report, Some(80));
        }
    }
    let _ = crate::collect::snapshot::parse_snapshot("fuzz.json", data);
    if let Ok(side) = crate::diff::Side::parse("fuzz.json", text) {
        let _ = crate::diff::compare(&side, &side);
    }
}

/// A `.forceignore`, as the walk reads it, tested on paths of every shape the walk meets.
pub fn forceignore(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules = crate::collect::forceignore::ForceIgnore::parse(text);
    for path in
        ["force-app", "force-app/main/default/connectedApps/A.connectedApp-meta.xml", ".sf/orgs", "...", "a b/.x"]
    {
        let _ = rules.ignored(path, false);
        let _ = rules.ignored(path, true);
    }
}
