//! The journal in an embedded database file, `deliveries.redb` in the data directory, kept with
//! [redb](https://docs.rs/redb): ACID transactions in pure Rust. A commit that writes a background
//! delivery is synced before it returns; one of ordinary deliveries' records by the first write a
//! second or more later, or at close, as `write_raw` says.
//!
//! Chosen over the bundled SQLite it replaces because every user's build compiled SQLite's C
//! amalgamation (about 50 s of a cold release build on two cores, on its critical path, and a
//! megabyte of binary) for a handful of queries this module answers with a few ordered tables.
//! The `sqlite` feature brings the SQLite store back, for journals written by earlier versions.
//!
//! A delivery is two entries, its record (`records`, JSON without the body) and its body
//! (`bodies`), plus the indexes the queries walk: the queue, what is running, the keyed
//! `Webhook-Id`s, every `Webhook-Id`, and the deduplicated deliveries by repo. Every write goes
//! through [`Store::put`] and [`Store::remove`], which keep the indexes in step with the record.

mod keys;
mod stored;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase as _, ReadableTable as _,
    ReadableTableMetadata as _, TableDefinition, WriteTransaction,
};

use self::keys::{Key, KeyRange};
use self::stored::Stored;
use super::files::{
    OpenedFile, lock_dir, private_dir, private_file, schema_too_new, set_up_failed,
};
use super::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery, SeenAgain, apply_result, body_hash, smallest_id_at,
};

/// One kind of table for all: bytes to bytes (see `keys`).
type Table = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// Each delivery's record, by id (UUIDv7: ordered by time).
const RECORDS: Table = TableDefinition::new("records");
/// Each delivery's body, by id.
const BODIES: Table = TableDefinition::new("bodies");
/// Queued deliveries: (endpoint, next attempt, id) to the id.
const QUEUE: Table = TableDefinition::new("queue");
/// Running deliveries: (endpoint, id) to the id.
const RUNNING: Table = TableDefinition::new("running");
/// The delivery each keyed `Webhook-Id` of an endpoint names: (endpoint, webhook id) to its id.
const KEYED: Table = TableDefinition::new("keyed");
/// Every delivery with a `Webhook-Id`: (webhook id, id) to the id.
const BY_WEBHOOK_ID: Table = TableDefinition::new("by_webhook_id");
/// Deliveries of endpoints that drop duplicates, by repo: (endpoint, repo, id) to the body's
/// SHA-256 (32 bytes) then the id.
const ABOUT_REPO: Table = TableDefinition::new("about_repo");
/// The schema version (big-endian `u64`), under `schema`.
const INFO: Table = TableDefinition::new("info");
/// The key of the schema version in [`INFO`].
const SCHEMA_KEY: &[u8] = b"schema";

/// The schema version this code writes. A journal with a higher one is refused: its tables would
/// be misread.
const SCHEMA_VERSION: u64 = 1;

/// Deliveries removed per transaction by the retention: a large pass never holds requests'
/// writes for long.
const PRUNE_BATCH: usize = 500;

/// The most memory redb may keep as its page cache. The journal is written far more than it is
/// read, and idle memory counts on a small Space.
const CACHE_BYTES: usize = 4 << 20;

/// How long a commit of ordinary deliveries' records may stay unsynced: the next write after it
/// is synced.
const UNSYNCED_AT_MOST_MS: i64 = 250;

/// The file's name in the data directory.
pub(crate) const FILE_NAME: &str = "deliveries.redb";

/// The embedded journal.
pub(crate) struct EmbeddedJournal {
    database: Database,
    /// Writes one at a time (redb allows one write transaction; this keeps the wait in one place
    /// and out of async code's sight).
    writing: Mutex<()>,
    /// The database file, checked before writes.
    file: OpenedFile,
    /// When a commit was last synced to disk (ms since the epoch).
    last_sync_ms: AtomicI64,
    /// At least the bytes the bodies table holds (keys and values), so that the retention by
    /// size walks the table only when it may be over its cap: the table's size at the last walk
    /// (`u64::MAX` before the first) plus every body written since. Deletions make it larger than
    /// the truth, never smaller.
    body_bytes_at_most: AtomicU64,
    /// Held while the journal is open: one process per data dir.
    _lock: std::fs::File,
}

fn error(error: impl Into<redb::Error>) -> JournalError {
    let error: redb::Error = error.into();
    JournalError::new("the journal's database failed").with_source(error)
}

/// One of the journal's tables, open in a write transaction.
type Open<'t> = std::cell::RefCell<redb::Table<'t, &'static [u8], &'static [u8]>>;

