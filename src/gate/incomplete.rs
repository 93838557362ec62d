//! The incomplete-scan rules: a live scan that could not read data rules need exits 3, unless the
//! user accepts that with `--allow-incomplete`; notes (data no built-in rule reads) never change
//! the exit code. A file that could not be read at all, or a scan that found nothing to judge,
//! exits 2 ([`input_verdict`]), and so does an input problem when the gate passed
//! ([`weigh_problems`]).

use crate::error::exit;
use crate::model::{Collection, InputProblem, Inventory, ScanSource, SourceKind};

/// The exit code after the rule, and the lines standard error must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncompleteVerdict {
    pub code: u8,
    pub lines: Vec<String>,
}

pub(crate) fn judge(collection: Option<&Collection>, allow_incomplete: bool, code: u8) -> IncompleteVerdict {
    let Some(collection) = collection else { return IncompleteVerdict { code, lines: Vec::new() } };
    let mut lines: Vec<String> = collection.notes.iter().map(|note| format!("note: {note}")).collect();
    if collection.incomplete.is_empty() {
        return IncompleteVerdict { code, lines };
    }
    let verdict = if allow_incomplete { "warning" } else { "error" };
    lines.push(format!("{verdict}: the scan is incomplete; results that need this data are `unknown`:"));
    lines.extend(collection.incomplete.iter().map(|item| format!("  - {item}")));
    if allow_incomplete {
        return IncompleteVerdict { code, lines };
    }
    lines.push(
        "  hint: each line says what to check; pass --allow-incomplete to accept an incomplete scan (exit 3 \
         otherwise)"
            .into(),
    );
    IncompleteVerdict { code: exit::INCOMPLETE, lines }
}

/// Why a scan's results cannot stand on their own, whatever the findings: a file that could not be
/// read at all (the report does not cover it), or nothing sfaudit judges found where it looked (a
/// mis-pointed or emptied scan would otherwise pass the gate). Both exit 2, after any report file
/// is written, so CI fails safe.
pub(crate) fn input_verdict(inventory: &Inventory) -> Option<IncompleteVerdict> {
    let fatal: Vec<&InputProblem> = inventory.problems.iter().filter(|problem| problem.fatal).collect();
    let mut lines = Vec::new();
    if !fatal.is_empty() {
        for problem in &fatal {
            lines.push(format!("error: {}: {}", place(problem), problem.message));
            lines.push(format!("  hint: {}", problem.hint));
        }
        lines.push(format!(
            "error: the scan is incomplete: {} file(s) could not be read, so the results do not cover them",
            fatal.len()
        ));
        lines.push(
            "  hint: fix the file(s) above; a report written with --output or --output-dir is marked incomplete".into(),
        );
    } else if found_nothing(inventory) {
        lines.push(format!("error: {}", nothing_found(&inventory.source)));
        lines.push(format!("  hint: {}", nothing_found_hint(&inventory.source)));
    } else {
        return None;
    }
    Some(IncompleteVerdict { code: exit::USAGE, lines })
}

/// The exit code once input problems are weighed. Problems the rest of the report stands without
/// still leave their apps' controls `unknown`, and `unknown` does not fail the gate: an invalid
/// value would otherwise be a way past it. So a gate that passed (`gate_code` 0) becomes exit 2,
/// after the reports are written; a failed gate keeps its code, which already stops CI. The user
/// may accept the problems with `--allow-incomplete`.
pub(crate) fn weigh_problems(inventory: &Inventory, allow_incomplete: bool, gate_code: u8) -> IncompleteVerdict {
    let count = inventory.problems.iter().filter(|problem| !problem.fatal).count();
    if count == 0 {
        return IncompleteVerdict { code: gate_code, lines: Vec::new() };
    }
    let said = format!("{count} input problem(s) above leave the controls they affect `unknown`");
    if allow_incomplete {
        return IncompleteVerdict { code: gate_code, lines: vec![format!("warning: {said} (--allow-incomplete)")] };
    }
    IncompleteVerdict {
        code: if gate_code == exit::OK { exit::USAGE } else { gate_code },
        lines: vec![
            format!("error: {said}, so the gate cannot vouch for those apps"),
            "  hint: fix each file as its hint says, or pass --allow-incomplete to let the gate decide on the rest"
                .into(),
        ],
    }
}

/// The standard-error lines for problems that did not stop the scan.
pub(crate) fn problem_warnings(inventory: &Inventory) -> Vec<String> {
    inventory
        .problems
        .iter()
        .filter(|problem| !problem.fatal)
        .flat_map(|problem| {
            [
                format!("warning: input problem: {}: {}", place(problem), problem.message),
                format!("  hint: {}", problem.hint),
            ]
        })
        .collect()
}

/// `path:line`, or the path alone.
pub(crate) fn place(problem: &InputProblem) -> String {
    match problem.line {
        Some(line) => format!("{}:{line}", problem.path),
        None => problem.path.clone(),
    }
}

/// What every report and standard error say when a scan found nothing to judge.
pub(crate) fn nothing_found(source: &ScanSource) -> String {
    let files = match source.files_read {
        1 => "1 metadata file".to_string(),
        count => format!("{count} metadata files"),
    };
    format!(
        "no OAuth app and no OAuth settings metadata found: {} {} ({files} read); nothing was judged",
        source.kind.as_str(),
        source.location
    )
}

/// Nothing to judge was found, and not because a live collection could not read it (that is the
/// incomplete-collection rule's to judge, with exit 3).
pub(crate) fn found_nothing(inventory: &Inventory) -> bool {
    !inventory.holds_oauth_metadata() && inventory.unread_org_data().is_empty()
}

/// What to do about a scan that found nothing, by where it looked.
pub(crate) fn nothing_found_hint(source: &ScanSource) -> &'static str {
    match source.kind {
        SourceKind::Project => {
            "point sfaudit at the folder holding the metadata (the Salesforce DX project with sfdx-project.json, or \
             a Metadata API folder), and check the packageDirectories and .forceignore"
        }
        SourceKind::Org | SourceKind::Snapshot => {
            "check that the org has Connected Apps or External Client Apps and that the integration user may read \
             them and the org's OAuth settings"
        }
    }
}
