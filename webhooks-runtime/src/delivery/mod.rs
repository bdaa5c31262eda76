//! Deliveries that are never lost: every one journaled (ordinary ones in batches, off the response
//! path), background ones durably before they are answered 202, then handled by workers with
//! retries, and resumed after a restart.
//!
//! [`Deliveries`] is what the request path calls; [`workers`] runs what outlives a request; [`api`]
//! answers the delivery API; [`journal`] is the store behind them all.

pub(crate) mod api;
pub(crate) mod journal;
pub(crate) mod packed_headers;
pub(crate) mod policy;
pub(crate) mod record;
pub(crate) mod relay;
pub(crate) mod settings;
pub(crate) mod summary;
pub(crate) mod workers;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::delivery::journal::{
    Admission, AttemptResult, DeliveryRecord, FileJournal, Journal, Lease, now_ms,
};
use crate::delivery::packed_headers::PackedHeaders;
use crate::delivery::settings::DeliverySettings;
use crate::endpoint::route::{Route, RouteId, Routes};
use crate::error::JournalError;

/// How many times a run's result is offered to the journal (about two minutes in all).
const SAVE_ATTEMPTS: u32 = 10;

/// The wait after the journal failed `failures` times in a row: 100 ms, doubling, at most 30 s.
pub(crate) fn journal_backoff(failures: u32) -> std::time::Duration {
    let doubled = 100u64.saturating_mul(1 << failures.saturating_sub(1).min(16));
    std::time::Duration::from_millis(doubled.min(30_000))
}

/// A record of an ordinary delivery on its way to the writer.
pub(crate) struct PendingRecord {
    /// Without a scope when the request path did not read the summary: the writer reads it.
    record: DeliveryRecord,
    /// The record's headers, when they are still to be unpacked (by the writer).
    headers: Option<PackedHeaders>,
}

/// The journal and what feeds it.
pub(crate) struct Deliveries {
    journal: Arc<dyn Journal>,
    /// Records for the writer; `None` wakes it to look at the stop.
    /// Boxed: the channel's 1,024 slots are allocated and written at start, 16 bytes each
    /// instead of a record's 300 (about 300 KiB of resident memory at rest).
    batch: SyncSender<Option<Box<PendingRecord>>>,
    batch_receiver: Mutex<Option<Receiver<Option<Box<PendingRecord>>>>>,
    /// Records of ordinary deliveries not kept because the writer fell behind.
    not_kept: Arc<AtomicU64>,
    /// Set when the writer's queue is full, until the writer has emptied it: meanwhile records
    /// are not even made.
    behind: Arc<AtomicBool>,
    /// Wakes each background route's worker, by route id (`None` for ordinary routes).
    wakers: Vec<Option<Arc<Notify>>>,
    settings: DeliverySettings,
    /// Background deliveries finished so far: the retention is applied at each multiple of
    /// `records_per_prune`.
    finished_since_prune: Arc<AtomicUsize>,
    /// This process's id in leases: random, never a host name.
    owner: String,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What became of a background delivery offered to the journal.
#[derive(Debug)]
pub(crate) enum Enqueued {
    /// Written durably, and its worker woken.
    Queued,
    /// Not written: the endpoint already holds this many, its limit.
    BacklogFull(usize),
    /// Not written: the same body to the same endpoint was accepted within the duplicate
    /// window, as `original`; `record` is handed back, to be recorded as the duplicate.
    Duplicate {
        original: String,
        record: Box<DeliveryRecord>,
    },
}

impl Deliveries {
    /// Opens the journal in `dir`, puts back in the queue what a stopped process left running,
    /// and applies the retention. Blocks on the disk: call it off the async workers.
    pub(crate) fn open(
        dir: &Path,
        settings: DeliverySettings,
        routes: &Routes,
        not_kept: Arc<AtomicU64>,
    ) -> Result<Self, JournalError> {
        // The file journal is this process's alone (its lock says so): what it holds as running was left by
        // a process that stopped, whatever its lease says. Another store may be shared: only
        // expired leases are rescued there.
        let (journal, rescue_before): (Arc<dyn Journal>, i64) = match &settings.store {
            Some(store) => (Arc::clone(&store.0), now_ms()),
            None => (Arc::new(FileJournal::open(dir)?), i64::MAX),
        };
        let resumed = journal.rescue_expired(rescue_before)?;
        if resumed > 0 {
            tracing::info!(
                resumed,
                "background deliveries interrupted by the last stop run again"
            );
        }
        // A pass that fails (a large first prune on a slow database) is tried again as deliveries
        // finish; it is no reason not to start.
        if let Err(error) = settings.apply_retention(&*journal) {
            tracing::error!(%error, "the journal's retention could not be applied at start");
        }
        let (batch, batch_receiver) = std::sync::mpsc::sync_channel(writer::PENDING_RECORDS);
        let wakers: Vec<Option<Arc<Notify>>> = routes
            .iter()
            .map(|route| route.mode.is_background().then(Arc::default))
            .collect();
        // Another process queued a delivery: its endpoint's worker here may claim it.
        let by_key: std::collections::HashMap<String, Arc<Notify>> = routes
            .iter()
            .filter_map(|route| {
                let waker = wakers.get(route.id.0).cloned().flatten()?;
                Some((route.journal_key.clone(), waker))
            })
            .collect();
        if !by_key.is_empty() {
            journal.watch(Arc::new(move |endpoint: &str| {
                if let Some(waker) = by_key.get(endpoint) {
                    waker.notify_one();
                }
            }));
        }
        Ok(Deliveries {
            journal,
            batch,
            batch_receiver: Mutex::new(Some(batch_receiver)),
            not_kept,
            behind: Arc::default(),
            wakers,
            settings,
            finished_since_prune: Arc::new(AtomicUsize::new(0)),
            owner: format!("process-{}", uuid::Uuid::now_v7()),
        })
    }

