//! The one HTTP client: session, retries with back-off and jitter (honouring `Retry-After`),
//! one re-login on `INVALID_SESSION_ID`, a stop on `REQUEST_LIMIT_EXCEEDED`, the concurrency
//! bound, and the count of every API call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret as _;

use super::auth::{self, OrgConnection, Token};
use super::error::SfError;
use super::http::{http_client, retry_after, transport_text};
use super::permits::{Permit, Permits, Priority};
use crate::logging;
use crate::model::ApiUsage;

/// Attempts per call, the first included.
pub(crate) const MAX_ATTEMPTS: u32 = 5;
/// First back-off wait; doubled on every retry, with jitter, up to [`MAX_BACKOFF`].
pub(crate) const BASE_BACKOFF: Duration = Duration::from_millis(200);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Re-logins in one run: each `INVALID_SESSION_ID` gets one, and a scan whose sessions keep
/// dying stops rather than loop.
const MAX_RELOGINS: u64 = 3;

/// Counters of one run.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every SOAP and REST request sent to the instance, retries included (logins not).
    pub api_calls: AtomicU64,
    pub soap_calls: AtomicU64,
    pub rest_calls: AtomicU64,
    pub retries: AtomicU64,
    pub logins: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Soap,
    Rest,
}

#[derive(Debug)]
struct Session {
    token: Token,
    generation: u64,
}

/// What a response means, decided per API.
#[derive(Debug)]
pub(crate) enum Verdict<T> {
    Done(T),
    SessionInvalid,
    LimitExceeded(String),
    Retry(String),
    Refused { code: String, message: String },
}

#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    connection: OrgConnection,
    session: RwLock<Arc<Session>>,
    login_lock: tokio::sync::Mutex<()>,
    relogins: AtomicU64,
    permits: Arc<Permits>,
    pub stats: Stats,
    usage: Mutex<Option<ApiUsage>>,
    jitter: AtomicU64,
}

impl Client {
    /// Logs in and returns a client ready for API calls.
    pub async fn connect(connection: OrgConnection) -> Result<Self, SfError> {
        let permits = Arc::new(Permits::new(connection.concurrency));
        Self::connect_sharing(connection, permits).await
    }

    /// Logs in with a bound on calls in flight shared with other clients: a fleet scan holds
    /// every org's calls to one global limit.
    pub(crate) async fn connect_sharing(connection: OrgConnection, permits: Arc<Permits>) -> Result<Self, SfError> {
        let http = http_client(connection.timeout, connection.concurrency)?;
        let token = auth::login(&http, &connection).await?;
        let client = Self {
            http,
            permits,
            connection,
            session: RwLock::new(Arc::new(Session { token, generation: 0 })),
            login_lock: tokio::sync::Mutex::new(()),
            relogins: AtomicU64::new(0),
            stats: Stats::default(),
            usage: Mutex::new(None),
            jitter: AtomicU64::new(seed()),
        };
        client.stats.logins.fetch_add(1, Ordering::Relaxed);
        Ok(client)
    }

