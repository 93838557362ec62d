//! The rule engine: rule files, CEL, and every (rule, resource) pair given exactly one outcome.
//!
//! Nothing here knows where the inventory came from or how results are shown.

pub mod cel;
mod embedded;
pub mod evaluate;
pub mod fixtures;
mod result;
pub mod rule;
pub mod schema;

pub use evaluate::{evaluate, fingerprint};
pub use result::{BaselineState, Outcome, ResourceRef, Results, RuleResult, Suppression};
pub use rule::{Rule, RuleMeta, RuleSet, RuleSource};
