//! The delivery journal: every delivery, recorded, so none is lost to a crash or a restart, and
//! each can be inspected and replayed. A trait, so stores can be swapped; an embedded database file is the
//! default, and an in-memory one serves tests.

pub(crate) mod conformance;
// With the `sqlite` feature, SQLite is the file journal; the embedded store is still built, for
// its tests.
#[cfg_attr(feature = "sqlite", allow(dead_code))]
mod embedded;
mod files;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod status;

pub(crate) use crate::error::JournalError;

use serde::Serialize;

#[cfg(not(feature = "sqlite"))]
pub(crate) use embedded::EmbeddedJournal as FileJournal;
pub use memory::MemoryJournal;
#[cfg(feature = "postgres")]
pub use postgres::PostgresJournal;
#[cfg(feature = "sqlite")]
pub(crate) use sqlite::SqliteJournal as FileJournal;
pub use status::DeliveryStatus;

/// One delivery as the journal keeps it.
///
/// ```
/// use webhooks_runtime::deliveries::{DeliveryRecord, DeliveryStatus};
///
/// let record = DeliveryRecord {
///     id: "0192f3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b".to_owned(),
///     endpoint: "/webhooks/retrain".to_owned(),
///     received_at_ms: 1_764_115_200_000,
///     status: DeliveryStatus::Done,
///     attempts: 1,
///     last_error: None,
///     latency_ms: Some(1.5),
///     scope: Some("repo.content".to_owned()),
///     action: Some("update".to_owned()),
///     repo: Some("acme/dataset".to_owned()),
///     background: false,
///     original_id: None,
///     uri: "/webhooks/retrain".to_owned(),
///     headers: vec![("content-type".to_owned(), "application/json".to_owned())],
///     body: webhooks_runtime::bytes::Bytes::from_static(b"{}"),
///     next_attempt_at_ms: 0,
///     dedupe: false,
///     webhook_id: Some("6740f1a2b3c4d5e6f7a8b9c0".to_owned()),
///     repeats: 0,
/// };
/// // As the delivery API lists it: without the body.
/// let listed = webhooks_runtime::serde_json::to_value(&record).unwrap();
/// assert_eq!(listed["status"], "done");
/// assert!(listed.get("body").is_none());
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// Time-ordered id (UUIDv7).
    pub id: String,
    /// The route it was posted to, `/webhooks/<path>`, followed by `#<function>` when several
    /// endpoints (with different event filters) share the path.
    pub endpoint: String,
    /// When it was received, in milliseconds since the Unix epoch.
    pub received_at_ms: i64,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// How many times its handler ran.
    pub attempts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// How long the last handler run took.
    pub latency_ms: Option<f64>,
    /// The Hub payload's `event.scope`, when the body is one.
    pub scope: Option<String>,
    /// The Hub payload's `event.action`.
    pub action: Option<String>,
    /// The Hub payload's `repo.name`.
    pub repo: Option<String>,
    /// Whether it is handled in the background.
    pub background: bool,
    /// The delivery this one duplicates or replays.
    pub original_id: Option<String>,
    /// The request target, without any secret.
    pub uri: String,
    /// The request headers, without the secret.
    pub headers: Vec<(String, String)>,
    /// The raw body (left out of listings).
    #[serde(skip)]
    pub body: bytes::Bytes,
    /// When a queued delivery is next due, in milliseconds since the Unix epoch.
    #[serde(skip)]
    pub next_attempt_at_ms: i64,
    /// Whether later deliveries are compared with this one to find duplicates.
    #[serde(skip)]
    pub dedupe: bool,
    /// The Hub's `Webhook-Id` header: the same on every retry and replay of one Hub delivery
    /// (hub-docs PR #2749). A delivery admitted with [`Journal::admit`] is keyed on it.
    pub webhook_id: Option<String>,
    /// How many times the sender delivered it again after it was admitted (the same
    /// `Webhook-Id`), answered without running the handler again.
    pub repeats: u32,
}

