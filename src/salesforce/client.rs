//! The one HTTP client: session, retries with back-off and jitter (honouring `Retry-After`),
//! re-login on `INVALID_SESSION_ID`, a stop on `REQUEST_LIMIT_EXCEEDED` (once one call is told
//! the allowance is used up, no new call is sent), the concurrency bound (fixed, or adapting to
//! how the org answers: [`super::adaptive`]), a cap on every answer's size, and the count of every
//! API call.
//!
//! Sessions: a session refused with `INVALID_SESSION_ID` is replaced by a fresh login, as often
//! as it happens, as long as the refused session was good for at least one call; calls that
//! failed on it are sent again on the new one. Before judging a session, the calls still in
//! flight on it are awaited (one of them may prove it worked), so the outcome does not depend on
//! the order answers arrive in. Only a token from a re-login that is refused before any call
//! worked ends the scan: the org refuses this kind of session ([`SfError::SessionRefused`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret as _;

use super::adaptive::Adaptive;
use super::auth::{self, MAX_CONCURRENCY, OrgConnection, Token};
use super::error::SfError;
use super::http::{BodyError, http_client, read_body, retry_after, transport_text};
use super::permits::{Permit, Permits, Priority};
use crate::limits::MAX_API_BODY_BYTES;
use crate::logging;
use crate::model::ApiUsage;

/// Attempts per call, the first included.
pub(crate) const MAX_ATTEMPTS: u32 = 5;

/// Fresh sessions a REST call may be refused on (`INVALID_SESSION_ID`) before the client asks the
/// org whether it takes the session at all: one resource that refuses sessions the org accepts is
/// that resource's failure, not a reason to log in again for ever or to stop the scan.
const REST_SESSION_REFUSALS_BEFORE_PROBE: u32 = 2;
/// First back-off wait; doubled on every retry, with jitter, up to [`MAX_BACKOFF`].
pub(crate) const BASE_BACKOFF: Duration = Duration::from_millis(200);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Counters of one run.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every SOAP and REST request sent to the instance, retries included (logins not).
    pub api_calls: AtomicU64,
    pub soap_calls: AtomicU64,
    pub rest_calls: AtomicU64,
    pub retries: AtomicU64,
    pub logins: AtomicU64,
    /// The highest bound on calls in flight this run reached (moves only when adaptive).
    pub peak_concurrency: AtomicU64,
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
    /// Calls this session was accepted for.
    accepted: AtomicU64,
    /// Calls sent with this session whose answer is not in yet.
    in_flight: AtomicU64,
    /// This login replaced a session that was refused before any call worked.
    after_refusal: bool,
    /// A call was refused `INVALID_SESSION_ID` on this session: new calls wait for the next one
    /// instead of being sent to be refused too.
    refused: std::sync::atomic::AtomicBool,
}