/// The transaction-level work of the store, on its tables opened once per write transaction.
struct Store<'t> {
    records: Open<'t>,
    bodies: Open<'t>,
    queue: Open<'t>,
    running: Open<'t>,
    keyed: Open<'t>,
    by_webhook_id: Open<'t>,
    about_repo: Open<'t>,
    /// Whether the transaction wrote a background delivery: then it must be synced before it
    /// returns (see [`EmbeddedJournal::write_raw`]).
    must_sync: std::cell::Cell<bool>,
    /// The bytes of the bodies the transaction wrote, keys included.
    body_bytes: std::cell::Cell<u64>,
}

type Result<T> = std::result::Result<T, redb::Error>;

impl<'t> Store<'t> {
    /// Opens every table in `transaction` (creating those a new file does not have yet).
    fn open(transaction: &'t WriteTransaction) -> Result<Self> {
        let open = |table: Table| -> Result<Open<'t>> {
            Ok(std::cell::RefCell::new(transaction.open_table(table)?))
        };
        Ok(Store {
            records: open(RECORDS)?,
            bodies: open(BODIES)?,
            queue: open(QUEUE)?,
            running: open(RUNNING)?,
            keyed: open(KEYED)?,
            by_webhook_id: open(BY_WEBHOOK_ID)?,
            about_repo: open(ABOUT_REPO)?,
            must_sync: std::cell::Cell::new(false),
            body_bytes: std::cell::Cell::new(0),
        })
    }

    fn get(&self, id: &str) -> Result<Option<Stored<'static>>> {
        let records = self.records.borrow();
        let record = records.get(id.as_bytes())?;
        Ok(record.and_then(|value| Stored::decode(value.value())))
    }

    /// The body of the delivery `id` (empty when it has none).
    fn body(&self, id: &str) -> Result<bytes::Bytes> {
        let bodies = self.bodies.borrow();
        let body = bodies.get(id.as_bytes())?;
        Ok(body
            .map(|body| bytes::Bytes::copy_from_slice(body.value()))
            .unwrap_or_default())
    }

    /// Writes `new` (and its body, when given), replacing `old`'s index entries with `new`'s.
    fn put(&self, old: Option<&Stored<'_>>, new: &Stored<'_>, body: Option<&[u8]>) -> Result<()> {
        if new.record.background {
            self.must_sync.set(true);
        }
        if let Some(old) = old {
            self.unindex(old)?;
        }
        let id = new.record.id.as_str();
        let endpoint = new.record.endpoint.as_str();
        let insert = |table: &Open<'t>, key: &[u8], value: &[u8]| -> Result<()> {
            table.borrow_mut().insert(key, value)?;
            Ok(())
        };
        insert(&self.records, id.as_bytes(), &new.encode())?;
        if let Some(body) = body {
            insert(&self.bodies, id.as_bytes(), body)?;
            let written = (id.len() + body.len()) as u64;
            self.body_bytes
                .set(self.body_bytes.get().saturating_add(written));
        }
        match new.record.status {
            DeliveryStatus::Queued => {
                insert(
                    &self.queue,
                    queue_key(&new.record).as_bytes(),
                    id.as_bytes(),
                )?;
            }
            DeliveryStatus::Running => {
                let key = Key::of(endpoint).text(id);
                insert(&self.running, key.as_bytes(), id.as_bytes())?;
            }
            _ => {}
        }
        if let Some(webhook_id) = new.record.webhook_id.as_deref() {
            let key = Key::of(webhook_id).text(id);
            insert(&self.by_webhook_id, key.as_bytes(), id.as_bytes())?;
            if new.keyed {
                let key = Key::of(endpoint).text(webhook_id);
                insert(&self.keyed, key.as_bytes(), id.as_bytes())?;
            }
        }
        if let Some(hash) = new.body_hash.as_deref() {
            let value = [hash, id.as_bytes()].concat();
            insert(
                &self.about_repo,
                about_repo_key(&new.record).as_bytes(),
                &value,
            )?;
        }
        Ok(())
    }

    /// Removes `old`'s index entries (not its record or body).
    fn unindex(&self, old: &Stored<'_>) -> Result<()> {
        let id = old.record.id.as_str();
        let endpoint = old.record.endpoint.as_str();
        let remove = |table: &Open<'t>, key: &Key| -> Result<()> {
            table.borrow_mut().remove(key.as_bytes())?;
            Ok(())
        };
        remove(&self.queue, &queue_key(&old.record))?;
        remove(&self.running, &Key::of(endpoint).text(id))?;
        if let Some(webhook_id) = old.record.webhook_id.as_deref() {
            remove(&self.by_webhook_id, &Key::of(webhook_id).text(id))?;
            if old.keyed {
                let key = Key::of(endpoint).text(webhook_id);
                let mut keyed = self.keyed.borrow_mut();
                let names_this_one = keyed
                    .get(key.as_bytes())?
                    .is_some_and(|named| named.value() == id.as_bytes());
                if names_this_one {
                    keyed.remove(key.as_bytes())?;
                }
            }
        }
        if old.body_hash.is_some() {
            remove(&self.about_repo, &about_repo_key(&old.record))?;
        }
        Ok(())
    }

    /// Removes a delivery entirely.
    fn remove(&self, old: &Stored<'_>) -> Result<()> {
        self.unindex(old)?;
        let id = old.record.id.as_bytes();
        self.records.borrow_mut().remove(id)?;
        self.bodies.borrow_mut().remove(id)?;
        Ok(())
    }

    /// Changes the delivery `id` with `change`, when it exists.
    fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut Stored<'static>),
    ) -> Result<Option<Stored<'static>>> {
        let Some(old) = self.get(id)? else {
            return Ok(None);
        };
        let mut new = old.clone();
        change(&mut new);
        self.put(Some(&old), &new, None)?;
        Ok(Some(new))
    }

    /// How many deliveries to `endpoint` are queued or running.
    fn unfinished(&self, endpoint: &str) -> Result<usize> {
        let of_endpoint = KeyRange::starting_with(&Key::of(endpoint));
        let queued = self.queue.borrow().range(of_endpoint.bounds())?.count();
        let running = self.running.borrow().range(of_endpoint.bounds())?.count();
        Ok(queued + running)
    }

    /// The ids an index's entries in `range` name (their values), up to `limit`.
    fn ids_in(&self, table: &Open<'t>, range: &KeyRange, limit: usize) -> Result<Vec<String>> {
        ids_in(table.borrow().range(range.bounds())?, limit)
    }

    /// The delivery a new one to `endpoint` about `repo` with this body duplicates: the latest
    /// about `repo` received since `since_ms` (duplicates and skipped ones aside), if its body is
    /// this one and it was not given up on.
    fn duplicate_of(
        &self,
        endpoint: &str,
        repo: Option<&str>,
        body: &[u8],
        since_ms: i64,
    ) -> Result<Option<String>> {
        let about_repo = self.about_repo.borrow();
        let about = KeyRange::starting_with(&Key::of(endpoint).optional_text(repo));
        let mut latest = None;
        for entry in about_repo.range(about.bounds())?.rev() {
            let (_, value) = entry?;
            let (hash, id) = value.value().split_at_checked(32).unwrap_or_default();
            let id = String::from_utf8_lossy(id).into_owned();
            let Some(stored) = self.get(&id)? else {
                continue;
            };
            let record = &stored.record;
            if record.received_at_ms < since_ms
                || matches!(
                    record.status,
                    DeliveryStatus::Duplicate | DeliveryStatus::Skipped
                )
            {
                continue;
            }
            latest = Some((id, record.status, hash.to_vec()));
            break;
        }
        let Some((id, status, hash)) = latest else {
            return Ok(None);
        };
        if !matches!(
            status,
            DeliveryStatus::Queued | DeliveryStatus::Running | DeliveryStatus::Done
        ) || hash != body_hash(body)
        {
            return Ok(None);
        }
        let bodies = self.bodies.borrow();
        let same = bodies
            .get(id.as_bytes())?
            .is_some_and(|kept| kept.value() == body);
        Ok(same.then_some(id))
    }
}

