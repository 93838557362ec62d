//! Alerts from the command line and the config: `--notify URL` / `env:NAME` and `[[notify]]`
//! entries (whose URL is in the environment variable they name) resolved into webhooks before
//! the scan, so a mistake stops the run early; after it, the alert is posted to each webhook whose
//! triggers fired. A URL is never printed: messages name "notification N (kind)".

use secrecy::SecretString;

use super::console::print_stderr;
use crate::cli::NotifyOptions;
use crate::config::Config;
use crate::document::Report;
use crate::error::Error;
use crate::notify::{self, Endpoint, Kind, Retry, Trigger};

/// A webhook and when it gets an alert.
#[derive(Debug)]
pub(super) struct Alerting {
    endpoint: Endpoint,
    triggers: Vec<Trigger>,
}

fn from_environment(name: &str, label: &str) -> Result<SecretString, Error> {
    match std::env::var(name) {
        Ok(url) if !url.trim().is_empty() => Ok(SecretString::from(url)),
        _ => Err(Error::usage(
            format!("{label}: the environment variable {name} that should hold the webhook URL is not set"),
            format!("export {name}=<the webhook URL> (from your secret store), or remove the notification"),
        )),
    }
}

/// `slack=env:NAME` → the kind and the URL.
fn parse_cli(value: &str, position: usize) -> Result<(Option<Kind>, SecretString), Error> {
    let label = format!("notification {position}");
    let (kind, rest) = match value.split_once('=') {
        Some((prefix, rest)) if Kind::parse(prefix).is_some() && !prefix.contains(':') => (Kind::parse(prefix), rest),
        _ => (None, value),
    };
    let url = match rest.strip_prefix("env:") {
        Some(name) => from_environment(name.trim(), &label)?,
        None => SecretString::from(rest.to_string()),
    };
    Ok((kind, url))
}

/// Every webhook of the run, with its triggers; checks that each trigger can be decided.
pub(super) fn alerting(
    config: &Config,
    options: &NotifyOptions,
    history: bool,
    baseline: bool,
) -> Result<Vec<Alerting>, Error> {
    let default_triggers =
        if options.notify_on.is_empty() { vec![Trigger::GateFailure] } else { options.notify_on.clone() };
    let mut alerts = Vec::new();
    for value in &options.notify {
        let (kind, url) = parse_cli(value, alerts.len() + 1)?;
        let endpoint = Endpoint::new(url, kind, alerts.len() + 1).map_err(|error| {
            Error::usage(
                error.to_string(),
                "pass --notify https://… or --notify env:NAME, optionally with slack=, teams= or webhook=",
            )
        })?;
        alerts.push(Alerting { endpoint, triggers: default_triggers.clone() });
    }
    for entry in &config.notify {
        let label = format!("notification {} ([[notify]] at line {})", alerts.len() + 1, entry.line);
        let url = from_environment(&entry.url_env, &label)?;
        let endpoint = Endpoint::new(url, entry.kind, alerts.len() + 1)
            .map_err(|error| Error::usage(format!("{label}: {}", error.message), "the URL must be https://"))?;
        let triggers = if !options.notify_on.is_empty() || entry.on.is_empty() {
            default_triggers.clone()
        } else {
            entry.on.clone()
        };
        alerts.push(Alerting { endpoint, triggers });
    }
    let wanted = |trigger| alerts.iter().any(|alert| alert.triggers.contains(&trigger));
    if wanted(Trigger::NewFindings) && !history && !baseline {
        return Err(Error::usage(
            "--notify-on new-findings needs something to compare with",
            "add --history FILE (new since the previous scan) or --baseline FILE (new since the baseline)",
        ));
    }
    if wanted(Trigger::Drift) && !history {
        return Err(Error::usage(
            "--notify-on drift compares with the previous scan, which needs a history database",
            "add --history FILE, or set [history] path in sfaudit.toml",
        ));
    }
    Ok(alerts)
}

/// Posts the alert to every webhook whose triggers fired. A webhook that fails is a warning on
/// standard error; it does not change the exit code, which stays the scan's verdict.
pub(super) fn send(alerts: &[Alerting], report: &Report<'_>) {
    if alerts.is_empty() {
        return;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            print_stderr(&[format!("warning: no alert was sent: cannot start the async runtime: {error}")]);
            return;
        }
    };
    let mut lines = Vec::new();
    runtime.block_on(async {
        for alerting in alerts {
            let Some(alert) = notify::decide(report, &alerting.triggers) else { continue };
            let body = notify::payload::render(alerting.endpoint.kind, &alert);
            match notify::post(&alerting.endpoint, &body, Retry::default()).await {
                Ok(delivered) => lines.push(format!(
                    "sfaudit: alert ({}) sent to {} (HTTP {}, attempt {})",
                    alert.fired.iter().map(|trigger| trigger.as_str()).collect::<Vec<_>>().join(", "),
                    alerting.endpoint.label,
                    delivered.status,
                    delivered.attempts
                )),
                Err(error) => lines.push(format!("warning: alert not delivered: {error}")),
            }
        }
    });
    print_stderr(&lines);
}
