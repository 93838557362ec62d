//! The operations sections of the config: `[history]` (the history database and its retention)
//! and `[[notify]]` (webhooks, named by the environment variable that holds the URL).

use std::path::PathBuf;

use toml::Spanned;
use toml::de::DeValue;

use super::checker::Checker;
use super::types::{HistorySettings, NotifySettings};
use crate::notify::{Kind, Trigger};

const HISTORY_KEYS: &[&str] = &["path", "keep_days"];
const NOTIFY_KEYS: &[&str] = &["url_env", "kind", "on"];

pub(super) fn parse_history(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> HistorySettings {
    let mut settings = HistorySettings::default();
    let Some(table) = checker.table("history", value) else { return settings };
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "path" => settings.path = checker.string("history.path", value).map(PathBuf::from),
            "keep_days" => {
                let days = match value.get_ref() {
                    DeValue::Integer(integer) => integer.as_str().parse::<u32>().ok().filter(|days| *days > 0),
                    _ => None,
                };
                if days.is_none() {
                    checker.error(value.span().start, "history.keep_days must be a whole number of days, 1 or more");
                }
                settings.keep_days = days;
            }
            _ => checker.unknown_key("[history]", key, HISTORY_KEYS),
        }
    }
    settings
}

pub(super) fn parse_notify(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> Vec<NotifySettings> {
    let Some(entries) = value.get_ref().as_array() else {
        checker.error(value.span().start, "`notify` must be an array of tables: write [[notify]]");
        return Vec::new();
    };
    entries.iter().filter_map(|entry| parse_entry(checker, entry)).collect()
}

fn parse_entry(checker: &mut Checker<'_>, value: &Spanned<DeValue<'_>>) -> Option<NotifySettings> {
    let table = checker.table("notify", value)?;
    let line = checker.line(value.span().start);
    let (mut url_env, mut kind, mut on) = (None, None, Vec::new());
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "url_env" => url_env = checker.string("notify.url_env", value),
            "kind" => {
                if let Some(text) = checker.string("notify.kind", value) {
                    kind = Kind::parse(&text);
                    if kind.is_none() {
                        checker.error(
                            value.span().start,
                            format!("notify.kind '{text}' is not one of slack, teams, webhook"),
                        );
                    }
                }
            }
            "on" => {
                for trigger in checker.strings("notify.on", value) {
                    match trigger.value.parse::<Trigger>() {
                        Ok(parsed) => on.push(parsed),
                        Err(message) => checker.errors.push(crate::diag::Diagnostic::new(
                            checker.path,
                            Some(trigger.line),
                            format!("notify.on: {message}"),
                        )),
                    }
                }
            }
            "url" | "webhook" | "webhook_url" => checker.error(
                key.span().start,
                format!(
                    "`{}` would put the webhook URL, a secret, in the config; set url_env = \"NAME\" and put the URL \
                     in that environment variable",
                    key.get_ref()
                ),
            ),
            _ => checker.unknown_key("a [[notify]] entry", key, NOTIFY_KEYS),
        }
    }
    match url_env {
        Some(name) if !name.trim().is_empty() => Some(NotifySettings { url_env: name, kind, on, line }),
        _ => {
            checker.error(
                value.span().start,
                "a [[notify]] entry needs url_env: the environment variable that holds the webhook URL",
            );
            None
        }
    }
}
