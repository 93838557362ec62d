//! A fake Salesforce org for tests and benchmarks: a real HTTP server on 127.0.0.1 (random port)
//! that implements the JWT bearer token endpoint (verifying the RS256 signature against the
//! configured certificate and the claims, answering with Salesforce's error bodies), the Metadata
//! API's `listMetadata` / `readMetadata` over SOAP (any type; the extra ECA settings and policies
//! types sfaudit collects as evidence have folders in [`data::EXTRA_ECA_LOCATIONS`]), and REST SOQL queries with `nextRecordsUrl`
//! paging (the `OauthToken` 500-row batches and 2,500-row cap included). It adds latency and
//! injects faults on demand.
//!
//! Test support code, not the product: included by `tests/integration` and `benches/org.rs`
//! through `#[path]`. Keys and certificates are generated at run time; none is committed.

#![allow(dead_code)]

pub mod access;
pub mod answers;
pub mod data;
pub mod demo;
pub mod http;
pub mod refresh;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

pub use data::OrgData;
use http::{Reply, Request, Response};

pub const CONSUMER_KEY: &str = "3MVG9FAKEORG0SCANNER0CONSUMER0KEY";
pub const USERNAME: &str = "scanner@fake-org.example";
pub const USER_ID: &str = "005FAKE00000SCAN";
pub const LOGIN_AUDIENCE: &str = "https://login.salesforce.com";
pub const TEST_AUDIENCE: &str = "https://test.salesforce.com";
const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const META_NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// A key pair and its self-signed certificate, made at run time.
#[derive(Debug, Clone)]
pub struct TestKeys {
    pub private_key_pem: String,
    pub certificate_pem: String,
}

impl TestKeys {
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key generation (aws-lc-rs)");
        let params = rcgen::CertificateParams::new(vec!["sfaudit-fake-org".to_string()]).expect("params");
        let certificate = params.self_signed(&key).expect("self-signed certificate");
        Self { private_key_pem: key.serialize_pem(), certificate_pem: certificate.pem() }
    }

    /// The keys of the scanner app (generated once per process).
    pub fn scanner() -> &'static TestKeys {
        static KEYS: OnceLock<TestKeys> = OnceLock::new();
        KEYS.get_or_init(TestKeys::generate)
    }

    /// A second, unrelated key pair (for "the certificate does not match").
    pub fn other() -> &'static TestKeys {
        static KEYS: OnceLock<TestKeys> = OnceLock::new();
        KEYS.get_or_init(TestKeys::generate)
    }
}

/// A fault to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with an HTML body (no SOAP fault, no JSON error).
    Status500,
    /// HTTP 503, with `Retry-After: N` when given.
    Status503 { retry_after: Option<u64> },
    /// The connection is reset before any answer.
    Reset,
    /// The answer's body is cut in half.
    Truncated,
}

