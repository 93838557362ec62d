//! The refresh-token grant of an SFDX auth URL: `POST {https://host}/services/oauth2/token` with
//! `grant_type=refresh_token`, the refresh token, the client id and (when the URL has one) the
//! client secret, as sfdx-core's `buildRefreshTokenConfig` does for `sf org login sfdx-url`.
//!
//! Sources: https://developer.salesforce.com/docs/atlas.en-us.218.0.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm
//! (request and response); https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.remoteaccess_oauth_refresh_token_flow_ca.htm
//! (refresh token rotation: a new refresh token comes back and the old one stops working).

use std::time::{Duration, Instant};

use secrecy::ExposeSecret as _;
use serde::Deserialize;

use super::error::AuthError;
use super::method::SfdxUrl;
use super::settings::OrgConnection;
use super::token::{Token, answer_too_large, parse_success, short};
use crate::escape::server_text;
use crate::limits::MAX_TOKEN_BODY_BYTES;
use crate::logging;
use crate::salesforce::http::{BodyError, read_body, transport_text};

const ATTEMPTS: u32 = 3;

/// `text` with the refresh token and client secret of `url` replaced by `[redacted]`, as sent
/// and as form-encoded.
fn without_sent_secrets(text: &str, url: &SfdxUrl) -> String {
    let mut out = text.to_string();
    for secret in [url.refresh_token().expose_secret().to_string(), url.client_secret().expose_secret().to_string()] {
        if secret.is_empty() {
            continue;
        }
        for spelling in [form_encoded(&secret), secret] {
            out = out.replace(&spelling, crate::escape::REDACTED);
        }
    }
    out
}

/// `application/x-www-form-urlencoded`, as the request body spells a value.
fn form_encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => char::from(byte).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

const NEW_URL_HINT: &str = "log in again with `sf org login web`, then store the new URL printed by `sf org auth \
                            show-sfdx-auth-url --target-org ALIAS`; scheduled scans should use the JWT bearer flow, \
                            whose key does not expire with a session";

pub(crate) async fn login(
    http: &reqwest::Client,
    connection: &OrgConnection,
    url: &SfdxUrl,
) -> Result<Token, AuthError> {
    let login_url = &connection.login_url;
    let endpoint = format!("{login_url}/services/oauth2/token");
    let mut attempt = 0;
    loop {
        attempt += 1;
        let refresh_token = url.refresh_token();
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", url.client_id.as_str()),
        ];
        if !url.client_secret().expose_secret().is_empty() {
            form.push(("client_secret", url.client_secret().expose_secret()));
        }
        let started = Instant::now();
        let sent = http.post(&endpoint).header(reqwest::header::ACCEPT, "application/json").form(&form).send().await;
        drop(form);
        let retry = |attempt: u32| attempt < ATTEMPTS;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                logging::log(
                    1,
                    format_args!("login: POST {endpoint} failed: {}", server_text(&transport_text(&error))),
                );
                if retry(attempt) {
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                    continue;
                }
                return Err(AuthError::refused(
                    format!("cannot reach the login host {login_url}: {}", server_text(&transport_text(&error))),
                    "check the network and proxy settings (HTTPS_PROXY); the host comes from the SFDX auth URL \
                     (or --instance-url)",
                ));
            }
        };
        let status = response.status();
        let body = read_body(response, MAX_TOKEN_BODY_BYTES).await;
        logging::log(
            1,
            format_args!(
                "login: POST {endpoint} (refresh token of the SFDX auth URL in {}, app {}) → {} in {} ms",
                url.source,
                url.client_id,
                status.as_u16(),
                started.elapsed().as_millis()
            ),
        );
        let body = match body {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return Err(answer_too_large(
                    login_url,
                    "check the host: it comes from the SFDX auth URL (or --instance-url) and must be a Salesforce \
                     login host",
                ));
            }
            Err(BodyError::Transport(_)) if retry(attempt) => {
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                continue;
            }
            Err(BodyError::Transport(reason)) => {
                return Err(AuthError::refused(
                    format!("the login host {login_url} broke off its answer: {}", server_text(&reason)),
                    "try again; if it persists check the network and proxy settings",
                ));
            }
        };
        if status.is_success() {
            let granted = parse_success(&body, login_url, "")?;
            if let Some(rotated) = granted.refresh_token {
                url.rotate(rotated);
                logging::warn(format_args!(
                    "the app {} rotates refresh tokens: Salesforce replaced the refresh token of the SFDX auth URL \
                     in {}, which no longer works; store a new URL (`sf org auth show-sfdx-auth-url`) before the \
                     next run, or use the JWT bearer flow for scheduled scans",
                    url.client_id, url.source
                ));
            }
            return Ok(granted.token);
        }
        if status.is_server_error() && retry(attempt) {
            tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            continue;
        }
        let parsed: Option<ErrorResponse> = serde_json::from_slice(&body).ok();
        return Err(match parsed {
            Some(ErrorResponse { error: Some(error), error_description }) => {
                classify(&error, error_description.as_deref().unwrap_or_default(), url, login_url)
            }
            _ if status.is_server_error() => AuthError::refused(
                format!(
                    "Salesforce's token endpoint at {login_url} failed with HTTP {} after {ATTEMPTS} attempts",
                    status.as_u16()
                ),
                "Salesforce may be unavailable or in maintenance (https://status.salesforce.com); try again later",
            ),
            _ => AuthError::refused(
                format!("the token endpoint {endpoint} answered HTTP {} without an OAuth error", status.as_u16()),
                "the host of the SFDX auth URL (or --instance-url) must be the org's My Domain or login host",
            ),
        });
    }
}

