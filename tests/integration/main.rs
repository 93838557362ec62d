//! One integration-test binary (links once); modules mirror the `src/` files they exercise.

mod app;
mod ci;
mod common;
mod config;
mod csv;
mod diff;
mod html;
mod json;
mod junit;
mod login_reuse;
mod markdown;
mod org;
mod org_access;
mod policy;
mod project;
mod realworld9;
mod report;
mod rules;
mod sarif;
mod table;
mod tokens;

#[path = "../support/fake_org/mod.rs"]
mod fake_org;
