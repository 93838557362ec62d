//! Posting an alert: HTTPS only (plain HTTP on loopback, for tests and local relays), a bounded
//! number of attempts with back-off on 5xx, 429 and network errors, and never the URL in a
//! message. A webhook URL is a bearer secret (whoever has it can post to the channel), so it is
//! held in a secret wrapper and errors name the webhook by its position and kind only.

use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use super::trigger::Kind;

/// A webhook to post to.
#[derive(Debug)]
pub struct Endpoint {
    pub kind: Kind,
    /// How messages name it: `notification 2 (slack)`.
    pub label: String,
    url: SecretString,
}

/// Why a webhook could not be used or did not take the alert. Never holds the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: {message}")]
pub struct NotifyError {
    pub label: String,
    pub message: String,
}

impl Endpoint {
    /// Checks a URL and decides the payload (`kind`, else from the host). `position` counts from 1.
    pub fn new(url: SecretString, kind: Option<Kind>, position: usize) -> Result<Self, NotifyError> {
        let fail = |label: String, message: &str| NotifyError { label, message: message.to_string() };
        let provisional = format!("notification {position}");
        let parsed = reqwest::Url::parse(url.expose_secret().trim())
            .map_err(|_| fail(provisional.clone(), "the webhook URL is not a valid URL"))?;
        let host = parsed.host_str().unwrap_or_default().to_string();
        let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(fail(provisional, "the webhook URL must start with https:// (http:// only on loopback)")),
        }
        if host.is_empty() {
            return Err(fail(provisional, "the webhook URL has no host"));
        }
        let kind = kind.unwrap_or_else(|| Kind::for_host(&host));
        Ok(Self { kind, label: format!("{provisional} ({})", kind.as_str()), url })
    }

    /// Replaces the URL, and its path and query alone, in text a server or library wrote.
    fn scrub(&self, text: &str) -> String {
        let url = self.url.expose_secret().trim();
        let mut scrubbed = text.replace(url, "[webhook URL]");
        if let Ok(parsed) = reqwest::Url::parse(url) {
            for part in [parsed.path(), parsed.query().unwrap_or_default()] {
                if part.len() > 8 {
                    scrubbed = scrubbed.replace(part, "[redacted]");
                }
            }
        }
        scrubbed
    }
}

/// Attempts and back-off for one webhook.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_wait: Duration,
    /// The longest wait, `Retry-After` included.
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(10),
            timeout: Duration::from_secs(15),
        }
    }
}

/// What a successful post took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub attempts: u32,
    pub status: u16,
}

/// Posts `body` as JSON; any 2xx is success (Teams Workflows answer 202, Slack 200 `ok`).
pub async fn post(endpoint: &Endpoint, body: &serde_json::Value, retry: Retry) -> Result<Delivered, NotifyError> {
    let fail = |message: String| NotifyError { label: endpoint.label.clone(), message: endpoint.scrub(&message) };
    let client = reqwest::Client::builder()
        .timeout(retry.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sfaudit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| fail(format!("cannot start an HTTP client: {}", error.without_url())))?;
    let text = serde_json::to_vec(body).map_err(|error| fail(format!("cannot encode the alert: {error}")))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = client
            .post(endpoint.url.expose_secret().trim())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(text.clone())
            .send()
            .await;
        let (problem, asked_wait) = match sent {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    return Ok(Delivered { attempts: attempt, status: status.as_u16() });
                }
                let asked = retry_after(response.headers());
                let answer: String = response.text().await.unwrap_or_default().chars().take(200).collect();
                let problem = format!(
                    "HTTP {}{}",
                    status.as_u16(),
                    if answer.trim().is_empty() { String::new() } else { format!(": {}", answer.trim()) }
                );
                if !(status.is_server_error() || status.as_u16() == 429) {
                    return Err(fail(format!("the webhook refused the alert ({problem})")));
                }
                (problem, asked)
            }
            Err(error) => (error.without_url().to_string(), None),
        };
        if attempt >= retry.attempts {
            return Err(fail(format!("gave up after {attempt} attempts; last: {problem}")));
        }
        let backoff = retry.first_wait.saturating_mul(1 << (attempt - 1).min(8));
        tokio::time::sleep(asked_wait.unwrap_or(backoff).min(retry.max_wait)).await;
    }
}

/// `Retry-After: N` in seconds (Slack and Microsoft send seconds on 429).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Result<Endpoint, NotifyError> {
        Endpoint::new(SecretString::from(url.to_string()), None, 1)
    }

    #[test]
    fn urls_are_checked_without_being_repeated() {
        let secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
        assert_eq!(endpoint(secret).map(|endpoint| endpoint.kind), Ok(Kind::Slack));
        for (bad, why) in [
            ("http://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX", "https://"),
            ("hooks.slack.com/services/T000/B000/XXXXSECRETXXXX", "not a valid URL"),
            ("ftp://example.com/XXXXSECRETXXXX", "https://"),
        ] {
            let error = endpoint(bad).expect_err(bad);
            assert!(error.to_string().contains(why), "{error}");
            assert!(!error.to_string().contains("XXXXSECRETXXXX"), "{error}");
        }
        assert_eq!(endpoint("http://127.0.0.1:9/hook").map(|endpoint| endpoint.kind), Ok(Kind::Webhook));
        let debug = format!("{:?}", endpoint(secret));
        assert!(!debug.contains("XXXXSECRETXXXX"), "{debug}");
    }

    #[test]
    fn scrub_removes_the_url_and_its_secret_parts() {
        let endpoint = endpoint("https://example.com/hooks/abcdefghijkl?sig=0123456789abcdef").expect("valid");
        let text = "POST https://example.com/hooks/abcdefghijkl?sig=0123456789abcdef failed; path /hooks/abcdefghijkl; sig=0123456789abcdef";
        let scrubbed = endpoint.scrub(text);
        assert!(!scrubbed.contains("abcdefghijkl") && !scrubbed.contains("0123456789abcdef"), "{scrubbed}");
    }
}
