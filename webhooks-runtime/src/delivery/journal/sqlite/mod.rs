//! The journal in an embedded SQLite database (WAL mode), one file in the data directory.

mod schema;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::files::{
    OpenedFile, lock_dir, private_dir, private_file, schema_too_new, set_up_failed,
};
use super::status::{compared_with_copies_sql, finished_sql, makes_copies_duplicates_sql};
use super::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery, SeenAgain, body_hash, smallest_id_at,
};
use schema::SCHEMA_VERSION;

const COLUMNS: &str = "id, endpoint, received_at_ms, status, attempts, last_error, latency_ms, scope, action, repo, \
                       background, original_id, uri, headers, body, next_attempt_at_ms, body_hash, webhook_id, repeats";

/// The SQLite journal. One connection behind a mutex: deliveries are few, and SQLite serializes
/// writers anyway.
pub(crate) struct SqliteJournal {
    connection: Mutex<Connection>,
    /// The database file, checked before writes.
    file: OpenedFile,
    /// Held while the journal is open: one process per data dir.
    _lock: std::fs::File,
}

fn error(error: rusqlite::Error) -> JournalError {
    JournalError::new("SQLite failed").with_source(error)
}

/// Deliveries removed per statement by the retention.
const PRUNE_BATCH: usize = 500;

/// Whether SQLite says the file is not a database, or a damaged one.
fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

impl SqliteJournal {
    /// Opens (or creates) `deliveries.sqlite3` in `dir`.
    pub(crate) fn open(dir: &Path) -> Result<Self, JournalError> {
        private_dir(dir).map_err(|e| {
            JournalError::new(format!("cannot create {}", dir.display())).with_source(e)
        })?;
        let lock = lock_dir(dir)?;
        let path = dir.join("deliveries.sqlite3");
        private_file(&path).map_err(|e| {
            JournalError::new(format!("cannot create {}", path.display())).with_source(e)
        })?;
        let connection = Connection::open(&path).map_err(|e| {
            JournalError::new(format!("cannot open {}", path.display())).with_source(e)
        })?;
        let set_up = |e: rusqlite::Error| {
            let recovery = ", and keep it to recover deliveries with the sqlite3 tool";
            set_up_failed(&path, is_corruption(&e), recovery, e)
        };
        // WAL: readers do not block the writer; FULL: a delivery acknowledged with 202 survives a
        // crash of the machine, not only of the process. The default checkpoint size (1,000 pages)
        // is kept: larger checkpoints write and sync in bursts that showed in requests' p99.
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
            )
            .map_err(set_up)?;
        let version = schema::version(&connection).map_err(set_up)?;
        if version > SCHEMA_VERSION {
            return Err(schema_too_new(&path, version, SCHEMA_VERSION as u64));
        }
        schema::create_or_upgrade(&connection, version).map_err(set_up)?;
        // This process alone uses the file (its lock says so): an ordinary delivery still
        // running was cut short when the last process stopped.
        connection
            .execute(
                "UPDATE deliveries SET status = 'failed', \
                 last_error = 'the server stopped while its handler ran' \
                 WHERE status = 'running' AND NOT background",
                [],
            )
            .map_err(set_up)?;
        Ok(SqliteJournal {
            file: OpenedFile::at(path),
            connection: Mutex::new(connection),
            _lock: lock,
        })
    }

    /// Deletes finished deliveries with an id below `id` (up to it, `inclusive`), in batches of
    /// [`PRUNE_BATCH`], the lock released between them: a large pass never holds requests'
    /// writes for long.
    fn delete_finished_before(&self, id: &str, inclusive: bool) -> Result<usize, JournalError> {
        let below = if inclusive { "<=" } else { "<" };
        let mut removed = 0;
        loop {
            let batch = self.with(|connection| {
                connection
                    .prepare_cached(&format!(
                        concat!(
                            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE ",
                            finished_sql!(),
                            " AND id {below} ?1 ORDER BY id LIMIT {PRUNE_BATCH})"
                        ),
                        below = below,
                        PRUNE_BATCH = PRUNE_BATCH,
                    ))?
                    .execute(params![id])
            })?;
            removed += batch;
            if batch < PRUNE_BATCH {
                return Ok(removed);
            }
        }
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| JournalError::new("a previous write panicked"))?;
        work(&mut connection).map_err(error)
    }
}

