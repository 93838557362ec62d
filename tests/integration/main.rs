//! One integration-test binary (links once); modules mirror the `src/` files they exercise.

mod app;
mod ci;
mod common;
mod config;
mod csv;
mod diff;
mod flaky;
mod fuzz;
mod hostile_input;
mod hostile_output;
mod html;
mod json;
mod junit;
mod markdown;
mod org;
mod policy;
mod project;
mod recorded;
mod report;
mod rules;
mod sarif;
mod table;

#[path = "../support/fake_org/mod.rs"]
mod fake_org;