/// A token endpoint that answers what a test needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenReply {
    /// This status and JSON body (a recorded answer, tests/fixtures/salesforce/oauth).
    Fixed { status: u16, body: String },
    /// HTTP 400 whose `error` and `error_description` echo the whole request, assertion included.
    EchoRequest,
    /// HTTP 200 with a body of this many bytes.
    Oversized(usize),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub consumer_key: String,
    pub username: String,
    /// The certificate uploaded to the scanner app: assertions must verify against it.
    pub certificate_pem: String,
    /// The `aud` this org accepts (production: login, sandbox: test).
    pub audience: String,
    /// The user is pre-authorized for the scanner app.
    pub user_approved: bool,
    /// The user holds a profile or permission set of the app (else `invalid_app_access`).
    pub app_access: bool,
    /// The fake's clock runs this many seconds ahead of the real one.
    pub clock_skew_seconds: i64,
    /// Every answer (logins included) is delayed by this much.
    pub latency: Duration,
    /// Every answer is delayed by this much more for each request in flight when it arrives
    /// (itself included): an org that slows down the more it is sent.
    pub latency_per_call_in_flight: Duration,
    /// Faults for given API calls, counted from 1 in arrival order (logins not counted).
    pub faults: BTreeMap<u64, Fault>,
    /// A fault for every API call (a Salesforce that never recovers).
    pub always: Option<Fault>,
    /// Every answer of the token endpoint is this HTTP status with an HTML body.
    pub token_endpoint_status: Option<u16>,
    /// Every answer of the token endpoint is this one instead.
    pub token_endpoint_reply: Option<TokenReply>,
    /// All sessions issued so far expire when this many API calls have been served.
    pub session_expires_after: Option<u64>,
    /// Every session expires after this many API calls made with it (Salesforce answers the
    /// next one `INVALID_SESSION_ID`): an org whose sessions keep dying.
    pub session_lifetime_calls: Option<u64>,
    /// Every token this org issues is refused by the API at once (as the Metadata API refuses
    /// JWT-based access tokens).
    pub refuse_every_session: bool,
    /// Issue access tokens shaped like JWTs (an app with JWT-based access tokens on).
    pub jwt_access_tokens: bool,
    /// API usage at the start and the daily maximum; past it calls get REQUEST_LIMIT_EXCEEDED.
    pub api_limit: (u64, u64),
    /// Metadata types and sObjects the integration user may not read.
    pub unreadable: HashSet<String>,
    /// Metadata types this org does not know: `listMetadata` / `readMetadata` naming one answer
    /// the `INVALID_TYPE` fault (as an org older than the type would; the exact fault text of a
    /// real org is UNCONFIRMED).
    pub unknown_types: HashSet<String>,
    /// Components (by full name) listed as usual whose `readMetadata` record comes back
    /// `xsi:nil`, as for a component the user may see but not read.
    pub nil_records: HashSet<String>,
    pub oauth_token_batch: usize,
    pub oauth_token_cap: usize,
    pub query_batch: usize,
    /// The refresh-token grant (SFDX auth URLs).
    pub refresh: refresh::RefreshConfig,
    /// Permission assignments, logins, Health Check and External Client App usage.
    pub access: access::AccessConfig,
    /// REST answers served in place of the org's own, first match wins.
    pub rest_answers: Vec<answers::RestAnswer>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            consumer_key: CONSUMER_KEY.to_string(),
            username: USERNAME.to_string(),
            certificate_pem: TestKeys::scanner().certificate_pem.clone(),
            audience: LOGIN_AUDIENCE.to_string(),
            user_approved: true,
            app_access: true,
            clock_skew_seconds: 0,
            latency: Duration::ZERO,
            latency_per_call_in_flight: Duration::ZERO,
            faults: BTreeMap::new(),
            always: None,
            token_endpoint_status: None,
            token_endpoint_reply: None,
            session_expires_after: None,
            session_lifetime_calls: None,
            refuse_every_session: false,
            jwt_access_tokens: false,
            api_limit: (1_000, 1_000_000),
            unreadable: HashSet::new(),
            unknown_types: HashSet::new(),
            nil_records: HashSet::new(),
            oauth_token_batch: 500,
            oauth_token_cap: 2_500,
            query_batch: 2_000,
            refresh: refresh::RefreshConfig::default(),
            access: access::AccessConfig::default(),
            rest_answers: Vec::new(),
        }
    }
}

/// What the fake saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub api_calls: u64,
    pub logins: u64,
    pub successful_logins: u64,
    pub list_calls: u64,
    pub read_calls: u64,
    pub query_calls: u64,
    pub query_more_calls: u64,
    pub faults_injected: u64,
    pub max_in_flight: u64,
    /// The largest `exp - now` of any assertion seen, in seconds.
    pub max_assertion_lifetime: i64,
    /// Audiences of the assertions, in order.
    pub audiences: Vec<String>,
    /// Successful refresh-token grants.
    pub refresh_logins: u64,
    /// Tooling API queries (Health Check).
    pub tooling_calls: u64,
    /// Connect REST OAuth usage calls.
    pub connect_calls: u64,
    /// Query pages served (first pages and `nextRecordsUrl` pages), by object.
    pub pages: BTreeMap<String, u64>,
}