fn record(row: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    let status: String = row.get(3)?;
    let headers: String = row.get(13)?;
    Ok(DeliveryRecord {
        id: row.get(0)?,
        endpoint: row.get(1)?,
        received_at_ms: row.get(2)?,
        status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed),
        attempts: row.get(4)?,
        last_error: row.get(5)?,
        latency_ms: row.get(6)?,
        scope: row.get(7)?,
        action: row.get(8)?,
        repo: row.get(9)?,
        background: row.get(10)?,
        original_id: row.get(11)?,
        uri: row.get(12)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        body: bytes::Bytes::from(row.get::<_, Vec<u8>>(14)?),
        next_attempt_at_ms: row.get(15)?,
        dedupe: row.get::<_, Option<Vec<u8>>>(16)?.is_some(),
        webhook_id: row.get(17)?,
        repeats: row.get(18)?,
    })
}

/// Asks for a crash-proof write (`FULL`) when `deliveries` hold a queued one: it was promised with
/// a 202 and must survive the machine crashing. Records of deliveries already handled only need
/// to survive the process crashing, which WAL with `NORMAL` guarantees at a fraction of the syncs.
fn set_durability(connection: &Connection, deliveries: &[DeliveryRecord]) -> rusqlite::Result<()> {
    let must_survive_power_loss = deliveries
        .iter()
        .any(|d| d.status == DeliveryStatus::Queued);
    connection.pragma_update(
        None,
        "synchronous",
        if must_survive_power_loss {
            "FULL"
        } else {
            "NORMAL"
        },
    )
}

/// Writes `deliveries` (replacing the columns of any with the same id, but whether it is keyed
/// on its `Webhook-Id`) in the caller's transaction.
fn write(connection: &Connection, deliveries: &[DeliveryRecord]) -> rusqlite::Result<()> {
    let mut statement = connection.prepare_cached(&format!(
        "INSERT INTO deliveries ({COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
         ON CONFLICT (id) DO UPDATE SET endpoint = excluded.endpoint, \
         received_at_ms = excluded.received_at_ms, status = excluded.status, \
         attempts = excluded.attempts, last_error = excluded.last_error, \
         latency_ms = excluded.latency_ms, scope = excluded.scope, action = excluded.action, \
         repo = excluded.repo, background = excluded.background, \
         original_id = excluded.original_id, uri = excluded.uri, headers = excluded.headers, \
         body = excluded.body, next_attempt_at_ms = excluded.next_attempt_at_ms, \
         body_hash = excluded.body_hash, webhook_id = excluded.webhook_id, \
         repeats = excluded.repeats, owner = NULL, lease_until_ms = NULL"
    ))?;
    for d in deliveries {
        let headers = serde_json::to_string(&d.headers).unwrap_or_else(|_| "[]".to_owned());
        statement.execute(params![
            d.id,
            d.endpoint,
            d.received_at_ms,
            d.status.as_str(),
            d.attempts,
            d.last_error,
            d.latency_ms,
            d.scope,
            d.action,
            d.repo,
            d.background,
            d.original_id,
            d.uri,
            headers,
            d.body.as_ref(),
            d.next_attempt_at_ms,
            // Hashed only where duplicates are looked for: it costs the journal of every other
            // delivery a pass over its body.
            d.dedupe.then(|| body_hash(&d.body)),
            d.webhook_id,
            d.repeats,
        ])?;
    }
    Ok(())
}