/// A record as it is written: the caller's (borrowed: its body is not written with it), with no
/// lease, and its body's hash where duplicates are looked for (it costs every other delivery a pass
/// over its body). Whether it is keyed on its `Webhook-Id` is kept from the record it replaces.
fn as_written<'a>(delivery: &'a DeliveryRecord, old: Option<&Stored<'_>>) -> Stored<'a> {
    Stored {
        record: std::borrow::Cow::Borrowed(delivery),
        body_len: delivery.body.len() as u64,
        body_hash: delivery.dedupe.then(|| body_hash(&delivery.body)),
        keyed: old.is_some_and(|old| old.keyed),
        owner: None,
        lease_until_ms: None,
    }
}

/// A queued delivery's key in [`QUEUE`]: due first, then oldest first.
fn queue_key(record: &DeliveryRecord) -> Key {
    Key::of(&record.endpoint)
        .number(record.next_attempt_at_ms)
        .text(&record.id)
}

/// A deduplicated delivery's key in [`ABOUT_REPO`].
fn about_repo_key(record: &DeliveryRecord) -> Key {
    Key::of(&record.endpoint)
        .optional_text(record.repo.as_deref())
        .text(&record.id)
}

/// The ids an index's entries name (their values), up to `limit`.
fn ids_in(
    range: redb::Range<'_, &'static [u8], &'static [u8]>,
    limit: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in range.take(limit) {
        let (_, id) = entry?;
        ids.push(String::from_utf8_lossy(id.value()).into_owned());
    }
    Ok(ids)
}

