//! The JWT bearer exchange: sign an RS256 assertion, post it to `{login host}/services/oauth2/token`,
//! and turn every documented refusal into a message that says what to fix.
//!
//! Error texts are those listed in `shared/reference/salesforce-api.md` §1.3; descriptions that
//! are not recognised still produce the server's own words with a generic hint.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use super::error::AuthError;
use super::key::NEW_KEY_HINT;
use super::method::JwtLogin;
use super::settings::OrgConnection;
use super::token::{Token, answer_too_large, parse_success, short};
use super::url::{LOGIN_HOST, TEST_HOST};
use crate::escape::server_text;
use crate::limits::MAX_TOKEN_BODY_BYTES;
use crate::logging;
use crate::salesforce::http::{BodyError, read_body, transport_text};

pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The assertion's lifetime: Salesforce asks for an expiry within 3 minutes.
pub(crate) const ASSERTION_LIFETIME_SECONDS: i64 = 180;
const ATTEMPTS: u32 = 3;

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

/// A signed assertion for `audience`, valid until `now + 3 minutes`.
pub(crate) fn assertion(login: &JwtLogin, audience: &str, now: i64) -> Result<SecretString, AuthError> {
    let claims =
        Claims { iss: &login.client_id, sub: &login.username, aud: audience, exp: now + ASSERTION_LIFETIME_SECONDS };
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jsonwebtoken::encode(&header, &claims, login.key.encoding_key()).map(SecretString::from).map_err(|error| {
        AuthError::config(format!("cannot sign the assertion with {}: {error}", login.key.source()), NEW_KEY_HINT)
    })
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

/// Why one exchange failed.
enum Refusal {
    /// `audience is invalid` / `Audience validation failed`: worth one try with the other host.
    Audience(String),
    /// `expired authorization code`: worth one try with a fresh assertion.
    Expired,
    Final(AuthError),
}

/// The `aud` Salesforce expects for a login host, unless `--audience` says otherwise.
pub(crate) fn default_audience(login_url: &str) -> &'static str {
    let host = login_url.split("://").nth(1).unwrap_or(login_url).to_ascii_lowercase();
    if host == "test.salesforce.com" || host.ends_with(".sandbox.my.salesforce.com") { TEST_HOST } else { LOGIN_HOST }
}

/// Logs in, trying the other audience once when Salesforce says `audience is invalid` (and the
/// audience was not given explicitly), and a fresh assertion once on `expired authorization code`.
pub(crate) async fn login(
    http: &reqwest::Client,
    connection: &OrgConnection,
    jwt: &JwtLogin,
) -> Result<Token, AuthError> {
    let audience = jwt.audience.clone().unwrap_or_else(|| default_audience(&connection.login_url).to_string());
    let token = match login_once(http, jwt, &connection.login_url, &audience).await {
        Ok(token) => Ok(token),
        Err(Refusal::Final(error)) => Err(error),
        Err(Refusal::Expired) => Err(expired_error()),
        Err(Refusal::Audience(description)) if jwt.audience.is_some() => {
            Err(audience_error(&[(connection.login_url.clone(), audience)], &description))
        }
        Err(Refusal::Audience(first_description)) => {
            let other_audience = if audience == TEST_HOST { LOGIN_HOST } else { TEST_HOST };
            // On the well-known hosts the host and the audience go together; a My Domain (or
            // the loopback fake org) keeps its URL and only the claim changes.
            let other_login = if connection.login_url == LOGIN_HOST || connection.login_url == TEST_HOST {
                other_audience.to_string()
            } else {
                connection.login_url.clone()
            };
            logging::log(
                1,
                format_args!(
                    "login: audience {audience} refused ({first_description}); trying {other_audience} at {other_login}"
                ),
            );
            match login_once(http, jwt, &other_login, other_audience).await {
                Ok(token) => {
                    let flag = if other_login == connection.login_url {
                        format!("--audience {other_audience}")
                    } else {
                        format!("--instance-url {other_login}")
                    };
                    logging::warn(format_args!(
                        "the login worked with audience {other_audience} (at {other_login}) after {audience} was \
                         refused as invalid; pass {flag} to skip the failed attempt"
                    ));
                    Ok(token)
                }
                Err(Refusal::Audience(description)) => Err(audience_error(
                    &[(connection.login_url.clone(), audience), (other_login, other_audience.to_string())],
                    &description,
                )),
                Err(Refusal::Expired) => Err(expired_error()),
                Err(Refusal::Final(error)) => Err(error),
            }
        }
    }?;
    Ok(Token { username: jwt.username.clone(), ..token })
}

