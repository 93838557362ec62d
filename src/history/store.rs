//! The history database: an SQLite file, opened in WAL mode with a busy timeout so several
//! scans (a fleet, overlapping cron jobs) can write to it at once; migrated on open.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use time::OffsetDateTime;

use super::record::{ResultRow, RunRecord};
use crate::diff::ResourceName;
use crate::model::{ResourceKind, Severity, Status};

/// How long a writer waits for another one before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema, one SQL file per version, in order. Never edit a released file: add the next.
const MIGRATIONS: &[M<'static>] = &[M::up(include_str!("migrations/0001_runs_results_settings.sql"))];

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot open the history database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("cannot prepare the history database {path}: {message}")]
    Migrate { path: String, message: String },
    #[error("the history database {path} failed: {source}")]
    Query { path: String, source: rusqlite::Error },
    #[error("the history database {path} holds a value sfaudit never writes: {source}")]
    Damaged { path: String, source: rusqlite::Error },
}

impl HistoryError {
    pub fn hint(&self) -> String {
        match self {
            Self::Open { .. } => "check that the folder exists and is writable".to_string(),
            Self::Migrate { .. } => {
                "the file is not an sfaudit history database, or one written by a newer sfaudit; pass another \
                 --history file"
                    .to_string()
            }
            Self::Query { .. } => {
                "another process may hold the database for longer than 30 s, or the disk is full; try again".to_string()
            }
            Self::Damaged { .. } => {
                "the file was edited or damaged: restore it from a backup, or pass a new --history file".to_string()
            }
        }
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRun {
    pub id: i64,
    pub target: String,
    pub org_name: String,
    pub org_id: Option<String>,
    pub profile: Option<String>,
    pub evaluated_at: OffsetDateTime,
    pub score: Option<u8>,
    pub band: String,
    pub failed: usize,
    pub unknown: usize,
    pub gate_failed: bool,
    pub incomplete: bool,
}

#[derive(Debug)]
pub struct Store {
    connection: Connection,
    path: PathBuf,
}

/// Puts the file in WAL mode, which lets readers and one writer work at once, and returns the
/// mode it is in. Converting the journal needs the file to itself, and SQLite does not wait on the
/// busy handler for it: two first runs opening a new file at once could fail at once. The mode is
/// kept in the file, so it is read first (later opens take no lock for it), and the conversion is
/// tried again until [`BUSY_TIMEOUT`].
fn write_ahead_log(connection: &Connection) -> rusqlite::Result<String> {
    let started = std::time::Instant::now();
    loop {
        let attempt =
            connection.pragma_query_value(None, "journal_mode", |row| row.get::<_, String>(0)).and_then(|mode| {
                if mode.eq_ignore_ascii_case("wal") {
                    Ok(mode)
                } else {
                    connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
                }
            });
        match attempt {
            Err(error)
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            outcome => return outcome,
        }
    }
}

impl Store {
    /// Opens (creating it when missing) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let shown = path.display().to_string();
        let open_error = |source| HistoryError::Open { path: shown.clone(), source };
        let mut connection = Connection::open(path).map_err(open_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        let mode = write_ahead_log(&connection).map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(HistoryError::Migrate {
                path: shown,
                message: format!("the file system refused write-ahead logging (journal mode {mode})"),
            });
        }
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(open_error)?;
        connection.pragma_update(None, "foreign_keys", "ON").map_err(open_error)?;
        // Migrations take the write lock up front, so two first runs wait for each other.
        connection.set_transaction_behavior(TransactionBehavior::Immediate);
        migrate(&mut connection, &shown)?;
        Ok(Self { connection, path: path.to_path_buf() })
    }

    fn query_error(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        |source| {
            let path = self.path.display().to_string();
            match source {
                rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
                | rusqlite::Error::InvalidColumnType(..) => HistoryError::Damaged { path, source },
                source => HistoryError::Query { path, source },
            }
        }
    }

    /// Appends a run; returns its id.
    pub fn record(&mut self, run: &RunRecord) -> Result<i64, HistoryError> {
        let path = self.path.display().to_string();
        let error = |source| HistoryError::Query { path: path.clone(), source };
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
        transaction
            .execute(
                "INSERT INTO runs (target, org_name, org_id, profile, source_kind, source_location, evaluated_at, \
                 evaluated_unix, tool_version, rule_pack_version, score, band, total, failed, unknown, passed, \
                 not_applicable, failed_critical, failed_high, failed_medium, failed_low, failed_info, apps, \
                 suppressed, gate_failed, incomplete) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
                 ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
                params![
                    run.target.key,
                    run.org_name,
                    run.org_id,
                    run.target.profile,
                    run.source_kind,
                    run.source_location,
                    crate::model::when::rfc3339(run.evaluated_at),
                    run.evaluated_at.unix_timestamp(),
                    run.tool_version,
                    run.rule_pack_version,
                    run.score,
                    run.band,
                    count(run.total),
                    count(run.by_status[0]),
                    count(run.by_status[1]),
                    count(run.by_status[2]),
                    count(run.by_status[3]),
                    count(run.failed_by_severity[0]),
                    count(run.failed_by_severity[1]),
                    count(run.failed_by_severity[2]),
                    count(run.failed_by_severity[3]),
                    count(run.failed_by_severity[4]),
                    count(run.apps),
                    count(run.suppressed),
                    run.gate_failed,
                    run.incomplete,
                ],
            )
            .map_err(error)?;
        let run_id = transaction.last_insert_rowid();
        {
            let mut find = transaction
                .prepare_cached("SELECT id FROM findings WHERE target = ?1 AND fingerprint = ?2")
                .map_err(error)?;
            let mut add_finding = transaction
                .prepare_cached(
                    "INSERT INTO findings (target, fingerprint, rule_id, resource_kind, resource_name, title) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(error)?;
            let mut add_result = transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO run_results (run_id, finding_id, status, severity, actual, suppressed) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(error)?;
            for result in &run.results {
                let existing: Option<i64> = find
                    .query_row(params![run.target.key, result.fingerprint], |row| row.get(0))
                    .optional()
                    .map_err(error)?;
                let finding_id = match existing {
                    Some(id) => id,
                    None => {
                        add_finding
                            .execute(params![
                                run.target.key,
                                result.fingerprint,
                                result.rule_id,
                                result.kind.as_str(),
                                result.name,
                                result.title
                            ])
                            .map_err(error)?;
                        transaction.last_insert_rowid()
                    }
                };
                add_result
                    .execute(params![
                        run_id,
                        finding_id,
                        result.status.as_str(),
                        result.severity.as_str(),
                        result.actual,
                        result.suppressed
                    ])
                    .map_err(error)?;
            }
            let mut add_body = transaction
                .prepare_cached("INSERT OR IGNORE INTO settings (hash, body) VALUES (?1, ?2)")
                .map_err(error)?;
            let mut add_settings = transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO run_settings (run_id, resource_kind, resource_name, hash) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(error)?;
            for settings in &run.settings {
                add_body.execute(params![settings.hash, settings.body]).map_err(error)?;
                add_settings
                    .execute(params![run_id, settings.kind.as_str(), settings.name, settings.hash])
                    .map_err(error)?;
            }
        }
        transaction.commit().map_err(error)?;
        Ok(run_id)
    }

    /// Deletes every run evaluated before `cutoff`, and what only those runs referred to.
    /// Returns how many runs were deleted.
    pub fn prune(&mut self, cutoff: OffsetDateTime) -> Result<usize, HistoryError> {
        let path = self.path.display().to_string();
        let error = |source| HistoryError::Query { path: path.clone(), source };
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
        let deleted = transaction
            .execute("DELETE FROM runs WHERE evaluated_unix < ?1", params![cutoff.unix_timestamp()])
            .map_err(error)?;
        if deleted > 0 {
            transaction
                .execute_batch(
                    "DELETE FROM findings WHERE id NOT IN (SELECT finding_id FROM run_results);
                     DELETE FROM settings WHERE hash NOT IN (SELECT hash FROM run_settings);",
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)?;
        Ok(deleted)
    }

    /// Every run, ordered by target, then evaluation date, then the order they were recorded in.
    pub(crate) fn runs(&self) -> Result<Vec<StoredRun>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, target, org_name, org_id, profile, evaluated_unix, score, band, failed, unknown, \
                 gate_failed, incomplete FROM runs ORDER BY target, evaluated_unix, id",
            )
            .map_err(self.query_error())?;
        let rows = statement
            .query_map([], |row| {
                let unix: i64 = row.get(5)?;
                let score: Option<u8> = row.get(6)?;
                if score.is_some_and(|score| score > 100) {
                    return Err(invalid(6, format!("runs.score {score:?} is not 0 to 100")));
                }
                let counted = |column: usize| -> rusqlite::Result<usize> {
                    let value: i64 = row.get(column)?;
                    usize::try_from(value).map_err(|_| invalid(column, format!("a count of {value}")))
                };
                Ok(StoredRun {
                    id: row.get(0)?,
                    target: row.get(1)?,
                    org_name: row.get(2)?,
                    org_id: row.get(3)?,
                    profile: row.get(4)?,
                    evaluated_at: OffsetDateTime::from_unix_timestamp(unix)
                        .map_err(|_| invalid(5, format!("runs.evaluated_unix {unix} is not a date")))?,
                    score,
                    band: row.get(7)?,
                    failed: counted(8)?,
                    unknown: counted(9)?,
                    gate_failed: row.get(10)?,
                    incomplete: row.get(11)?,
                })
            })
            .map_err(self.query_error())?;
        rows.collect::<Result<_, _>>().map_err(self.query_error())
    }

    /// The failing and unknown results of a run, by fingerprint.
    pub(crate) fn results(&self, run_id: i64) -> Result<BTreeMap<String, ResultRow>, HistoryError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT f.fingerprint, f.rule_id, f.resource_kind, f.resource_name, f.title, r.status, r.severity, \
                 r.actual, r.suppressed FROM run_results r JOIN findings f ON f.id = r.finding_id WHERE r.run_id = ?1",
            )
            .map_err(self.query_error())?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let kind: String = row.get(2)?;
                let status: String = row.get(5)?;
                let severity: String = row.get(6)?;
                let fingerprint: String = row.get(0)?;
                let status = [Status::Fail, Status::Unknown]
                    .into_iter()
                    .find(|known| known.as_str() == status)
                    .ok_or_else(|| invalid(5, format!("run_results.status {status:?} is not fail or unknown")))?;
                Ok((
                    fingerprint.clone(),
                    ResultRow {
                        fingerprint,
                        rule_id: row.get(1)?,
                        kind: resource_kind(2, &kind)?,
                        name: row.get(3)?,
                        title: row.get(4)?,
                        status,
                        severity: Severity::parse(&severity).ok_or_else(|| {
                            invalid(6, format!("run_results.severity {severity:?} is not a severity"))
                        })?,
                        actual: row.get(7)?,
                        suppressed: row.get(8)?,
                    },
                ))
            })
            .map_err(self.query_error())?;
        rows.collect::<Result<_, _>>().map_err(self.query_error())
    }

    /// Each resource's settings in a run, as [`crate::diff::settings`] made them.
    pub(crate) fn settings(&self, run_id: i64) -> Result<BTreeMap<ResourceName, serde_json::Value>, HistoryError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT r.resource_kind, r.resource_name, s.body FROM run_settings r JOIN settings s ON s.hash = r.hash \
                 WHERE r.run_id = ?1",
            )
            .map_err(self.query_error())?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let kind: String = row.get(0)?;
                let body: String = row.get(2)?;
                let settings = serde_json::from_str(&body)
                    .map_err(|error| invalid(2, format!("settings.body is not JSON: {error}")))?;
                Ok((ResourceName { kind: resource_kind(0, &kind)?, name: row.get(1)? }, settings))
            })
            .map_err(self.query_error())?;
        rows.collect::<Result<_, _>>().map_err(self.query_error())
    }
}