/// Which deliveries to list, newest first.
///
/// ```
/// use webhooks_runtime::deliveries::{DeliveryStatus, ListQuery};
///
/// // The 50 newest dead deliveries of one endpoint, as `GET /api/deliveries` asks.
/// let query = ListQuery {
///     endpoint: Some("/webhooks/evaluate".to_owned()),
///     status: Some(DeliveryStatus::Dead),
///     limit: 50,
///     ..ListQuery::default()
/// };
/// assert!(query.before.is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only deliveries to this route (`/webhooks/<path>`, every endpoint sharing it included), or to
    /// one endpoint of a shared path (`/webhooks/<path>#<function>`).
    pub endpoint: Option<String>,
    /// Only deliveries with this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries older than this id (the last id of the previous page).
    pub before: Option<String>,
    /// Only deliveries with this `Webhook-Id` (the Hub's id of the delivery): its first
    /// admission, and any replay of it.
    pub webhook_id: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// Who runs a claimed delivery, and until when the claim holds without a heartbeat: past
/// `until_ms`, another process may rescue the delivery and run it again.
///
/// ```
/// use webhooks_runtime::deliveries::Lease;
///
/// let lease = Lease { owner: "process-7f3a".to_owned(), until_ms: 1_764_115_260_000 };
/// assert!(lease.until_ms > 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The claiming process's id (random, per process; never a host name).
    pub owner: String,
    /// When the claim lapses, in milliseconds since the Unix epoch.
    pub until_ms: i64,
}

/// How one attempt at a background delivery ended: done, to be retried, or dead.
///
/// ```
/// use webhooks_runtime::deliveries::AttemptResult;
///
/// let attempt = 2;
/// let result = if attempt < 5 {
///     AttemptResult::Retry {
///         error: "the GPU queue is full".to_owned(),
///         latency_ms: 12.0,
///         next_attempt_at_ms: 1_764_115_204_000,
///     }
/// } else {
///     AttemptResult::Dead { error: "the GPU queue is full".to_owned(), latency_ms: 12.0 }
/// };
/// assert!(matches!(result, AttemptResult::Retry { .. }));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AttemptResult {
    /// The handler succeeded.
    Done {
        /// How long it ran.
        latency_ms: f64,
    },
    /// The handler failed; the delivery is queued again for `next_attempt_at_ms`.
    Retry {
        /// Why it failed.
        error: String,
        /// How long it ran.
        latency_ms: f64,
        /// When to try again, in milliseconds since the Unix epoch.
        next_attempt_at_ms: i64,
    },
    /// The handler failed its last attempt: the delivery is parked as dead.
    Dead {
        /// Why it failed.
        error: String,
        /// How long it ran.
        latency_ms: f64,
    },
    /// The handler of an ordinary (not background) delivery failed: it is `failed`, and the
    /// sender's retry (the same `Webhook-Id`) runs it again.
    Failed {
        /// Why it failed.
        error: String,
        /// How long it ran.
        latency_ms: f64,
    },
}

/// What became of a background delivery offered to [`Journal::enqueue`].
///
/// ```
/// use webhooks_runtime::deliveries::Admission;
///
/// let admission = Admission::Duplicate { original: "0192f3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b".to_owned() };
/// let status = match admission {
///     Admission::Queued => 202,
///     Admission::Duplicate { .. } => 200,
///     Admission::BacklogFull { .. } => 503,
///     _ => 500,
/// };
/// assert_eq!(status, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Admission {
    /// Written durably: a worker will run it.
    Queued,
    /// Not written: the endpoint already holds `waiting` accepted and unfinished deliveries, its
    /// limit.
    BacklogFull {
        /// How many the endpoint holds.
        waiting: usize,
    },
    /// Not written: the same body was accepted by the same endpoint within the duplicate window.
    Duplicate {
        /// The id of the delivery it duplicates.
        original: String,
    },
    /// [`Journal::admit`]: the endpoint holds this `Webhook-Id` already, and that delivery is
    /// not to run again: it succeeded or was skipped, or it is a background one queued or
    /// running. Its [`DeliveryRecord::repeats`] was counted up.
    Repeat {
        /// The delivery admitted first.
        original: String,
        /// Where it stands.
        status: DeliveryStatus,
    },
    /// [`Journal::admit`]: the endpoint holds this `Webhook-Id` already and that delivery failed
    /// (or its run's lease lapsed): it runs again as attempt `attempt`, under the same id. An
    /// ordinary one is marked running under the lease offered, for the caller to run now; a
    /// background one is queued again, due at once, for its workers.
    Retry {
        /// The delivery admitted first, whose id the new attempt keeps.
        original: String,
        /// The attempt this run is (its first was 1).
        attempt: u32,
    },
    /// [`Journal::admit`]: an ordinary delivery with this `Webhook-Id` is running now, under a
    /// lease that has not lapsed: nothing was written, and it must not run twice at once.
    InProgress {
        /// The delivery running.
        original: String,
    },
}

