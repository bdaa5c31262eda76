//! The journal in a file of its own, `deliveries.log` in the data directory: an append-only log
//! (`log.rs`) replayed into ordered maps in memory when the journal opens. A write that records a
//! background delivery is synced before it returns; one of ordinary deliveries' records by the
//! first write a quarter of a second or more later, or at close, as [`EmbeddedJournal::write`]
//! says. The retention rewrites the file without what it removed once that is over half of it.
//!
//! Chosen over an embedded database because every user's build compiled it: the bundled SQLite's
//! C source first (about 50 s of a cold release build on two cores), then redb (16 s of a release
//! build, 8-9 s of a debug one, on the critical path both times), for a handful of queries that a
//! few ordered maps answer. The `sqlite` feature brings the SQLite store back, for journals written
//! by earlier builds.
//!
//! A delivery is its record (JSON, without the body: `stored.rs`), kept in memory and in the log,
//! and its body, in the log only; plus the indexes the queries walk: the queue, what is running,
//! the keyed `Webhook-Id`s, every `Webhook-Id`, and the deduplicated deliveries by repo. Every
//! change goes through [`Store::put`] and [`Store::remove`], which log it and keep the indexes in
//! step with the record; a write that fails undoes its changes in memory.

mod keys;
mod log;
mod stored;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use self::keys::{Key, KeyRange};
use self::log::{Entry, Span};
use self::stored::Stored;
use super::files::{
    OpenedFile, lock_dir, private_dir, private_file, schema_too_new, set_up_failed,
};
use super::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery, SeenAgain, apply_result, body_hash, smallest_id_at,
};

/// An ordered map of bytes to bytes: a table, or an index (see `keys`).
type Table = BTreeMap<Vec<u8>, Vec<u8>>;

/// The schema version this code writes (the log's header). A journal with a higher one is
/// refused: its frames would be misread.
const SCHEMA_VERSION: u64 = 1;

/// Deliveries removed per write by the retention: a large pass never holds requests' writes for
/// long.
const PRUNE_BATCH: usize = 500;

/// How long a write of ordinary deliveries' records may stay unsynced: the next write after it
/// is synced.
const UNSYNCED_AT_MOST_MS: i64 = 250;

/// The log is rewritten when it is over twice what it holds live, plus this much.
const REWRITE_SLACK_BYTES: u64 = 4 << 20;

/// The file's name in the data directory.
pub(crate) const FILE_NAME: &str = "deliveries.log";

/// The journal's tables, in memory.
#[derive(Default)]
struct Tables {
    /// Each delivery's record, by id (UUIDv7: ordered by time).
    records: Table,
    /// Where each delivery's body is in the log ([`Span::to_bytes`]), by id.
    bodies: Table,
    /// Queued deliveries: (endpoint, next attempt, id) to the id.
    queue: Table,
    /// Running deliveries: (endpoint, id) to the id.
    running: Table,
    /// The delivery each keyed `Webhook-Id` of an endpoint names: (endpoint, webhook id) to its id.
    keyed: Table,
    /// Every delivery with a `Webhook-Id`: (webhook id, id) to the id.
    by_webhook_id: Table,
    /// Deliveries of endpoints that drop duplicates, by repo: (endpoint, repo, id) to the body's
    /// SHA-256 (32 bytes) then the id.
    about_repo: Table,
}

/// What the journal holds, behind its lock.
struct State {
    tables: Tables,
    /// The log, open for reading and writing.
    file: File,
    /// Where the next frame goes: the log's length.
    len: u64,
    /// The log's file, checked before writes.
    opened: OpenedFile,
    /// When a write was last synced to disk (ms since the epoch).
    last_sync_ms: i64,
    /// Whether a write since then was not synced.
    unsynced: bool,
}

/// The embedded journal.
pub(crate) struct EmbeddedJournal {
    state: Mutex<State>,
    path: PathBuf,
    /// Held while the journal is open: one process per data dir.
    _lock: File,
}

fn error(error: std::io::Error) -> JournalError {
    JournalError::new("the journal's file failed").with_source(error)
}

type Result<T> = std::result::Result<T, std::io::Error>;

/// A change to a table, as it was before: how a failed write is undone.
struct Undo {
    table: usize,
    key: Vec<u8>,
    before: Option<Vec<u8>>,
}

