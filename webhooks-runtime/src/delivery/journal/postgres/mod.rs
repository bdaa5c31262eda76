//! The journal on PostgreSQL, shared by any number of server processes: claims lock rows with
//! `FOR UPDATE SKIP LOCKED` and take a lease, results are fenced by attempt, duplicates are
//! looked for and written under one advisory lock per endpoint, and maintenance (rescue,
//! retention) runs on one process at a time. No transaction stays open while a handler runs.
//!
//! The [`Journal`] trait is blocking; tokio-postgres is async. The store owns a small runtime
//! (one thread) where its connections live: each call is sent there and waited for, from
//! whichever thread makes it.

mod connect;
mod listen;
mod schema;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use deadpool_postgres::{GenericClient as _, Object, Pool};
use sha2::{Digest as _, Sha256};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::status::{
    compared_with_copies_sql, finished_sql, makes_copies_duplicates_sql, unfinished_sql,
};

use super::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery, SeenAgain, body_hash, smallest_id_at,
};

/// The `NOTIFY` channel a queued delivery's endpoint is announced on.
const CHANNEL: &str = "webhooks_deliveries";

/// Advisory lock keys ("webhooks" in ASCII, then a number): migrations, rescue, retention.
const MIGRATION_LOCK: i64 = 0x7765_6268_6f6f_6b00;
const RESCUE_LOCK: i64 = MIGRATION_LOCK + 1;
const RETENTION_LOCK: i64 = MIGRATION_LOCK + 2;

/// The longest a journal call may take before it fails: a database that stopped answering must
/// not hold a worker or a request forever.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How often workers look for deliveries other processes queued or rescued.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Rows removed per statement by the retention, so no pass holds many locks or a long
/// transaction.
const PRUNE_BATCH: i64 = 500;

const COLUMNS: &str = "id, endpoint, received_at_ms, status, attempts, last_error, latency_ms, scope, action, repo, \
                       background, original_id, uri, headers, body, next_attempt_at_ms, body_hash IS NOT NULL, \
                       webhook_id, repeats";

/// The same columns without the body, for listings.
const LISTED_COLUMNS: &str = "id, endpoint, received_at_ms, status, attempts, last_error, latency_ms, scope, action, repo, \
                              background, original_id, uri, headers, ''::bytea, next_attempt_at_ms, body_hash IS NOT NULL, \
                              webhook_id, repeats";

const INSERT: &str = "INSERT INTO webhooks_deliveries (id, endpoint, received_at_ms, status, attempts, \
    last_error, latency_ms, scope, action, repo, background, original_id, uri, headers, body, body_bytes, \
    body_hash, next_attempt_at_ms, webhook_id, repeats) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
    ON CONFLICT (id) DO UPDATE SET endpoint = EXCLUDED.endpoint, received_at_ms = EXCLUDED.received_at_ms, \
    status = EXCLUDED.status, attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, \
    latency_ms = EXCLUDED.latency_ms, scope = EXCLUDED.scope, action = EXCLUDED.action, repo = EXCLUDED.repo, \
    background = EXCLUDED.background, original_id = EXCLUDED.original_id, uri = EXCLUDED.uri, \
    headers = EXCLUDED.headers, body = EXCLUDED.body, body_bytes = EXCLUDED.body_bytes, \
    body_hash = EXCLUDED.body_hash, next_attempt_at_ms = EXCLUDED.next_attempt_at_ms, \
    webhook_id = EXCLUDED.webhook_id, repeats = EXCLUDED.repeats, owner = NULL, \
    lease_until_ms = NULL";

/// Finished: what the retention may remove.
const FINISHED: &str = finished_sql!();