struct Cursor {
    rows: Vec<Value>,
    served: usize,
    batch: usize,
    /// The object queried, for [`Stats::pages`].
    object: String,
}

struct State {
    data: OrgData,
    /// (type, fullName) → index into `data.components`.
    index: HashMap<(String, String), usize>,
    /// The rows of each queryable object, built once.
    rows: HashMap<&'static str, Vec<Value>>,
    /// Row positions sorted by (object, field): the fake's "index", so a window query costs
    /// what it would on Salesforce, not a sort of every row.
    sorted: HashMap<(String, String), Vec<usize>>,
    config: Config,
    valid_tokens: HashSet<String>,
    /// API calls served per token, for `session_lifetime_calls`.
    token_uses: HashMap<String, u64>,
    /// Every token issued, expired or not.
    issued: Vec<String>,
    sessions_expired: bool,
    stats: Stats,
    cursors: HashMap<String, Cursor>,
    next_cursor: u64,
    api_used: u64,
}

/// A running fake org; stops when dropped.
pub struct FakeOrg {
    pub url: String,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeOrg {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("FakeOrg").field("url", &self.url).finish()
    }
}

impl Drop for FakeOrg {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl FakeOrg {
    pub fn start(data: OrgData, config: Config) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let api_used = config.api_limit.0;
        let index = data
            .components
            .iter()
            .enumerate()
            .map(|(position, component)| ((component.type_name.clone(), component.full_name.clone()), position))
            .collect();
        let rows = object_rows(&data);
        let state = Arc::new(Mutex::new(State {
            data,
            index,
            rows,
            sorted: HashMap::new(),
            config,
            valid_tokens: HashSet::new(),
            token_uses: HashMap::new(),
            issued: Vec::new(),
            sessions_expired: false,
            stats: Stats::default(),
            cursors: HashMap::new(),
            next_cursor: 1,
            api_used,
        }));
        let (shutdown, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let server_state = Arc::clone(&state);
        let server_url = url.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake org runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let in_flight = Arc::new(AtomicU64::new(0));
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            // No Nagle: an answer goes out at once, never waiting for the
                            // client's delayed ACK (about 40 ms a call otherwise).
                            let _ = stream.set_nodelay(true);
                            let state = Arc::clone(&server_state);
                            let url = server_url.clone();
                            let in_flight = Arc::clone(&in_flight);
                            tokio::spawn(serve(stream, state, url, in_flight));
                        }
                    }
                }
            });
        });
        Self { url, state, shutdown: Some(shutdown), thread: Some(thread) }
    }

    pub fn stats(&self) -> Stats {
        self.state.lock().expect("state").stats.clone()
    }

    pub fn config(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.state.lock().expect("state").config);
    }

    /// Metadata components the org holds (settings included).
    pub fn component_count(&self) -> usize {
        self.state.lock().expect("state").data.components.len()
    }

    /// Access tokens issued so far, expired ones included (for secret-hygiene assertions).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.lock().expect("state").issued.clone()
    }
}

