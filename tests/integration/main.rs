//! One integration-test binary (links once); modules mirror the `src/` files they exercise.

mod action;
mod adaptive;
mod app;
mod ci;
mod common;
mod config;
mod csv;
mod diff;
mod flaky;
mod fleet;
mod fuzz;
mod gate_bypass;
mod history;
mod hostile_input;
mod hostile_output;
mod html;
mod json;
mod junit;
mod login_reuse;
mod markdown;
mod notify;
mod ocsf;
mod org;
mod org_access;
mod paging;
mod policy;
mod project;
mod realworld9;
mod recorded;
mod report;
mod rules;
mod sarif;
mod secrets_read_back;
mod table;
mod tokens;
mod verdicts;

#[path = "../support/fake_org/mod.rs"]
mod fake_org;

#[path = "../support/webhook.rs"]
mod webhook;
