//! User-facing errors: each knows its exit code and how to say what to do next.

use crate::diag::Diagnostic;

/// Exit codes (DESIGN.md §5).
pub mod exit {
    pub(crate) const OK: u8 = 0;
    pub(crate) const GATE_FAILED: u8 = 1;
    pub(crate) const USAGE: u8 = 2;
    pub(crate) const INCOMPLETE: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Metadata or a snapshot that cannot be read as what it must be.
    #[error("{} input problem(s); no report was produced:\n{}", .0.len(), list(.0))]
    Input(Vec<Diagnostic>),
    #[error("{} rule file problem(s):\n{}", .0.len(), list(.0))]
    Rules(Vec<Diagnostic>),
    #[error("{} config problem(s):\n{}", .0.len(), list(.0))]
    Config(Vec<Diagnostic>),
    /// A saved JSON result read back: a baseline, a `diff` side, the input of `report --from`.
    #[error("{} saved result problem(s):\n{}", .0.len(), list(.0))]
    SavedResult(Vec<Diagnostic>),
    #[error("{message}")]
    Usage { message: String, hint: String },
    #[error("cannot write {path}: {source}")]
    Output { path: String, source: std::io::Error },
    /// The scan cannot be complete: login refused, API limit, an API error after retries.
    #[error("{message}")]
    Incomplete { message: String, hint: String },
}

fn list(items: &[Diagnostic]) -> String {
    items.iter().map(|item| format!("  {item}")).collect::<Vec<_>>().join("\n")
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Usage { message: message.into(), hint: hint.into() }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Incomplete { .. } => exit::INCOMPLETE,
            _ => exit::USAGE,
        }
    }

    /// What to do about it; `None` when every item already carries its own hint.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Input(_) | Self::SavedResult(_) => None,
            Self::Rules(_) => Some("see rules/README.md for the rule-file format".to_string()),
            Self::Config(_) => {
                Some("`sfaudit init` writes a commented example; the README documents every key".to_string())
            }
            Self::Usage { hint, .. } => Some(hint.clone()),
            Self::Output { .. } => Some("check that the folder exists and is writable".to_string()),
            Self::Incomplete { hint, .. } => Some(hint.clone()),
        }
    }
}
