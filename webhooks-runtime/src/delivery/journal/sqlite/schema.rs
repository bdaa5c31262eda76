//! The SQLite journal's tables and indexes, and the upgrade of a file an earlier version wrote
//! (`PRAGMA user_version`).

use rusqlite::Connection;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    latency_ms REAL,
    scope TEXT,
    action TEXT,
    repo TEXT,
    background INTEGER NOT NULL,
    original_id TEXT,
    uri TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    body_hash BLOB,
    next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until_ms INTEGER,
    webhook_id TEXT,
    keyed INTEGER NOT NULL DEFAULT 0,
    repeats INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_latest_about_repo ON deliveries (endpoint, repo, id)
    WHERE body_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (endpoint, next_attempt_at_ms)
    WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS deliveries_running ON deliveries (endpoint) WHERE status = 'running';
";

/// The indexes on columns added since the first version: made once `upgrade` has added them.
/// One delivery per endpoint and `Webhook-Id` among those admitted by it (`keyed`), so no second
/// can be written, whatever the code around it does.
const INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_keyed ON deliveries (endpoint, webhook_id) WHERE keyed;
CREATE INDEX IF NOT EXISTS deliveries_by_webhook_id ON deliveries (webhook_id)
    WHERE webhook_id IS NOT NULL;
";

/// The schema version this code writes (`PRAGMA user_version`): 1 the first tables (journals
/// made before versions were recorded read 0 and have them), 2 adds the lease of a running
/// delivery (`owner`, `lease_until_ms`), 3 the Hub's `Webhook-Id` (`webhook_id`, `keyed`,
/// `repeats`). A journal with a higher one is refused: its tables would be misread.
pub(super) const SCHEMA_VERSION: i64 = 3;

/// Adds what versions after `version` added to tables `SCHEMA` did not create afresh.
fn upgrade(connection: &Connection, version: i64) -> rusqlite::Result<()> {
    // Duplicates are looked up by repo now (`deliveries_latest_about_repo`, made by `SCHEMA`).
    connection.execute_batch("DROP INDEX IF EXISTS deliveries_by_body")?;
    let has_column = |name: &str| -> rusqlite::Result<bool> {
        connection.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('deliveries') WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
    };
    if version < 2 && !has_column("owner")? {
        connection.execute_batch(
            "ALTER TABLE deliveries ADD COLUMN owner TEXT; \
             ALTER TABLE deliveries ADD COLUMN lease_until_ms INTEGER;",
        )?;
    }
    // Each column on its own: an upgrade cut short between two is finished at the next open.
    for (column, definition) in [
        ("webhook_id", "TEXT"),
        ("keyed", "INTEGER NOT NULL DEFAULT 0"),
        ("repeats", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        if version < 3 && !has_column(column)? {
            connection.execute_batch(&format!(
                "ALTER TABLE deliveries ADD COLUMN {column} {definition}"
            ))?;
        }
    }
    connection.execute_batch(INDEXES)
}

/// The schema version of the file `connection` opened (0 for a new file).
pub(super) fn version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Creates the tables (a new file), adds what versions after `version` added (an older one), and
/// records [`SCHEMA_VERSION`]. The caller refuses a `version` above [`SCHEMA_VERSION`] first.
pub(super) fn create_or_upgrade(connection: &Connection, version: i64) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)?;
    upgrade(connection, version)?;
    connection.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
}
