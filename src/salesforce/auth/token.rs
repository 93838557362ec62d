//! The session every API call uses, and how a token endpoint's success is read.

use secrecy::SecretString;
use serde::Deserialize;

use super::error::AuthError;
use super::url::login_url;

/// A session: what every API call needs. `Debug` never shows the token.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub access_token: SecretString,
    pub instance_url: String,
    pub org_id: String,
    /// Empty when the method does not say (the Salesforce CLI names the username instead).
    pub user_id: String,
    /// Empty when the method does not say (the refresh-token flow names only the user id).
    pub username: String,
    /// The `aud` the login finally worked with (JWT bearer only).
    pub audience: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    instance_url: Option<String>,
    id: Option<String>,
    refresh_token: Option<String>,
}

/// What a token endpoint's 200 gave: the session, and a new refresh token when the app rotates
/// refresh tokens.
pub(crate) struct Granted {
    pub token: Token,
    pub refresh_token: Option<SecretString>,
}

/// Reads a token endpoint's 200 answer (JWT bearer and refresh-token grants answer alike).
pub(crate) fn parse_success(body: &[u8], login_url: &str, audience: &str) -> Result<Granted, AuthError> {
    let malformed = |what: &str| {
        AuthError::refused(
            format!("the token endpoint at {login_url} answered 200 but {what}"),
            "check --instance-url: it must be a Salesforce login host",
        )
    };
    let response: TokenResponse = serde_json::from_slice(body).map_err(|_| malformed("not with JSON"))?;
    let access_token =
        response.access_token.filter(|token| !token.is_empty()).ok_or_else(|| malformed("no access_token"))?;
    let access_token = SecretString::from(access_token);
    let refresh_token = response.refresh_token.filter(|token| !token.is_empty()).map(SecretString::from);
    let instance_url = response.instance_url.ok_or_else(|| malformed("no instance_url"))?;
    let instance_url = instance(&instance_url)?;
    let id = response.id.unwrap_or_default();
    let mut parts = id.rsplit('/');
    let user_id = parts.next().unwrap_or_default().to_string();
    let org_id = parts.next().unwrap_or_default().to_string();
    if org_id.is_empty() || user_id.is_empty() {
        return Err(malformed("without an identity URL (id) naming the org and user"));
    }
    let token =
        Token { access_token, instance_url, org_id, user_id, username: String::new(), audience: audience.to_string() };
    Ok(Granted { token, refresh_token })
}

/// The instance gets the token on every call: the same https rule as the login host.
pub(crate) fn instance(url: &str) -> Result<String, AuthError> {
    login_url(url).map_err(|error| {
        AuthError::refused(
            format!("the login returned an unusable instance URL: {}", crate::escape::server_text(&error.message)),
            "sfaudit only sends tokens over https",
        )
    })
}

/// A token endpoint that answered with more than [`crate::limits::MAX_TOKEN_BODY_BYTES`]: not a
/// Salesforce login host. `hint` says where the host came from.
pub(crate) fn answer_too_large(login_url: &str, hint: &str) -> AuthError {
    AuthError::refused(
        format!(
            "the login host {login_url} answered with more than {}; a token endpoint answers with about 1 KB",
            crate::input::bytes_text(crate::limits::MAX_TOKEN_BODY_BYTES)
        ),
        hint,
    )
}

/// A server's description cut for a message line.
pub(crate) fn short(text: &str) -> String {
    crate::escape::server_text(text)
}
