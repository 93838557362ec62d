//! HTTP pieces every Salesforce call shares: the reqwest client, `Retry-After`, the
//! `Sforce-Limit-Info` header, and transport errors in words.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::error::SfError;
use crate::model::ApiUsage;

/// The longest `Retry-After` sfaudit waits; longer requests are cut to this.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The reqwest client sfaudit uses everywhere: rustls, timeouts, user agent, no Nagle, no redirects
/// (a redirect would carry the token to wherever it points).
pub(crate) fn http_client(timeout: Duration, pool: usize) -> Result<reqwest::Client, SfError> {
    reqwest::Client::builder()
        .user_agent(format!("{}/{}", crate::TOOL_NAME, crate::TOOL_VERSION))
        .connect_timeout(Duration::from_secs(15).min(timeout))
        .timeout(timeout)
        .pool_max_idle_per_host(pool)
        // Said, not left to the default: with Nagle on, a request written in two pieces (head,
        // then body) waits for the server's delayed ACK, about 40 ms a call.
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| SfError::Failed { call: "HTTP client".into(), message: error.to_string() })
}

impl ApiUsage {
    /// Parses `api-usage=18/5000` out of a `Sforce-Limit-Info` header (other entries ignored).
    pub(crate) fn parse(header: &str) -> Option<Self> {
        header.split(',').find_map(|entry| {
            let value = entry.trim().strip_prefix("api-usage=")?;
            let (used, max) = value.split_once('/')?;
            Some(Self { used: used.trim().parse().ok()?, max: max.trim().parse().ok()? })
        })
    }

    pub(crate) fn remaining(&self) -> u64 {
        self.max.saturating_sub(self.used)
    }
}

/// `Retry-After` in seconds (or an HTTP date), capped at [`MAX_RETRY_AFTER`].
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
            let seconds = (at - time::OffsetDateTime::now_utc()).whole_seconds().max(0);
            Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Why an answer's body could not be read.
pub(crate) enum BodyError {
    Transport(String),
    TooLarge,
}

/// The body of `response`, refused past `limit` bytes whatever `Content-Length` says.
pub(crate) async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if u64::try_from(body.len() + chunk.len()).unwrap_or(u64::MAX) > limit {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(BodyError::Transport(transport_text(&error))),
        }
    }
}

pub(crate) fn transport_text(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() { "timed out".to_string() } else { error.to_string() };
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "2".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(reqwest::header::RETRY_AFTER, "99999".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        headers.insert(reqwest::header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn parses_the_limit_header() {
        assert_eq!(ApiUsage::parse("api-usage=18/5000"), Some(ApiUsage { used: 18, max: 5000 }));
        assert_eq!(
            ApiUsage::parse("per-app-api-usage=1/10(appName=x), api-usage=7/15000"),
            Some(ApiUsage { used: 7, max: 15000 })
        );
        assert_eq!(ApiUsage::parse("nonsense"), None);
    }
}
