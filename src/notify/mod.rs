//! Alerts: `--notify URL` (or `[[notify]]` in the config) posts a summary to Slack, Microsoft
//! Teams or any JSON webhook when the gate fails, when new findings appear, or on drift
//! (`--notify-on`). [`alert`] decides whether and what; [`payload`] shapes it for each receiver;
//! [`send`] posts it with bounded retries, never showing the URL.

pub mod alert;
pub mod payload;
pub mod send;
mod trigger;

pub use alert::{Alert, decide};
pub use send::{Delivered, Endpoint, NotifyError, Retry, post};
pub use trigger::{Kind, Trigger};