/// One of the tables, in a write.
struct Open<'t> {
    /// Its place in [`Tables::all`], for the undo log.
    index: usize,
    table: RefCell<&'t mut Table>,
    undo: &'t RefCell<Vec<Undo>>,
}

impl Open<'_> {
    fn borrow(&self) -> std::cell::Ref<'_, &mut Table> {
        self.table.borrow()
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.table.borrow().get(key).cloned()
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) {
        let before = self.table.borrow_mut().insert(key.to_vec(), value);
        self.undone_by(key, before);
    }

    fn remove(&self, key: &[u8]) {
        let before = self.table.borrow_mut().remove(key);
        if before.is_some() {
            self.undone_by(key, before);
        }
    }

    fn undone_by(&self, key: &[u8], before: Option<Vec<u8>>) {
        self.undo.borrow_mut().push(Undo {
            table: self.index,
            key: key.to_vec(),
            before,
        });
    }
}

impl Tables {
    fn all(&mut self) -> [&mut Table; 7] {
        [
            &mut self.records,
            &mut self.bodies,
            &mut self.queue,
            &mut self.running,
            &mut self.keyed,
            &mut self.by_webhook_id,
            &mut self.about_repo,
        ]
    }

    /// Puts back what `undo` changed, newest change first.
    fn undo(&mut self, undo: Vec<Undo>) {
        let mut tables = self.all();
        for change in undo.into_iter().rev() {
            let table = &mut tables[change.table];
            match change.before {
                Some(before) => table.insert(change.key, before),
                None => table.remove(&change.key),
            };
        }
    }
}

/// A write's work on the tables: changes made in memory, logged as frames to append.
struct Store<'t> {
    records: Open<'t>,
    bodies: Open<'t>,
    queue: Open<'t>,
    running: Open<'t>,
    keyed: Open<'t>,
    by_webhook_id: Open<'t>,
    about_repo: Open<'t>,
    /// The log, for bodies; its length before this write.
    file: &'t File,
    len: u64,
    /// The frames this write appends.
    frames: &'t RefCell<Vec<u8>>,
    /// Whether the write records a background delivery: then it must be synced before it
    /// returns (see [`EmbeddedJournal::write`]).
    must_sync: Cell<bool>,
}