/// The token endpoint's `error` and `error_description` are server text, shown only sanitised:
/// the refresh token and client secret this login sent are removed first (a server that echoes
/// the request must not put them in a message), then anything else credential-shaped.
fn classify(error: &str, description: &str, url: &SfdxUrl, login_url: &str) -> AuthError {
    let (error, description) = (error.trim(), without_sent_secrets(description, url));
    let lower = description.to_ascii_lowercase();
    let said = if description.is_empty() {
        server_text(&without_sent_secrets(error, url))
    } else {
        format!("{}: {}", server_text(&without_sent_secrets(error, url)), short(&description))
    };
    let source = &url.source;
    match error {
        "invalid_grant" if lower.contains("expired") || lower.contains("revoked") || lower.contains("invalid") => {
            AuthError::refused(
                format!("Salesforce refused the refresh token of the SFDX auth URL in {source} ({said})"),
                format!(
                    "the token was revoked, expired under the app's refresh token policy, or rotated by an earlier \
                     run; {NEW_URL_HINT}"
                ),
            )
        }
        "invalid_grant" if lower.contains("inactive") => AuthError::refused(
            format!("the user of the SFDX auth URL in {source} is inactive ({said})"),
            "reactivate the user or log in as another one (Setup → Users)",
        ),
        "invalid_client_id" | "invalid_client" if lower.contains("installed") => AuthError::refused(
            format!("the app {} is not installed in this org and may not be used ({said})", url.client_id),
            "since September 2025 uninstalled connected apps are blocked for users without \"Approve Uninstalled \
             Connected Apps\"; install the app (Setup → Connected Apps OAuth Usage → Install) or use the JWT bearer \
             flow with an External Client App of the org",
        ),
        "invalid_client_id" | "invalid_client" => AuthError::refused(
            format!("{login_url} does not know the app {} of the SFDX auth URL in {source} ({said})", url.client_id),
            format!("the URL must come from this org (check its host, or --instance-url); {NEW_URL_HINT}"),
        ),
        "invalid_app_access" => AuthError::refused(
            format!("the user of the SFDX auth URL in {source} may not use the app {} ({said})", url.client_id),
            "assign the user a profile or permission set the app's policies list, or log in another way",
        ),
        _ => AuthError::refused(
            format!("Salesforce refused the refresh-token login of the SFDX auth URL in {source} ({said})"),
            NEW_URL_HINT,
        ),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn an_echoed_request_shows_neither_the_refresh_token_nor_the_client_secret() {
        let (secret, token) = ("E3B0C44298FC1C149AFBF4C8996FB924", "5Aep861zq.Kw_Ab-Short==");
        let url =
            SfdxUrl::parse(&SecretString::from(format!("force://3MVG9:{secret}:{token}@x.my.salesforce.com")), "u")
                .expect("url");
        let echoed = format!(
            "bad\n::error title=x::forged\u{1b}[2J grant_type=refresh_token&refresh_token={}&client_secret={secret}",
            form_encoded(token)
        );
        for (error, description) in
            [(echoed.as_str(), ""), ("invalid_grant", echoed.as_str()), (echoed.as_str(), token)]
        {
            let refused = classify(error, description, &url, "https://login.salesforce.com");
            let shown = format!("{} {}", refused.message, refused.hint);
            for leaked in [secret, token, &form_encoded(token), "\n"] {
                assert!(!shown.contains(leaked), "{leaked:?} in {shown:?}");
            }
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        assert_eq!(form_encoded("a b/+=*.-_"), "a+b%2F%2B%3D*.-_");
    }
}