async fn serve(mut stream: tokio::net::TcpStream, state: Arc<Mutex<State>>, url: String, in_flight: Arc<AtomicU64>) {
    let mut buffer = Vec::new();
    while let Some(request) = http::read_request(&mut stream, &mut buffer).await {
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let latency = {
            let mut state = state.lock().expect("state");
            state.stats.max_in_flight = state.stats.max_in_flight.max(now);
            state.config.latency + state.config.latency_per_call_in_flight * u32::try_from(now).unwrap_or(u32::MAX)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let reply = handle(&state, &url, &request);
        in_flight.fetch_sub(1, Ordering::SeqCst);
        if !http::write_reply(&mut stream, reply).await {
            return;
        }
    }
}

fn handle(state: &Mutex<State>, url: &str, request: &Request) -> Reply {
    let mut state = state.lock().expect("state");
    if request.method == "POST" && request.path == "/services/oauth2/token" {
        return Reply::Send(token_endpoint(&mut state, url, request));
    }
    let is_soap = request.method == "POST" && request.path.starts_with("/services/Soap/m/");
    let is_rest = request.method == "GET" && request.path.starts_with("/services/data/");
    if !is_soap && !is_rest {
        return Reply::Send(Response::new(404, "text/html", "<html><body>Not Found</body></html>"));
    }
    state.stats.api_calls += 1;
    let call = state.stats.api_calls;
    let fault = state.config.faults.get(&call).cloned().or_else(|| state.config.always.clone());
    if let Some(fault) = &fault {
        state.stats.faults_injected += 1;
        match fault {
            Fault::Status500 => {
                return Reply::Send(Response::new(500, "text/html", "<html><body>Internal Server Error</body></html>"));
            }
            Fault::Status503 { retry_after } => {
                let response = Response::new(503, "text/html", "<html><body>Service Unavailable</body></html>");
                return Reply::Send(match retry_after {
                    Some(seconds) => response.header("Retry-After", &seconds.to_string()),
                    None => response,
                });
            }
            Fault::Reset => return Reply::Reset,
            Fault::Truncated => {}
        }
    }
    if let Some(limit) = state.config.session_expires_after {
        if call > limit && !state.sessions_expired {
            state.sessions_expired = true;
            state.valid_tokens.clear();
        }
    }
    state.api_used += 1;
    let (used, max) = (state.api_used, state.config.api_limit.1);
    let response = if is_soap { soap(&mut state, request, used > max) } else { rest(&mut state, request, used > max) };
    let response = if is_rest {
        response.header("Sforce-Limit-Info", &format!("api-usage={}/{max}", used.min(max)))
    } else {
        response
    };
    match fault {
        Some(Fault::Truncated) => Reply::Truncate(response),
        _ => Reply::Send(response),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(status, &json!({"error": error, "error_description": description}))
        .header("Cache-Control", "no-store")
}

fn b64_json(part: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn token_endpoint(state: &mut State, url: &str, request: &Request) -> Response {
    state.stats.logins += 1;
    if let Some(status) = state.config.token_endpoint_status {
        return Response::new(status, "text/html", "<html><body>Error</body></html>");
    }
    match &state.config.token_endpoint_reply {
        Some(TokenReply::Fixed { status, body }) => return Response::new(*status, "application/json", body.clone()),
        Some(TokenReply::EchoRequest) => {
            let echoed = String::from_utf8_lossy(&request.body).into_owned();
            return oauth_error(400, &format!("invalid_request {echoed}"), &format!("could not parse: {echoed}"));
        }
        Some(TokenReply::Oversized(bytes)) => {
            return Response::new(200, "application/json", format!("{{\"pad\":\"{}\"}}", "x".repeat(*bytes)));
        }
        None => {}
    }
    let form = http::parse_form(&String::from_utf8_lossy(&request.body));
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        return refresh::grant(state, url, &form);
    }
    if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return oauth_error(400, "unsupported_grant_type", "grant type not supported");
    }
    let Some(assertion) = form.get("assertion") else {
        return oauth_error(400, "invalid_request", "assertion is missing");
    };
    let parts: Vec<&str> = assertion.split('.').collect();
    let (Some(header), Some(claims)) =
        (parts.first().and_then(|p| b64_json(p)), parts.get(1).and_then(|p| b64_json(p)))
    else {
        return oauth_error(400, "invalid_grant", "invalid assertion");
    };
    if parts.len() != 3 || header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return oauth_error(400, "invalid_grant", "invalid assertion");
    }
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    if claim("iss") != state.config.consumer_key {
        return oauth_error(400, "invalid_client_id", "client identifier invalid");
    }
    // The signature, against the certificate uploaded to the app.
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(state.config.certificate_pem.as_bytes()).expect("certificate");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    if jsonwebtoken::decode::<Value>(assertion, &key, &validation).is_err() {
        return oauth_error(400, "invalid_grant", "invalid assertion");
    }
    let audience = claim("aud");
    state.stats.audiences.push(audience.clone());
    if audience.trim_end_matches('/') != state.config.audience {
        return oauth_error(400, "invalid_grant", "audience is invalid");
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + state.config.clock_skew_seconds;
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    state.stats.max_assertion_lifetime =
        state.stats.max_assertion_lifetime.max(exp - (now - state.config.clock_skew_seconds));
    if exp < now {
        return oauth_error(400, "invalid_grant", "expired authorization code");
    }
    if claim("sub") != state.config.username || !state.config.user_approved {
        return oauth_error(400, "invalid_grant", "user hasn't approved this consumer");
    }
    if !state.config.app_access {
        return oauth_error(400, "invalid_app_access", "user is not admin approved to access this app");
    }
    state.stats.successful_logins += 1;
    let token = if state.config.jwt_access_tokens {
        format!(
            "eyJ0bmsiOiJjb3JlL3Byb2QiLCJ2ZXIiOiIxLjAiLCJraWQiOiJDT1JFIiwidHlwIjoiSldUIiwiYWxnIjoiUlMyNTYifQ.eyJzY3AiOiJhcGkifQ.{}",
            random_hex(state.stats.logins)
        )
    } else {
        format!("{}!AQ{}", state.data.org_id, random_hex(state.stats.logins))
    };
    state.valid_tokens.insert(token.clone());
    state.issued.push(token.clone());
    Response::json(
        200,
        &json!({
            "access_token": token,
            "scope": "api",
            "instance_url": url,
            "id": format!("{LOGIN_AUDIENCE}/id/{}/{USER_ID}", state.data.org_id),
            "token_type": "Bearer",
            "issued_at": (now * 1000).to_string(),
        }),
    )
}

fn random_hex(salt: u64) -> String {
    use sha2::Digest as _;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let digest = sha2::Sha256::digest(format!("{nanos}-{salt}-{}", std::process::id()).as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether an API call with `token` is accepted, counting it against the session's lifetime.
fn session_ok(state: &mut State, token: &str) -> bool {
    if !state.valid_tokens.contains(token) || state.config.refuse_every_session {
        return false;
    }
    let Some(lifetime) = state.config.session_lifetime_calls else { return true };
    let uses = state.token_uses.entry(token.to_string()).or_insert(0);
    *uses += 1;
    if *uses > lifetime {
        state.valid_tokens.remove(token);
        return false;
    }
    true
}

// ---------------------------------------------------------------- SOAP

fn soap_fault(code: &str, message: &str) -> Response {
    Response::xml(
        500,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"{SOAP_NS}\" \
             xmlns:sf=\"http://soap.sforce.com/2006/04/metadata\"><soapenv:Body><soapenv:Fault>\
             <faultcode>sf:{code}</faultcode><faultstring>{code}: {}</faultstring></soapenv:Fault></soapenv:Body>\
             </soapenv:Envelope>",
            data::escape(message)
        ),
    )
}

fn soap_response(inner: &str) -> Response {
    Response::xml(
        200,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"{SOAP_NS}\" \
             xmlns=\"{META_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>{inner}\
             </soapenv:Body></soapenv:Envelope>"
        ),
    )
}

fn soap(state: &mut State, request: &Request, over_limit: bool) -> Response {
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let Ok(document) = roxmltree::Document::parse(&text) else {
        return soap_fault("INVALID_XML", "the request is not XML");
    };
    let session = document
        .descendants()
        .find(|node| node.has_tag_name((META_NS, "sessionId")))
        .and_then(|node| node.text())
        .unwrap_or_default();
    if !session_ok(state, session) {
        return soap_fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session");
    }
    if over_limit {
        return soap_fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    }
    let Some(operation) = document
        .descendants()
        .find(|node| node.has_tag_name((SOAP_NS, "Body")))
        .and_then(|body| body.children().find(roxmltree::Node::is_element))
    else {
        return soap_fault("INVALID_XML", "no operation");
    };
    let texts = |name: &str| -> Vec<String> {
        operation
            .descendants()
            .filter(|node| node.has_tag_name((META_NS, name)))
            .filter_map(|node| node.text().map(str::to_string))
            .collect()
    };
    match operation.tag_name().name() {
        "listMetadata" => {
            state.stats.list_calls += 1;
            let types = texts("type");
            if types.len() > 3 {
                return soap_fault("LIMIT_EXCEEDED", "Too many queries in listMetadata: the limit is 3");
            }
            if let Some(unknown) = types.iter().find(|kind| state.config.unknown_types.contains(*kind)) {
                return soap_fault("INVALID_TYPE", &format!("Unknown type:{unknown}"));
            }
            if let Some(denied) = types.iter().find(|kind| state.config.unreadable.contains(*kind)) {
                return soap_fault("INSUFFICIENT_ACCESS", &format!("insufficient access rights on {denied}"));
            }
            let mut out = String::from("<listMetadataResponse>");
            for component in state.data.components.iter().filter(|component| types.contains(&component.type_name)) {
                out.push_str(&format!(
                    "<result><createdById>{USER_ID}</createdById><createdByName>Admin</createdByName>\
                     <createdDate>2026-01-05T10:00:00.000Z</createdDate><fileName>{}</fileName><fullName>{}</fullName>\
                     <id>0Ht{:012}</id><lastModifiedById>{USER_ID}</lastModifiedById><lastModifiedByName>Admin\
                     </lastModifiedByName><lastModifiedDate>2026-02-05T10:00:00.000Z</lastModifiedDate>\
                     <manageableState>unmanaged</manageableState><type>{}</type></result>",
                    data::escape(&component.file_name),
                    data::escape(&component.full_name),
                    component.full_name.len(),
                    component.type_name
                ));
            }
            out.push_str("</listMetadataResponse>");
            soap_response(&out)
        }
        "readMetadata" => {
            state.stats.read_calls += 1;
            let kind = texts("type").into_iter().next().unwrap_or_default();
            let names = texts("fullNames");
            if names.len() > 10 {
                return soap_fault("LIMIT_EXCEEDED", "Too many fullNames in readMetadata: the limit is 10");
            }
            if state.config.unknown_types.contains(&kind) {
                return soap_fault("INVALID_TYPE", &format!("Unknown type:{kind}"));
            }
            if state.config.unreadable.contains(&kind) {
                return soap_fault("INSUFFICIENT_ACCESS", &format!("insufficient access rights on {kind}"));
            }
            let mut out = String::from("<readMetadataResponse><result>");
            for name in &names {
                let found =
                    state.index.get(&(kind.clone(), name.clone())).map(|position| &state.data.components[*position]);
                match found.filter(|_| !state.config.nil_records.contains(name)) {
                    Some(component) => out.push_str(&format!(
                        "<records xsi:type=\"{kind}\"><fullName>{}</fullName>{}</records>",
                        data::escape(name),
                        component.body
                    )),
                    None => out.push_str("<records xsi:nil=\"true\"/>"),
                }
            }
            out.push_str("</result></readMetadataResponse>");
            soap_response(&out)
        }
        other => soap_fault("INVALID_OPERATION", &format!("unknown operation {other}")),
    }
}

// ---------------------------------------------------------------- REST

fn rest_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!([{"message": message, "errorCode": code}]))
}

