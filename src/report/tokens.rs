//! `sfaudit tokens`: the token inventory as a table, JSON or CSV. Pure functions of the
//! inventory; every string from the org goes through [`crate::escape`].

use std::fmt::Write as _;

use serde::Serialize;

use crate::escape::{csv_field, csv_record, terminal, terminal_line};
use crate::model::{AppTokens, ResourceKind, TokenInventory};

/// What the listing is about: the org, the evaluation date and the unused threshold.
#[derive(Debug, Clone, Serialize)]
pub struct TokenListing<'a> {
    pub org_name: &'a str,
    pub org_id: &'a str,
    pub instance_url: &'a str,
    pub as_of: String,
    pub unused_days: i64,
    #[serde(flatten)]
    pub inventory: &'a TokenInventory,
}

/// Why an app's tokens belong in the revocation plan; empty when they do not.
pub(crate) fn revocation_reasons(app: &AppTokens, unused_days: i64) -> Vec<String> {
    let mut reasons = Vec::new();
    if !app.installed {
        reasons.push("not installed".to_string());
    }
    if !app.enabled {
        reasons.push("blocked (switched off in its policies)".to_string());
    }
    match app.days_since_last_used {
        None => reasons.push("never used".to_string()),
        Some(days) if days > unused_days => reasons.push(format!("unused for {days} days")),
        Some(_) => {}
    }
    reasons
}

fn kind(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ConnectedApp => "Connected App",
        ResourceKind::ExternalClientApp => "External Client App",
        ResourceKind::Org => "org",
    }
}

fn date(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_string(), |text| text.get(..10).unwrap_or(text).to_string())
}

/// One line of evidence: "tokens for uninstalled app X: 14 users, last used 2 days ago".
pub(crate) fn evidence(app: &AppTokens) -> String {
    let state = if app.installed { "app" } else { "uninstalled app" };
    let last = match app.days_since_last_used {
        None => "never used".to_string(),
        Some(0) => "last used today".to_string(),
        Some(1) => "last used 1 day ago".to_string(),
        Some(days) => format!("last used {days} days ago"),
    };
    format!(
        "tokens for {state} {}: {} user{}, {} token{}, {last}",
        app.label,
        app.user_count,
        if app.user_count == 1 { "" } else { "s" },
        app.token_count,
        if app.token_count == 1 { "" } else { "s" }
    )
}

pub fn table(listing: &TokenListing<'_>, details: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "OAuth tokens in {} ({}), as of {}: {} apps hold tokens",
        terminal_line(listing.org_name),
        terminal_line(listing.instance_url),
        listing.as_of,
        listing.inventory.apps.len()
    );
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_header([
        "App",
        "Kind",
        "Installed",
        "Users",
        "Tokens",
        "Uses",
        "First use",
        "Last use",
        "Revoke?",
        "Source",
    ]);
    for app in &listing.inventory.apps {
        let reasons = revocation_reasons(app, listing.unused_days);
        table.add_row([
            terminal(&app.label),
            kind(app.kind).to_string(),
            if app.installed { "yes" } else { "no" }.to_string(),
            app.user_count.to_string(),
            app.token_count.to_string(),
            app.use_count.to_string(),
            date(app.first_used.as_deref()),
            date(app.last_used.as_deref()),
            if reasons.is_empty() { "—".to_string() } else { reasons.join(", ") },
            terminal(&app.source),
        ]);
    }
    let _ = writeln!(out, "{table}");
    if details {
        for app in &listing.inventory.apps {
            let _ = writeln!(out, "\n{}", terminal_line(&evidence(app)));
            let mut users = comfy_table::Table::new();
            users.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            users.force_no_tty();
            users.set_header(["User id", "Username", "Tokens", "Uses", "First use", "Last use"]);
            for user in &app.users {
                users.add_row([
                    terminal(&user.user_id),
                    if user.username.is_empty() { "—".to_string() } else { terminal(&user.username) },
                    user.tokens.to_string(),
                    user.use_count.to_string(),
                    date(user.first_used.as_deref()),
                    date(user.last_used.as_deref()),
                ]);
            }
            let _ = writeln!(out, "{users}");
        }
    }
    for note in &listing.inventory.notes {
        let _ = writeln!(out, "note: {}", terminal_line(note));
    }
    out
}

pub fn json(listing: &TokenListing<'_>) -> String {
    let mut text = serde_json::to_string_pretty(listing).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// One row per app and user (an app without user rows gets one row with empty user columns).
pub fn csv(listing: &TokenListing<'_>) -> String {
    let mut out = String::new();
    let header = [
        "app_kind",
        "app_name",
        "app_label",
        "installed",
        "enabled",
        "source",
        "app_users",
        "app_tokens",
        "app_last_used",
        "days_since_last_used",
        "user_id",
        "username",
        "user_tokens",
        "user_uses",
        "user_first_used",
        "user_last_used",
    ];
    csv_record(&mut out, &header.map(str::to_string));
    for app in &listing.inventory.apps {
        let app_fields = [
            app.kind.as_str().to_string(),
            app.name.clone(),
            app.label.clone(),
            app.installed.to_string(),
            app.enabled.to_string(),
            app.source.clone(),
            app.user_count.to_string(),
            app.token_count.to_string(),
            app.last_used.clone().unwrap_or_default(),
            app.days_since_last_used.map(|days| days.to_string()).unwrap_or_default(),
        ];
        let mut write = |row: Vec<String>| {
            let row: Vec<String> = row.iter().map(|field| csv_field(field)).collect();
            csv_record(&mut out, &row);
        };
        if app.users.is_empty() {
            let mut row = app_fields.to_vec();
            row.extend(std::iter::repeat_n(String::new(), 6));
            write(row);
        }
        for user in &app.users {
            let mut row = app_fields.to_vec();
            row.extend([
                user.user_id.clone(),
                user.username.clone(),
                user.tokens.to_string(),
                user.use_count.to_string(),
                user.first_used.clone().unwrap_or_default(),
                user.last_used.clone().unwrap_or_default(),
            ]);
            write(row);
        }
    }
    out
}
