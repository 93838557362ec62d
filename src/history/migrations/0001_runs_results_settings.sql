-- sfaudit history database, version 1. Applied by rusqlite_migration (SQLite `user_version`).
-- Holds no secret: scores, counts, rule ids, app names, fingerprints, "your value" texts and the
-- apps' settings as `sfaudit diff` compares them (no raw metadata, no file contents, no tokens).

-- One row per recorded scan. `target` names what was scanned: the org id of a live scan (or of
-- the snapshot of one), else the scanned folder's absolute path or the snapshot's source.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    org_name TEXT NOT NULL,
    org_id TEXT,
    profile TEXT,
    source_kind TEXT NOT NULL,
    source_location TEXT NOT NULL,
    evaluated_at TEXT NOT NULL,
    evaluated_unix INTEGER NOT NULL,
    tool_version TEXT NOT NULL,
    rule_pack_version TEXT NOT NULL,
    score INTEGER,
    band TEXT NOT NULL,
    total INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    unknown INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    failed_critical INTEGER NOT NULL,
    failed_high INTEGER NOT NULL,
    failed_medium INTEGER NOT NULL,
    failed_low INTEGER NOT NULL,
    failed_info INTEGER NOT NULL,
    apps INTEGER NOT NULL,
    suppressed INTEGER NOT NULL,
    gate_failed INTEGER NOT NULL,
    incomplete INTEGER NOT NULL
);
CREATE INDEX runs_by_target ON runs (target, evaluated_unix, id);

-- What a finding is, stored once per target and fingerprint (the same rule and app give the same
-- fingerprint in every run).
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (target, fingerprint)
);

-- Each run's failing and unknown results (passes and not-applicable outcomes are only counted).
CREATE TABLE run_results (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    actual TEXT,
    suppressed INTEGER NOT NULL,
    PRIMARY KEY (run_id, finding_id)
) WITHOUT ROWID;
CREATE INDEX run_results_by_finding ON run_results (finding_id);

-- Each resource's settings, content-addressed: a record that did not change between runs is
-- stored once. `hash` is the SHA-256 of `body`.
CREATE TABLE settings (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE run_settings (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    hash TEXT NOT NULL REFERENCES settings (hash),
    PRIMARY KEY (run_id, resource_kind, resource_name)
) WITHOUT ROWID;
CREATE INDEX run_settings_by_hash ON run_settings (hash);
