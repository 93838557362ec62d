//! sfaudit: security-posture scanner for Salesforce External Client Apps, Connected Apps and
//! org-wide OAuth settings.
//!
//! Pipeline: [`collect`] → [`model::Inventory`] → [`engine`] → [`engine::Results`] → [`gate`] →
//! [`report`]. [`app`] is the only user of [`cli`] and the only part that prints; the README's
//! Development section describes every module and the direction of their dependencies.

pub mod app;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diag;
pub mod diff;
pub mod document;
pub mod engine;
pub mod error;
pub mod escape;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod history;
pub mod input;
pub(crate) mod json_member;
pub mod limits;
pub mod logging;
pub mod model;
pub mod notify;
pub mod report;
pub mod salesforce;
pub mod xml;

pub use error::Error;

pub const TOOL_NAME: &str = "sfaudit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
