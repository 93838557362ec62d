//! `sfaudit suppressions`: the configured suppressions and where each stands.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use time::Date;

use crate::config::SuppressionRule;
use crate::config::suppress::EXPIRY_NOTICE_DAYS;

pub fn render(suppressions: &[&SuppressionRule], today: Date) -> String {
    if suppressions.is_empty() {
        return "No suppressions.\n".to_string();
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled).force_no_tty();
    table.set_header(["Status", "Rule", "App", "Kind", "Expires", "Owner", "Ticket", "Reason", "Where"]);
    for suppression in suppressions {
        let status = match suppression.expires {
            Some(expires) if expires < today => "expired".to_string(),
            Some(expires) if (expires - today).whole_days() <= EXPIRY_NOTICE_DAYS => {
                format!("expires in {} days", (expires - today).whole_days())
            }
            _ => "active".to_string(),
        };
        table.add_row([
            status,
            suppression.rule.clone(),
            suppression.app.clone(),
            suppression.kind.map_or("any", |kind| kind.as_str()).to_string(),
            suppression.expires.map_or_else(|| "never".to_string(), |date| date.to_string()),
            suppression.owner.clone().unwrap_or_default(),
            suppression.ticket.clone().unwrap_or_default(),
            suppression.reason.clone(),
            suppression.source.clone(),
        ]);
    }
    format!("{table}\n")
}