impl EmbeddedJournal {
    /// Opens (or creates) `deliveries.redb` in `dir`.
    pub(crate) fn open(dir: &Path) -> std::result::Result<Self, JournalError> {
        private_dir(dir).map_err(|e| {
            JournalError::new(format!("cannot create {}", dir.display())).with_source(e)
        })?;
        let lock = lock_dir(dir)?;
        refuse_an_earlier_sqlite_journal(dir)?;
        let path = dir.join(FILE_NAME);
        private_file(&path).map_err(|e| {
            JournalError::new(format!("cannot create {}", path.display())).with_source(e)
        })?;
        let set_up = |e: redb::Error| {
            // redb reports a file that is not one of its databases as invalid data.
            let corrupt = match &e {
                redb::Error::Corrupted(_) | redb::Error::UpgradeRequired(_) => true,
                redb::Error::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
                _ => false,
            };
            set_up_failed(&path, corrupt, "", e)
        };
        let database = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| set_up(e.into()))?;
        let journal = EmbeddedJournal {
            database,
            writing: Mutex::new(()),
            file: OpenedFile::at(path.clone()),
            last_sync_ms: AtomicI64::new(0),
            body_bytes_at_most: AtomicU64::new(u64::MAX),
            _lock: lock,
        };
        let version = journal
            .read(|transaction| {
                let info = match transaction.open_table(INFO) {
                    Ok(info) => info,
                    // A new file.
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                let version = info.get(SCHEMA_KEY)?;
                Ok(version.map(|version| {
                    let bytes = version.value().try_into().unwrap_or([0xFF; 8]);
                    u64::from_be_bytes(bytes)
                }))
            })
            .map_err(set_up)?;
        if let Some(version) = version.filter(|version| *version > SCHEMA_VERSION) {
            return Err(schema_too_new(&path, version, SCHEMA_VERSION));
        }
        // This process alone uses the file (its lock says so): an ordinary delivery still
        // running was cut short when the last process stopped.
        // Opening the store creates every table a new file lacks: reads need not ask.
        journal
            .write_raw(|store| {
                for id in store.ids_in(&store.running, &KeyRange::everything(), usize::MAX)? {
                    store.update(&id, |stored| {
                        if !stored.record.background {
                            stored.record.to_mut().status = DeliveryStatus::Failed;
                            stored.record.to_mut().last_error =
                                Some("the server stopped while its handler ran".to_owned());
                        }
                    })?;
                }
                Ok(())
            })
            .and_then(|()| {
                let transaction = journal.database.begin_write()?;
                let version = SCHEMA_VERSION.to_be_bytes();
                transaction
                    .open_table(INFO)?
                    .insert(SCHEMA_KEY, version.as_slice())?;
                Ok(transaction.commit()?)
            })
            .map_err(set_up)?;
        Ok(journal)
    }

