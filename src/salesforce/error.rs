//! Why a call to Salesforce failed for good.

use std::fmt;

use super::auth::AuthError;

/// Why a call failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfError {
    /// Logging in (or logging in again) failed.
    Auth(AuthError),
    /// `REQUEST_LIMIT_EXCEEDED`: the org's API allowance is used up. Never retried.
    LimitExceeded { message: String },
    /// The API refused this call with an error code (a permission, an unknown type, a bad
    /// query). Not retried; permission codes make the data `unknown`, not the scan fatal.
    Refused { call: String, code: String, message: String },
    /// Retries exhausted, or an answer that cannot be read.
    Failed { call: String, message: String },
    /// A token from a fresh login was refused (`INVALID_SESSION_ID`) before any call worked,
    /// after the session before it was refused the same way: the org refuses this kind of
    /// session. `jwt_token`: the access token is a JWT, which the Metadata API refuses.
    SessionRefused { call: String, jwt_token: bool },
}

/// Error codes meaning "this user may not read this": the data becomes `unknown`.
const PERMISSION_CODES: &[&str] = &[
    "INSUFFICIENT_ACCESS",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    "INVALID_TYPE",
    "INVALID_FIELD",
    "FUNCTIONALITY_NOT_ENABLED",
    "NOT_SUPPORTED",
];

impl SfError {
    /// The user lacks a permission (or the org a feature) for this one data source.
    pub(crate) fn is_permission(&self) -> bool {
        matches!(self, Self::Refused { code, .. } if PERMISSION_CODES.contains(&code.as_str()))
    }
}

impl fmt::Display for SfError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth(error) => write!(formatter, "login failed: {}", error.message),
            Self::LimitExceeded { message } => {
                write!(formatter, "the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED: {message})")
            }
            Self::Refused { call, code, message } => write!(formatter, "{call}: {code}: {message}"),
            Self::Failed { call, message } => write!(formatter, "{call}: {message}"),
            Self::SessionRefused { call, .. } => write!(
                formatter,
                "{call}: Salesforce refused a freshly issued session (INVALID_SESSION_ID) before any call worked"
            ),
        }
    }
}

impl std::error::Error for SfError {}

impl From<AuthError> for SfError {
    fn from(error: AuthError) -> Self {
        Self::Auth(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_codes_are_recognised() {
        let refused = |code: &str| SfError::Refused { call: "c".into(), code: code.into(), message: String::new() };
        assert!(refused("INSUFFICIENT_ACCESS").is_permission());
        assert!(!refused("MALFORMED_QUERY").is_permission());
    }
}
