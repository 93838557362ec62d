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

fn classify(error: &str, description: &str, url: &SfdxUrl, login_url: &str) -> AuthError {
    let lower = description.to_ascii_lowercase();
    let said = if description.is_empty() { error.to_string() } else { format!("{error}: {}", short(description)) };
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
