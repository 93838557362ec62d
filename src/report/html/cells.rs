//! Small pieces of markup the sections share: pills, app cells, the settings columns of "Apps at a
//! glance", and the score gauge.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::document::health_status;
use crate::engine::ResultView;
use crate::escape::html as escape;
use crate::model::{
    AppRecord, JwtTimeout, JwtTimeoutType, PermittedUsers, RefreshTokenPolicy, ResourceKind, Severity, Status, TimeUnit,
};

pub(super) fn gauge(score: Option<u8>, band: &str) -> String {
    // A half circle from the left (0) to the right (100), centre (110, 112), radius 90.
    const ARC: &str = "M20 112 A90 90 0 0 1 200 112";
    let mut svg = String::new();
    let label = match score {
        Some(score) => format!("Score {score} out of 100: {band}"),
        None => format!("No score: {band}"),
    };
    let _ = write!(
        svg,
        "<svg class=\"gauge\" viewBox=\"0 0 220 136\" width=\"240\" height=\"148\" role=\"img\" aria-label=\"{}\">",
        escape(&label)
    );
    let _ = write!(svg, "<path d=\"{ARC}\" fill=\"none\" stroke=\"#ecebea\" stroke-width=\"22\"/>");
    if let Some(score) = score.filter(|score| *score > 0) {
        let _ = write!(
            svg,
            "<path d=\"{ARC}\" fill=\"none\" stroke=\"{}\" stroke-width=\"22\" pathLength=\"100\" stroke-dasharray=\"{score} 100\"/>",
            band_color(Some(band_score(band).unwrap_or(score)))
        );
    }
    // The band scale, drawn thin outside the arc.
    const SCALE: &str = "M4 112 A106 106 0 0 1 216 112";
    for (from, to, band_score) in [(0, 55, 0), (55, 70, 60), (70, 80, 75), (80, 90, 85), (90, 100, 95)] {
        let _ = write!(
            svg,
            "<path d=\"{SCALE}\" fill=\"none\" stroke=\"{}\" stroke-width=\"4\" pathLength=\"100\" \
             stroke-dasharray=\"0 {from} {} 200\"/>",
            band_color(Some(band_score)),
            to - from
        );
    }
    let number = score.map_or_else(|| "—".to_string(), |score| score.to_string());
    let _ = writeln!(
        svg,
        "<text x=\"110\" y=\"100\" text-anchor=\"middle\" class=\"score\" id=\"score\">{number}</text>\
         <text x=\"110\" y=\"126\" text-anchor=\"middle\" class=\"outof\">out of 100</text>\
         <text x=\"20\" y=\"132\" text-anchor=\"middle\" class=\"end\">0</text>\
         <text x=\"200\" y=\"132\" text-anchor=\"middle\" class=\"end\">100</text></svg>"
    );
    svg
}

pub(super) fn band_color(score: Option<u8>) -> &'static str {
    match score {
        None => "#939393",
        Some(90..) => "#2e844a",
        Some(80..=89) => "#41b658",
        Some(70..=79) => "#e4a201",
        Some(55..=69) => "#fe7f24",
        Some(_) => "#ba0517",
    }
}

/// A score inside `band`, so colours follow the band a cap may have lowered, not the score.
fn band_score(band: &str) -> Option<u8> {
    match band {
        "Excellent" => Some(95),
        "Very Good" => Some(85),
        "Good" => Some(75),
        "Poor" => Some(60),
        "Very Poor" => Some(0),
        _ => None,
    }
}

pub(super) fn band_class(band: &str) -> &'static str {
    match band_score(band) {
        None => "none",
        Some(90..) => "excellent",
        Some(80..=89) => "very-good",
        Some(70..=79) => "good",
        Some(55..=69) => "poor",
        Some(_) => "very-poor",
    }
}

pub(super) fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Org => "Org settings",
        other => other.label(),
    }
}

pub(super) fn status_class(status: &str) -> &'static str {
    match status {
        "Critical" => "critical",
        "Warning" => "warning",
        "Compliant" => "compliant",
        "Unknown" => "unknown",
        "Informational" => "informational",
        _ => "na",
    }
}

pub(super) fn pill(status: &str) -> String {
    format!("<span class=\"pill s-{}\">{status}</span>", status_class(status))
}

