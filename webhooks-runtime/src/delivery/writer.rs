//! The journal writer: records of ordinary deliveries, written in short batches on a thread of
//! its own at idle priority, so that answering a request never waits for the disk.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use tokio::sync::watch;

use crate::delivery::PendingRecord;
use crate::delivery::journal::{DeliveryRecord, Journal};
use crate::delivery::settings::DeliverySettings;

/// How often the writer looks for records to write: short, so that each burst of journal work is
/// short too (it shares the cores with request handling).
const WRITE_INTERVAL: Duration = Duration::from_millis(2);
/// The most records of ordinary deliveries the writer puts in one transaction.
const RECORDS_PER_TRANSACTION: usize = 16;
/// The most records of ordinary deliveries waiting for the writer.
pub(crate) const PENDING_RECORDS: usize = 1024;

/// Lowers the calling thread to the idle scheduling class (Linux `SCHED_IDLE`): it then runs only
/// on CPU time no request wants, and a request arriving on its core preempts it at once. Journaling
/// an ordinary delivery can wait; answering one cannot. Where the system refuses, the thread keeps
/// its priority.
pub(crate) fn run_at_idle_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        let lowered = set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        );
        if let Err(error) = lowered {
            tracing::debug!(?error, "the journal writer keeps its normal priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        if let Err(error) =
            thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
        {
            tracing::debug!(?error, "the journal writer keeps its normal priority");
        }
    }
}

/// Writes ordinary deliveries in batches every [`WRITE_INTERVAL`], and applies the retention now
/// and then; at a stop, writes what is queued and returns. It polls its queue while deliveries
/// come in, so recording one costs a request no wake-up and no context switch; when none came in
/// for an interval, it sleeps until one does.
pub(crate) fn write_batches(
    journal: &dyn Journal,
    receiver: &Receiver<Option<Box<PendingRecord>>>,
    behind: &AtomicBool,
    settings: &DeliverySettings,
    stopped: &watch::Receiver<bool>,
) {
    let mut written_since_prune = 0;
    loop {
        // A stop, or the server gone without one (its runtime shutting down), ends the writer.
        let stopping = *stopped.borrow() || stopped.has_changed().is_err();
        let mut batch: Vec<Box<PendingRecord>> = receiver
            .try_iter()
            .take(PENDING_RECORDS)
            .flatten()
            .collect();
        // The queue is empty now: records are worth making again.
        behind.store(false, Ordering::Relaxed);
        if batch.is_empty() && !stopping {
            // Idle: sleep until the next delivery (one wake-up per idle spell, not one per
            // request) or a stop, which sends `None`; no timer wakes an idle server.
            match receiver.recv() {
                Ok(Some(record)) => batch.push(record),
                Ok(None) => continue,
                Err(_disconnected) => break,
            }
        }
        if !batch.is_empty() {
            written_since_prune += batch.len();
            let records: Vec<DeliveryRecord> = batch.into_iter().map(completed).collect();
            if let Err(error) = write(journal, &records) {
                tracing::error!(%error, "deliveries could not be journaled");
            } else if written_since_prune >= settings.records_per_prune() {
                written_since_prune = 0;
                if let Err(error) = settings.apply_retention(journal) {
                    tracing::error!(%error, "the journal's retention could not be applied");
                }
            }
        }
        if stopping {
            break;
        }
        std::thread::sleep(WRITE_INTERVAL);
    }
}

/// The record, with its scope, action and repo read if the request path did not, and its headers
/// unpacked if they came packed.
fn completed(pending: Box<PendingRecord>) -> DeliveryRecord {
    let PendingRecord {
        mut record,
        headers,
    } = *pending;
    if let Some(headers) = headers {
        record.headers = headers.unpack();
    }
    if record.scope.is_none() {
        record.summarize();
    }
    record
}

/// Writes `batch` in short transactions, giving the core back after each: a fully busy server
/// never sleeps, so nothing would preempt the writer until its time slice ends, and a background
/// delivery waiting to be enqueued must not wait behind a long transaction.
fn write(
    journal: &dyn Journal,
    batch: &[DeliveryRecord],
) -> Result<(), crate::error::JournalError> {
    batch
        .chunks(RECORDS_PER_TRANSACTION)
        .try_for_each(|records| {
            let written = journal.insert(records);
            std::thread::yield_now();
            written
        })
}
