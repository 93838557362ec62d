//! The tables every report shows besides its results, decided once so the formats agree: input
//! problems, policy loosenings, per-app scores and coverage. The notices a reader must see first
//! are the document's ([`crate::document::notices`]). Each renderer lays them out and escapes
//! them for its format.

use crate::document::Report;
pub(crate) use crate::document::notices::{Level, notices};
use crate::gate::incomplete::place;

/// A titled table of plain text cells; renderers escape the cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// A stable name, for anchors and machine formats (`input-problems`).
    pub id: &'static str,
    pub title: &'static str,
    /// One sentence saying what the rows are.
    pub note: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// Input problems, then policy loosenings, each only when it has rows.
pub(crate) fn run_tables(report: &Report<'_>) -> Vec<Table> {
    let mut tables = Vec::new();
    let problems = &report.inventory.problems;
    if !problems.is_empty() {
        tables.push(Table {
            id: "input-problems",
            title: "Input problems",
            note: "Problems with single input files. The rest of the report stands; a file marked \"not read\" is not \
                   covered at all, and the report is incomplete.",
            header: vec!["File", "Problem", "App", "What to do"],
            rows: problems
                .iter()
                .map(|problem| {
                    let fatal = if problem.fatal { " (not read)" } else { "" };
                    vec![
                        place(problem),
                        format!("{}{fatal}", problem.message),
                        problem.resource.as_ref().map(super::labels::resource_name).unwrap_or_default(),
                        problem.hint.clone(),
                    ]
                })
                .collect(),
        });
    }
    let loosenings = &report.run.loosenings;
    if !loosenings.is_empty() {
        tables.push(Table {
            id: "policy-loosenings",
            title: "Policy loosenings",
            note: "Ways the config or the command line made the policy looser than sfaudit's defaults. Review them when \
                   the config comes from the scanned tree (see --no-project-config).",
            header: vec!["Loosening", "Applies to", "Effect", "Where"],
            rows: loosenings
                .iter()
                .map(|loosening| {
                    vec![
                        loosening.kind.label().to_string(),
                        loosening.subject.clone(),
                        loosening.detail.clone(),
                        loosening.source.clone(),
                    ]
                })
                .collect(),
        });
    }
    tables
}

/// What the scan skipped, read without using, or did not understand: the coverage tables.
pub(crate) fn coverage_tables(report: &Report<'_>) -> Vec<Table> {
    let coverage = &report.inventory.coverage;
    let mut tables = Vec::new();
    if !coverage.skipped.is_empty() {
        tables.push(Table {
            id: "skipped",
            title: "Skipped paths",
            note: "Not scanned, as the Salesforce CLI would not deploy them.",
            header: vec!["Path", "Why"],
            rows: coverage.skipped.iter().map(|skipped| vec![skipped.path.clone(), skipped.reason.clone()]).collect(),
        });
    }
    if !coverage.unused.is_empty() {
        tables.push(Table {
            id: "unused",
            title: "Recognised but not used",
            note: "Metadata files sfaudit recognises but no rule reads.",
            header: vec!["File", "Metadata type"],
            rows: coverage.unused.iter().map(|unused| vec![unused.path.clone(), unused.type_name.clone()]).collect(),
        });
    }
    if !coverage.unknown_scopes.is_empty() {
        tables.push(Table {
            id: "unknown-scopes",
            title: "Unknown scope names",
            note: "OAuth scopes sfaudit's scope table does not know, kept as written.",
            header: vec!["App", "Scope"],
            rows: coverage
                .unknown_scopes
                .iter()
                .map(|unknown| vec![super::labels::resource_name(&unknown.app), unknown.scope.clone()])
                .collect(),
        });
    }
    tables
}

/// Each app's score beside the org's, for the table and Markdown reports (HTML shows it in
/// "Apps at a glance").
pub(crate) fn app_scores(report: &Report<'_>) -> Option<Table> {
    let scores = &report.summary.app_scores;
    (!scores.is_empty()).then(|| Table {
        id: "app-scores",
        title: "App scores",
        note: "Each app scored with the same formula and cap as the org.",
        header: vec!["App", "Score", "Band"],
        rows: scores
            .iter()
            .map(|app| vec![format!("{} ({})", app.name, app.kind.label()), app.score_text(), app.band_text()])
            .collect(),
    })
}
