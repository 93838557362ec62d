//! Talking to Salesforce: one HTTP client that owns the session, the API version, timeouts,
//! retries, the concurrency bound (fixed, or adapting to the org: [`adaptive`]) and the count of API calls ([`client`]); the Metadata API
//! SOAP operations ([`soap`]) and REST SOQL queries with paging ([`rest`]); the JWT bearer login
//! ([`auth`]). Nothing here knows what is collected or why.

pub(crate) mod adaptive;
pub mod auth;
pub mod client;
mod error;
pub(crate) mod http;
pub(crate) mod permits;
pub mod rest;
pub mod soap;

pub use client::{Client, Stats};
pub use error::SfError;
pub(crate) use permits::Priority;