/// The delivery a new one to `endpoint` about `repo` with this body duplicates: the latest about
/// `repo` since `since_ms`, if its body is this one and it was not given up on.
fn duplicate_of(
    connection: &Connection,
    endpoint: &str,
    repo: Option<&str>,
    body: &[u8],
    since_ms: i64,
) -> rusqlite::Result<Option<String>> {
    let latest: Option<(String, Vec<u8>)> = connection
        .prepare_cached(concat!(
            "SELECT id, body_hash FROM (SELECT id, status, body_hash FROM deliveries \
             WHERE endpoint = ?1 AND repo IS ?2 AND body_hash IS NOT NULL AND received_at_ms >= ?3 \
             AND ",
            compared_with_copies_sql!(),
            " ORDER BY id DESC LIMIT 1) WHERE ",
            makes_copies_duplicates_sql!()
        ))?
        .query_row(params![endpoint, repo, since_ms], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((id, hash)) = latest else {
        return Ok(None);
    };
    if hash != body_hash(body) {
        return Ok(None);
    }
    let same: bool = connection
        .prepare_cached("SELECT body = ?2 FROM deliveries WHERE id = ?1")?
        .query_row(params![id, body], |row| row.get(0))?;
    Ok(same.then_some(id))
}

/// How many deliveries to `endpoint` are queued or running.
fn unfinished(connection: &Connection, endpoint: &str) -> rusqlite::Result<usize> {
    // One count per status, each answered from its partial index.
    let mut waiting: i64 = 0;
    for status in DeliveryStatus::ALL
        .into_iter()
        .filter(|status| status.is_unfinished())
    {
        waiting += connection
            .prepare_cached("SELECT COUNT(*) FROM deliveries WHERE endpoint = ?1 AND status = ?2")?
            .query_row(params![endpoint, status.as_str()], |row| {
                row.get::<_, i64>(0)
            })?;
    }
    Ok(usize::try_from(waiting).unwrap_or(0))
}

impl Journal for SqliteJournal {
    fn insert(&self, deliveries: &[DeliveryRecord]) -> Result<(), JournalError> {
        self.file.still_there()?;
        self.with(|connection| {
            set_durability(connection, deliveries)?;
            let transaction = connection.transaction()?;
            write(&transaction, deliveries)?;
            transaction.commit()
        })
    }

    fn enqueue(
        &self,
        delivery: &DeliveryRecord,
        duplicate_since_ms: Option<i64>,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError> {
        self.file.still_there()?;
        // One transaction under the connection's lock: no copy offered at the same time can slip
        // between the look and the write.
        self.with(|connection| {
            let deliveries = std::slice::from_ref(delivery);
            set_durability(connection, deliveries)?;
            let transaction = connection.transaction()?;
            if let Some(since) = duplicate_since_ms
                && let Some(original) = duplicate_of(
                    &transaction,
                    &delivery.endpoint,
                    delivery.repo.as_deref(),
                    &delivery.body,
                    since,
                )?
            {
                return Ok(Admission::Duplicate { original });
            }
            let waiting = unfinished(&transaction, &delivery.endpoint)?;
            if waiting >= backlog_limit {
                return Ok(Admission::BacklogFull { waiting });
            }
            write(&transaction, deliveries)?;
            transaction.commit()?;
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
        let webhook_id = super::admitted_webhook_id(delivery)?;
        self.file.still_there()?;
        // One transaction under the connection's lock: no copy admitted at the same time can
        // slip between the look and the write.
        self.with(|connection| {
            let record = super::as_admitted(delivery);
            set_durability(connection, std::slice::from_ref(&record))?;
            let transaction = connection.transaction()?;
            let earlier: Option<(String, String, bool, u32, Option<i64>)> = transaction
                .prepare_cached(
                    "SELECT id, status, background, attempts, lease_until_ms FROM deliveries \
                     WHERE endpoint = ?1 AND webhook_id = ?2 AND keyed",
                )?
                .query_row(params![delivery.endpoint, webhook_id], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                })
                .optional()?;
            if let Some((original, status, background, attempts, lease_until)) = earlier {
                let status = DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed);
                let lapsed = lease_until.is_none_or(|until| until < now_ms);
                let admission = match SeenAgain::of(status, background, lapsed) {
                    SeenAgain::Repeat => {
                        transaction.execute(
                            "UPDATE deliveries SET repeats = repeats + 1 WHERE id = ?1",
                            params![original],
                        )?;
                        Admission::Repeat { original, status }
                    }
                    SeenAgain::InProgress => return Ok(Admission::InProgress { original }),
                    SeenAgain::RunAgain => {
                        transaction.execute(
                            "UPDATE deliveries SET status = 'running', attempts = attempts + 1, \
                             owner = ?2, lease_until_ms = ?3 WHERE id = ?1",
                            params![original, lease.owner, lease.until_ms],
                        )?;
                        Admission::Retry {
                            original,
                            attempt: attempts + 1,
                        }
                    }
                    SeenAgain::Requeue => {
                        transaction.execute(
                            "UPDATE deliveries SET status = 'queued', next_attempt_at_ms = ?2, \
                             owner = NULL, lease_until_ms = NULL WHERE id = ?1",
                            params![original, now_ms],
                        )?;
                        Admission::Retry {
                            original,
                            attempt: attempts + 1,
                        }
                    }
                };
                transaction.commit()?;
                return Ok(admission);
            }
            if record.background {
                let waiting = unfinished(&transaction, &record.endpoint)?;
                if waiting >= backlog_limit {
                    return Ok(Admission::BacklogFull { waiting });
                }
            }
            write(&transaction, std::slice::from_ref(&record))?;
            let (owner, until) = match record.status {
                DeliveryStatus::Running => (Some(&lease.owner), Some(lease.until_ms)),
                _ => (None, None),
            };
            transaction.execute(
                "UPDATE deliveries SET keyed = 1, owner = ?2, lease_until_ms = ?3 WHERE id = ?1",
                params![record.id, owner, until],
            )?;
            transaction.commit()?;
            Ok(Admission::Queued)
        })
    }

    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
        lease: &Lease,
    ) -> Result<Vec<DeliveryRecord>, JournalError> {
        self.with(|connection| {
            let transaction = connection.transaction()?;
            let claimed = {
                let mut select = transaction.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM deliveries WHERE status = 'queued' AND endpoint = ?1 \
                     AND next_attempt_at_ms <= ?2 ORDER BY next_attempt_at_ms, id LIMIT ?3"
                ))?;
                let mut claimed = select
                    .query_map(params![endpoint, now_ms, limit as i64], record)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut update = transaction.prepare_cached(
                    "UPDATE deliveries SET status = 'running', attempts = attempts + 1, owner = ?2, \
                     lease_until_ms = ?3 WHERE id = ?1",
                )?;
                for delivery in &mut claimed {
                    update.execute(params![delivery.id, lease.owner, lease.until_ms])?;
                    delivery.status = DeliveryStatus::Running;
                    delivery.attempts += 1;
                }
                claimed
            };
            transaction.commit()?;
            Ok(claimed)
        })
    }

    fn finish(&self, id: &str, attempt: u32, result: &AttemptResult) -> Result<bool, JournalError> {
        // Only the attempt that is running: a result from an attempt the journal gave up on (a
        // delivery requeued or deleted meanwhile) must not overwrite a newer one.
        const RUNNING: &str = "id = ?1 AND attempts = ?2 AND status = 'running'";
        self.with(|connection| {
            match result {
                AttemptResult::Done { latency_ms } => connection.execute(
                    &format!("UPDATE deliveries SET status = 'done', latency_ms = ?3 WHERE {RUNNING}"),
                    params![id, attempt, latency_ms],
                ),
                AttemptResult::Retry { error, latency_ms, next_attempt_at_ms } => connection.execute(
                    &format!(
                        "UPDATE deliveries SET status = 'queued', last_error = ?3, latency_ms = ?4, \
                         next_attempt_at_ms = ?5 WHERE {RUNNING}"
                    ),
                    params![id, attempt, error, latency_ms, next_attempt_at_ms],
                ),
                AttemptResult::Dead { error, latency_ms }
                | AttemptResult::Failed { error, latency_ms } => {
                    let status = match result {
                        AttemptResult::Dead { .. } => "dead",
                        _ => "failed",
                    };
                    connection.execute(
                        &format!(
                            "UPDATE deliveries SET status = '{status}', last_error = ?3, \
                             latency_ms = ?4, owner = NULL, lease_until_ms = NULL WHERE {RUNNING}"
                        ),
                        params![id, attempt, error, latency_ms],
                    )
                }
            }
            .map(|updated| updated == 1)
        })
    }

    fn extend_lease(
        &self,
        owner: &str,
        ids: &[String],
        until_ms: i64,
    ) -> Result<usize, JournalError> {
        self.with(|connection| {
            let mut extend = connection.prepare_cached(
                "UPDATE deliveries SET lease_until_ms = ?3 \
                 WHERE id = ?1 AND owner = ?2 AND status = 'running'",
            )?;
            let mut extended = 0;
            for id in ids {
                extended += extend.execute(params![id, owner, until_ms])?;
            }
            Ok(extended)
        })
    }

    fn rescue_expired(&self, now_ms: i64) -> Result<usize, JournalError> {
        // One statement, the predicate inside the update: a lease extended meanwhile is kept.
        self.with(|connection| {
            // An ordinary delivery admitted by its Webhook-Id whose process stopped: failed,
            // for the sender's retry to run again (and for the retention to remove).
            connection.execute(
                "UPDATE deliveries SET status = 'failed', owner = NULL, lease_until_ms = NULL, \
                 last_error = 'its process stopped while its handler ran' \
                 WHERE status = 'running' AND NOT background AND lease_until_ms < ?1",
                params![now_ms],
            )?;
            connection.execute(
                "UPDATE deliveries SET status = 'queued', owner = NULL, lease_until_ms = NULL \
                 WHERE status = 'running' AND background \
                 AND (lease_until_ms IS NULL OR lease_until_ms < ?1)",
                params![now_ms],
            )
        })
    }

    fn next_due(&self, endpoint: &str) -> Result<Option<i64>, JournalError> {
        self.with(|connection| {
            connection
                .prepare_cached("SELECT MIN(next_attempt_at_ms) FROM deliveries WHERE status = 'queued' AND endpoint = ?1")?
                .query_row(params![endpoint], |row| row.get(0))
        })
    }

    fn list(&self, query: &ListQuery) -> Result<Vec<DeliveryRecord>, JournalError> {
        self.with(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM deliveries \
                 WHERE (?1 IS NULL OR endpoint = ?1 OR substr(endpoint, 1, length(?1) + 1) = ?1 || '#') AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id < ?3) \
                 AND (?5 IS NULL OR webhook_id = ?5) ORDER BY id DESC LIMIT ?4"
            ))?;
            let status = query.status.map(DeliveryStatus::as_str);
            let rows = statement.query_map(params![query.endpoint, status, query.before, query.limit as i64, query.webhook_id], |row| {
                record(row).map(|mut delivery| {
                    delivery.body = bytes::Bytes::new();
                    delivery
                })
            })?;
            rows.collect()
        })
    }

    fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, JournalError> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1"))?
                .query_row(params![id], record)
                .optional()
        })
    }

    fn delete(&self, id: &str) -> Result<bool, JournalError> {
        self.with(|connection| {
            connection
                .execute("DELETE FROM deliveries WHERE id = ?1", params![id])
                .map(|n| n > 0)
        })
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, JournalError> {
        // Ids are UUIDv7, ordered by time: the smallest id of the cut-off millisecond bounds the
        // old ones, found through the primary key rather than by scanning the table.
        let by_age = self.delete_finished_before(&smallest_id_at(older_than_ms), false)?;
        // Everything older than the `keep`-th newest goes, found the same way.
        let oldest_kept: Option<String> = self.with(|connection| {
            connection
                .query_row(
                    "SELECT id FROM deliveries ORDER BY id DESC LIMIT 1 OFFSET ?1",
                    params![keep.saturating_sub(1) as i64],
                    |row| row.get(0),
                )
                .optional()
        })?;
        let by_count = match oldest_kept {
            Some(id) => self.delete_finished_before(&id, false)?,
            None => 0,
        };
        Ok(by_age + by_count)
    }

    fn check(&self) -> Result<(), JournalError> {
        self.file.still_there()
    }

    fn backlog(&self, endpoint: &str) -> Result<usize, JournalError> {
        self.file.still_there()?;
        self.with(|connection| unfinished(connection, endpoint))
    }

    fn prune_to_size(&self, max_body_bytes: u64) -> Result<usize, JournalError> {
        let first_over: Option<String> = self.with(|connection| {
            // The bodies are stored in the file's pages, uncompressed: pages in use no larger than
            // the cap cannot hold more than the cap, and their size is known without reading a
            // row. (Pages freed by earlier pruning are on the free list, not in use.)
            let used_bytes: i64 = connection.query_row(
                "SELECT (page_count - freelist_count) * page_size \
                 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()",
                [],
                |row| row.get(0),
            )?;
            if u64::try_from(used_bytes).is_ok_and(|bytes| bytes <= max_body_bytes) {
                return Ok(None);
            }
            // Newest first, adding up body sizes (read from the record headers, not the bodies)
            // until the cap is passed: that delivery and every older finished one go.
            let mut sizes = connection.prepare_cached(concat!(
                "SELECT id, length(body) FROM deliveries WHERE ",
                finished_sql!(),
                " ORDER BY id DESC"
            ))?;
            let mut rows = sizes.query([])?;
            let mut total: u64 = 0;
            while let Some(row) = rows.next()? {
                let size: i64 = row.get(1)?;
                total = total.saturating_add(u64::try_from(size).unwrap_or(0));
                if total > max_body_bytes {
                    return row.get(0).map(Some);
                }
            }
            Ok(None)
        })?;
        match first_over {
            Some(id) => self.delete_finished_before(&id, true),
            None => Ok(0),
        }
    }
}
