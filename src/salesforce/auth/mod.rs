//! Org connection settings and the OAuth 2.0 JWT bearer login.

pub mod jwt;
mod settings;

pub use jwt::{Token, login};
pub use settings::{
    AuthError, DEFAULT_API_VERSION, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_SECONDS, LOGIN_HOST, MAX_CONCURRENCY,
    OrgConnection, OrgSettings, SigningKey, TEST_HOST, is_loopback_host, login_url,
};
