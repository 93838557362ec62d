//! Reading values out of the spanned TOML tree, each problem recorded with its line; shared by
//! the config's sections.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::types::Located;
use crate::diag::{Diagnostic, LineIndex};

/// Keys that would hold a secret: refused with a pointer to the safe alternative.
const SECRET_KEYS: &[&str] = &[
    "jwt_key",
    "private_key",
    "key",
    "access_token",
    "token",
    "consumer_secret",
    "client_secret",
    "password",
    "secret",
];

pub(super) struct Checker<'t> {
    pub(super) path: &'t str,
    lines: LineIndex,
    pub(super) errors: Vec<Diagnostic>,
}

impl<'t> Checker<'t> {
    pub(super) fn new(path: &'t str, text: &str) -> Self {
        Self { path, lines: LineIndex::new(text), errors: Vec::new() }
    }

    pub(super) fn line(&self, offset: usize) -> u32 {
        self.lines.line(offset)
    }

    pub(super) fn error(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line(offset);
        self.errors.push(Diagnostic::new(self.path, Some(line), message));
    }

    pub(super) fn string(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<String> {
        match value.get_ref().as_str() {
            Some(text) => Some(text.to_string()),
            None => {
                self.error(
                    value.span().start,
                    format!("`{key}` must be a string, not a {}", value.get_ref().type_str()),
                );
                None
            }
        }
    }

    pub(super) fn strings(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Vec<Located<String>> {
        let Some(items) = value.get_ref().as_array() else {
            self.error(value.span().start, format!("`{key}` must be a list of strings"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(text) = self.string(key, item) {
                out.push(Located { value: text, line: self.line(item.span().start) });
            }
        }
        out
    }

    pub(super) fn table<'v, 'i>(&mut self, key: &str, value: &'v Spanned<DeValue<'i>>) -> Option<&'v DeTable<'i>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.error(value.span().start, format!("`{key}` must be a table"));
        }
        table
    }

    pub(super) fn unknown_key(&mut self, section: &str, key: &Spanned<std::borrow::Cow<'_, str>>, known: &[&str]) {
        let name = key.get_ref();
        let message = if SECRET_KEYS.contains(&name.as_ref()) {
            format!(
                "`{name}` would put a secret in the config; name where it is instead (jwt_key_file or jwt_key_env in an [orgs] profile)"
            )
        } else {
            format!("unknown key `{name}` in {section}; known keys: {}", known.join(", "))
        };
        self.error(key.span().start, message);
    }
}