/// What a store does with a delivery whose `Webhook-Id` the endpoint holds already: the rules
/// every store shares (each reads the earlier delivery, asks this, and writes what it says, in
/// one atomic step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeenAgain {
    /// Not run again: count the repeat on the earlier delivery.
    Repeat,
    /// An ordinary delivery that failed, or whose run's lease lapsed: run it again now, as the
    /// next attempt, under the lease offered.
    RunAgain,
    /// A background delivery that failed every attempt: queue it again, due now.
    Requeue,
    /// An ordinary delivery running under a live lease: leave it.
    InProgress,
}

impl SeenAgain {
    /// The rule for an earlier delivery in `status`, handled in the background or not, whose
    /// lease (when running) has lapsed or not.
    pub(crate) fn of(status: DeliveryStatus, background: bool, lease_lapsed: bool) -> Self {
        match status {
            DeliveryStatus::Done | DeliveryStatus::Skipped | DeliveryStatus::Duplicate => {
                SeenAgain::Repeat
            }
            DeliveryStatus::Queued => SeenAgain::Repeat,
            DeliveryStatus::Running if background => SeenAgain::Repeat,
            DeliveryStatus::Running if lease_lapsed => SeenAgain::RunAgain,
            DeliveryStatus::Running => SeenAgain::InProgress,
            DeliveryStatus::Failed | DeliveryStatus::Dead if background => SeenAgain::Requeue,
            DeliveryStatus::Failed | DeliveryStatus::Dead => SeenAgain::RunAgain,
        }
    }
}

/// The `Webhook-Id` a delivery offered to [`Journal::admit`] is keyed on.
pub(crate) fn admitted_webhook_id(delivery: &DeliveryRecord) -> Result<&str, JournalError> {
    delivery
        .webhook_id
        .as_deref()
        .ok_or_else(|| JournalError::new("a delivery admitted by its Webhook-Id has none"))
}

/// A delivery as [`Journal::admit`] first writes it: a background one queued, an ordinary one
/// running its first attempt.
pub(crate) fn as_admitted(delivery: &DeliveryRecord) -> DeliveryRecord {
    let mut record = delivery.clone();
    if record.background {
        record.status = DeliveryStatus::Queued;
        record.attempts = 0;
    } else {
        record.status = DeliveryStatus::Running;
        record.attempts = 1;
    }
    record
}

/// What an attempt's `result` makes of its running record: the status, error, latency and next
/// attempt every store writes. Returns whether the delivery is given up on (dead or failed), when
/// stores that keep a lease drop it.
pub(crate) fn apply_result(record: &mut DeliveryRecord, result: &AttemptResult) -> bool {
    let (status, error, latency_ms) = match result {
        AttemptResult::Done { latency_ms } => (DeliveryStatus::Done, None, latency_ms),
        AttemptResult::Retry {
            error,
            latency_ms,
            next_attempt_at_ms,
        } => {
            record.next_attempt_at_ms = *next_attempt_at_ms;
            (DeliveryStatus::Queued, Some(error), latency_ms)
        }
        AttemptResult::Dead { error, latency_ms } => {
            (DeliveryStatus::Dead, Some(error), latency_ms)
        }
        AttemptResult::Failed { error, latency_ms } => {
            (DeliveryStatus::Failed, Some(error), latency_ms)
        }
    };
    record.status = status;
    if let Some(error) = error {
        record.last_error = Some(error.clone());
    }
    record.latency_ms = Some(*latency_ms);
    matches!(status, DeliveryStatus::Dead | DeliveryStatus::Failed)
}