async fn login_once(http: &reqwest::Client, jwt: &JwtLogin, login_url: &str, audience: &str) -> Result<Token, Refusal> {
    match exchange(http, jwt, login_url, audience).await {
        Err(Refusal::Expired) => {
            logging::log(1, format_args!("login: assertion reported expired; retrying once with a fresh one"));
            exchange(http, jwt, login_url, audience).await
        }
        other => other,
    }
}

/// One token request (with retries on connection errors and 5xx only).
async fn exchange(http: &reqwest::Client, jwt: &JwtLogin, login_url: &str, audience: &str) -> Result<Token, Refusal> {
    let endpoint = format!("{login_url}/services/oauth2/token");
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let assertion = assertion(jwt, audience, now).map_err(Refusal::Final)?;
        let started = Instant::now();
        let sent = http
            .post(&endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("grant_type", GRANT_TYPE), ("assertion", assertion.expose_secret())])
            .send()
            .await;
        drop(assertion);
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                logging::log(
                    1,
                    format_args!("login: POST {endpoint} failed: {}", server_text(&transport_text(&error))),
                );
                if attempt < ATTEMPTS {
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                    continue;
                }
                return Err(Refusal::Final(AuthError::refused(
                    format!("cannot reach the login host {login_url}: {}", server_text(&transport_text(&error))),
                    "check the network and proxy settings (HTTPS_PROXY) and --instance-url",
                )));
            }
        };
        let status = response.status();
        let body = read_body(response, MAX_TOKEN_BODY_BYTES).await;
        logging::log(
            1,
            format_args!(
                "login: POST {endpoint} (JWT bearer, user {}, aud {audience}) → {} in {} ms",
                jwt.username,
                status.as_u16(),
                started.elapsed().as_millis()
            ),
        );
        let body = match body {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return Err(Refusal::Final(answer_too_large(
                    login_url,
                    "check --instance-url: it must be a Salesforce login host",
                )));
            }
            Err(BodyError::Transport(reason)) => {
                if attempt < ATTEMPTS {
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                    continue;
                }
                return Err(Refusal::Final(AuthError::refused(
                    format!("the login host {login_url} broke off its answer: {}", server_text(&reason)),
                    "try again; if it persists check the network and proxy settings",
                )));
            }
        };
        if status.is_success() {
            return parse_success(&body, login_url, audience).map(|granted| granted.token).map_err(Refusal::Final);
        }
        if status.is_server_error() && attempt < ATTEMPTS {
            tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            continue;
        }
        let parsed: Option<ErrorResponse> = serde_json::from_slice(&body).ok();
        return Err(match parsed {
            Some(ErrorResponse { error: Some(error), error_description }) => {
                classify(&error, error_description.as_deref().unwrap_or_default(), jwt, login_url)
            }
            _ if status.is_server_error() => Refusal::Final(AuthError::refused(
                format!(
                    "Salesforce's token endpoint at {login_url} failed with HTTP {} after {ATTEMPTS} attempts",
                    status.as_u16()
                ),
                "Salesforce may be unavailable or in maintenance (https://status.salesforce.com); try again later",
            )),
            _ => Refusal::Final(AuthError::refused(
                format!("the token endpoint {endpoint} answered HTTP {} without an OAuth error", status.as_u16()),
                "check --instance-url: it must be https://login.salesforce.com, https://test.salesforce.com or the \
                 org's My Domain URL",
            )),
        });
    }
}