impl<'t> Store<'t> {
    fn new(
        tables: &'t mut Tables,
        file: &'t File,
        len: u64,
        undo: &'t RefCell<Vec<Undo>>,
        frames: &'t RefCell<Vec<u8>>,
    ) -> Self {
        let [
            records,
            bodies,
            queue,
            running,
            keyed,
            by_webhook_id,
            about_repo,
        ] = tables.all();
        let mut index = 0;
        let mut open = |table: &'t mut Table| {
            index += 1;
            Open {
                index: index - 1,
                table: RefCell::new(table),
                undo,
            }
        };
        Store {
            records: open(records),
            bodies: open(bodies),
            queue: open(queue),
            running: open(running),
            keyed: open(keyed),
            by_webhook_id: open(by_webhook_id),
            about_repo: open(about_repo),
            file,
            len,
            frames,
            must_sync: Cell::new(false),
        }
    }

    fn get(&self, id: &str) -> Option<Stored<'static>> {
        let records = self.records.borrow();
        records
            .get(id.as_bytes())
            .and_then(|value| Stored::decode(value))
    }

    /// The body of the delivery `id` (empty when it has none).
    fn body(&self, id: &str) -> Result<bytes::Bytes> {
        let Some(span) = self
            .bodies
            .get(id.as_bytes())
            .and_then(|span| Span::from_bytes(&span))
        else {
            return Ok(bytes::Bytes::new());
        };
        if span.offset >= self.len {
            // Written by this write: still in its frames.
            let frames = self.frames.borrow();
            let start = usize::try_from(span.offset - self.len).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(span.len).unwrap_or(usize::MAX));
            return Ok(frames
                .get(start..end)
                .map(bytes::Bytes::copy_from_slice)
                .unwrap_or_default());
        }
        Ok(log::read_span(self.file, span)?.into())
    }

    /// Writes `new` (and its body, when given), replacing `old`'s index entries with `new`'s.
    fn put(&self, old: Option<&Stored<'_>>, new: &Stored<'_>, body: Option<&[u8]>) {
        if new.record.background {
            self.must_sync.set(true);
        }
        let record = new.encode();
        let span = log::put(&record, body, self.len, &mut self.frames.borrow_mut());
        self.index(old, new, record, span);
    }

    /// Puts `new`'s record (`record`, encoded) and its index entries in the tables, in place of
    /// `old`'s; its body is at `body`, when this record brings one.
    fn index(
        &self,
        old: Option<&Stored<'_>>,
        new: &Stored<'_>,
        record: Vec<u8>,
        body: Option<Span>,
    ) {
        if let Some(old) = old {
            self.unindex(old);
        }
        let id = new.record.id.as_str();
        let endpoint = new.record.endpoint.as_str();
        self.records.insert(id.as_bytes(), record);
        if let Some(span) = body {
            self.bodies.insert(id.as_bytes(), span.to_bytes());
        }
        match new.record.status {
            DeliveryStatus::Queued => {
                self.queue
                    .insert(queue_key(&new.record).as_bytes(), id.as_bytes().to_vec());
            }
            DeliveryStatus::Running => {
                let key = Key::of(endpoint).text(id);
                self.running.insert(key.as_bytes(), id.as_bytes().to_vec());
            }
            _ => {}
        }
        if let Some(webhook_id) = new.record.webhook_id.as_deref() {
            let key = Key::of(webhook_id).text(id);
            self.by_webhook_id
                .insert(key.as_bytes(), id.as_bytes().to_vec());
            if new.keyed {
                let key = Key::of(endpoint).text(webhook_id);
                self.keyed.insert(key.as_bytes(), id.as_bytes().to_vec());
            }
        }
        if let Some(hash) = new.body_hash.as_deref() {
            let value = [hash, id.as_bytes()].concat();
            self.about_repo
                .insert(about_repo_key(&new.record).as_bytes(), value);
        }
    }

    /// Removes `old`'s index entries (not its record or body).
    fn unindex(&self, old: &Stored<'_>) {
        let id = old.record.id.as_str();
        let endpoint = old.record.endpoint.as_str();
        self.queue.remove(queue_key(&old.record).as_bytes());
        self.running.remove(Key::of(endpoint).text(id).as_bytes());
        if let Some(webhook_id) = old.record.webhook_id.as_deref() {
            self.by_webhook_id
                .remove(Key::of(webhook_id).text(id).as_bytes());
            if old.keyed {
                let key = Key::of(endpoint).text(webhook_id);
                let names_this_one = self
                    .keyed
                    .get(key.as_bytes())
                    .is_some_and(|named| named == id.as_bytes());
                if names_this_one {
                    self.keyed.remove(key.as_bytes());
                }
            }
        }
        if old.body_hash.is_some() {
            self.about_repo
                .remove(about_repo_key(&old.record).as_bytes());
        }
    }

    /// Removes a delivery entirely.
    fn remove(&self, old: &Stored<'_>) {
        log::remove(old.record.id.as_bytes(), &mut self.frames.borrow_mut());
        self.forget(old);
    }

    /// Removes a delivery from the tables.
    fn forget(&self, old: &Stored<'_>) {
        self.unindex(old);
        let id = old.record.id.as_bytes();
        self.records.remove(id);
        self.bodies.remove(id);
    }

    /// Changes the delivery `id` with `change`, when it exists.
    fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut Stored<'static>),
    ) -> Option<Stored<'static>> {
        let old = self.get(id)?;
        let mut new = old.clone();
        change(&mut new);
        self.put(Some(&old), &new, None);
        Some(new)
    }

    /// How many deliveries to `endpoint` are queued or running.
    fn unfinished(&self, endpoint: &str) -> usize {
        let of_endpoint = KeyRange::starting_with(&Key::of(endpoint));
        let queued = self
            .queue
            .borrow()
            .range::<[u8], _>(of_endpoint.bounds())
            .count();
        let running = self
            .running
            .borrow()
            .range::<[u8], _>(of_endpoint.bounds())
            .count();
        queued + running
    }

    /// The ids an index's entries in `range` name (their values), up to `limit`.
    fn ids_in(&self, table: &Open<'t>, range: &KeyRange, limit: usize) -> Vec<String> {
        table
            .borrow()
            .range::<[u8], _>(range.bounds())
            .take(limit)
            .map(|(_, id)| String::from_utf8_lossy(id).into_owned())
            .collect()
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
        let about = KeyRange::starting_with(&Key::of(endpoint).optional_text(repo));
        let mut latest = None;
        {
            let about_repo = self.about_repo.borrow();
            for (_, value) in about_repo.range::<[u8], _>(about.bounds()).rev() {
                let (hash, id) = value.split_at_checked(32).unwrap_or_default();
                let id = String::from_utf8_lossy(id).into_owned();
                let Some(stored) = self.get(&id) else {
                    continue;
                };
                let record = &stored.record;
                if record.received_at_ms < since_ms || !record.status.is_compared_with_copies() {
                    continue;
                }
                latest = Some((id, record.status, hash.to_vec()));
                break;
            }
        }
        let Some((id, status, hash)) = latest else {
            return Ok(None);
        };
        if !status.makes_copies_duplicates() || hash != body_hash(body) {
            return Ok(None);
        }
        let same = self.body(&id)? == body;
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

/// A queued delivery's key in the queue: due first, then oldest first.
fn queue_key(record: &DeliveryRecord) -> Key {
    Key::of(&record.endpoint)
        .number(record.next_attempt_at_ms)
        .text(&record.id)
}

/// A deduplicated delivery's key in the index by repo.
fn about_repo_key(record: &DeliveryRecord) -> Key {
    Key::of(&record.endpoint)
        .optional_text(record.repo.as_deref())
        .text(&record.id)
}

/// Opens `path` for reading and writing, creating it.
fn open_log(path: &Path) -> Result<File> {
    private_file(path)?;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

/// What opening found wrong with the log.
enum Unreadable {
    /// A log of a newer schema.
    Newer(u64),
    /// The file could not be read.
    Io(std::io::Error),
}

/// Reads the log into tables; returns them and where its whole frames end.
fn replay(file: &File) -> std::result::Result<(Tables, u64, bool), Unreadable> {
    let mut tables = Tables::default();
    let mut newer = None;
    let (end, headed) = log::read_all(file, |entry| {
        let undo = RefCell::new(Vec::new());
        let frames = RefCell::new(Vec::new());
        let store = Store::new(&mut tables, file, 0, &undo, &frames);
        match entry {
            Entry::Header(version) if version > SCHEMA_VERSION => newer = Some(version),
            Entry::Header(_) => {}
            Entry::Put { record, body } => {
                if let Some(new) = Stored::decode(record) {
                    let old = store.get(&new.record.id);
                    store.index(old.as_ref(), &new, record.to_vec(), body);
                }
            }
            Entry::Remove { id } => {
                if let Some(old) = store.get(&String::from_utf8_lossy(id)) {
                    store.forget(&old);
                }
            }
        }
        Ok(())
    })
    .map_err(Unreadable::Io)?;
    if let Some(version) = newer {
        return Err(Unreadable::Newer(version));
    }
    Ok((tables, end, headed))
}

impl EmbeddedJournal {
    /// Opens (or creates) `deliveries.log` in `dir`.
    pub(crate) fn open(dir: &Path) -> std::result::Result<Self, JournalError> {
        private_dir(dir).map_err(|e| {
            JournalError::new(format!("cannot create {}", dir.display())).with_source(e)
        })?;
        let lock = lock_dir(dir)?;
        refuse_an_earlier_journal(dir)?;
        let path = dir.join(FILE_NAME);
        let file = open_log(&path).map_err(|e| {
            JournalError::new(format!("cannot create {}", path.display())).with_source(e)
        })?;
        let file_len = file
            .metadata()
            .map_err(|e| set_up_failed(&path, false, "", e))?
            .len();
        let (tables, end, headed) = match replay(&file) {
            Ok(read) => read,
            Err(Unreadable::Newer(version)) => {
                return Err(schema_too_new(&path, version, SCHEMA_VERSION));
            }
            Err(Unreadable::Io(e)) => return Err(set_up_failed(&path, false, "", e)),
        };
        let len = if headed {
            if end < file_len {
                // A frame torn by a crash, or written past a failed write: cut off.
                tracing::warn!(
                    path = %path.display(),
                    kept = end,
                    cut = file_len - end,
                    "the delivery journal ended in an incomplete entry, left by a crash: it is cut off"
                );
                file.set_len(end)
                    .map_err(|e| set_up_failed(&path, false, "", e))?;
            }
            end
        } else if file_len == 0 {
            let mut header = Vec::new();
            log::header(SCHEMA_VERSION, &mut header);
            log::append(&file, 0, &header)
                .and_then(|()| file.sync_data())
                .map_err(|e| set_up_failed(&path, false, "", e))?;
            header.len() as u64
        } else {
            return Err(set_up_failed(
                &path,
                true,
                "",
                "the file does not start as a delivery journal",
            ));
        };
        let journal = EmbeddedJournal {
            state: Mutex::new(State {
                tables,
                file,
                len,
                opened: OpenedFile::at(path.clone()),
                last_sync_ms: 0,
                unsynced: false,
            }),
            path: path.clone(),
            _lock: lock,
        };
        // This process alone uses the file (its lock says so): an ordinary delivery still
        // running was cut short when the last process stopped.
        journal
            .write(|store| {
                for id in store.ids_in(&store.running, &KeyRange::everything(), usize::MAX) {
                    store.update(&id, |stored| {
                        if !stored.record.background {
                            stored.record.to_mut().status = DeliveryStatus::Failed;
                            stored.record.to_mut().last_error =
                                Some("the server stopped while its handler ran".to_owned());
                        }
                    });
                }
                Ok(())
            })
            .map_err(|e| {
                JournalError::new(format!("cannot set up {}", path.display())).with_source(e)
            })?;
        Ok(journal)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `work` on the tables and appends what it logged, then syncs as the rule says: a write
    /// that recorded a background delivery (promised with a 202, or being run, its attempts
    /// counted) is synced before this returns, so it survives a crash of the machine. Records of
    /// ordinary deliveries are synced by the first write a quarter of a second or more later, or
    /// at close: a crash can lose the records not synced yet, never a promise. When `work` fails
    /// or the append does, the tables are put back as they were.
    fn write<T>(
        &self,
        work: impl FnOnce(&Store<'_>) -> Result<T>,
    ) -> std::result::Result<T, JournalError> {
        let mut state = self.lock();
        state.opened.still_there()?;
        let state = &mut *state;
        let undo = RefCell::new(Vec::new());
        let frames = RefCell::new(Vec::new());
        let (worked, must_sync) = {
            let store = Store::new(&mut state.tables, &state.file, state.len, &undo, &frames);
            let worked = work(&store);
            (worked, store.must_sync.get())
        };
        let frames = frames.into_inner();
        let written = worked.and_then(|value| {
            if !frames.is_empty() {
                log::append(&state.file, state.len, &frames)?;
            }
            Ok(value)
        });
        let value = match written {
            Ok(value) => value,
            Err(e) => {
                state.tables.undo(undo.into_inner());
                return Err(error(e));
            }
        };
        state.len += frames.len() as u64;
        if !frames.is_empty() {
            state.unsynced = true;
        }
        let now = super::now_ms();
        if state.unsynced && (must_sync || now - state.last_sync_ms >= UNSYNCED_AT_MOST_MS) {
            state.file.sync_data().map_err(error)?;
            state.unsynced = false;
            state.last_sync_ms = now;
        }
        Ok(value)
    }

    /// Runs `work`, which only reads, on the tables.
    fn read<T>(
        &self,
        work: impl FnOnce(&Store<'_>) -> Result<T>,
    ) -> std::result::Result<T, JournalError> {
        let mut state = self.lock();
        let state = &mut *state;
        let undo = RefCell::new(Vec::new());
        let frames = RefCell::new(Vec::new());
        let store = Store::new(&mut state.tables, &state.file, state.len, &undo, &frames);
        work(&store).map_err(error)
    }

    /// Deletes finished deliveries with an id below `id` (up to it, `inclusive`), in writes of
    /// [`PRUNE_BATCH`].
    fn delete_finished_before(
        &self,
        id: &str,
        inclusive: bool,
    ) -> std::result::Result<usize, JournalError> {
        let mut removed = 0;
        let mut from = String::new();
        loop {
            let (batch, last) = self.write(|store| {
                let mut finished = Vec::new();
                let mut last = None;
                {
                    let records = store.records.borrow();
                    for (key, value) in records.range(from.as_bytes().to_vec()..) {
                        if key.as_slice() > id.as_bytes() || (key == id.as_bytes() && !inclusive) {
                            break;
                        }
                        last = Some(String::from_utf8_lossy(key).into_owned());
                        if let Some(stored) = Stored::decode(value)
                            && !stored.record.status.is_unfinished()
                        {
                            finished.push(stored);
                            if finished.len() == PRUNE_BATCH {
                                break;
                            }
                        }
                    }
                }
                for stored in &finished {
                    store.remove(stored);
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

    /// Rewrites the log with only what it holds now, when what it no longer holds is over half
    /// of it: the records, each with its body, into a new file that then replaces the log.
    fn rewrite_if_mostly_removed(&self) -> std::result::Result<bool, JournalError> {
        let mut state = self.lock();
        state.opened.still_there()?;
        let live: u64 = state
            .tables
            .records
            .iter()
            .map(|(id, record)| {
                let body = state
                    .tables
                    .bodies
                    .get(id)
                    .and_then(|span| Span::from_bytes(span))
                    .map_or(0, |span| span.len);
                log::FRAME_HEADER + 6 + record.len() as u64 + body
            })
            .sum();
        if state.len <= live.saturating_mul(2).saturating_add(REWRITE_SLACK_BYTES) {
            return Ok(false);
        }
        let state = &mut *state;
        let fresh = self.path.with_extension("log.rewriting");
        let rewritten = rewrite(&state.tables, &state.file, &fresh, &self.path);
        let Rewritten { file, len, spans } = rewritten.map_err(|e| {
            let _ = std::fs::remove_file(&fresh);
            JournalError::new(format!("cannot rewrite {}", self.path.display())).with_source(e)
        })?;
        state.file = file;
        state.len = len;
        state.opened = OpenedFile::at(self.path.clone());
        state.unsynced = false;
        for (id, span) in spans {
            state.tables.bodies.insert(id, span.to_bytes());
        }
        Ok(true)
    }
}

/// A log written again: the new file, its length, and where each body is in it.
struct Rewritten {
    file: File,
    len: u64,
    spans: Vec<(Vec<u8>, Span)>,
}

/// Writes the records of `tables`, each with its body (read from `old`), to `fresh`, then puts it
/// in place of `path`, synced.
fn rewrite(tables: &Tables, old: &File, fresh: &Path, path: &Path) -> Result<Rewritten> {
    let _ = std::fs::remove_file(fresh);
    let file = open_log(fresh)?;
    let mut out = Vec::new();
    log::header(SCHEMA_VERSION, &mut out);
    let mut len = 0u64;
    let mut spans = Vec::new();
    for (id, record) in &tables.records {
        let body = match tables
            .bodies
            .get(id)
            .and_then(|span| Span::from_bytes(span))
        {
            Some(span) => Some(log::read_span(old, span)?),
            None => None,
        };
        if let Some(span) = log::put(record, body.as_deref(), len, &mut out) {
            spans.push((id.clone(), span));
        }
        if out.len() >= 1 << 20 {
            log::append(&file, len, &out)?;
            len += out.len() as u64;
            out.clear();
        }
    }
    log::append(&file, len, &out)?;
    len += out.len() as u64;
    file.sync_data()?;
    std::fs::rename(fresh, path)?;
    log::sync_folder(path)?;
    Ok(Rewritten { file, len, spans })
}

impl Drop for EmbeddedJournal {
    /// Syncs what was written without a sync, so that a graceful stop loses nothing.
    fn drop(&mut self) {
        let state = self.lock();
        if state.unsynced
            && let Err(error) = state.file.sync_data()
        {
            tracing::warn!(%error, "the delivery journal's last records could not be synced");
        }
    }
}

/// Starting with a data dir that holds a journal of an earlier build, in a format this one does
/// not read, would leave its queued deliveries behind without a word: refuse, and say what to do.
fn refuse_an_earlier_journal(dir: &Path) -> std::result::Result<(), JournalError> {
    let sqlite = dir.join("deliveries.sqlite3");
    if std::fs::metadata(&sqlite).is_ok_and(|metadata| metadata.len() > 0) {
        return Err(JournalError::new(format!(
            "{} is a delivery journal written by an earlier version of webhooks-runtime (SQLite), which this build does not read: turn on the runtime's `sqlite` feature to keep using it, or move it aside to start a new journal (its queued deliveries would not run)",
            sqlite.display()
        )));
    }
    let redb = dir.join("deliveries.redb");
    if std::fs::metadata(&redb).is_ok_and(|metadata| metadata.len() > 0) {
        return Err(JournalError::new(format!(
            "{} is a delivery journal written by an earlier build of webhooks-runtime (redb), which this build does not read: move it aside to start a new journal (its queued deliveries would not run)",
            redb.display()
        )));
    }
    Ok(())
}

impl Journal for EmbeddedJournal {
    fn insert(&self, deliveries: &[DeliveryRecord]) -> std::result::Result<(), JournalError> {
        self.write(|store| {
            for delivery in deliveries {
                let old = store.get(&delivery.id);
                let new = as_written(delivery, old.as_ref());
                store.put(old.as_ref(), &new, Some(&delivery.body));
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
        // One write: no copy offered at the same time can slip between the look and the write.
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
            let waiting = store.unfinished(&delivery.endpoint);
            if waiting >= backlog_limit {
                return Ok(Admission::BacklogFull { waiting });
            }
            let old = store.get(&delivery.id);
            let new = as_written(delivery, old.as_ref());
            store.put(old.as_ref(), &new, Some(&delivery.body));
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
        // One write: no copy admitted at the same time can slip between the look and the write.
        self.write(|store| {
            let key = Key::of(&delivery.endpoint).text(webhook_id);
            let earlier = store
                .keyed
                .get(key.as_bytes())
                .map(|id| String::from_utf8_lossy(&id).into_owned());
            if let Some(original) = earlier
                && let Some(stored) = store.get(&original)
            {
                let record = &stored.record;
                let status = record.status;
                let lapsed = stored.lease_until_ms.is_none_or(|until| until < now_ms);
                let attempt = record.attempts + 1;
                return Ok(match SeenAgain::of(status, record.background, lapsed) {
                    SeenAgain::Repeat => {
                        store.update(&original, |stored| stored.record.to_mut().repeats += 1);
                        Admission::Repeat { original, status }
                    }
                    SeenAgain::InProgress => Admission::InProgress { original },
                    SeenAgain::RunAgain => {
                        store.update(&original, |stored| {
                            stored.record.to_mut().status = DeliveryStatus::Running;
                            stored.record.to_mut().attempts += 1;
                            stored.owner = Some(lease.owner.clone());
                            stored.lease_until_ms = Some(lease.until_ms);
                        });
                        Admission::Retry { original, attempt }
                    }
                    SeenAgain::Requeue => {
                        store.update(&original, |stored| {
                            stored.record.to_mut().status = DeliveryStatus::Queued;
                            stored.record.to_mut().next_attempt_at_ms = now_ms;
                            stored.owner = None;
                            stored.lease_until_ms = None;
                        });
                        Admission::Retry { original, attempt }
                    }
                });
            }
            let record = super::as_admitted(delivery);
            if record.background {
                let waiting = store.unfinished(&record.endpoint);
                if waiting >= backlog_limit {
                    return Ok(Admission::BacklogFull { waiting });
                }
            }
            let old = store.get(&record.id);
            let mut new = as_written(&record, old.as_ref());
            new.keyed = true;
            if record.status == DeliveryStatus::Running {
                new.owner = Some(lease.owner.clone());
                new.lease_until_ms = Some(lease.until_ms);
            }
            store.put(old.as_ref(), &new, Some(&record.body));
            Ok(Admission::Queued)
        })
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
            let due = store.ids_in(&store.queue, &due, limit);
            let mut claimed = Vec::with_capacity(due.len());
            for id in due {
                let Some(stored) = store.update(&id, |stored| {
                    stored.record.to_mut().status = DeliveryStatus::Running;
                    stored.record.to_mut().attempts += 1;
                    stored.owner = Some(lease.owner.clone());
                    stored.lease_until_ms = Some(lease.until_ms);
                }) else {
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
            let Some(old) = store.get(id) else {
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
            store.put(Some(&old), &new, None);
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
                let Some(old) = store.get(id) else {
                    continue;
                };
                if old.owner.as_deref() == Some(owner)
                    && old.record.status == DeliveryStatus::Running
                {
                    let mut new = old.clone();
                    new.lease_until_ms = Some(until_ms);
                    store.put(Some(&old), &new, None);
                    extended += 1;
                }
            }
            Ok(extended)
        })
    }

    fn rescue_expired(&self, now_ms: i64) -> std::result::Result<usize, JournalError> {
        self.write(|store| {
            let mut requeued = 0;
            for id in store.ids_in(&store.running, &KeyRange::everything(), usize::MAX) {
                let Some(old) = store.get(&id) else {
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
                store.put(Some(&old), &new, None);
            }
            Ok(requeued)
        })
    }

    fn next_due(&self, endpoint: &str) -> std::result::Result<Option<i64>, JournalError> {
        self.read(|store| {
            let of_endpoint = KeyRange::starting_with(&Key::of(endpoint));
            let first = store.ids_in(&store.queue, &of_endpoint, 1);
            Ok(first
                .first()
                .and_then(|id| store.get(id))
                .map(|stored| stored.record.next_attempt_at_ms))
        })
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
        self.read(|store| {
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
            let records = store.records.borrow();
            if let Some(webhook_id) = query.webhook_id.as_deref() {
                // The few deliveries with this id, through their index.
                let index = store.by_webhook_id.borrow();
                let with_id = KeyRange::starting_with(&Key::of(webhook_id));
                for (_, id) in index.range::<[u8], _>(with_id.bounds()).rev() {
                    let Some(stored) = records.get(id).and_then(|value| Stored::decode(value))
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
                for (_, value) in records
                    .range::<[u8], _>((std::ops::Bound::Unbounded, before))
                    .rev()
                {
                    let Some(stored) = Stored::decode(value) else {
                        continue;
                    };
                    if !take(stored.record.into_owned()) {
                        break;
                    }
                }
            }
            Ok(found)
        })
    }

    fn get(&self, id: &str) -> std::result::Result<Option<DeliveryRecord>, JournalError> {
        self.read(|store| {
            let Some(stored) = store.get(id) else {
                return Ok(None);
            };
            let body = store.body(id)?;
            Ok(Some(DeliveryRecord {
                body,
                ..stored.record.into_owned()
            }))
        })
    }

    fn delete(&self, id: &str) -> std::result::Result<bool, JournalError> {
        self.write(|store| {
            let Some(old) = store.get(id) else {
                return Ok(false);
            };
            store.remove(&old);
            Ok(true)
        })
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> std::result::Result<usize, JournalError> {
        // Ids are UUIDv7, ordered by time: the smallest id of the cut-off millisecond bounds the
        // old ones.
        let by_age = self.delete_finished_before(&smallest_id_at(older_than_ms), false)?;
        // Everything older than the `keep`-th newest goes, found the same way.
        let oldest_kept = self.read(|store| {
            let records = store.records.borrow();
            let keep = keep.max(1);
            let Some(older) = records.len().checked_sub(keep) else {
                return Ok(None);
            };
            // From the oldest end: usually the shorter walk.
            Ok(records
                .keys()
                .nth(older)
                .map(|key| String::from_utf8_lossy(key).into_owned()))
        })?;
        let by_count = match oldest_kept {
            Some(id) => self.delete_finished_before(&id, false)?,
            None => 0,
        };
        Ok(by_age + by_count)
    }

    fn check(&self) -> std::result::Result<(), JournalError> {
        self.lock().opened.still_there()
    }

    fn backlog(&self, endpoint: &str) -> std::result::Result<usize, JournalError> {
        self.check()?;
        self.read(|store| Ok(store.unfinished(endpoint)))
    }

    fn prune_to_size(&self, max_body_bytes: u64) -> std::result::Result<usize, JournalError> {
        let first_over = self.read(|store| {
            let bodies = store.bodies.borrow();
            // The bytes the bodies take (keys included, as a table of them would count): a
            // journal whose bodies fit under the cap keeps everything.
            let stored: u64 = bodies
                .iter()
                .map(|(id, span)| {
                    id.len() as u64 + Span::from_bytes(span).map_or(0, |span| span.len)
                })
                .sum();
            if stored <= max_body_bytes {
                return Ok(None);
            }
            // Newest first, adding up body sizes until the cap is passed: that delivery and
            // every older finished one go.
            let records = store.records.borrow();
            let mut total: u64 = 0;
            for (key, value) in records.iter().rev() {
                let Some(stored) = Stored::decode(value) else {
                    continue;
                };
                if stored.record.status.is_unfinished() {
                    continue;
                }
                total = total.saturating_add(stored.body_len);
                if total > max_body_bytes {
                    return Ok(Some(String::from_utf8_lossy(key).into_owned()));
                }
            }
            Ok(None)
        })?;
        let removed = match first_over {
            Some(id) => self.delete_finished_before(&id, true)?,
            None => 0,
        };
        // The retention's last step: what it removed is still in the log until it is rewritten.
        self.rewrite_if_mostly_removed()?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests;
