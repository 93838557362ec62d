//! What every report says about a run besides its results, decided once so the formats agree:
//! the notices a reader must see first (an incomplete report, nothing found, hidden results, a
//! loosened policy, input problems), and the tables of input problems, policy loosenings, per-app
//! scores and coverage. Each renderer lays them out and escapes them for its format.

use crate::document::Report;
use crate::gate::incomplete::{NOTHING_FOUND_HINT, nothing_found, place};
use crate::gate::loosening::count_text;

/// How loud a notice is; SARIF maps it to a notification level, JUnit errors to test cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// The report cannot stand on its own (a file not read, nothing found): exit 2.
    Error,
    Warning,
    Note,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }

    /// The word a reader sees before the notice.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Error => "Error",
            Self::Warning => "Warning",
            Self::Note => "Note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub level: Level,
    /// A stable name for machines (`incomplete`, `nothing_found`, …).
    pub id: &'static str,
    pub text: String,
}

/// The notices of a run, most serious first.
pub(crate) fn notices(report: &Report<'_>) -> Vec<Notice> {
    let inventory = report.inventory;
    let mut notices = Vec::new();
    let fatal = inventory.problems.iter().filter(|problem| problem.fatal).count();
    if fatal > 0 {
        notices.push(Notice {
            level: Level::Error,
            id: "incomplete",
            text: format!(
                "INCOMPLETE: {fatal} file(s) could not be read, so this report does not cover them (see Input problems)."
            ),
        });
    }
    if !inventory.holds_oauth_metadata() {
        let mut text = nothing_found(&inventory.source);
        if let Some(first) = text.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        notices.push(Notice {
            level: Level::Error,
            id: "nothing_found",
            text: format!("{text}. {NOTHING_FOUND_HINT}."),
        });
    }
    let problems = inventory.problems.len() - fatal;
    if problems > 0 {
        notices.push(Notice {
            level: Level::Warning,
            id: "input_problems",
            text: format!(
                "{problems} input problem(s): the rest of the report stands; the affected apps' rules that need the data are unknown (see Input problems)."
            ),
        });
    }
    if let Some(loosened) = count_text(&report.run.loosenings) {
        notices.push(Notice {
            level: Level::Warning,
            id: "policy_loosened",
            text: format!("Policy loosened: {loosened}; see Policy loosenings."),
        });
    }
    if let Some(hidden) = &report.run.hidden {
        let mut text = hidden.describe();
        if let Some(first) = text.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        notices.push(Notice { level: Level::Note, id: "hidden", text: format!("{text}.") });
    }
    notices
}

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
                   the config comes from the scanned tree (see `--no-project-config`).",
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
