//! The JSON report is the results document itself ([`crate::document`] owns its format).

use crate::document::Report;

pub fn render(report: &Report<'_>) -> String {
    let mut bytes = Vec::new();
    match crate::document::write(report, false, &mut bytes) {
        Ok(()) => String::from_utf8(bytes).unwrap_or_default(),
        Err(error) => format!(
            "{{\"schema_version\":{},\"error\":{:?}}}\n",
            crate::document::RESULTS_SCHEMA_VERSION,
            error.to_string()
        ),
    }
}

/// Streams the document to `out`, indented when `pretty`.
pub fn write(report: &Report<'_>, pretty: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    crate::document::write(report, pretty, out)
}
