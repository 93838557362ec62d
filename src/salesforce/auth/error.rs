//! Why a login failed, and what to do about it.

use std::fmt;

/// A login problem with what to do about it. `config` errors are the user's input (exit 2);
/// the others are Salesforce refusing or failing the login (exit 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub message: String,
    pub hint: String,
    pub config: bool,
}

impl AuthError {
    pub(crate) fn config(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: hint.into(), config: true }
    }

    pub(crate) fn refused(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: hint.into(), config: false }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {}