/// A store of deliveries. Every method may block on I/O: the server calls them off its async
/// workers.
///
/// ```
/// use webhooks_runtime::deliveries::{DeliveryStatus, Journal, JournalError, ListQuery};
///
/// /// The ids of the deliveries that failed every attempt, newest first, from any store.
/// fn dead_deliveries(journal: &dyn Journal) -> Result<Vec<String>, JournalError> {
///     let query = ListQuery { status: Some(DeliveryStatus::Dead), limit: 100, ..ListQuery::default() };
///     Ok(journal.list(&query)?.into_iter().map(|record| record.id).collect())
/// }
/// ```
pub trait Journal: Send + Sync + 'static {
    /// Records deliveries, in one transaction; durable once this returns.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{DeliveryRecord, Journal, JournalError, ListQuery};
    ///
    /// /// Copies deliveries from one store into another, newest first, in pages of 100.
    /// fn copy(from: &dyn Journal, to: &dyn Journal) -> Result<(), JournalError> {
    ///     let mut query = ListQuery { limit: 100, ..ListQuery::default() };
    ///     loop {
    ///         let page = from.list(&query)?;
    ///         let Some(last) = page.last() else { return Ok(()) };
    ///         query.before = Some(last.id.clone());
    ///         let with_bodies: Vec<DeliveryRecord> =
    ///             page.iter().filter_map(|d| from.get(&d.id).transpose()).collect::<Result<_, _>>()?;
    ///         to.insert(&with_bodies)?;
    ///     }
    /// }
    /// ```
    fn insert(&self, deliveries: &[DeliveryRecord]) -> Result<(), JournalError>;

    /// Records one queued background delivery durably, unless it duplicates one accepted since
    /// `duplicate_since_ms` (`None`: no dedupe), or its endpoint already holds `backlog_limit`
    /// accepted and unfinished deliveries. A delivery duplicates the latest one to its endpoint
    /// about its `repo` (the payload's `repo.name`, `None` for a body that is not a Hub payload)
    /// accepted since `duplicate_since_ms`, among those compared for duplicates, when that one's
    /// body is the same and it is queued, running or done: [`Admission::Duplicate`] names it.
    /// Only the latest counts: a repo made public, private, then public again sends a third body
    /// identical to the first, and it is a new event. Atomic for duplicates: of copies offered at once, by
    /// any number of threads or processes sharing the store, one is queued and the others are
    /// duplicates. The backlog limit is a bound on memory and disk, not a count to the unit: a
    /// store shared by several processes may pass it by the deliveries they offer at the same
    /// moment.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Admission, DeliveryRecord, Journal, JournalError};
    ///
    /// /// Queues a delivery unless the same body came within the last hour.
    /// fn accept(journal: &dyn Journal, delivery: &DeliveryRecord, now_ms: i64) -> Result<bool, JournalError> {
    ///     let admission = journal.enqueue(delivery, Some(now_ms - 60 * 60 * 1000), 10_000)?;
    ///     Ok(admission == Admission::Queued)
    /// }
    /// ```
    fn enqueue(
        &self,
        delivery: &DeliveryRecord,
        duplicate_since_ms: Option<i64>,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError>;

    /// Admits a delivery that carries the Hub's `Webhook-Id` (`delivery.webhook_id`, which must
    /// be set), keyed on its endpoint and that id: the Hub sends the same id on every retry and
    /// replay of one delivery, so a second admission with it is the same delivery again.
    ///
    /// When the endpoint holds no delivery admitted with that id, `delivery` is written as it is
    /// (a background one `queued`, unless the endpoint holds `backlog_limit` unfinished ones; an
    /// ordinary one `running`, attempt 1, under `lease`) and the answer is
    /// [`Admission::Queued`]. Otherwise nothing new is written, and the earlier delivery decides:
    /// succeeded, skipped, or a background one queued or running: [`Admission::Repeat`]
    /// (`repeats` counted up); failed, or an ordinary one running whose lease ended before
    /// `now_ms`: [`Admission::Retry`] (an ordinary one marked running under `lease` as the next
    /// attempt, a background one queued again); an ordinary one running under a live lease:
    /// [`Admission::InProgress`]. Atomic: of copies admitted at once, by any number of threads or
    /// processes sharing the store, one is `Queued` (or `Retry`) and the others are not. Ids are
    /// remembered as long as the store keeps the delivery. Body duplicates are not looked for.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Admission, DeliveryRecord, Journal, JournalError, Lease};
    ///
    /// /// Whether the handler should run now for this delivery (and as which attempt).
    /// fn should_run(journal: &dyn Journal, delivery: &DeliveryRecord, now_ms: i64) -> Result<Option<u32>, JournalError> {
    ///     let lease = Lease { owner: "process-7f3a".to_owned(), until_ms: now_ms + 60_000 };
    ///     Ok(match journal.admit(delivery, &lease, now_ms, usize::MAX)? {
    ///         Admission::Queued => Some(1),
    ///         Admission::Retry { attempt, .. } => Some(attempt),
    ///         _ => None,
    ///     })
    /// }
    /// ```
    fn admit(
        &self,
        delivery: &DeliveryRecord,
        lease: &Lease,
        now_ms: i64,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError>;

    /// Marks up to `limit` due queued deliveries of `endpoint` as running, counting an attempt,
    /// and returns them.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{AttemptResult, Journal, JournalError, Lease};
    ///
    /// /// Runs up to 4 due deliveries of `/webhooks/evaluate`, reporting each as done.
    /// fn run_due(journal: &dyn Journal, now_ms: i64) -> Result<(), JournalError> {
    ///     let lease = Lease { owner: "process-7f3a".to_owned(), until_ms: now_ms + 60_000 };
    ///     for delivery in journal.claim_due("/webhooks/evaluate", now_ms, 4, &lease)? {
    ///         println!("running {} (attempt {})", delivery.id, delivery.attempts);
    ///         journal.finish(&delivery.id, delivery.attempts, &AttemptResult::Done { latency_ms: 1.0 })?;
    ///     }
    ///     Ok(())
    /// }
    /// ```
    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
        lease: &Lease,
    ) -> Result<Vec<DeliveryRecord>, JournalError>;

    /// Heartbeats: extends `owner`'s lease on the running deliveries `ids` to `until_ms`, while
    /// their handlers run. Returns how many were still `owner`'s to extend.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// fn beat(journal: &dyn Journal, running: &[String], now_ms: i64) -> Result<(), JournalError> {
    ///     journal.extend_lease("process-7f3a", running, now_ms + 60_000)?;
    ///     Ok(())
    /// }
    /// ```
    fn extend_lease(
        &self,
        owner: &str,
        ids: &[String],
        until_ms: i64,
    ) -> Result<usize, JournalError>;

    /// Records how the running attempt number `attempt` of a delivery ended. Only that attempt,
    /// still running, is updated: `Ok(false)` says the delivery was no longer it (requeued,
    /// finished or deleted meanwhile), and nothing was written.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError, AttemptResult};
    ///
    /// /// Records a failed attempt, to be tried again in a minute.
    /// fn retry_later(journal: &dyn Journal, id: &str, now_ms: i64) -> Result<(), JournalError> {
    ///     let result = AttemptResult::Retry {
    ///         error: "the GPU queue is full".to_owned(),
    ///         latency_ms: 3.0,
    ///         next_attempt_at_ms: now_ms + 60_000,
    ///     };
    ///     let recorded = journal.finish(id, 1, &result)?;
    ///     assert!(recorded, "attempt 1 of {id} was running");
    ///     Ok(())
    /// }
    /// ```
    fn finish(&self, id: &str, attempt: u32, result: &AttemptResult) -> Result<bool, JournalError>;

    /// Puts back in the queue the running background deliveries whose lease ended before
    /// `now_ms`: their process died or stopped beating. Returns how many. An ordinary delivery
    /// admitted by its `Webhook-Id` whose lease ended is marked `failed` (the sender's retry runs
    /// it again); one recorded as running without a lease, to drop body copies of it, is left as
    /// it is. (A store only one process uses, such
    /// as the file journal behind its lock, rescues every running delivery at start with `i64::MAX`.)
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// fn rescue(journal: &dyn Journal, now_ms: i64) -> Result<(), JournalError> {
    ///     let rescued = journal.rescue_expired(now_ms)?;
    ///     println!("{rescued} deliveries run again");
    ///     Ok(())
    /// }
    /// ```
    fn rescue_expired(&self, now_ms: i64) -> Result<usize, JournalError>;

    /// The soonest time a queued delivery of `endpoint` is due, if any.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// /// How long a worker of `/webhooks/evaluate` may sleep, in milliseconds.
    /// fn sleep_for(journal: &dyn Journal, now_ms: i64) -> Result<i64, JournalError> {
    ///     Ok(journal.next_due("/webhooks/evaluate")?.map_or(60_000, |due| (due - now_ms).max(0)))
    /// }
    /// ```
    fn next_due(&self, endpoint: &str) -> Result<Option<i64>, JournalError>;

    /// Deliveries matching `query`, newest first, without their bodies.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{DeliveryStatus, Journal, JournalError, ListQuery};
    ///
    /// /// How many deliveries of `/webhooks/evaluate` are dead, counting up to 1,000.
    /// fn dead_count(journal: &dyn Journal) -> Result<usize, JournalError> {
    ///     let query = ListQuery {
    ///         endpoint: Some("/webhooks/evaluate".to_owned()),
    ///         status: Some(DeliveryStatus::Dead),
    ///         limit: 1_000,
    ///         ..ListQuery::default()
    ///     };
    ///     Ok(journal.list(&query)?.len())
    /// }
    /// ```
    fn list(&self, query: &ListQuery) -> Result<Vec<DeliveryRecord>, JournalError>;

    /// One delivery, with its body.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// /// Saves a delivery's body as a test fixture.
    /// fn save_fixture(journal: &dyn Journal, id: &str, path: &std::path::Path) -> Result<bool, JournalError> {
    ///     let Some(delivery) = journal.get(id)? else { return Ok(false) };
    ///     std::fs::write(path, &delivery.body).map_err(|e| JournalError::new("cannot save the body").with_source(e))?;
    ///     Ok(true)
    /// }
    /// ```
    fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, JournalError>;

    /// Removes one delivery; whether it existed.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// /// Forgets a delivery that holds data that must not be kept.
    /// fn forget(journal: &dyn Journal, id: &str) -> Result<(), JournalError> {
    ///     if !journal.delete(id)? {
    ///         println!("{id} was already gone");
    ///     }
    ///     Ok(())
    /// }
    /// ```
    fn delete(&self, id: &str) -> Result<bool, JournalError>;

    /// Removes finished deliveries beyond the newest `keep`, and those older than `older_than_ms`;
    /// queued and running ones are kept whatever their age. Returns how many were removed.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// /// Keeps the 10,000 newest finished deliveries, none older than 30 days.
    /// fn apply_retention(journal: &dyn Journal, now_ms: i64) -> Result<usize, JournalError> {
    ///     journal.prune(10_000, now_ms - 30 * 24 * 60 * 60 * 1000)
    /// }
    /// ```
    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, JournalError>;

    /// An error when the store cannot be used any more (a file deleted under it, a database
    /// gone): what a health check asks. Fine by default.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, MemoryJournal};
    ///
    /// assert!(MemoryJournal::new().check().is_ok());
    /// ```
    fn check(&self) -> Result<(), JournalError> {
        Ok(())
    }

    /// How many deliveries to `endpoint` are accepted and not finished: queued or running.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// fn is_behind(journal: &dyn Journal) -> Result<bool, JournalError> {
    ///     Ok(journal.backlog("/webhooks/evaluate")? > 100)
    /// }
    /// ```
    fn backlog(&self, endpoint: &str) -> Result<usize, JournalError>;

    /// Removes the oldest finished deliveries until the bodies of those left take at most
    /// `max_body_bytes` together; queued and running ones are kept. Returns how many were
    /// removed. A store that cannot tell sizes keeps everything (the default).
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, JournalError};
    ///
    /// /// Bodies of finished deliveries within 1 GiB.
    /// fn cap(journal: &dyn Journal) -> Result<usize, JournalError> {
    ///     journal.prune_to_size(1024 * 1024 * 1024)
    /// }
    /// ```
    fn prune_to_size(&self, max_body_bytes: u64) -> Result<usize, JournalError> {
        let _ = max_body_bytes;
        Ok(0)
    }

    /// How often workers look for deliveries that other processes queued or rescued, when the
    /// store is shared by several processes; `None` (the default) when this process is the only
    /// writer, whose workers are woken by what it queues and sleep otherwise.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, MemoryJournal};
    ///
    /// assert_eq!(MemoryJournal::new().poll_interval(), None);
    /// ```
    fn poll_interval(&self) -> Option<std::time::Duration> {
        None
    }

    /// Asks the store to call `wake` with an endpoint's key when another process queues a
    /// delivery for it: a hint that saves waiting for the next poll, never the only way work is
    /// found. Nothing by default.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use webhooks_runtime::deliveries::{Journal, MemoryJournal};
    ///
    /// MemoryJournal::new().watch(Arc::new(|endpoint: &str| println!("{endpoint} has work")));
    /// ```
    fn watch(&self, wake: std::sync::Arc<dyn Fn(&str) + Send + Sync>) {
        let _ = wake;
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// The smallest UUIDv7 of the millisecond `ms`: every id of an earlier millisecond sorts below it.
pub(crate) fn smallest_id_at(ms: i64) -> String {
    let ms = u64::try_from(ms).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    format!(
        "{:08x}-{:04x}-7000-8000-000000000000",
        ms >> 16,
        ms & 0xFFFF
    )
}

/// The SHA-256 of a body: what duplicates are looked up by, before their bodies are compared.
pub(crate) fn body_hash(body: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(body).to_vec()
}

/// A new time-ordered delivery id: a UUIDv7 whose 74 bits after the millisecond are a counter,
/// started at a random value at each new millisecond and counted up within it, so the ids one
/// process makes sort in the order it made them (as RFC 9562 §6.2 allows).
///
/// Written here rather than with `uuid`'s `fast-rng`, which builds a ChaCha generator (`rand`) into
/// every user's program: the random start comes from the standard library's SipHash keys, which
/// it seeds from the operating system.
pub(crate) fn new_id() -> String {
    use std::hash::BuildHasher as _;

    /// The last millisecond used and the counter within it.
    static LAST: std::sync::Mutex<(u64, u128)> = std::sync::Mutex::new((0, 0));
    const COUNTER_BITS: u32 = 74;
    let now = u64::try_from(now_ms()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let (ms, counter) = {
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if now > last.0 {
            let random = std::collections::hash_map::RandomState::new();
            let high = u128::from(random.hash_one(now));
            let low = u128::from(random.hash_one(!now));
            // The lower half of the counter's range: room to count up within the millisecond.
            *last = (now, ((high << 64) | low) & ((1 << (COUNTER_BITS - 1)) - 1));
        } else {
            // The same millisecond, or a clock set back: keep counting from the last id.
            last.1 += 1;
            if last.1 >> COUNTER_BITS != 0 {
                *last = (last.0 + 1, 0);
            }
        }
        *last
    };
    let bits = (u128::from(ms) << 80)
        | (0x7 << 76)
        | ((counter >> 62) << 64)
        | (0b10 << 62)
        | (counter & ((1 << 62) - 1));
    uuid::Uuid::from_u128(bits).to_string()
}

#[cfg(test)]
mod tests {
    use super::{new_id, now_ms, smallest_id_at};

    #[test]
    fn ids_are_uuid_v7_and_sort_in_the_order_they_were_made() {
        let before = smallest_id_at(now_ms());
        let ids: Vec<String> = (0..10_000).map(|_| new_id()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        let first = uuid::Uuid::parse_str(&ids[0]).unwrap();
        assert_eq!(first.get_version_num(), 7);
        assert_eq!(first.get_variant(), uuid::Variant::RFC4122);
        assert!(before <= ids[0], "{before} {}", ids[0]);
        assert!(ids[9_999] < smallest_id_at(now_ms() + 1));
    }
}
