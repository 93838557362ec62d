//! Org connection settings and the OAuth 2.0 JWT bearer login.

pub(crate) mod jwt;
mod settings;

pub(crate) use jwt::{Token, login};
pub use settings::{AuthError, OrgConnection, OrgSettings, SigningKey};
