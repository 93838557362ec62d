//! The body each kind of webhook gets for an [`Alert`]: pure functions to JSON.
//!
//! - Slack incoming webhook: `text` (the notification fallback) and Block Kit `blocks`: a
//!   `header` (plain text, at most 150 characters), `section`s in `mrkdwn`, a `context` line;
//!   link and media unfurling off. https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks
//! - Microsoft Teams: `{"type": "message", "attachments": [{"contentType":
//!   "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard 1.4>}]}`, which a
//!   Workflows "When a Teams webhook request is received" trigger posts to a channel.
//!   https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
//! - Generic webhook: the alert as a JSON document (`schema: "sfaudit.alert/1"`).
//!
//! Strings from the org or the project go through [`crate::escape::chat`] for Slack and Teams;
//! the generic document carries them as JSON strings.

use serde_json::{Value, json};

use super::alert::{Alert, AlertFinding};
use super::trigger::Kind;
use crate::escape::chat;

/// Slack truncates a header's plain text at 150 characters and refuses longer ones.
const SLACK_HEADER_LIMIT: usize = 150;

pub fn render(kind: Kind, alert: &Alert) -> Value {
    match kind {
        Kind::Slack => slack(alert),
        Kind::Teams => teams(alert),
        Kind::Webhook => webhook(alert),
    }
}

fn counts(alert: &Alert) -> String {
    let failed: Vec<String> = alert
        .failed_by_severity
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect();
    let failed = if failed.is_empty() { "none".to_string() } else { failed.join(", ") };
    format!("failed: {failed}; unknown: {}", alert.unknown)
}

fn score_line(alert: &Alert) -> String {
    let score = alert.score.map_or_else(|| "—".to_string(), |score| format!("{score}/100"));
    match alert.previous_score {
        Some(previous) => format!("{score} ({}), previously {previous}/100", alert.band),
        None => format!("{score} ({})", alert.band),
    }
}

fn finding_text(finding: &AlertFinding, escape: fn(&str) -> String) -> String {
    let value = finding.actual.as_deref().map(|actual| format!(" — {}", escape(actual))).unwrap_or_default();
    format!(
        "[{}] {} · {}: {}{value}",
        finding.severity,
        escape(&finding.rule_id),
        escape(&finding.app),
        escape(&finding.title)
    )
}

/// The lists an alert shows, each with its heading and how many were left out.
fn lists(alert: &Alert, escape: fn(&str) -> String) -> Vec<(String, Vec<String>)> {
    let more = |total: usize, shown: usize| (total > shown).then(|| format!("… and {} more", total - shown));
    let mut lists = Vec::new();
    if !alert.new.is_empty() {
        let mut lines: Vec<String> = alert.new.iter().map(|finding| finding_text(finding, escape)).collect();
        lines.extend(more(alert.new_total, alert.new.len()));
        lists.push((format!("New findings ({})", alert.new_total), lines));
    }
    if !alert.weaker.is_empty() {
        let mut lines: Vec<String> = alert.weaker.iter().map(|change| escape(change)).collect();
        lines.extend(more(alert.weaker_total, alert.weaker.len()));
        lists.push((format!("Settings that got weaker ({})", alert.weaker_total), lines));
    }
    if alert.new.is_empty() && !alert.worst.is_empty() {
        let mut lines: Vec<String> = alert.worst.iter().map(|finding| finding_text(finding, escape)).collect();
        lines.extend(more(alert.failed_total, alert.worst.len()));
        lists.push((format!("Worst findings ({})", alert.failed_total), lines));
    }
    lists
}

fn slack(alert: &Alert) -> Value {
    // The header is plain text, which Slack does not escape: it holds none of the org's text.
    let header = format!("sfaudit: {} ({})", alert.reason(), alert.score_text());
    let header: String = header.chars().take(SLACK_HEADER_LIMIT).collect();
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*", chat::slack(&alert.target))}}),
        json!({"type": "section", "fields": [
            {"type": "mrkdwn", "text": format!("*Score*\n{}", chat::slack(&score_line(alert)))},
            {"type": "mrkdwn", "text": format!("*Gate*\n{}", chat::slack(&alert.gate))},
            {"type": "mrkdwn", "text": format!("*Source*\n{}", chat::slack(&alert.source))},
            {"type": "mrkdwn", "text": format!("*Results*\n{}", chat::slack(&counts(alert)))},
        ]}),
    ];
    for (heading, lines) in lists(alert, chat::slack) {
        blocks.push(json!({"type": "divider"}));
        let body: Vec<String> = lines.iter().map(|line| format!("• {line}")).collect();
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{heading}*\n{}", body.join("\n"))}}),
        );
    }
    let triggers: Vec<&str> = alert.fired.iter().map(|trigger| trigger.as_str()).collect();
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!(
        "{} · evaluated {} · on {}", chat::slack(&alert.tool), alert.evaluated_at, triggers.join(", ")
    )}]}));
    json!({
        "text": chat::slack(&alert.headline()),
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

fn teams(alert: &Alert) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": chat::teams(&alert.headline())}),
        json!({"type": "FactSet", "facts": [
            {"title": "Score", "value": chat::teams(&score_line(alert))},
            {"title": "Gate", "value": chat::teams(&alert.gate)},
            {"title": "Source", "value": chat::teams(&alert.source)},
            {"title": "Results", "value": chat::teams(&counts(alert))},
            {"title": "Evaluated", "value": chat::teams(&alert.evaluated_at)},
        ]}),
    ];
    for (heading, lines) in lists(alert, chat::teams) {
        body.push(json!({"type": "TextBlock", "weight": "Bolder", "wrap": true, "separator": true, "text": heading}));
        for line in lines {
            body.push(json!({"type": "TextBlock", "wrap": true, "spacing": "None", "text": line}));
        }
    }
    let triggers: Vec<&str> = alert.fired.iter().map(|trigger| trigger.as_str()).collect();
    body.push(json!({"type": "TextBlock", "isSubtle": true, "size": "Small", "wrap": true,
        "text": format!("{} · on {}", chat::teams(&alert.tool), triggers.join(", "))}));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
            },
        }],
    })
}

fn finding_json(finding: &AlertFinding) -> Value {
    json!({
        "severity": finding.severity.as_str(),
        "rule_id": finding.rule_id,
        "title": finding.title,
        "app": finding.app,
        "actual": finding.actual,
    })
}

fn webhook(alert: &Alert) -> Value {
    json!({
        "schema": "sfaudit.alert/1",
        "summary": alert.headline(),
        "triggers": alert.fired.iter().map(|trigger| trigger.as_str()).collect::<Vec<_>>(),
        "target": alert.target,
        "org_id": alert.org_id,
        "source": alert.source,
        "evaluated_at": alert.evaluated_at,
        "score": alert.score,
        "band": alert.band,
        "previous_score": alert.previous_score,
        "gate": {"failed": alert.gate_failed, "description": alert.gate},
        "incomplete": alert.incomplete,
        "failed_by_severity": alert.failed_by_severity.iter()
            .map(|(severity, count)| (severity.as_str().to_string(), json!(count)))
            .collect::<serde_json::Map<String, Value>>(),
        "unknown": alert.unknown,
        "failed_total": alert.failed_total,
        "worst_findings": alert.worst.iter().map(finding_json).collect::<Vec<_>>(),
        "new_total": alert.new_total,
        "new_findings": alert.new.iter().map(finding_json).collect::<Vec<_>>(),
        "weaker_total": alert.weaker_total,
        "weaker_settings": alert.weaker,
        "tool": alert.tool,
    })
}