    /// Runs `work` in one write transaction, committed when it returns `Ok`.
    ///
    /// A transaction that wrote a background delivery (promised with a 202, or being run, its
    /// attempts counted) is synced before this returns, so it survives a crash of the machine.
    /// Records of ordinary deliveries are synced by the first write a quarter of a second or more
    /// later, or at close: a crash can lose the records not synced yet, never a promise. A sync
    /// writes the commit's pages and an fsync, about a millisecond of CPU on this machine.
    fn write_raw<T>(&self, work: impl FnOnce(&Store<'_>) -> Result<T>) -> Result<T> {
        let _writing = self
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut transaction = self.database.begin_write()?;
        let (value, must_sync, body_bytes) = {
            let store = Store::open(&transaction)?;
            (work(&store)?, store.must_sync.get(), store.body_bytes.get())
        };
        let now = super::now_ms();
        let durable =
            must_sync || now - self.last_sync_ms.load(Ordering::Relaxed) >= UNSYNCED_AT_MOST_MS;
        if !durable {
            transaction.set_durability(Durability::None)?;
        }
        transaction.commit()?;
        if durable {
            self.last_sync_ms.store(now, Ordering::Relaxed);
        }
        if body_bytes > 0 {
            add_saturating(&self.body_bytes_at_most, body_bytes);
        }
        Ok(value)
    }

    fn write<T>(
        &self,
        work: impl FnOnce(&Store<'_>) -> Result<T>,
    ) -> std::result::Result<T, JournalError> {
        self.file.still_there()?;
        self.write_raw(work).map_err(error)
    }

    /// Runs `work`, which only reads, through the store in a write transaction that is then
    /// dropped: the store's reads (`unfinished`, `duplicate_of`) are a write transaction's.
    fn peek<T>(
        &self,
        work: impl FnOnce(&Store<'_>) -> Result<T>,
    ) -> std::result::Result<T, JournalError> {
        let _writing = self
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let transaction = self.database.begin_write().map_err(error)?;
        let value = work(&Store::open(&transaction).map_err(error)?).map_err(error)?;
        transaction.abort().map_err(error)?;
        Ok(value)
    }

    fn read<T>(&self, work: impl FnOnce(&ReadTransaction) -> Result<T>) -> Result<T> {
        let transaction = self.database.begin_read()?;
        work(&transaction)
    }

    /// Deletes finished deliveries with an id below `id` (up to it, `inclusive`), in
    /// transactions of [`PRUNE_BATCH`].
    fn delete_finished_before(
        &self,
        id: &str,
        inclusive: bool,
    ) -> std::result::Result<usize, JournalError> {
        let mut removed = 0;
        let mut from = String::new();
        loop {
            let (batch, last) = self.write(|store| {
                let records = store.records.borrow();
                let mut finished = Vec::new();
                let mut last = None;
                for entry in records.range(from.as_bytes()..)? {
                    let (key, value) = entry?;
                    let key = key.value();
                    if key > id.as_bytes() || (key == id.as_bytes() && !inclusive) {
                        break;
                    }
                    last = Some(String::from_utf8_lossy(key).into_owned());
                    if let Some(stored) = Stored::decode(value.value())
                        && !stored.record.status.is_unfinished()
                    {
                        finished.push(stored);
                        if finished.len() == PRUNE_BATCH {
                            break;
                        }
                    }
                }
                drop(records);
                for stored in &finished {
                    store.remove(stored)?;
                }
                Ok((finished.len(), last))
            })?;
            removed += batch;
            match last {
                Some(last) if batch == PRUNE_BATCH => from = last,
                _ => return Ok(removed),
            }
        }
    }
}

impl Drop for EmbeddedJournal {
    /// Syncs what was committed without a sync, so that a graceful stop loses nothing.
    fn drop(&mut self) {
        // An empty commit with redb's default durability syncs the ones before it.
        let sync = || -> Result<()> { Ok(self.database.begin_write()?.commit()?) };
        if let Err(error) = sync() {
            tracing::warn!(%error, "the delivery journal's last records could not be synced");
        }
    }
}

/// Starting with a data dir that holds a SQLite journal of an earlier version would leave its
/// queued deliveries behind without a word: refuse, and say what to do.
fn refuse_an_earlier_sqlite_journal(dir: &Path) -> std::result::Result<(), JournalError> {
    let sqlite = dir.join("deliveries.sqlite3");
    if std::fs::metadata(&sqlite).is_ok_and(|metadata| metadata.len() > 0) {
        return Err(JournalError::new(format!(
            "{} is a delivery journal written by an earlier version of webhooks-runtime (SQLite), which this build does not read: turn on the runtime's `sqlite` feature to keep using it, or move it aside to start a new journal (its queued deliveries would not run)",
            sqlite.display()
        )));
    }
    Ok(())
}

impl Journal for EmbeddedJournal {
    fn insert(&self, deliveries: &[DeliveryRecord]) -> std::result::Result<(), JournalError> {
        self.write(|store| {
            for delivery in deliveries {
                let old = store.get(&delivery.id)?;
                let new = as_written(delivery, old.as_ref());
                store.put(old.as_ref(), &new, Some(&delivery.body))?;
            }
            Ok(())
        })
    }

    fn enqueue(
        &self,
        delivery: &DeliveryRecord,
        duplicate_since_ms: Option<i64>,
        backlog_limit: usize,
    ) -> std::result::Result<Admission, JournalError> {
        // One transaction: no copy offered at the same time can slip between the look and the
        // write.
        self.write(|store| {
            if let Some(since) = duplicate_since_ms
                && let Some(original) = store.duplicate_of(
                    &delivery.endpoint,
                    delivery.repo.as_deref(),
                    &delivery.body,
                    since,
                )?
            {
                return Ok(Admission::Duplicate { original });
            }
            let waiting = store.unfinished(&delivery.endpoint)?;
            if waiting >= backlog_limit {
                return Ok(Admission::BacklogFull { waiting });
            }
            let old = store.get(&delivery.id)?;
            let new = as_written(delivery, old.as_ref());
            store.put(old.as_ref(), &new, Some(&delivery.body))?;
            Ok(Admission::Queued)
        })
    }

    fn admit(
        &self,
        delivery: &DeliveryRecord,
        lease: &Lease,
        now_ms: i64,
        backlog_limit: usize,
    ) -> std::result::Result<Admission, JournalError> {
        let webhook_id = super::admitted_webhook_id(delivery)?;
        // One transaction: no copy admitted at the same time can slip between the look and the
        // write.
        self.write(|store| {
            let key = Key::of(&delivery.endpoint).text(webhook_id);
            let earlier = store
                .keyed
                .borrow()
                .get(key.as_bytes())?
                .map(|id| String::from_utf8_lossy(id.value()).into_owned());
            if let Some(original) = earlier
                && let Some(stored) = store.get(&original)?
            {
                let record = &stored.record;
                let status = record.status;
                let lapsed = stored.lease_until_ms.is_none_or(|until| until < now_ms);
                let attempt = record.attempts + 1;
                return Ok(match SeenAgain::of(status, record.background, lapsed) {
                    SeenAgain::Repeat => {
                        store.update(&original, |stored| stored.record.to_mut().repeats += 1)?;
                        Admission::Repeat { original, status }
                    }
                    SeenAgain::InProgress => Admission::InProgress { original },
                    SeenAgain::RunAgain => {
                        store.update(&original, |stored| {
                            stored.record.to_mut().status = DeliveryStatus::Running;
                            stored.record.to_mut().attempts += 1;
                            stored.owner = Some(lease.owner.clone());
                            stored.lease_until_ms = Some(lease.until_ms);
                        })?;
                        Admission::Retry { original, attempt }
                    }
                    SeenAgain::Requeue => {
                        store.update(&original, |stored| {
                            stored.record.to_mut().status = DeliveryStatus::Queued;
                            stored.record.to_mut().next_attempt_at_ms = now_ms;
                            stored.owner = None;
                            stored.lease_until_ms = None;
                        })?;
                        Admission::Retry { original, attempt }
                    }
                });
            }
            let record = super::as_admitted(delivery);
            if record.background {
                let waiting = store.unfinished(&record.endpoint)?;
                if waiting >= backlog_limit {
                    return Ok(Admission::BacklogFull { waiting });
                }
            }
            let old = store.get(&record.id)?;
            let mut new = as_written(&record, old.as_ref());
            new.keyed = true;
            if record.status == DeliveryStatus::Running {
                new.owner = Some(lease.owner.clone());
                new.lease_until_ms = Some(lease.until_ms);
            }
            store.put(old.as_ref(), &new, Some(&record.body))?;
            Ok(Admission::Queued)
        })
    }

    fn find_duplicate(
        &self,
        endpoint: &str,
        repo: Option<&str>,
        body: &[u8],
        since_ms: i64,
    ) -> std::result::Result<Option<String>, JournalError> {
        self.peek(|store| store.duplicate_of(endpoint, repo, body, since_ms))
    }

    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
        lease: &Lease,
    ) -> std::result::Result<Vec<DeliveryRecord>, JournalError> {
        self.write(|store| {
            let of_endpoint = Key::of(endpoint);
            // Due at `now_ms` or before: below the first key of the next millisecond.
            let due = match now_ms.checked_add(1) {
                Some(next) => KeyRange::between(&of_endpoint, &of_endpoint.clone().number(next)),
                None => KeyRange::starting_with(&of_endpoint),
            };
            let due = store.ids_in(&store.queue, &due, limit)?;
            let mut claimed = Vec::with_capacity(due.len());
            for id in due {
                let Some(stored) = store.update(&id, |stored| {
                    stored.record.to_mut().status = DeliveryStatus::Running;
                    stored.record.to_mut().attempts += 1;
                    stored.owner = Some(lease.owner.clone());
                    stored.lease_until_ms = Some(lease.until_ms);
                })?
                else {
                    continue;
                };
                let body = store.body(&id)?;
                claimed.push(DeliveryRecord {
                    body,
                    ..stored.record.into_owned()
                });
            }
            Ok(claimed)
        })
    }

    fn finish(
        &self,
        id: &str,
        attempt: u32,
        result: &AttemptResult,
    ) -> std::result::Result<bool, JournalError> {
        self.write(|store| {
            // Only the attempt that is running: a result from an attempt the journal gave up on
            // (a delivery requeued or deleted meanwhile) must not overwrite a newer one.
            let Some(old) = store.get(id)? else {
                return Ok(false);
            };
            if old.record.attempts != attempt || old.record.status != DeliveryStatus::Running {
                return Ok(false);
            }
            let mut new = old.clone();
            if apply_result(new.record.to_mut(), result) {
                new.owner = None;
                new.lease_until_ms = None;
            }
            store.put(Some(&old), &new, None)?;
            Ok(true)
        })
    }

    fn extend_lease(
        &self,
        owner: &str,
        ids: &[String],
        until_ms: i64,
    ) -> std::result::Result<usize, JournalError> {
        self.write(|store| {
            let mut extended = 0;
            for id in ids {
                let Some(old) = store.get(id)? else {
                    continue;
                };
                if old.owner.as_deref() == Some(owner)
                    && old.record.status == DeliveryStatus::Running
                {
                    let mut new = old.clone();
                    new.lease_until_ms = Some(until_ms);
                    store.put(Some(&old), &new, None)?;
                    extended += 1;
                }
            }
            Ok(extended)
        })
    }

    fn rescue_expired(&self, now_ms: i64) -> std::result::Result<usize, JournalError> {
        self.write(|store| {
            let mut requeued = 0;
            for id in store.ids_in(&store.running, &KeyRange::everything(), usize::MAX)? {
                let Some(old) = store.get(&id)? else {
                    continue;
                };
                let lease = old.lease_until_ms;
                let mut new = old.clone();
                if !old.record.background && lease.is_some_and(|until| until < now_ms) {
                    // An ordinary delivery admitted by its Webhook-Id whose process stopped:
                    // failed, for the sender's retry to run again (and for the retention).
                    new.record.to_mut().status = DeliveryStatus::Failed;
                    new.record.to_mut().last_error =
                        Some("its process stopped while its handler ran".to_owned());
                } else if old.record.background && lease.is_none_or(|until| until < now_ms) {
                    new.record.to_mut().status = DeliveryStatus::Queued;
                    requeued += 1;
                } else {
                    continue;
                }
                new.owner = None;
                new.lease_until_ms = None;
                store.put(Some(&old), &new, None)?;
            }
            Ok(requeued)
        })
    }

    fn next_due(&self, endpoint: &str) -> std::result::Result<Option<i64>, JournalError> {
        self.read(|transaction| {
            let queue = transaction.open_table(QUEUE)?;
            let of_endpoint = KeyRange::starting_with(&Key::of(endpoint));
            let Some(first) = queue.range(of_endpoint.bounds())?.next().transpose()? else {
                return Ok(None);
            };
            let id = String::from_utf8_lossy(first.1.value()).into_owned();
            let records = transaction.open_table(RECORDS)?;
            let record = records.get(id.as_bytes())?;
            Ok(record
                .and_then(|value| Stored::decode(value.value()))
                .map(|stored| stored.record.next_attempt_at_ms))
        })
        .map_err(error)
    }

    fn list(&self, query: &ListQuery) -> std::result::Result<Vec<DeliveryRecord>, JournalError> {
        let wanted = |record: &DeliveryRecord| {
            query.endpoint.as_deref().is_none_or(|endpoint| {
                record.endpoint == endpoint
                    || record
                        .endpoint
                        .strip_prefix(endpoint)
                        .is_some_and(|rest| rest.starts_with('#'))
            }) && query.status.is_none_or(|status| record.status == status)
                && query
                    .before
                    .as_deref()
                    .is_none_or(|before| record.id.as_str() < before)
                && query
                    .webhook_id
                    .as_deref()
                    .is_none_or(|id| record.webhook_id.as_deref() == Some(id))
        };
        self.read(|transaction| {
            let records = transaction.open_table(RECORDS)?;
            let mut found = Vec::new();
            if query.limit == 0 {
                return Ok(found);
            }
            let mut take = |record: DeliveryRecord| {
                if wanted(&record) {
                    found.push(record);
                }
                found.len() < query.limit
            };
            if let Some(webhook_id) = query.webhook_id.as_deref() {
                // The few deliveries with this id, through their index.
                let index = transaction.open_table(BY_WEBHOOK_ID)?;
                let with_id = KeyRange::starting_with(&Key::of(webhook_id));
                for entry in index.range(with_id.bounds())?.rev() {
                    let (_, id) = entry?;
                    let record = records.get(id.value())?;
                    let Some(stored) = record.and_then(|value| Stored::decode(value.value()))
                    else {
                        continue;
                    };
                    if !take(stored.record.into_owned()) {
                        break;
                    }
                }
            } else {
                let before = match query.before.as_deref() {
                    Some(before) => std::ops::Bound::Excluded(before.as_bytes()),
                    None => std::ops::Bound::Unbounded,
                };
                for entry in records.range((std::ops::Bound::Unbounded, before))?.rev() {
                    let (_, value) = entry?;
                    let Some(stored) = Stored::decode(value.value()) else {
                        continue;
                    };
                    if !take(stored.record.into_owned()) {
                        break;
                    }
                }
            }
            Ok(found)
        })
        .map_err(error)
    }

    fn get(&self, id: &str) -> std::result::Result<Option<DeliveryRecord>, JournalError> {
        self.read(|transaction| {
            let records = transaction.open_table(RECORDS)?;
            let Some(stored) = records
                .get(id.as_bytes())?
                .and_then(|value| Stored::decode(value.value()))
            else {
                return Ok(None);
            };
            let bodies = transaction.open_table(BODIES)?;
            let body = bodies
                .get(id.as_bytes())?
                .map(|body| bytes::Bytes::copy_from_slice(body.value()))
                .unwrap_or_default();
            Ok(Some(DeliveryRecord {
                body,
                ..stored.record.into_owned()
            }))
        })
        .map_err(error)
    }

    fn delete(&self, id: &str) -> std::result::Result<bool, JournalError> {
        self.write(|store| {
            let Some(old) = store.get(id)? else {
                return Ok(false);
            };
            store.remove(&old)?;
            Ok(true)
        })
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> std::result::Result<usize, JournalError> {
        // Ids are UUIDv7, ordered by time: the smallest id of the cut-off millisecond bounds the
        // old ones.
        let by_age = self.delete_finished_before(&smallest_id_at(older_than_ms), false)?;
        // Everything older than the `keep`-th newest goes, found the same way: from the oldest
        // end, which is the shorter walk (the table knows its length without one).
        let oldest_kept = self
            .read(|transaction| {
                let records = transaction.open_table(RECORDS)?;
                let keep = keep.max(1) as u64;
                let len = records.len()?;
                if len <= keep {
                    return Ok(None);
                }
                let older = usize::try_from(len - keep).unwrap_or(usize::MAX);
                let nth = records.iter()?.nth(older).transpose()?;
                Ok(nth.map(|(key, _)| String::from_utf8_lossy(key.value()).into_owned()))
            })
            .map_err(error)?;
        let by_count = match oldest_kept {
            Some(id) => self.delete_finished_before(&id, false)?,
            None => 0,
        };
        Ok(by_age + by_count)
    }

    fn check(&self) -> std::result::Result<(), JournalError> {
        self.file.still_there()
    }

    fn backlog(&self, endpoint: &str) -> std::result::Result<usize, JournalError> {
        self.file.still_there()?;
        self.peek(|store| store.unfinished(endpoint))
    }

    fn prune_to_size(&self, max_body_bytes: u64) -> std::result::Result<usize, JournalError> {
        if self.body_bytes_at_most.load(Ordering::Relaxed) <= max_body_bytes {
            return Ok(0);
        }
        // Counted again from the walk below. Bodies committed from here on add to the count
        // (some twice, if the walk sees them too: too many is safe).
        self.body_bytes_at_most.store(0, Ordering::Relaxed);
        let first_over = self
            .read(|transaction| {
                let records = transaction.open_table(RECORDS)?;
                // The bytes the bodies take, as the table knows them without reading a row (it
                // walks the table's pages): a journal whose bodies fit under the cap keeps
                // everything.
                let bodies = transaction.open_table(BODIES)?;
                let stored = bodies.stats()?.stored_bytes();
                add_saturating(&self.body_bytes_at_most, stored);
                if stored <= max_body_bytes {
                    return Ok(None);
                }
                // Newest first, adding up body sizes (kept in the records, not read from the
                // bodies) until the cap is passed: that delivery and every older finished one go.
                let mut total: u64 = 0;
                for entry in records.iter()?.rev() {
                    let (key, value) = entry?;
                    let Some(stored) = Stored::decode(value.value()) else {
                        continue;
                    };
                    if stored.record.status.is_unfinished() {
                        continue;
                    }
                    total = total.saturating_add(stored.body_len);
                    if total > max_body_bytes {
                        return Ok(Some(String::from_utf8_lossy(key.value()).into_owned()));
                    }
                }
                Ok(None)
            })
            .inspect_err(|_| self.body_bytes_at_most.store(u64::MAX, Ordering::Relaxed))
            .map_err(error)?;
        match first_over {
            Some(id) => self.delete_finished_before(&id, true),
            None => Ok(0),
        }
    }
}

/// Adds `bytes` to `counter`, stopping at `u64::MAX` (which also means "not counted yet").
fn add_saturating(counter: &AtomicU64, bytes: u64) {
    // The closure always returns `Some`, so the update cannot fail.
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
        Some(now.saturating_add(bytes))
    });
}

#[cfg(test)]
mod tests;