/// The token endpoint's `error` and `error_description` are server text: both are shown only
/// sanitised (no assertion or token a server echoed, one bounded line), and classified by
/// their words.
fn classify(error: &str, description: &str, jwt: &JwtLogin, login_url: &str) -> Refusal {
    let lower = description.to_ascii_lowercase();
    let said = if description.is_empty() {
        server_text(error)
    } else {
        format!("{}: {}", server_text(error), short(description))
    };
    let username = &jwt.username;
    let refused = |message: String, hint: &str| Refusal::Final(AuthError::refused(message, hint));
    match error {
        "invalid_grant" if lower.contains("audience") => Refusal::Audience(short(description)),
        "invalid_grant" if lower.contains("expired authorization code") => Refusal::Expired,
        "invalid_grant" if lower.contains("hasn't approved this consumer") || lower.contains("not approved") => {
            refused(
                format!("Salesforce refused the login: user {username} is not pre-authorized for the app ({said})"),
                "in Setup → External Client App Manager → the app → Policies (Connected App: App Manager → Manage → \
             Edit Policies) set Permitted Users to \"Admin approved users are pre-authorized\" and add a profile or \
             permission set that the user holds; also check --username and that --instance-url is the login host \
             of the user's org (sandbox users log in at https://test.salesforce.com)",
            )
        }
        "invalid_grant" if lower.contains("invalid assertion") => refused(
            format!("Salesforce could not verify the signed assertion ({said})"),
            &format!(
                "the certificate uploaded to the app (OAuth Settings → Use digital signatures) must be the one made \
                 from the private key {}; upload it again (`openssl req -new -x509 -key KEY -out server.crt -days \
                 365`) and check that it has not expired",
                jwt.key.source()
            ),
        ),
        "invalid_grant" if lower.contains("inactive") || lower.contains("invalid user") => refused(
            format!("Salesforce refused the login for {username} ({said})"),
            "check --username (the full username, e.g. integration@acme.com.uat in a sandbox) and that the user is \
             active (Setup → Users)",
        ),
        "invalid_grant" if lower.contains("ip") && lower.contains("restrict") => refused(
            format!("Salesforce refused the login from this network for {username} ({said})"),
            "add this machine's address to the profile's Login IP Ranges or relax the app's IP Relaxation policy",
        ),
        "invalid_client_id" => refused(
            format!("--client-id is not the consumer key of an app this org knows ({said})"),
            &format!(
                "copy the Consumer Key from Setup → External Client App Manager → the app → Settings → OAuth \
                 Settings (Connected App: App Manager → View → Manage Consumer Details); check that {login_url} is \
                 the org where the app lives (sandbox or production); a new app can take up to 10 minutes to work"
            ),
        ),
        "invalid_app_access" => refused(
            format!("user {username} may not use this app ({said})"),
            "assign the user a profile or permission set that the app's policies list: Setup → External Client App \
             Manager → the app → Policies → Profiles / Permission Sets (Connected App: App Manager → Manage → \
             Manage Profiles / Manage Permission Sets)",
        ),
        _ if lower.contains("not installed") => refused(
            format!("the app is not installed in this org ({said})"),
            "install the External Client App in this org (Setup → External Client App Manager), or use the consumer \
             key of an app that is local to the org",
        ),
        "unsupported_grant_type" | "invalid_request" => refused(
            format!("the login host did not accept a JWT bearer request ({said})"),
            "check --instance-url: it must be the login host, not the instance or a Lightning URL",
        ),
        _ => refused(
            format!("Salesforce refused the login ({said})"),
            "check the app's OAuth policies in Setup and --client-id, --username and --instance-url",
        ),
    }
}

fn audience_error(tried: &[(String, String)], description: &str) -> AuthError {
    let tried: Vec<String> = tried.iter().map(|(login, audience)| format!("aud {audience} at {login}")).collect();
    AuthError::refused(
        format!("Salesforce refused the assertion's audience ({description}); tried {}", tried.join(" and ")),
        "production and Developer Edition orgs use https://login.salesforce.com, sandboxes https://test.salesforce.com; \
         an Experience Cloud login needs --audience with the site URL",
    )
}

fn expired_error() -> AuthError {
    AuthError::refused(
        "Salesforce says the assertion had already expired (invalid_grant: expired authorization code), twice",
        "this machine's clock is off by more than about 3 minutes: synchronise it (NTP, e.g. `timedatectl set-ntp \
         true`) and try again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_follows_the_login_host() {
        assert_eq!(default_audience("https://login.salesforce.com"), LOGIN_HOST);
        assert_eq!(default_audience("https://test.salesforce.com"), TEST_HOST);
        assert_eq!(default_audience("https://acme--uat.sandbox.my.salesforce.com"), TEST_HOST);
        assert_eq!(default_audience("https://acme.my.salesforce.com"), LOGIN_HOST);
    }
}
