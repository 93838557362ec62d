//! The rule engine: rule files, CEL, and every (rule, resource) pair given exactly one outcome.
//!
//! Nothing here knows where the inventory came from or how results are shown.

mod assumed;
mod budget;
pub(crate) mod cel;
mod embedded;
pub(crate) mod evaluate;
pub(crate) mod fixtures;
pub(crate) mod kleene;
mod memo;
mod reads;
mod record_json;
mod result;
pub mod rule;
pub(crate) mod rule_files;
pub(crate) mod schema;

pub(crate) use evaluate::evaluate;
pub use result::{BaselineState, Fingerprint, Outcome, ResourceRef, ResultView, Results, RuleResult, Suppression};
pub(crate) use result::{LOCATION_FILES, TableIndex};
pub use rule::{DeclaredConfidence, Rule, RuleMeta, RuleSet, RuleSource};
