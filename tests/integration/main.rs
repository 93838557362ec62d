//! One integration-test binary (links once); modules mirror the `src/` files they exercise.

mod app;
mod common;
mod json;
mod project;
mod rules;
mod table;
