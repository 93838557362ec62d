//! sfaudit: security-posture scanner for Salesforce External Client Apps, Connected Apps and
//! org-wide OAuth settings.
//!
//! Pipeline: [`collect`] → [`model::Inventory`] → [`engine`] → [`engine::Results`] → [`report`].

pub mod app;
pub mod auth;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diff;
pub mod engine;
pub mod error;
pub mod live;
pub mod logging;
pub mod model;
pub mod policy;
pub mod report;
pub mod salesforce;

pub use error::Error;

pub const TOOL_NAME: &str = "sfaudit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