impl Session {
    fn new(token: Token, generation: u64, after_refusal: bool) -> Self {
        Self {
            token,
            generation,
            accepted: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            after_refusal,
            refused: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// A call in flight on a session; dropping it (answer in, or the call abandoned) says so.
struct InFlight<'a> {
    session: Arc<Session>,
    settled: &'a tokio::sync::Notify,
}

impl<'a> InFlight<'a> {
    fn start(session: &Arc<Session>, settled: &'a tokio::sync::Notify) -> Self {
        session.in_flight.fetch_add(1, Ordering::SeqCst);
        Self { session: Arc::clone(session), settled }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.session.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.settled.notify_waiters();
    }
}

/// What a response means, decided per API.
#[derive(Debug)]
pub enum Verdict<T> {
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
    /// Woken whenever a call's answer is in: a re-login waits on it for the calls in flight.
    settled: tokio::sync::Notify,
    permits: Arc<Permits>,
    /// Moves the bound when it adapts (no `--concurrency`, not shared by a fleet).
    adaptive: Option<Adaptive>,
    /// The org said its daily allowance is used up: the message, and no new call goes out.
    limit_exceeded: Mutex<Option<String>>,
    pub stats: Stats,
    usage: Mutex<Option<ApiUsage>>,
    jitter: AtomicU64,
}

impl Client {
    /// Logs in and returns a client ready for API calls.
    pub async fn connect(connection: OrgConnection) -> Result<Self, SfError> {
        let permits = Arc::new(Permits::new(connection.concurrency));
        let adaptive = connection.adaptive.then(|| Adaptive::new(Arc::clone(&permits), MAX_CONCURRENCY));
        Self::connect_with(connection, permits, adaptive).await
    }

    /// Logs in with a bound on calls in flight shared with other clients: a fleet scan holds
    /// every org's calls to one global limit, which does not adapt.
    pub(crate) async fn connect_sharing(connection: OrgConnection, permits: Arc<Permits>) -> Result<Self, SfError> {
        Self::connect_with(connection, permits, None).await
    }

    async fn connect_with(
        connection: OrgConnection,
        permits: Arc<Permits>,
        adaptive: Option<Adaptive>,
    ) -> Result<Self, SfError> {
        let pool = if adaptive.is_some() { MAX_CONCURRENCY } else { connection.concurrency };
        let http = http_client(connection.timeout, pool)?;
        let token = auth::login(&http, &connection).await?;
        warn_if_jwt(&token);
        let client = Self {
            http,
            stats: Stats { peak_concurrency: AtomicU64::new(permits.limit() as u64), ..Stats::default() },
            permits,
            adaptive,
            limit_exceeded: Mutex::new(None),
            connection,
            session: RwLock::new(Arc::new(Session::new(token, 0, false))),
            login_lock: tokio::sync::Mutex::new(()),
            settled: tokio::sync::Notify::new(),
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

    /// Server text as sfaudit shows it: the session's token removed (a server can echo what it
    /// was sent), every other credential-shaped part too, on one bounded line.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let session = self.session();
        let token = session.token.access_token.expose_secret();
        let text = if token.len() >= 8 { text.replace(token, "[redacted]") } else { text.to_string() };
        crate::escape::server_text(&text)
    }

    /// Replaces `refused` after `INVALID_SESSION_ID` (unless another call already did), once the
    /// calls in flight on it have answered. A session from a re-login that was refused before
    /// any call worked ends the scan.
    async fn relogin(&self, call: &str, refused: &Session) -> Result<(), SfError> {
        let _guard = self.login_lock.lock().await;
        if self.session().generation != refused.generation {
            return Ok(()); // another call already logged in again
        }
        // Every call sent on the session, this one included, has answered, or the call timeout
        // passed: only then does "no call worked" mean the org refused the session itself.
        let settled = async {
            loop {
                let notified = self.settled.notified();
                if refused.accepted.load(Ordering::SeqCst) > 0 || refused.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(self.connection.timeout, settled).await;
        let refused_at_once = refused.accepted.load(Ordering::SeqCst) == 0;
        if refused_at_once && refused.after_refusal {
            return Err(SfError::SessionRefused {
                call: call.to_string(),
                jwt_token: crate::escape::looks_like_jwt(refused.token.access_token.expose_secret()),
            });
        }
        logging::log(
            1,
            format_args!(
                "session refused (INVALID_SESSION_ID) after {} accepted calls: logging in again",
                refused.accepted.load(Ordering::SeqCst)
            ),
        );
        let token = auth::login(&self.http, &self.connection).await?;
        self.stats.logins.fetch_add(1, Ordering::Relaxed);
        let mut session = self.session.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *session = Arc::new(Session::new(token, refused.generation + 1, refused_at_once));
        Ok(())
    }

    /// Whether the org takes `session` for a plain REST call (the API's resource list): only an
    /// answer of 401 says it does not. Counted as an API call.
    async fn session_works(&self, session: &Session) -> bool {
        let url = format!("{}/services/data/v{}/", session.token.instance_url, self.connection.api_version);
        self.stats.api_calls.fetch_add(1, Ordering::Relaxed);
        self.stats.rest_calls.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .http
            .get(url)
            .bearer_auth(session.token.access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await;
        let works = sent.is_ok_and(|response| response.status() != StatusCode::UNAUTHORIZED);
        logging::log(
            1,
            format_args!("session check (REST resource list): {}", if works { "accepted" } else { "refused" }),
        );
        if works {
            session.accepted.fetch_add(1, Ordering::SeqCst);
        }
        works
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

    /// The allowance message once a call was told `REQUEST_LIMIT_EXCEEDED`.
    fn limit_exceeded(&self) -> Option<String> {
        self.limit_exceeded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Every call not yet sent fails with the same error instead of being sent to be refused.
    fn stop_for_limit(&self, message: &str) {
        let mut stopped = self.limit_exceeded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if stopped.is_none() {
            logging::log(1, format_args!("REQUEST_LIMIT_EXCEEDED: no further call is sent"));
            *stopped = Some(message.to_string());
        }
    }

    /// Tells the adaptive bound (if any) what an answer says about the org's load.
    fn adapt<T>(&self, epoch: u64, status: StatusCode, verdict: &Verdict<T>, latency: Duration) {
        let Some(adaptive) = &self.adaptive else { return };
        match verdict {
            Verdict::LimitExceeded(_) => adaptive.overloaded(epoch, "REQUEST_LIMIT_EXCEEDED"),
            _ if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS => {
                adaptive.overloaded(epoch, &format!("HTTP {}", status.as_u16()));
            }
            Verdict::Done(_) | Verdict::Refused { .. } => adaptive.answered(epoch, latency),
            Verdict::SessionInvalid | Verdict::Retry(_) => {}
        }
        self.stats.peak_concurrency.fetch_max(self.permits.limit() as u64, Ordering::Relaxed);
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
        let mut session_refusals = 0;
        loop {
            attempt += 1;
            let started;
            let (session, in_flight, result, epoch) = {
                let permit = match priority {
                    Priority::Held => None,
                    queued => Some(self.permits.acquire(queued).await),
                };
                // The session is taken once the call may go: a re-login while it queued is used,
                // and a session already refused is not sent another call.
                if let Some(message) = self.limit_exceeded() {
                    return Err(SfError::LimitExceeded { message });
                }
                let epoch = self.adaptive.as_ref().map_or(0, Adaptive::epoch);
                let session = self.session();
                if session.refused.load(Ordering::SeqCst) {
                    drop(permit);
                    self.relogin(call, &session).await?;
                    attempt -= 1;
                    continue;
                }
                let in_flight = InFlight::start(&session, &self.settled);
                self.stats.api_calls.fetch_add(1, Ordering::Relaxed);
                match api {
                    Api::Soap => self.stats.soap_calls.fetch_add(1, Ordering::Relaxed),
                    Api::Rest => self.stats.rest_calls.fetch_add(1, Ordering::Relaxed),
                };
                started = Instant::now();
                let result = match build(&self.http, &session.token).send().await {
                    Ok(response) => {
                        let status = response.status();
                        let headers = response.headers().clone();
                        match read_body(response, MAX_API_BODY_BYTES).await {
                            Ok(body) => Ok((status, headers, body)),
                            Err(BodyError::Transport(reason)) => Err(reason),
                            Err(BodyError::TooLarge) => {
                                return Err(SfError::Failed {
                                    call: call.to_string(),
                                    message: format!(
                                        "the answer is larger than sfaudit's limit of {}",
                                        crate::input::bytes_text(MAX_API_BODY_BYTES)
                                    ),
                                });
                            }
                        }
                    }
                    Err(error) => Err(transport_text(&error)),
                };
                (session, in_flight, result, epoch)
            };
            let elapsed = started.elapsed().as_millis();
            let (reason, retry_after) = match result {
                Err(reason) => {
                    drop(in_flight);
                    logging::log(1, format_args!("{call} → failed after {elapsed} ms: {}", self.scrub(&reason)));
                    (reason, None)
                }
                Ok((status, headers, body)) => {
                    logging::log(1, format_args!("{call} → {} in {elapsed} ms", status.as_u16()));
                    self.note_usage(&headers);
                    let verdict = classify(status, &body);
                    if matches!(verdict, Verdict::Done(_) | Verdict::LimitExceeded(_) | Verdict::Refused { .. }) {
                        // The server read the session to answer this: it was good for a call.
                        session.accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    drop(in_flight);
                    self.adapt(epoch, status, &verdict, started.elapsed());
                    match verdict {
                        Verdict::Done(value) => return Ok(value),
                        Verdict::LimitExceeded(message) => {
                            let message = self.scrub(&message);
                            self.stop_for_limit(&message);
                            return Err(SfError::LimitExceeded { message });
                        }
                        Verdict::Refused { code, message } => {
                            return Err(SfError::Refused {
                                call: call.to_string(),
                                code: crate::escape::server_text(&code),
                                message: self.scrub(&message),
                            });
                        }
                        Verdict::SessionInvalid => {
                            session_refusals += 1;
                            if api == Api::Rest
                                && session_refusals >= REST_SESSION_REFUSALS_BEFORE_PROBE
                                && self.session_works(&session).await
                            {
                                return Err(resource_refuses_sessions(call, session_refusals));
                            }
                            session.refused.store(true, Ordering::SeqCst);
                            self.relogin(call, &session).await?;
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

/// One REST resource refused fresh sessions the org takes for other calls: that source is
/// unreadable, and the rest of the scan stands.
fn resource_refuses_sessions(call: &str, refusals: u32) -> SfError {
    SfError::Refused {
        call: call.to_string(),
        code: "INVALID_SESSION_ID".to_string(),
        message: format!(
            "refused {refusals} fresh sessions that the org accepts for its other resources: this resource does not \
             take the integration's session (check the user's access to it, or the org's session settings for it)"
        ),
    }
}

/// JWT-based access tokens are accepted by REST but refused by the Metadata API's SOAP calls:
/// say so at login, before the first refusal.
fn warn_if_jwt(token: &Token) {
    if crate::escape::looks_like_jwt(token.access_token.expose_secret()) {
        logging::warn(format_args!(
            "the access token is a JWT (the app issues JWT-based access tokens); the Metadata API refuses \
             them, so every SOAP call will fail with INVALID_SESSION_ID. Turn off \"Issue JSON Web Token \
             (JWT)-based access tokens for named users\" in the app's OAuth settings, or log in with an app \
             that issues opaque tokens"
        ));
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9E37_79B9_7F4A_7C15, |elapsed| elapsed.as_nanos() as u64);
    (nanos ^ u64::from(std::process::id())) | 1
}
