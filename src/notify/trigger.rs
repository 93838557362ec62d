//! When an alert is sent (`--notify-on`) and which payload a webhook gets.

use std::fmt;
use std::str::FromStr;

/// An event worth an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// The gate failed (exit 1), or a live scan was incomplete (exit 3).
    GateFailure,
    /// A finding failing now that did not fail in the previous run (history) or the baseline.
    NewFindings,
    /// Since the previous run in the history: a new finding or a setting judged weaker.
    Drift,
}

impl Trigger {
    pub const ALL: [Trigger; 3] = [Self::GateFailure, Self::NewFindings, Self::Drift];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GateFailure => "gate-failure",
            Self::NewFindings => "new-findings",
            Self::Drift => "drift",
        }
    }
}

impl FromStr for Trigger {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|trigger| trigger.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("'{text}' is not one of gate-failure, new-findings, drift"))
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The payload shape a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Slack incoming webhook: `text` plus Block Kit `blocks`.
    Slack,
    /// Microsoft Teams (a Workflows "When a Teams webhook request is received" trigger, or a
    /// remaining Incoming Webhook): a message with one Adaptive Card attachment.
    Teams,
    /// Any other receiver: the alert as a plain JSON document.
    Webhook,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Self::Slack, Self::Teams, Self::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Teams => "teams",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The payload a host expects when the user did not name one: Slack's and Microsoft's
    /// webhook hosts, else the generic JSON document.
    pub fn for_host(host: &str) -> Self {
        let host = host.to_ascii_lowercase();
        if host == "hooks.slack.com" {
            Self::Slack
        } else if host.ends_with(".webhook.office.com")
            || host == "outlook.office.com"
            || host.ends_with(".logic.azure.com")
            || host.ends_with(".powerplatform.com")
            || host.ends_with(".powerautomate.com")
        {
            Self::Teams
        } else {
            Self::Webhook
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_and_kinds_parse_by_name() {
        assert_eq!("new-findings".parse(), Ok(Trigger::NewFindings));
        assert!("sometimes".parse::<Trigger>().is_err());
        assert_eq!(Kind::parse("Teams"), Some(Kind::Teams));
        assert_eq!(Kind::for_host("hooks.slack.com"), Kind::Slack);
        assert_eq!(Kind::for_host("prod-12.westeurope.logic.azure.com"), Kind::Teams);
        assert_eq!(Kind::for_host("contoso.webhook.office.com"), Kind::Teams);
        assert_eq!(Kind::for_host("siem.example.com"), Kind::Webhook);
    }
}
