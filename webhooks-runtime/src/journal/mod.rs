//! The delivery journal: every delivery, recorded, so none is lost to a crash or a restart, and
//! each can be inspected and replayed. A trait, so another store can be added later; SQLite is
//! the embedded default.

mod sqlite;

use std::fmt;

use serde::Serialize;

pub(crate) use sqlite::SqliteJournal;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Accepted, waiting for a background worker (or for its next attempt).
    Queued,
    /// A background worker is running its handler.
    Running,
    /// Handled: the handler succeeded.
    Done,
    /// An ordinary (not background) delivery whose handler failed or was refused.
    Failed,
    /// A background delivery that failed every attempt.
    Dead,
    /// The same body as an earlier delivery to the same endpoint: not handled again.
    Duplicate,
}

impl DeliveryStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Running => "running",
            DeliveryStatus::Done => "done",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dead => "dead",
            DeliveryStatus::Duplicate => "duplicate",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "queued" => DeliveryStatus::Queued,
            "running" => DeliveryStatus::Running,
            "done" => DeliveryStatus::Done,
            "failed" => DeliveryStatus::Failed,
            "dead" => DeliveryStatus::Dead,
            "duplicate" => DeliveryStatus::Duplicate,
            _ => return None,
        })
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One delivery as the journal keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// Time-ordered id (UUIDv7).
    pub id: String,
    /// The route it was posted to, `/webhooks/<path>`.
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
}

/// Which deliveries to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only deliveries to this route (`/webhooks/<path>`).
    pub endpoint: Option<String>,
    /// Only deliveries with this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries older than this id (the last id of the previous page).
    pub before: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// How a background delivery's handler run ended.
#[derive(Debug, Clone)]
pub enum RunResult {
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
}

/// A journal failure: the store could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalError(pub String);

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "delivery journal: {}", self.0)
    }
}

impl std::error::Error for JournalError {}

/// A store of deliveries. Every method may block on I/O: the server calls them off its async
/// workers.
pub trait Journal: Send + Sync + 'static {
    /// Records deliveries, in one transaction; durable once this returns.
    fn insert(&self, deliveries: &[DeliveryRecord]) -> Result<(), JournalError>;

    /// The id of a delivery to `endpoint` accepted since `since_ms` (queued, running or done)
    /// whose body is exactly `body`.
    fn find_duplicate(
        &self,
        endpoint: &str,
        body: &[u8],
        since_ms: i64,
    ) -> Result<Option<String>, JournalError>;

    /// Marks up to `limit` due queued deliveries of `endpoint` as running, counting an attempt,
    /// and returns them.
    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, JournalError>;

    /// Records how a running delivery's handler run ended.
    fn finish(&self, id: &str, result: &RunResult) -> Result<(), JournalError>;

    /// Puts deliveries left running by a stopped process back in the queue; returns how many.
    fn requeue_interrupted(&self) -> Result<usize, JournalError>;

    /// The soonest time a queued delivery of `endpoint` is due, if any.
    fn next_due(&self, endpoint: &str) -> Result<Option<i64>, JournalError>;

    /// Deliveries matching `query`, newest first, without their bodies.
    fn list(&self, query: &ListQuery) -> Result<Vec<DeliveryRecord>, JournalError>;

    /// One delivery, with its body.
    fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, JournalError>;

    /// Removes one delivery; whether it existed.
    fn delete(&self, id: &str) -> Result<bool, JournalError>;

    /// Removes finished deliveries beyond the newest `keep`, and those older than `older_than_ms`;
    /// queued and running ones are kept whatever their age. Returns how many were removed.
    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, JournalError>;
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// A new time-ordered delivery id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
