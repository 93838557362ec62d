//! What a report must say about its run before its results, decided once so every format (the
//! JSON document included) says the same: an incomplete report, nothing found, input problems, a
//! loosened policy, results hidden by `--min-confidence`.

use super::run::Report;
use crate::gate::incomplete::{found_nothing, nothing_found, nothing_found_hint};
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
    let unread = inventory.unread_org_data().len();
    if unread > 0 {
        notices.push(Notice {
            level: Level::Error,
            id: "incomplete",
            text: format!(
                "INCOMPLETE: {unread} kind(s) of org data could not be read, so the rules that need them are unknown (see run.source.collection.incomplete in the JSON, or standard error)."
            ),
        });
    }
    if found_nothing(inventory) {
        let mut text = nothing_found(&inventory.source);
        if let Some(first) = text.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        notices.push(Notice {
            level: Level::Error,
            id: "nothing_found",
            text: format!("{text}. {}.", nothing_found_hint(&inventory.source)),
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
