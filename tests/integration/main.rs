//! One integration-test binary (links once); modules mirror the `src/` files they exercise.

mod action;
mod app;
mod ci;
mod common;
mod config;
mod csv;
mod diff;
mod fleet;
mod history;
mod html;
mod json;
mod junit;
mod markdown;
mod notify;
mod ocsf;
mod org;
mod policy;
mod project;
mod report;
mod rules;
mod sarif;
mod table;

#[path = "../support/fake_org/mod.rs"]
mod fake_org;

#[path = "../support/webhook.rs"]
mod webhook;