    /// Runs a journal call off the async workers.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Journal) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let journal = Arc::clone(&self.journal);
        // The result comes back through a channel, so the blocking task is the same type for
        // every `T` (see `tasks`): twelve callers, one copy of tokio's task machinery.
        let (sender, receiver) = tokio::sync::oneshot::channel();
        crate::tasks::spawn_blocking(move || {
            // The caller went away: nobody wants the result.
            let _ = sender.send(work(&*journal));
        })
        .await
        .map_err(|error| JournalError::new("a journal task failed").with_source(error))?;
        receiver
            .await
            .map_err(|_| JournalError::new("a journal task ended without a result"))?
    }

    /// Records a delivery to `route` durably (a background one queued, or an ordinary one that
    /// drops duplicates as running), then wakes the route's worker if it has one.
    pub(crate) async fn enqueue(
        &self,
        route: RouteId,
        record: DeliveryRecord,
        dedupe: bool,
    ) -> Result<Enqueued, JournalError> {
        // Only background endpoints hold deliveries waiting: an ordinary one's is handled now.
        let limit = if record.background {
            self.settings.backlog_limit
        } else {
            usize::MAX
        };
        // Duplicates are looked for among the deliveries about the same repo: callers read the
        // record's summary first.
        let since = dedupe.then(|| self.settings.duplicate_cutoff_ms());
        let enqueued = self
            .run(move |journal| {
                Ok(match journal.enqueue(&record, since, limit)? {
                    Admission::Queued => Enqueued::Queued,
                    Admission::BacklogFull { waiting } => Enqueued::BacklogFull(waiting),
                    Admission::Duplicate { original } => Enqueued::Duplicate {
                        original,
                        record: Box::new(record),
                    },
                    other => {
                        return Err(JournalError::new(format!(
                            "the journal's enqueue answered {other:?}, which only admit answers"
                        )));
                    }
                })
            })
            .await?;
        if matches!(enqueued, Enqueued::Queued)
            && let Some(Some(waker)) = self.wakers.get(route.0)
        {
            waker.notify_one();
        }
        Ok(enqueued)
    }

    /// Admits a delivery carrying the Hub's `Webhook-Id` (see [`Journal::admit`]), an ordinary
    /// one under this process's lease until `lease_until_ms`, and wakes the route's worker when
    /// a background one is to run.
    pub(crate) async fn admit(
        &self,
        route: RouteId,
        record: DeliveryRecord,
        lease_until_ms: i64,
    ) -> Result<Admission, JournalError> {
        let limit = self.settings.backlog_limit;
        let background = record.background;
        let lease = Lease {
            owner: self.owner.clone(),
            until_ms: lease_until_ms,
        };
        let admission = self
            .run(move |journal| journal.admit(&record, &lease, now_ms(), limit))
            .await?;
        if background
            && matches!(admission, Admission::Queued | Admission::Retry { .. })
            && let Some(Some(waker)) = self.wakers.get(route.0)
        {
            waker.notify_one();
        }
        Ok(admission)
    }