/// The app's own worst status; suppressed failures and failed informational controls do not raise it.
pub(super) fn worst_status(results: &[ResultView<'_>]) -> &'static str {
    let rank = |result: &ResultView<'_>| match (result.status, result.suppression.is_some()) {
        (Status::Fail, false) if result.severity >= Severity::High => 4,
        (Status::Fail, false) if result.severity >= Severity::Low => 3,
        (Status::Unknown, _) => 2,
        (Status::Pass | Status::Fail, _) => 1,
        (Status::NotApplicable, _) => 0,
    };
    match results.iter().map(rank).max() {
        Some(4) => "Critical",
        Some(3) => "Warning",
        Some(2) => "Unknown",
        Some(1) => "Compliant",
        _ => "Not applicable",
    }
}

pub(super) fn findings(results: &[ResultView<'_>]) -> String {
    let mut counts: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for result in results {
        let key = match (result.status, result.suppression.is_some()) {
            (Status::Fail, true) => (4, "suppressed"),
            (Status::Fail, false) => match health_status(result.status, result.severity) {
                "Critical" => (0, "critical"),
                "Warning" => (1, "warning"),
                _ => (2, "informational"),
            },
            (Status::Unknown, _) => (3, "unknown"),
            _ => continue,
        };
        *counts.entry(key).or_default() += 1;
    }
    if counts.is_empty() {
        return "<span class=\"muted\">none</span>".to_string();
    }
    counts
        .into_iter()
        .map(|((_, word), count)| format!("<span class=\"f-{word}\">{count} {word}</span>"))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub(super) fn app_cell(app: &AppRecord) -> String {
    let mut cell = format!("<b>{}</b>", escape(&app.name));
    if !app.label.is_empty() && app.label != app.name {
        let _ = write!(cell, "<span class=\"small\">{}</span>", escape(&app.label));
    }
    let _ = write!(cell, "<span class=\"small kind\">{}</span>", kind_label(app.kind));
    if !app.namespace.is_empty() {
        let _ = write!(cell, "<span class=\"small\">namespace {}</span>", escape(&app.namespace));
    }
    if !app.enabled {
        cell.push_str(" <span class=\"pill s-na\">disabled</span>");
    }
    cell
}

/// The reason `path` (or a parent of it) was not available for this app.
pub(super) fn missing_reason<'a>(app: &'a AppRecord, path: &str) -> Option<&'a str> {
    app.missing
        .iter()
        .find(|(missing, _)| path == missing.as_ref() || path.starts_with(&format!("{missing}.")))
        .map(|(_, reason)| reason.as_ref())
}

pub(super) fn unknown_cell(reason: &str) -> String {
    format!("<span class=\"muted\" title=\"{}\">unknown</span>", escape(reason))
}

pub(super) fn jwt_bearer(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "oauth.flows") {
        return unknown_cell(reason);
    }
    match app.oauth.as_ref().map(|oauth| oauth.flows.as_ref().map(|flows| flows.jwt_bearer)) {
        Some(Some(true)) => "<span class=\"yes\">yes</span>".to_string(),
        Some(Some(false)) => "no".to_string(),
        Some(None) => "<span class=\"muted\">unknown</span>".to_string(),
        None => "<span class=\"muted\">no OAuth</span>".to_string(),
    }
}

pub(super) fn permitted_users(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.permitted_users") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let assigned = policy.profiles.len() + policy.permission_sets.len();
    match policy.permitted_users {
        PermittedUsers::AdminApproved => {
            let detail = match (policy.profiles.len(), policy.permission_sets.len()) {
                (0, 0) => "no profile or permission set".to_string(),
                (profiles, sets) => {
                    let mut parts = Vec::new();
                    if profiles > 0 {
                        parts.push(format!("{profiles} profile{}", plural(i64::try_from(profiles).unwrap_or(2))));
                    }
                    if sets > 0 {
                        parts.push(format!("{sets} permission set{}", plural(i64::try_from(sets).unwrap_or(2))));
                    }
                    parts.join(", ")
                }
            };
            let class = if assigned == 0 { "small warn-text" } else { "small" };
            format!("Admin approved<span class=\"{class}\">pre-authorized: {detail}</span>")
        }
        PermittedUsers::AllSelfAuthorized => "<span class=\"bad-text\">All users may self-authorize</span>".to_string(),
    }
}

pub(super) fn refresh_token(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.refresh_token") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let refresh = &policy.refresh_token;
    let period = match (refresh.period, refresh.unit) {
        (Some(period), Some(unit)) => {
            let unit = match unit {
                TimeUnit::Hours => "hour",
                TimeUnit::Days => "day",
                TimeUnit::Months => "month",
            };
            format!("{period} {unit}{}", plural(period))
        }
        (Some(period), None) => period.to_string(),
        _ => "a set period".to_string(),
    };
    match refresh.policy {
        RefreshTokenPolicy::Zero => "Expire immediately".to_string(),
        RefreshTokenPolicy::Infinite => "<span class=\"bad-text\">Valid until revoked</span>".to_string(),
        RefreshTokenPolicy::SpecificLifetime => format!("Expires after {period}"),
        RefreshTokenPolicy::SpecificInactivity => format!("Expires if unused for {period}"),
    }
}

pub(super) fn jwt_timeout(app: &AppRecord) -> String {
    if let Some(reason) = missing_reason(app, "policy.named_user_jwt_timeout") {
        return unknown_cell(reason);
    }
    let Some(policy) = &app.policy else { return "<span class=\"muted\">unknown</span>".to_string() };
    let text = match &policy.named_user_jwt_timeout {
        None => return "<span class=\"muted\">—</span>".to_string(),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::UserSession, .. }) => "User session".to_string(),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::Custom, minutes: Some(minutes) }) => format!("{minutes} min"),
        Some(JwtTimeout { timeout_type: JwtTimeoutType::Custom, minutes: None }) => "custom".to_string(),
    };
    let tokens_off = app.oauth.as_ref().and_then(|oauth| oauth.jwt_access_tokens) == Some(false);
    if tokens_off { format!("{text}<span class=\"small\">JWT tokens off</span>") } else { text }
}

pub(super) fn plural(count: i64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

pub(super) fn lifetime(days: i64) -> String {
    if days >= 730 { format!("{} years", days / 365) } else { format!("{days} days") }
}

pub(super) fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(limit - 1).collect();
        short.push('…');
        short
    }
}

pub(super) fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

pub(super) fn julian(text: &str) -> Option<i32> {
    parse_time(text).map(|time| time.to_offset(UtcOffset::UTC).date().to_julian_day())
}

pub(super) fn julian_to_date(day: i32) -> Option<Date> {
    Date::from_julian_day(day).ok()
}

pub(super) fn date_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

pub(super) fn date_or_raw(text: &str) -> String {
    parse_time(text).map_or_else(|| escape(text), |time| date_text(time.to_offset(UtcOffset::UTC).date()))
}