/// `attributes` of a REST record: its type and URL, with the record id as real answers have it.
fn attributes(object: &str, id: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/v65.0/sobjects/{object}/{id}")})
}

/// A condition of the tiny SOQL subset the scanner uses: `Field op 'value'`.
struct Condition {
    field: String,
    op: &'static str,
    value: String,
}

fn condition(text: &str) -> Option<Condition> {
    for op in [">=", ">", "="] {
        if let Some((field, value)) = text.split_once(op) {
            let value = value.trim().trim_matches('\'').replace("\\'", "'").replace("\\\\", "\\");
            return Some(Condition { field: field.trim().to_string(), op, value });
        }
    }
    None
}

fn matches(row: &Value, condition: &Condition) -> bool {
    let actual = row.get(&condition.field).and_then(Value::as_str).unwrap_or_default();
    match condition.op {
        ">=" => actual >= condition.value.as_str(),
        ">" => actual > condition.value.as_str(),
        _ => actual == condition.value,
    }
}

fn rest(state: &mut State, request: &Request, over_limit: bool) -> Response {
    let token =
        request.headers.get("authorization").and_then(|value| value.strip_prefix("Bearer ")).unwrap_or_default();
    if !session_ok(state, token) {
        return rest_error(401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    if over_limit {
        return rest_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    }
    if let Some(answer) = answers::answer(&state.config.rest_answers, request) {
        return answer;
    }
    let version = request.path.trim_start_matches("/services/data/").split('/').next().unwrap_or("v65.0").to_string();
    if let Some(locator) = request.path.split("/query/").nth(1) {
        state.stats.query_more_calls += 1;
        let id = locator.split('-').next().unwrap_or_default().to_string();
        return page(state, &version, &id, None);
    }
    if let Some(response) = access::route(state, request, &version) {
        return response;
    }
    if !request.path.ends_with("/query") {
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist");
    }
    state.stats.query_calls += 1;
    let Some(soql) = request.query.get("q") else {
        return rest_error(400, "MALFORMED_QUERY", "no q parameter");
    };
    let upper = soql.to_ascii_uppercase();
    let after_from = upper.find(" FROM ").map(|index| &soql[index + 6..]).unwrap_or_default();
    let object = after_from.split_whitespace().next().unwrap_or_default().to_string();
    if state.config.unreadable.contains(&object) {
        // The data API's shape (tests/fixtures/salesforce/rest/error_invalid_type_caret.json): a
        // leading line break, a slice of the query, a caret under the object, the position, the reason.
        let column = soql.find(object.as_str()).unwrap_or(0);
        return rest_error(
            400,
            "INVALID_TYPE",
            &format!(
                "\n{soql}\n{}^\nERROR at Row:1:Column:{}\nsObject type '{object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                " ".repeat(column),
                column + 1
            ),
        );
    }
    let clause = |keyword: &str, ends: &[&str]| -> Option<String> {
        let start = upper.find(keyword)? + keyword.len();
        let end = ends.iter().filter_map(|end| upper[start..].find(end)).min().map_or(soql.len(), |end| start + end);
        Some(soql[start..end].trim().to_string())
    };
    let conditions: Vec<Condition> = clause(" WHERE ", &[" ORDER BY ", " LIMIT "])
        .map(|text| text.split(" AND ").filter_map(condition).collect())
        .unwrap_or_default();
    let order = clause(" ORDER BY ", &[" LIMIT "]);
    let limit: Option<usize> = clause(" LIMIT ", &[]).and_then(|text| text.parse().ok());
    let Some(all) = state.rows.get(object.as_str()) else {
        return rest_error(400, "INVALID_TYPE", &format!("sObject type '{object}' is not supported."));
    };
    let order_field = order.map(|order| order.split_whitespace().next().unwrap_or_default().to_string());
    if let Some(field) = &order_field {
        let key = (object.clone(), field.clone());
        state.sorted.entry(key).or_insert_with(|| {
            fn sort_key<'v>(row: &'v Value, field: &str) -> &'v str {
                row.get(field).and_then(Value::as_str).unwrap_or_default()
            }
            let mut positions: Vec<usize> = (0..all.len()).collect();
            positions.sort_by(|a, b| sort_key(&all[*a], field).cmp(sort_key(&all[*b], field)));
            positions
        });
    }
    let all = &state.rows[object.as_str()];
    let positions: Box<dyn Iterator<Item = usize> + '_> = match &order_field {
        Some(field) => Box::new(state.sorted[&(object.clone(), field.clone())].iter().copied()),
        None => Box::new(0..all.len()),
    };
    let mut rows: Vec<Value> = positions
        .map(|position| &all[position])
        .filter(|row| conditions.iter().all(|condition| matches(row, condition)))
        .take(limit.unwrap_or(usize::MAX))
        .cloned()
        .collect();
    let (batch, cap) = if object == "OauthToken" {
        (state.config.oauth_token_batch, state.config.oauth_token_cap)
    } else {
        (state.config.query_batch, usize::MAX)
    };
    let total = rows.len();
    rows.truncate(cap);
    let id = format!("01gFAKE{:010}", state.next_cursor);
    state.next_cursor += 1;
    state.cursors.insert(id.clone(), Cursor { rows, served: 0, batch, object: object.clone() });
    page(state, &version, &id, Some(total))
}