    /// Takes one of the concurrency slots for a chain of dependent calls (query pages): calls
    /// made with [`Priority::Held`] while the returned permit lives use it instead of queueing.
    pub(crate) async fn hold(&self) -> Permit<'_> {
        self.permits.acquire(Priority::High).await
    }

    fn session(&self) -> Arc<Session> {
        Arc::clone(&self.session.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The current session's identity (never the token).
    pub(crate) fn identity(&self) -> (String, String, String) {
        let session = self.session();
        (session.token.instance_url.clone(), session.token.org_id.clone(), session.token.user_id.clone())
    }

    /// Who the session belongs to: the username when the login method knows it, else the user id.
    pub(crate) fn username(&self) -> String {
        let session = self.session();
        let token = &session.token;
        if token.username.is_empty() { token.user_id.clone() } else { token.username.clone() }
    }

    pub fn connection(&self) -> &OrgConnection {
        &self.connection
    }

    pub(crate) fn api_version(&self) -> &str {
        &self.connection.api_version
    }

    pub(crate) fn api_usage(&self) -> Option<ApiUsage> {
        *self.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the session's token in `text` (server messages can echo what they were sent).
    pub(crate) fn scrub(&self, text: &str) -> String {
        let session = self.session();
        let token = session.token.access_token.expose_secret();
        if token.len() >= 8 { text.replace(token, "[redacted]") } else { text.to_string() }
    }

    async fn relogin(&self, seen_generation: u64) -> Result<(), SfError> {
        let _guard = self.login_lock.lock().await;
        if self.session().generation != seen_generation {
            return Ok(()); // another call already logged in again
        }
        if self.relogins.fetch_add(1, Ordering::SeqCst) >= MAX_RELOGINS {
            return Err(SfError::Failed {
                call: "session".into(),
                message: format!("the session expired more than {MAX_RELOGINS} times during one scan"),
            });
        }
        logging::log(1, format_args!("session expired (INVALID_SESSION_ID): logging in again"));
        let token = auth::login(&self.http, &self.connection).await?;
        self.stats.logins.fetch_add(1, Ordering::Relaxed);
        let mut session = self.session.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *session = Arc::new(Session { token, generation: seen_generation + 1 });
        Ok(())
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = BASE_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF);
        // xorshift: jitter needs spread, not secrecy.
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        let fraction = 0.5 + (x % 1000) as f64 / 2000.0; // 0.5 ..= 1.0 of the ceiling
        ceiling.mul_f64(fraction)
    }

    fn note_usage(&self, headers: &HeaderMap) {
        let Some(usage) =
            headers.get("sforce-limit-info").and_then(|value| value.to_str().ok()).and_then(ApiUsage::parse)
        else {
            return;
        };
        let mut current = self.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.is_none_or(|current| usage.used >= current.used) {
            *current = Some(usage);
        }
        logging::log(2, format_args!("API usage {}/{} ({} left today)", usage.used, usage.max, usage.remaining()));
    }

    /// Sends one call with retries. `build` makes the request from the current session (so a
    /// re-login is picked up); `classify` decides what the answer means.
    pub(crate) async fn execute<T>(
        &self,
        call: &str,
        api: Api,
        priority: Priority,
        build: impl Fn(&reqwest::Client, &Token) -> reqwest::RequestBuilder,
        classify: impl Fn(StatusCode, &[u8]) -> Verdict<T>,
    ) -> Result<T, SfError> {
        let mut attempt = 0;
        let mut relogged = false;
        loop {
            attempt += 1;
            let session = self.session();
            let started;
            let result = {
                let _permit = match priority {
                    Priority::Held => None,
                    queued => Some(self.permits.acquire(queued).await),
                };
                self.stats.api_calls.fetch_add(1, Ordering::Relaxed);
                match api {
                    Api::Soap => self.stats.soap_calls.fetch_add(1, Ordering::Relaxed),
                    Api::Rest => self.stats.rest_calls.fetch_add(1, Ordering::Relaxed),
                };
                started = Instant::now();
                match build(&self.http, &session.token).send().await {
                    Ok(response) => {
                        let status = response.status();
                        let headers = response.headers().clone();
                        match response.bytes().await {
                            Ok(body) => Ok((status, headers, body)),
                            Err(error) => Err(transport_text(&error)),
                        }
                    }
                    Err(error) => Err(transport_text(&error)),
                }
            };
            let elapsed = started.elapsed().as_millis();
            let (reason, retry_after) = match result {
                Err(reason) => {
                    logging::log(1, format_args!("{call} → failed after {elapsed} ms: {reason}"));
                    (reason, None)
                }
                Ok((status, headers, body)) => {
                    logging::log(1, format_args!("{call} → {} in {elapsed} ms", status.as_u16()));
                    self.note_usage(&headers);
                    match classify(status, &body) {
                        Verdict::Done(value) => return Ok(value),
                        Verdict::LimitExceeded(message) => {
                            return Err(SfError::LimitExceeded { message: self.scrub(&message) });
                        }
                        Verdict::Refused { code, message } => {
                            return Err(SfError::Refused {
                                call: call.to_string(),
                                code,
                                message: self.scrub(&message),
                            });
                        }
                        Verdict::SessionInvalid if relogged => {
                            return Err(SfError::Failed {
                                call: call.to_string(),
                                message: "the session was refused (INVALID_SESSION_ID) right after a fresh login; \
                                          the org may restrict API sessions (IP ranges, session settings)"
                                    .into(),
                            });
                        }
                        Verdict::SessionInvalid => {
                            self.relogin(session.generation).await?;
                            relogged = true;
                            attempt -= 1;
                            continue;
                        }
                        Verdict::Retry(reason) => (reason, retry_after(&headers)),
                    }
                }
            };
            if attempt >= MAX_ATTEMPTS {
                return Err(SfError::Failed {
                    call: call.to_string(),
                    message: format!("gave up after {MAX_ATTEMPTS} attempts; last: {}", self.scrub(&reason)),
                });
            }
            let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            logging::log(
                2,
                format_args!(
                    "{call}: retry {attempt}/{} in {} ms ({}{})",
                    MAX_ATTEMPTS - 1,
                    wait.as_millis(),
                    self.scrub(&reason),
                    if retry_after.is_some() { ", as Retry-After asked" } else { "" }
                ),
            );
            tokio::time::sleep(wait).await;
        }
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9E37_79B9_7F4A_7C15, |elapsed| elapsed.as_nanos() as u64);
    (nanos ^ u64::from(std::process::id())) | 1
}
