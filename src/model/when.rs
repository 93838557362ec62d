//! The evaluation date: `--as-of 2026-06-01`, `--as-of +30d`, or now.

use std::fmt;
use std::str::FromStr;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

/// The instant against which expiry and age are computed; fixed for a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationDate(OffsetDateTime);

impl EvaluationDate {
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    pub fn at(instant: OffsetDateTime) -> Self {
        Self(instant)
    }

    pub fn instant(&self) -> OffsetDateTime {
        self.0
    }

    /// Parses an RFC 3339 timestamp, as results documents record the evaluation date.
    pub fn parse_timestamp(text: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(text, &Rfc3339).map(Self)
    }

    /// Parses `YYYY-MM-DD` (midnight UTC), an RFC 3339 timestamp, or `+Nd` / `-Nd` relative to `now`.
    pub fn parse_relative_to(text: &str, now: OffsetDateTime) -> Result<Self, String> {
        let text = text.trim();
        if let Some(offset) = text.strip_suffix('d').or_else(|| text.strip_suffix('D')) {
            if offset.starts_with('+') || offset.starts_with('-') {
                let days: i64 =
                    offset.parse().map_err(|_| format!("'{text}' is not a day offset such as +30d or -7d"))?;
                // `Duration::days` panics when the seconds overflow: multiply checked first.
                return days
                    .checked_mul(86_400)
                    .and_then(|seconds| now.checked_add(Duration::seconds(seconds)))
                    .map(Self)
                    .ok_or_else(|| {
                        format!("'{text}' is out of range: sfaudit evaluates dates within the years -9999 to 9999")
                    });
            }
        }
        if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
            return Ok(Self(date.with_time(Time::MIDNIGHT).assume_utc()));
        }
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self)
            .map_err(|_| format!("'{text}' is not a date: use YYYY-MM-DD, an RFC 3339 time, or +Nd"))
    }
}

impl FromStr for EvaluationDate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_relative_to(text, OffsetDateTime::now_utc())
    }
}

impl fmt::Display for EvaluationDate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&rfc3339(self.0))
    }
}

/// An instant as RFC 3339 text, the form every report and snapshot writes times in.
pub fn rfc3339(instant: OffsetDateTime) -> String {
    instant.format(&Rfc3339).unwrap_or_else(|_| instant.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_dates_offsets_and_timestamps() {
        let now = datetime!(2026-01-10 12:00 UTC);
        assert_eq!(
            EvaluationDate::parse_relative_to("2026-06-01", now).map(|d| d.instant()),
            Ok(datetime!(2026-06-01 0:00 UTC))
        );
        assert_eq!(
            EvaluationDate::parse_relative_to("+30d", now).map(|d| d.instant()),
            Ok(datetime!(2026-02-09 12:00 UTC))
        );
        assert_eq!(
            EvaluationDate::parse_relative_to("2026-03-01T08:00:00Z", now).map(|d| d.instant()),
            Ok(datetime!(2026-03-01 8:00 UTC))
        );
        assert!(EvaluationDate::parse_relative_to("tomorrow", now).is_err());
        assert!(EvaluationDate::parse_relative_to("+xd", now).is_err());
        for huge in ["+106751991167301d", "-106751991167301d", "+9223372036854775807d", "+3000000d", "-9000000d"] {
            let error = EvaluationDate::parse_relative_to(huge, now).expect_err("out of range");
            assert!(error.contains("out of range"), "{huge}: {error}");
        }
    }
}