/// A [`Journal`] on PostgreSQL, which several server processes share: select it with
/// `WEBHOOKS_DATABASE_URL` or
/// [`WebhooksServerBuilder::database_url`](crate::WebhooksServerBuilder::database_url), or make
/// one to hand to [`journal_store`](crate::WebhooksServerBuilder::journal_store). Needs the
/// `postgres` feature.
///
/// ```no_run
/// use webhooks_runtime::deliveries::PostgresJournal;
///
/// let journal = PostgresJournal::connect("postgres://bot:secret@db.internal/hub?sslmode=require")?;
/// println!("journal in {}", journal.database());
/// # Ok::<(), webhooks_runtime::deliveries::JournalError>(())
/// ```
pub struct PostgresJournal {
    pool: Pool,
    /// The database's clock minus this process's: leases are kept in the database's time, so
    /// replicas whose clocks disagree agree on when a lease lapses.
    skew_ms: Arc<Skew>,
    /// Where the connections live; shut down without waiting when the journal is dropped.
    runtime: Option<tokio::runtime::Runtime>,
    target: connect::Target,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("database", &self.target.described)
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresJournal {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A database error with what PostgreSQL said (its message, not only "db error").
use crate::error::JournalErrorKind;

fn database_error(error: tokio_postgres::Error) -> JournalError {
    failed("PostgreSQL failed", error)
}

fn failed(context: &str, error: tokio_postgres::Error) -> JournalError {
    let said = match error.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        // tokio-postgres says "error performing TLS handshake" and keeps why in its sources.
        None => {
            let mut said = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                said = format!("{said}: {cause}");
                source = cause.source();
            }
            said
        }
    };
    JournalError::new(context).with_source(said)
}

impl PostgresJournal {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, with
    /// `?sslmode=require` for a managed database; `sslrootcert=` or `PGSSLROOTCERT` names a PEM
    /// file of authorities to trust besides the public ones) and brings its tables to this
    /// version's schema. Several processes may do this at once.
    ///
    /// # Errors
    ///
    /// A malformed URL, an unreachable database, refused credentials, or a database migrated by
    /// a newer version of this crate. Messages name `user@host:port/database`, never the
    /// password.
    ///
    /// ```no_run
    /// use webhooks_runtime::deliveries::PostgresJournal;
    ///
    /// let url = std::env::var("WEBHOOKS_DATABASE_URL").unwrap();
    /// let journal = PostgresJournal::connect(&url)?;
    /// # Ok::<(), webhooks_runtime::deliveries::JournalError>(())
    /// ```
    pub fn connect(url: &str) -> Result<Self, JournalError> {
        let target = connect::Target::parse(url)?;
        let tls = target.tls()?;
        let pool = target.pool(tls.clone())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("webhooks-postgres")
            .enable_all()
            .build()
            .map_err(|e| JournalError::new("cannot start the PostgreSQL client").with_source(e))?;
        let journal = PostgresJournal {
            pool,
            skew_ms: Arc::default(),
            runtime: Some(runtime),
            target,
            tls,
        };
        let described = journal.target.described.clone();
        let skew = Arc::clone(&journal.skew_ms);
        journal
            .call(move |pool| async move {
                let mut client = connection(&pool).await?;
                schema::migrate(&mut client, &described).await?;
                measure_skew(&client, &skew).await
            })
            .map_err(|error| {
                // At connection time, what is not a known kind means the database is not usable now.
                let kind = match error.kind() {
                    JournalErrorKind::Other => JournalErrorKind::Unavailable,
                    known => known,
                };
                let said = error.to_string();
                let said = said.strip_prefix("delivery journal: ").unwrap_or(&said);
                JournalError::new(format!("cannot use PostgreSQL at {}", journal.database()))
                    .with_kind(kind)
                    .with_source(said.to_owned())
            })?;
        Ok(journal)
    }

    /// The database, as `user@host:port/database` (no password).
    ///
    /// ```no_run
    /// # let journal = webhooks_runtime::deliveries::PostgresJournal::connect("postgres://bot@localhost/hub")?;
    /// assert_eq!(journal.database(), "bot@localhost:5432/hub");
    /// # Ok::<(), webhooks_runtime::deliveries::JournalError>(())
    /// ```
    pub fn database(&self) -> &str {
        &self.target.described
    }

    /// Runs `work` on the journal's runtime with a connection pool, waiting for its answer at
    /// most [`CALL_TIMEOUT`].
    fn call<T, F>(&self, work: impl FnOnce(Pool) -> F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, JournalError>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(JournalError::new("the PostgreSQL journal is closed")
                .with_kind(JournalErrorKind::Unavailable));
        };
        let work = work(self.pool.clone());
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let result = tokio::time::timeout(CALL_TIMEOUT, work)
                .await
                .unwrap_or_else(|_| {
                    Err(JournalError::new(format!(
                        "PostgreSQL did not answer within {} s",
                        CALL_TIMEOUT.as_secs()
                    ))
                    .with_kind(JournalErrorKind::Unavailable))
                });
            let _ = answer.send(result);
        });
        answered
            .recv()
            .unwrap_or_else(|_| Err(JournalError::new("the PostgreSQL journal stopped")))
    }
}

