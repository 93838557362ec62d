//! The one login entry point: the method the settings chose.

use super::error::AuthError;
use super::method::LoginMethod;
use super::settings::OrgConnection;
use super::token::Token;
use super::{cli, jwt, refresh};

/// Logs in with whatever method the settings chose.
pub(crate) async fn login(http: &reqwest::Client, connection: &OrgConnection) -> Result<Token, AuthError> {
    match &connection.method {
        LoginMethod::Jwt(login) => jwt::login(http, connection, login).await,
        LoginMethod::SalesforceCli(login) => cli::login(login, connection.timeout).await,
        LoginMethod::SfdxUrl(url) => refresh::login(http, connection, url).await,
    }
}
