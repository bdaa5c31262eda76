//! The journal's tables on PostgreSQL, and their versioned migrations, applied by one process at a
//! time.

use tokio_postgres::Client;

use super::{MIGRATION_LOCK, database_error, failed};
use crate::error::JournalError;

/// Each version's statements, in order: version `n` is `MIGRATIONS[n - 1]`. Only ever append.
/// 1: the first tables; 2: the Hub's `Webhook-Id` (`webhook_id`, `keyed`, `repeats`), one
/// delivery per endpoint and id among those admitted by it.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE webhooks_deliveries (
    id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    latency_ms DOUBLE PRECISION,
    scope TEXT,
    action TEXT,
    repo TEXT,
    background BOOLEAN NOT NULL,
    original_id TEXT,
    uri TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BYTEA NOT NULL,
    body_bytes BIGINT NOT NULL,
    body_hash BYTEA,
    next_attempt_at_ms BIGINT NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until_ms BIGINT
);
CREATE INDEX webhooks_deliveries_latest_about_repo ON webhooks_deliveries (endpoint, repo, id)
    WHERE body_hash IS NOT NULL;
CREATE INDEX webhooks_deliveries_queue ON webhooks_deliveries (endpoint, next_attempt_at_ms)
    WHERE status = 'queued';
CREATE INDEX webhooks_deliveries_running ON webhooks_deliveries (lease_until_ms)
    WHERE status = 'running';
",
    "
ALTER TABLE webhooks_deliveries ADD COLUMN webhook_id TEXT,
    ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX webhooks_deliveries_keyed ON webhooks_deliveries (endpoint, webhook_id)
    WHERE keyed;
CREATE INDEX webhooks_deliveries_by_webhook_id ON webhooks_deliveries (webhook_id)
    WHERE webhook_id IS NOT NULL;
",
];

/// The newest schema version this code knows.
pub(crate) const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the database's tables to [`SCHEMA_VERSION`], in one transaction under an advisory lock:
/// replicas starting at once on an empty database wait for the first one, then find the tables
/// made. Refuses a database a newer version of this code migrated.
pub(crate) async fn migrate(client: &mut Client, database: &str) -> Result<(), JournalError> {
    let transaction = client.transaction().await.map_err(database_error)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(database_error)?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS webhooks_journal_schema (version INTEGER NOT NULL)",
        )
        .await
        .map_err(database_error)?;
    let recorded = transaction
        .query_opt("SELECT version FROM webhooks_journal_schema", &[])
        .await
        .map_err(database_error)?;
    let version: i32 = match recorded {
        Some(row) => row.get(0),
        None => {
            transaction
                .execute(
                    "INSERT INTO webhooks_journal_schema (version) VALUES (0)",
                    &[],
                )
                .await
                .map_err(database_error)?;
            0
        }
    };
    if version > SCHEMA_VERSION {
        return Err(JournalError::new(format!(
            "the journal in {database} was written by a newer version of webhooks-runtime (journal schema {version}; this one knows up to {SCHEMA_VERSION}): run that version, or point WEBHOOKS_DATABASE_URL at another database"
        ))
        .with_kind(crate::error::JournalErrorKind::SchemaTooNew));
    }
    for (index, statements) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let to = index as i32 + 1;
        transaction
            .batch_execute(statements)
            .await
            .map_err(|e| failed(&format!("cannot migrate the journal to schema {to}"), e))?;
    }
    if version < SCHEMA_VERSION {
        transaction
            .execute(
                "UPDATE webhooks_journal_schema SET version = $1",
                &[&SCHEMA_VERSION],
            )
            .await
            .map_err(database_error)?;
        tracing::info!(
            from = version,
            to = SCHEMA_VERSION,
            "the journal's tables on PostgreSQL were migrated"
        );
    }
    transaction.commit().await.map_err(database_error)
}