fn object_rows(data: &OrgData) -> HashMap<&'static str, Vec<Value>> {
    let mut rows = HashMap::new();
    rows.insert(
        "Organization",
        vec![json!({
            "attributes": attributes("Organization", &data.org_id), "Id": data.org_id, "Name": data.org_name,
            "IsSandbox": data.sandbox, "OrganizationType": "Enterprise Edition"
        })],
    );
    rows.insert(
        "ConnectedApplication",
        data.connected_applications
            .iter()
            .map(|(id, name)| {
                let (named_user, guest) = data.jwt_timeouts.get(id).cloned().unwrap_or_default();
                json!({"attributes": attributes("ConnectedApplication", id), "Id": id, "Name": name,
                       "NamedUserUvidTimeout": named_user, "UvidTimeout": guest})
            })
            .collect(),
    );
    rows.insert(
        "SetupEntityAccess",
        data.assignments
            .iter()
            .map(|assignment| {
                let parent = if assignment.by_profile {
                    json!({"attributes": attributes("PermissionSet", "0PSFAKE0000000001"), "Name": format!("X00e{}", assignment.name.len()), "IsOwnedByProfile": true, "Profile": {"attributes": attributes("Profile", "00eFAKE0000000001"), "Name": assignment.name}})
                } else {
                    json!({"attributes": attributes("PermissionSet", "0PSFAKE0000000002"), "Name": assignment.name, "IsOwnedByProfile": false, "Profile": null})
                };
                json!({"attributes": attributes("SetupEntityAccess", "0J0FAKE0000000001"), "SetupEntityId": assignment.entity_id, "SetupEntityType": "ConnectedApplication", "Parent": parent})
            })
            .collect(),
    );
    rows.insert(
        "OauthToken",
        data.tokens
            .iter()
            .map(|token| {
                json!({"attributes": attributes("OauthToken", "0CRFAKE0000000001"), "UserId": token.user_id, "AppName": token.app_name,
                       "LastUsedDate": token.last_used, "UseCount": token.use_count, "CreatedDate": token.created})
            })
            .collect(),
    );
    rows
}

fn page(state: &mut State, version: &str, id: &str, total: Option<usize>) -> Response {
    let Some(cursor) = state.cursors.get_mut(id) else {
        return rest_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    let start = cursor.served;
    let end = (start + cursor.batch).min(cursor.rows.len());
    *state.stats.pages.entry(cursor.object.clone()).or_default() += 1;
    let records: Vec<Value> = cursor.rows[start..end].to_vec();
    cursor.served = end;
    let done = end >= cursor.rows.len();
    let total = total.unwrap_or(cursor.rows.len());
    let mut body = json!({"totalSize": total, "done": done, "records": records});
    if !done {
        body["nextRecordsUrl"] = json!(format!("/services/data/{version}/query/{id}-{end}"));
    } else {
        state.cursors.remove(id);
    }
    Response::json(200, &body)
}
