//! The history database (`--history FILE` or `[history] path`): every scan appends its run,
//! summary and failing results, keyed by fingerprint, and its apps' settings; reports draw the
//! score trend and what changed since the previous scan from it, and `sfaudit history` prints
//! the timeline. SQLite in WAL mode, so concurrent scans can share one file; the schema is
//! migrated from the SQL files in `migrations/`. It never holds a secret.

mod record;
mod store;
mod view;

pub use record::{RunRecord, Target};
pub use store::{HistoryError, Store};
pub use view::{Filter, HistoryView, OpenFinding, RunChange, TREND_POINTS, TargetHistory, timeline, trend};