    /// Records how a run ended, retrying with a growing wait while the journal cannot (a full
    /// disk): a result left unsaved would leave the delivery `running` (a background one until
    /// the next start runs it again; an ordinary one until its lease lapses).
    pub(crate) async fn save_result(&self, id: String, attempt: u32, result: AttemptResult) {
        for offer in 1..=SAVE_ATTEMPTS {
            match self.finish(id.clone(), attempt, result.clone()).await {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(%id, attempt, "a delivery's attempt ended after the journal moved on (requeued, finished or deleted): its result is not recorded");
                    return;
                }
                Err(error) if offer < SAVE_ATTEMPTS => {
                    let wait = journal_backoff(offer);
                    tracing::warn!(%error, %id, retry_in_ms = wait.as_millis(), "cannot record a delivery's outcome yet");
                    tokio::time::sleep(wait).await;
                }
                Err(error) => {
                    tracing::error!(%error, %id, "cannot record a delivery's outcome: it will run again (at the next start, or at the sender's next retry)");
                }
            }
        }
    }

    /// How many deliveries the background routes among `routes` hold accepted and not finished;
    /// an error when the journal cannot be used (a health check's question).
    pub(crate) async fn backlog(&self, routes: &Routes) -> Result<usize, JournalError> {
        let keys: Vec<String> = routes
            .iter()
            .filter(|route| route.mode.is_background())
            .map(|route| route.journal_key.clone())
            .collect();
        self.run(move |journal| {
            journal.check()?;
            keys.iter()
                .map(|key| journal.backlog(key))
                .sum::<Result<usize, JournalError>>()
        })
        .await
    }

    /// Rescues deliveries whose lease lapsed, then claims up to `limit` deliveries to `route`
    /// that are due now, under this process's lease.
    pub(crate) async fn claim_due(
        &self,
        route: &Route,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, JournalError> {
        let endpoint = route.journal_key.clone();
        let lease = self.lease(now_ms());
        self.run(move |journal| {
            let now = now_ms();
            let rescued = journal.rescue_expired(now)?;
            if rescued > 0 {
                tracing::warn!(
                    rescued,
                    "deliveries whose process stopped beating run again"
                );
            }
            journal.claim_due(&endpoint, now, limit, &lease)
        })
        .await
    }

    /// When this process's lease on what it takes at `now` lapses, without a heartbeat.
    pub(crate) fn lease_until(&self, now: i64) -> i64 {
        now + crate::delivery::settings::millis(self.settings.lease)
    }

    /// This process's lease on what it claims from `now`.
    fn lease(&self, now: i64) -> Lease {
        Lease {
            owner: self.owner.clone(),
            until_ms: now + crate::delivery::settings::millis(self.settings.lease),
        }
    }

    /// Heartbeat: extends this process's lease on the running deliveries `ids`.
    pub(crate) async fn extend_lease(&self, ids: Vec<String>) -> Result<usize, JournalError> {
        let lease = self.lease(now_ms());
        self.run(move |journal| journal.extend_lease(&lease.owner, &ids, lease.until_ms))
            .await
    }

    /// How often workers look for what other processes queued, when the store is shared.
    pub(crate) fn poll_interval(&self) -> Option<std::time::Duration> {
        self.journal.poll_interval()
    }

    /// How often a worker beats while its deliveries run: a third of the lease.
    pub(crate) fn heartbeat(&self) -> std::time::Duration {
        self.settings.lease / 3
    }

    /// When the next queued delivery to `route` is due, if any is queued.
    pub(crate) async fn next_due(&self, route: &Route) -> Result<Option<i64>, JournalError> {
        let endpoint = route.journal_key.clone();
        self.run(move |journal| journal.next_due(&endpoint)).await
    }

    /// Records how a background delivery's run ended.
    pub(crate) async fn finish(
        &self,
        id: String,
        attempt: u32,
        result: AttemptResult,
    ) -> Result<bool, JournalError> {
        // Background traffic alone must keep the journal within its retention too. Counted once
        // the record is finished, so that the run that reaches the count prunes after every
        // finish counted before it, including those of other workers running at the same time.
        let finished_since_prune = Arc::clone(&self.finished_since_prune);
        let settings = self.settings.clone();
        self.run(move |journal| {
            let recorded = journal.finish(&id, attempt, &result)?;
            // Never reset: each multiple of the pass size is reached by exactly one finish.
            let finished = finished_since_prune
                .fetch_add(1, Ordering::AcqRel)
                .wrapping_add(1);
            if finished.is_multiple_of(settings.records_per_prune())
                && let Err(error) = settings.apply_retention(journal)
            {
                tracing::error!(%error, "the journal's retention could not be applied");
            }
            Ok(recorded)
        })
        .await
    }

    /// Records a delivery in the next batch: no disk write on the response path; the writer reads
    /// its scope, action and repo from the body when it has none. When the writer
    /// falls behind (a flood far beyond Hub traffic), the record is not kept rather than letting
    /// memory grow or the response wait; a warning and the `webhooks_journal_records_not_kept_total`
    /// metric count what was not kept.
    pub(crate) fn record_later(&self, record: DeliveryRecord) {
        self.send_to_writer(PendingRecord {
            record,
            headers: None,
        });
    }

    /// [`Self::record_later`] for a record made by [`DeliveryRecord::received_for_later`]: the
    /// writer unpacks its headers.
    pub(crate) fn record_received_later(&self, record: DeliveryRecord, headers: PackedHeaders) {
        self.send_to_writer(PendingRecord {
            record,
            headers: Some(headers),
        });
    }

    fn send_to_writer(&self, pending: PendingRecord) {
        let pending = Box::new(pending);
        // While deliveries come in, the writer polls the queue, so a send wakes no thread.
        if let Err(TrySendError::Full(_)) = self.batch.try_send(Some(pending)) {
            self.behind.store(true, Ordering::Relaxed);
            self.not_keeping();
        }
    }

    /// Wakes the writer, which sleeps until a record comes, to look at the stop. When its queue is
    /// full it is awake anyway.
    pub(crate) fn wake_writer(&self) {
        let _ = self.batch.try_send(None);
    }

    /// Whether a record of an ordinary delivery would be kept now. When it would not (the writer
    /// is behind), the caller skips making it and calls [`Self::not_keeping`].
    pub(crate) fn keeps_records(&self) -> bool {
        !self.behind.load(Ordering::Relaxed)
    }

    /// Counts a record of an ordinary delivery not kept, with a warning now and then.
    pub(crate) fn not_keeping(&self) {
        let before = self.not_kept.fetch_add(1, Ordering::Relaxed);
        if before.is_multiple_of(10_000) {
            tracing::warn!(
                not_kept = before + 1,
                "the delivery journal falls behind: records of ordinary deliveries are not kept"
            );
        }
    }

    /// The waker of `route`'s worker; a route without a worker gets one nobody notifies.
    pub(crate) fn waker(&self, route: RouteId) -> Arc<Notify> {
        self.wakers
            .get(route.0)
            .cloned()
            .flatten()
            .unwrap_or_default()
    }

    /// The receiving end of the batch queue, for the one writer that takes it.
    fn take_batch_receiver(&self) -> Option<Receiver<Option<Box<PendingRecord>>>> {
        self.batch_receiver
            .lock()
            .ok()
            .and_then(|mut receiver| receiver.take())
    }
}

#[cfg(test)]
mod tests {
    use super::journal_backoff;
    use std::time::Duration;

    #[test]
    fn journal_errors_back_off_from_100_ms_to_30_s() {
        let waits: Vec<Duration> = (1..=12).map(journal_backoff).collect();
        assert_eq!(waits[0], Duration::from_millis(100));
        assert_eq!(waits[1], Duration::from_millis(200));
        assert_eq!(waits[8], Duration::from_millis(25_600));
        assert!(waits.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(waits[11], Duration::from_secs(30));
        assert_eq!(journal_backoff(u32::MAX), Duration::from_secs(30));
    }
}
