//! `sfaudit suppressions`: the configured suppressions and where each stands.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use time::Date;

use crate::escape::terminal_line;
use crate::gate::suppress::{ExpiryStatus, SuppressionRule};

pub(crate) fn render(suppressions: &[&SuppressionRule], today: Date) -> String {
    if suppressions.is_empty() {
        return "No suppressions.\n".to_string();
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled).force_no_tty();
    table.set_header(["Status", "Rule", "App", "Namespace", "Kind", "Expires", "Owner", "Ticket", "Reason", "Where"]);
    for suppression in suppressions {
        table.add_row([
            ExpiryStatus::of(suppression, today).to_string(),
            terminal_line(&suppression.rule),
            terminal_line(&suppression.app),
            match suppression.namespace.as_deref() {
                None => "any".to_string(),
                Some("") => "none (unpackaged)".to_string(),
                Some(namespace) => terminal_line(namespace),
            },
            suppression.kind.map_or("any", |kind| kind.as_str()).to_string(),
            suppression.expires.map_or_else(|| "never".to_string(), |date| date.to_string()),
            terminal_line(suppression.owner.as_deref().unwrap_or_default()),
            terminal_line(suppression.ticket.as_deref().unwrap_or_default()),
            terminal_line(&suppression.reason),
            terminal_line(&suppression.source),
        ]);
    }
    format!("{table}\n")
}
