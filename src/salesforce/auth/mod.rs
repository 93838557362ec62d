//! Org connection settings and the three logins: the OAuth 2.0 JWT bearer flow, a Salesforce CLI
//! login, and the refresh-token flow of an SFDX auth URL.

mod cli;
mod error;
pub(crate) mod jwt;
mod key;
mod login;
mod method;
mod refresh;
mod settings;
mod token;
mod url;

pub use error::AuthError;
pub use key::SigningKey;
pub(crate) use login::login;
pub use method::{CliLogin, JwtLogin, LoginMethod, SfdxUrl};
pub(crate) use settings::MAX_CONCURRENCY;
pub use settings::{OrgConnection, OrgSettings};
pub(crate) use token::Token;