/// How far the database's clock is from this process's, in milliseconds, and when it was
/// measured (this process's milliseconds).
#[derive(Debug, Default)]
struct Skew {
    offset_ms: AtomicI64,
    measured_at_ms: AtomicI64,
}

/// How often the clocks' offset is measured again.
const SKEW_REFRESH_MS: i64 = 10 * 60 * 1000;

impl Skew {
    fn get(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    fn is_stale(&self) -> bool {
        super::now_ms() - self.measured_at_ms.load(Ordering::Relaxed) > SKEW_REFRESH_MS
    }
}

/// Measures how far the database's clock is from this process's, for leases.
async fn measure_skew(client: &Object, skew: &Skew) -> Result<(), JournalError> {
    let before = super::now_ms();
    let row = client
        .query_one(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
            &[],
        )
        .await
        .map_err(database_error)?;
    let after = super::now_ms();
    let database: i64 = row.get(0);
    skew.offset_ms
        .store(database - (before + after) / 2, Ordering::Relaxed);
    skew.measured_at_ms.store(after, Ordering::Relaxed);
    Ok(())
}

/// A connection from the pool.
async fn connection(pool: &Pool) -> Result<Object, JournalError> {
    pool.get().await.map_err(|error| match error {
        deadpool_postgres::PoolError::Backend(error) => failed("cannot reach PostgreSQL", error),
        deadpool_postgres::PoolError::Timeout(_) => JournalError::new(format!(
            "no PostgreSQL connection within {} s",
            connect::CONNECT_TIMEOUT.as_secs()
        )),
        other => JournalError::new("cannot reach PostgreSQL").with_source(other),
    })
}

/// The advisory lock taken to admit a delivery to `endpoint` with the Hub's `webhook_id`: copies
/// admitted by several processes at once take turns, other ids do not wait.
fn admit_lock(endpoint: &str, webhook_id: &str) -> i64 {
    let mut digest = Sha256::new();
    digest.update(b"webhooks-admit:");
    digest.update(endpoint.as_bytes());
    digest.update([0]);
    digest.update(webhook_id.as_bytes());
    let digest = digest.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The advisory lock taken to enqueue a delivery about `repo` to `endpoint` when duplicates are
/// looked for: whether it repeats the latest about that repo is decided one delivery at a time
/// (copies offered by several processes at once take turns), other repos do not wait.
fn enqueue_lock(endpoint: &str, repo: Option<&str>) -> i64 {
    let mut digest = Sha256::new();
    digest.update(b"webhooks-enqueue:");
    digest.update(endpoint.as_bytes());
    digest.update([0]);
    digest.update(repo.unwrap_or("\0").as_bytes());
    let digest = digest.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

fn count(value: i64) -> usize {
    usize::try_from(value).unwrap_or(0)
}

fn record(row: &Row) -> Result<DeliveryRecord, JournalError> {
    let read = |e: tokio_postgres::Error| failed("cannot read a delivery", e);
    let status: String = row.try_get(3).map_err(read)?;
    let headers: String = row.try_get(13).map_err(read)?;
    let attempts: i32 = row.try_get(4).map_err(read)?;
    let body: Vec<u8> = row.try_get(14).map_err(read)?;
    Ok(DeliveryRecord {
        id: row.try_get(0).map_err(read)?,
        endpoint: row.try_get(1).map_err(read)?,
        received_at_ms: row.try_get(2).map_err(read)?,
        status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed),
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error: row.try_get(5).map_err(read)?,
        latency_ms: row.try_get(6).map_err(read)?,
        scope: row.try_get(7).map_err(read)?,
        action: row.try_get(8).map_err(read)?,
        repo: row.try_get(9).map_err(read)?,
        background: row.try_get(10).map_err(read)?,
        original_id: row.try_get(11).map_err(read)?,
        uri: row.try_get(12).map_err(read)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        body: bytes::Bytes::from(body),
        next_attempt_at_ms: row.try_get(15).map_err(read)?,
        dedupe: row.try_get(16).map_err(read)?,
        webhook_id: row.try_get(17).map_err(read)?,
        repeats: u32::try_from(row.try_get::<_, i32>(18).map_err(read)?).unwrap_or(0),
    })
}

fn records(rows: &[Row]) -> Result<Vec<DeliveryRecord>, JournalError> {
    rows.iter().map(record).collect()
}

/// Writes `deliveries` (replacing any with the same id) through `client`, a connection or a
/// transaction.
async fn write(
    client: &impl deadpool_postgres::GenericClient,
    deliveries: &[DeliveryRecord],
) -> Result<(), JournalError> {
    let statement = client
        .prepare_cached(INSERT)
        .await
        .map_err(database_error)?;
    for d in deliveries {
        let headers = serde_json::to_string(&d.headers).unwrap_or_else(|_| "[]".to_owned());
        let attempts = i32::try_from(d.attempts).unwrap_or(i32::MAX);
        let body_bytes = i64::try_from(d.body.len()).unwrap_or(i64::MAX);
        // Hashed only where duplicates are looked for.
        let hash = d.dedupe.then(|| body_hash(&d.body));
        let repeats = i32::try_from(d.repeats).unwrap_or(i32::MAX);
        let parameters: [&(dyn ToSql + Sync); 20] = [
            &d.id,
            &d.endpoint,
            &d.received_at_ms,
            &d.status.as_str(),
            &attempts,
            &d.last_error,
            &d.latency_ms,
            &d.scope,
            &d.action,
            &d.repo,
            &d.background,
            &d.original_id,
            &d.uri,
            &headers,
            &d.body.as_ref(),
            &body_bytes,
            &hash,
            &d.next_attempt_at_ms,
            &d.webhook_id,
            &repeats,
        ];
        client
            .execute(&statement, &parameters)
            .await
            .map_err(database_error)?;
    }
    Ok(())
}

/// The delivery a new one to `endpoint` about `repo` with this body duplicates: the latest about
/// `repo` since `since_ms`, if its body is this one and it was not given up on.
async fn duplicate_of(
    client: &impl deadpool_postgres::GenericClient,
    endpoint: &str,
    repo: Option<&str>,
    body: &[u8],
    since_ms: i64,
) -> Result<Option<String>, JournalError> {
    let statement = client
        .prepare_cached(concat!(
            "SELECT id FROM (SELECT id, status, body_hash, body FROM webhooks_deliveries \
             WHERE endpoint = $1 AND repo IS NOT DISTINCT FROM $2 AND body_hash IS NOT NULL \
             AND received_at_ms >= $3 AND ",
            compared_with_copies_sql!(),
            " ORDER BY id DESC LIMIT 1) latest WHERE ",
            makes_copies_duplicates_sql!(),
            " AND body_hash = $4 AND body = $5"
        ))
        .await
        .map_err(database_error)?;
    let row = client
        .query_opt(
            &statement,
            &[&endpoint, &repo, &since_ms, &body_hash(body), &body],
        )
        .await
        .map_err(database_error)?;
    Ok(row.map(|row| row.get(0)))
}

async fn unfinished(
    client: &impl deadpool_postgres::GenericClient,
    endpoint: &str,
) -> Result<usize, JournalError> {
    let statement = client
        .prepare_cached(concat!(
            "SELECT COUNT(*) FROM webhooks_deliveries WHERE endpoint = $1 AND ",
            unfinished_sql!()
        ))
        .await
        .map_err(database_error)?;
    let row = client
        .query_one(&statement, &[&endpoint])
        .await
        .map_err(database_error)?;
    Ok(count(row.get(0)))
}

/// Deletes finished deliveries matching `condition` (on `$1`), a batch at a time.
async fn delete_in_batches(
    client: &Object,
    condition: &str,
    bound: &(dyn ToSql + Sync),
) -> Result<usize, JournalError> {
    // Each batch one statement under a transaction-level advisory lock: one process prunes at a
    // time, the others find it taken and stop, and a call cut short (a timeout, a lost
    // connection) cannot leave the lock held on a pooled connection.
    let statement = client
        .prepare_cached(&format!(
            "WITH maintenance AS (SELECT pg_try_advisory_xact_lock($2) AS held) \
             DELETE FROM webhooks_deliveries USING maintenance WHERE maintenance.held \
             AND id IN (SELECT id FROM webhooks_deliveries \
             WHERE {FINISHED} AND {condition} ORDER BY id LIMIT {PRUNE_BATCH})"
        ))
        .await
        .map_err(database_error)?;
    let mut removed = 0;
    loop {
        let batch = client
            .execute(&statement, &[bound, &RETENTION_LOCK])
            .await
            .map_err(database_error)?;
        removed += count(i64::try_from(batch).unwrap_or(0));
        if batch < PRUNE_BATCH as u64 {
            return Ok(removed);
        }
    }
}

impl Journal for PostgresJournal {
    fn insert(&self, deliveries: &[DeliveryRecord]) -> Result<(), JournalError> {
        let deliveries = deliveries.to_vec();
        self.call(move |pool| async move {
            let mut client = connection(&pool).await?;
            let transaction = client.transaction().await.map_err(database_error)?;
            write(&transaction, &deliveries).await?;
            transaction.commit().await.map_err(database_error)
        })
    }

    fn enqueue(
        &self,
        delivery: &DeliveryRecord,
        duplicate_since_ms: Option<i64>,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError> {
        let delivery = delivery.clone();
        self.call(move |pool| async move {
            let mut client = connection(&pool).await?;
            let transaction = client.transaction().await.map_err(database_error)?;
            if let Some(since) = duplicate_since_ms {
                // Copies offered by other processes wait here until this transaction ends: the
                // look and the write are one step for all of them.
                transaction
                    .execute(
                        "SELECT pg_advisory_xact_lock($1)",
                        &[&enqueue_lock(&delivery.endpoint, delivery.repo.as_deref())],
                    )
                    .await
                    .map_err(database_error)?;
                if let Some(original) = duplicate_of(
                    &transaction,
                    &delivery.endpoint,
                    delivery.repo.as_deref(),
                    &delivery.body,
                    since,
                )
                .await?
                {
                    return Ok(Admission::Duplicate { original });
                }
            }
            let waiting = unfinished(&transaction, &delivery.endpoint).await?;
            if waiting >= backlog_limit {
                return Ok(Admission::BacklogFull { waiting });
            }
            write(&transaction, std::slice::from_ref(&delivery)).await?;
            // Delivered to listeners when the transaction commits.
            transaction
                .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &delivery.endpoint])
                .await
                .map_err(database_error)?;
            transaction.commit().await.map_err(database_error)?;
            Ok(Admission::Queued)
        })
    }

    fn admit(
        &self,
        delivery: &DeliveryRecord,
        lease: &Lease,
        now_ms: i64,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError> {
        let webhook_id = super::admitted_webhook_id(delivery)?.to_owned();
        let record = super::as_admitted(delivery);
        // Leases are in the database's time.
        let skew = self.skew_ms.get();
        let (owner, until_ms) = (lease.owner.clone(), lease.until_ms.saturating_add(skew));
        let database_now_ms = now_ms.saturating_add(skew);
        self.call(move |pool| async move {
            let mut client = connection(&pool).await?;
            let transaction = client.transaction().await.map_err(database_error)?;
            // Copies admitted by other processes wait here until this transaction ends.
            transaction
                .execute(
                    "SELECT pg_advisory_xact_lock($1)",
                    &[&admit_lock(&record.endpoint, &webhook_id)],
                )
                .await
                .map_err(database_error)?;
            let earlier = transaction
                .query_opt(
                    "SELECT id, status, background, attempts, lease_until_ms FROM webhooks_deliveries \
                     WHERE endpoint = $1 AND webhook_id = $2 AND keyed FOR UPDATE",
                    &[&record.endpoint, &webhook_id],
                )
                .await
                .map_err(database_error)?;
            let mut notify = false;
            let admission = if let Some(row) = earlier {
                let original: String = row.get(0);
                let status: String = row.get(1);
                let status = DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed);
                let attempts = u32::try_from(row.get::<_, i32>(3)).unwrap_or(0);
                let lapsed = row
                    .get::<_, Option<i64>>(4)
                    .is_none_or(|until| until < database_now_ms);
                let background: bool = row.get(2);
                let (admission, statement, parameters): (_, &str, Vec<&(dyn ToSql + Sync)>) =
                    match SeenAgain::of(status, background, lapsed) {
                        SeenAgain::InProgress => return Ok(Admission::InProgress { original }),
                        SeenAgain::Repeat => (
                            Admission::Repeat {
                                original: original.clone(),
                                status,
                            },
                            "UPDATE webhooks_deliveries SET repeats = repeats + 1 WHERE id = $1",
                            vec![&original],
                        ),
                        SeenAgain::RunAgain => (
                            Admission::Retry {
                                original: original.clone(),
                                attempt: attempts + 1,
                            },
                            "UPDATE webhooks_deliveries SET status = 'running', \
                             attempts = attempts + 1, owner = $2, lease_until_ms = $3 WHERE id = $1",
                            vec![&original, &owner, &until_ms],
                        ),
                        SeenAgain::Requeue => {
                            notify = true;
                            (
                                Admission::Retry {
                                    original: original.clone(),
                                    attempt: attempts + 1,
                                },
                                "UPDATE webhooks_deliveries SET status = 'queued', \
                                 next_attempt_at_ms = $2, owner = NULL, lease_until_ms = NULL \
                                 WHERE id = $1",
                                vec![&original, &now_ms],
                            )
                        }
                    };
                transaction
                    .execute(statement, &parameters)
                    .await
                    .map_err(database_error)?;
                admission
            } else {
                if record.background {
                    let waiting = unfinished(&transaction, &record.endpoint).await?;
                    if waiting >= backlog_limit {
                        return Ok(Admission::BacklogFull { waiting });
                    }
                }
                write(&transaction, std::slice::from_ref(&record)).await?;
                notify = record.background;
                let (owner, until_ms) = match record.status {
                    DeliveryStatus::Running => (Some(owner), Some(until_ms)),
                    _ => (None, None),
                };
                transaction
                    .execute(
                        "UPDATE webhooks_deliveries SET keyed = TRUE, owner = $2, lease_until_ms = $3 \
                         WHERE id = $1",
                        &[&record.id, &owner, &until_ms],
                    )
                    .await
                    .map_err(database_error)?;
                Admission::Queued
            };
            if notify {
                // Delivered to listeners when the transaction commits.
                transaction
                    .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &record.endpoint])
                    .await
                    .map_err(database_error)?;
            }
            transaction.commit().await.map_err(database_error)?;
            Ok(admission)
        })
    }

    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
        lease: &Lease,
    ) -> Result<Vec<DeliveryRecord>, JournalError> {
        let endpoint = endpoint.to_owned();
        let mut lease = lease.clone();
        lease.until_ms = lease.until_ms.saturating_add(self.skew_ms.get());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            // One statement: rows another process is claiming are skipped, not waited for.
            let statement = client
                .prepare_cached(&format!(
                    "UPDATE webhooks_deliveries SET status = 'running', attempts = attempts + 1, \
                     owner = $4, lease_until_ms = $5 WHERE id IN (SELECT id FROM webhooks_deliveries \
                     WHERE status = 'queued' AND endpoint = $1 AND next_attempt_at_ms <= $2 \
                     ORDER BY next_attempt_at_ms, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     RETURNING {COLUMNS}"
                ))
                .await
                .map_err(database_error)?;
            let rows = client
                .query(
                    &statement,
                    &[&endpoint, &now_ms, &limit, &lease.owner, &lease.until_ms],
                )
                .await
                .map_err(database_error)?;
            let mut claimed = records(&rows)?;
            claimed.sort_by(|a, b| {
                (a.next_attempt_at_ms, &a.id).cmp(&(b.next_attempt_at_ms, &b.id))
            });
            Ok(claimed)
        })
    }

    fn extend_lease(
        &self,
        owner: &str,
        ids: &[String],
        until_ms: i64,
    ) -> Result<usize, JournalError> {
        let owner = owner.to_owned();
        let ids = ids.to_vec();
        let until_ms = until_ms.saturating_add(self.skew_ms.get());
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let extended = client
                .execute(
                    "UPDATE webhooks_deliveries SET lease_until_ms = $3 \
                     WHERE id = ANY($1) AND owner = $2 AND status = 'running'",
                    &[&ids, &owner, &until_ms],
                )
                .await
                .map_err(database_error)?;
            Ok(count(i64::try_from(extended).unwrap_or(0)))
        })
    }

    fn finish(&self, id: &str, attempt: u32, result: &AttemptResult) -> Result<bool, JournalError> {
        // Only the attempt that is running: a result from an attempt the journal gave up on must
        // not overwrite a newer one.
        const RUNNING: &str = "id = $1 AND attempts = $2 AND status = 'running'";
        let id = id.to_owned();
        let attempt = i32::try_from(attempt).unwrap_or(i32::MAX);
        let result = result.clone();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let updated = match &result {
                AttemptResult::Done { latency_ms } => {
                    client
                        .execute(
                            &format!(
                                "UPDATE webhooks_deliveries SET status = 'done', latency_ms = $3, \
                                 owner = NULL, lease_until_ms = NULL WHERE {RUNNING}"
                            ),
                            &[&id, &attempt, latency_ms],
                        )
                        .await
                }
                AttemptResult::Retry {
                    error,
                    latency_ms,
                    next_attempt_at_ms,
                } => {
                    client
                        .execute(
                            &format!(
                                "UPDATE webhooks_deliveries SET status = 'queued', last_error = $3, \
                                 latency_ms = $4, next_attempt_at_ms = $5, owner = NULL, \
                                 lease_until_ms = NULL WHERE {RUNNING}"
                            ),
                            &[&id, &attempt, error, latency_ms, next_attempt_at_ms],
                        )
                        .await
                }
                AttemptResult::Dead { error, latency_ms }
                | AttemptResult::Failed { error, latency_ms } => {
                    let status = match &result {
                        AttemptResult::Dead { .. } => "dead",
                        _ => "failed",
                    };
                    client
                        .execute(
                            &format!(
                                "UPDATE webhooks_deliveries SET status = '{status}', last_error = $3, \
                                 latency_ms = $4, owner = NULL, lease_until_ms = NULL WHERE {RUNNING}"
                            ),
                            &[&id, &attempt, error, latency_ms],
                        )
                        .await
                }
            }
            .map_err(database_error)?;
            Ok(updated == 1)
        })
    }

    fn rescue_expired(&self, now_ms: i64) -> Result<usize, JournalError> {
        let skew = Arc::clone(&self.skew_ms);
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            // Leases are in the database's time: so is the moment they are compared with. Clocks
            // drift: measured again now and then (not every time, so that one call's lease and
            // the next call's rescue use the same offset to the millisecond).
            if skew.is_stale() {
                measure_skew(&client, &skew).await?;
            }
            let now_ms = now_ms.saturating_add(skew.get());
            // One statement, the predicate inside the update, and one process at a time: the
            // others find the lock taken and leave it to that one.
            let statement = client
                .prepare_cached(
                    "WITH maintenance AS (SELECT pg_try_advisory_xact_lock($2) AS held) \
                     UPDATE webhooks_deliveries SET status = 'queued', owner = NULL, \
                     lease_until_ms = NULL FROM maintenance WHERE maintenance.held \
                     AND status = 'running' AND background \
                     AND (lease_until_ms IS NULL OR lease_until_ms < $1)",
                )
                .await
                .map_err(database_error)?;
            let rescued = client
                .execute(&statement, &[&now_ms, &RESCUE_LOCK])
                .await
                .map_err(database_error)?;
            // An ordinary delivery admitted by its Webhook-Id whose process stopped: failed, for
            // the sender's retry to run again (and for the retention to remove).
            let failed = client
                .prepare_cached(
                    "WITH maintenance AS (SELECT pg_try_advisory_xact_lock($2) AS held) \
                     UPDATE webhooks_deliveries SET status = 'failed', owner = NULL, \
                     lease_until_ms = NULL, last_error = 'its process stopped while its handler ran' \
                     FROM maintenance WHERE maintenance.held AND status = 'running' \
                     AND NOT background AND lease_until_ms < $1",
                )
                .await
                .map_err(database_error)?;
            client
                .execute(&failed, &[&now_ms, &RESCUE_LOCK])
                .await
                .map_err(database_error)?;
            Ok(count(i64::try_from(rescued).unwrap_or(0)))
        })
    }

    fn next_due(&self, endpoint: &str) -> Result<Option<i64>, JournalError> {
        let endpoint = endpoint.to_owned();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let statement = client
                .prepare_cached(
                    "SELECT MIN(next_attempt_at_ms) FROM webhooks_deliveries \
                     WHERE status = 'queued' AND endpoint = $1",
                )
                .await
                .map_err(database_error)?;
            let row = client
                .query_one(&statement, &[&endpoint])
                .await
                .map_err(database_error)?;
            Ok(row.get(0))
        })
    }

    fn list(&self, query: &ListQuery) -> Result<Vec<DeliveryRecord>, JournalError> {
        let query = query.clone();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let statement = client
                .prepare_cached(&format!(
                    "SELECT {LISTED_COLUMNS} FROM webhooks_deliveries \
                     WHERE ($1::TEXT IS NULL OR endpoint = $1 OR starts_with(endpoint, $1 || '#')) \
                     AND ($2::TEXT IS NULL OR status = $2) AND ($3::TEXT IS NULL OR id < $3) \
                     AND ($5::TEXT IS NULL OR webhook_id = $5) ORDER BY id DESC LIMIT $4"
                ))
                .await
                .map_err(database_error)?;
            let status = query.status.map(DeliveryStatus::as_str);
            let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
            let rows = client
                .query(
                    &statement,
                    &[
                        &query.endpoint,
                        &status,
                        &query.before,
                        &limit,
                        &query.webhook_id,
                    ],
                )
                .await
                .map_err(database_error)?;
            records(&rows)
        })
    }

    fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, JournalError> {
        let id = id.to_owned();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let row = client
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM webhooks_deliveries WHERE id = $1"),
                    &[&id],
                )
                .await
                .map_err(database_error)?;
            row.as_ref().map(record).transpose()
        })
    }

    fn delete(&self, id: &str) -> Result<bool, JournalError> {
        let id = id.to_owned();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let deleted = client
                .execute("DELETE FROM webhooks_deliveries WHERE id = $1", &[&id])
                .await
                .map_err(database_error)?;
            Ok(deleted > 0)
        })
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, JournalError> {
        let offset = i64::try_from(keep.saturating_sub(1)).unwrap_or(i64::MAX);
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            {
                // Ids are UUIDv7, ordered by time: old ones are found through the primary key.
                let by_age =
                    delete_in_batches(&client, "id < $1", &smallest_id_at(older_than_ms)).await?;
                let oldest_kept: Option<String> = client
                    .query_opt(
                        "SELECT id FROM webhooks_deliveries ORDER BY id DESC LIMIT 1 OFFSET $1",
                        &[&offset],
                    )
                    .await
                    .map_err(database_error)?
                    .map(|row| row.get(0));
                let by_count = match oldest_kept {
                    Some(id) => delete_in_batches(&client, "id < $1", &id).await?,
                    None => 0,
                };
                Ok(by_age + by_count)
            }
        })
    }

    fn prune_to_size(&self, max_body_bytes: u64) -> Result<usize, JournalError> {
        let max = i64::try_from(max_body_bytes).unwrap_or(i64::MAX);
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            {
                // Newest first, adding up body sizes until the cap is passed: that delivery and
                // every older finished one go.
                let first_over: Option<String> = client
                    .query_opt(
                        &format!(
                            "SELECT id FROM (SELECT id, SUM(body_bytes) OVER (ORDER BY id DESC)::BIGINT AS total \
                             FROM webhooks_deliveries WHERE {FINISHED}) sized WHERE total > $1 \
                             ORDER BY id DESC LIMIT 1"
                        ),
                        &[&max],
                    )
                    .await
                    .map_err(database_error)?
                    .map(|row| row.get(0));
                match first_over {
                    Some(id) => delete_in_batches(&client, "id <= $1", &id).await,
                    None => Ok(0),
                }
            }
        })
    }

    fn check(&self) -> Result<(), JournalError> {
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            client
                .execute("SELECT 1", &[])
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn backlog(&self, endpoint: &str) -> Result<usize, JournalError> {
        let endpoint = endpoint.to_owned();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            unfinished(&client, &endpoint).await
        })
    }

    fn poll_interval(&self) -> Option<Duration> {
        Some(POLL_INTERVAL)
    }

    fn watch(&self, wake: Arc<dyn Fn(&str) + Send + Sync>) {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(listen::listen(
                self.target.config.clone(),
                self.tls.clone(),
                wake,
            ));
        }
    }
}