/// A value sfaudit never writes, found in `column` of a row.
fn invalid(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, message.into())
}

fn resource_kind(column: usize, kind: &str) -> rusqlite::Result<ResourceKind> {
    ResourceKind::parse(kind).ok_or_else(|| invalid(column, format!("{kind:?} is not a kind of resource")))
}

fn count(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Brings the schema to the latest version. Two processes opening a new file at once both see
/// version 0; the second waits for the first's transaction and then fails on the tables that
/// now exist, so it checks the version again before reporting an error.
fn migrate(connection: &mut Connection, path: &str) -> Result<(), HistoryError> {
    let migrations = Migrations::from_slice(MIGRATIONS);
    let mut last = String::new();
    for _ in 0..3 {
        match migrations.to_latest(connection) {
            Ok(()) => return Ok(()),
            Err(error) => {
                if migrations.pending_migrations(connection).is_ok_and(|pending| pending == 0) {
                    return Ok(());
                }
                last = error.to_string();
            }
        }
    }
    Err(HistoryError::Migrate { path: path.to_string(), message: last })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_runs_opening_a_new_file_at_once_all_open_it() {
        let folder = tempfile::tempdir().expect("temp dir");
        for round in 0..20 {
            let path = folder.path().join(format!("history-{round}.sqlite"));
            let start = std::sync::Barrier::new(8);
            std::thread::scope(|threads| {
                for _ in 0..8 {
                    threads.spawn(|| {
                        start.wait();
                        if let Err(error) = Store::open(&path) {
                            panic!("round {round}: {error}");
                        }
                    });
                }
            });
        }
    }

    #[test]
    fn migrations_are_valid() {
        assert_eq!(Migrations::from_slice(MIGRATIONS).validate(), Ok(()));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_with_its_name() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("notes.txt");
        std::fs::write(&path, "these are not the tables you are looking for\n".repeat(100)).expect("write");
        let error = Store::open(&path).expect_err("not a database");
        assert!(error.to_string().contains("notes.txt"), "{error}");
    }
}
