//! Drift between two runs: findings that appeared, were fixed or changed severity; apps added and
//! removed; and field-level setting changes judged weaker, stronger or neutral.

mod drift;
mod judge;

pub use drift::{Drift, Side, compare};
pub(crate) use drift::{Finding, ResourceName, compare_settings, settings};
pub(crate) use judge::Direction;
