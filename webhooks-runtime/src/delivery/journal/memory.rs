//! A journal in memory: the same behaviour as the SQLite one, nothing on disk. For tests, and for
//! servers that want retries and replays but accept losing the queue when the process ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use crate::delivery::journal::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery, SeenAgain, apply_result, smallest_id_at,
};

/// An endpoint, and a `Webhook-Id` a delivery to it was admitted with.
type EndpointAndWebhookId = (String, String);

/// A [`Journal`] kept in memory, ordered by id (time-ordered UUIDv7s).
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::deliveries::MemoryJournal;
///
/// // Background endpoints and the delivery API, with no data dir.
/// let server = WebhooksServer::builder().journal_store(MemoryJournal::new()).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryJournal {
    deliveries: Mutex<BTreeMap<String, DeliveryRecord>>,
    /// The lease of each running delivery, by id.
    leases: Mutex<BTreeMap<String, Lease>>,
    /// The delivery admitted with each endpoint's `Webhook-Id`s, by (endpoint, id); an entry
    /// whose delivery is gone (pruned, deleted) is forgotten when next looked up.
    keyed: Mutex<HashMap<EndpointAndWebhookId, String>>,
}

impl MemoryJournal {
    /// An empty journal.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::{Journal, ListQuery, MemoryJournal};
    ///
    /// let journal = MemoryJournal::new();
    /// let all = ListQuery { limit: 10, ..ListQuery::default() };
    /// assert!(journal.list(&all).unwrap().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, BTreeMap<String, DeliveryRecord>>, JournalError> {
        self.deliveries
            .lock()
            .map_err(|_| JournalError::new("a previous journal call panicked"))
    }

    fn leases(&self) -> Result<MutexGuard<'_, BTreeMap<String, Lease>>, JournalError> {
        self.leases
            .lock()
            .map_err(|_| JournalError::new("a previous journal call panicked"))
    }

    /// Forgets the `Webhook-Id`s of deliveries no longer kept (`stored` is the locked map).
    fn forget_removed(
        &self,
        stored: &BTreeMap<String, DeliveryRecord>,
    ) -> Result<(), JournalError> {
        self.keyed()?.retain(|_, id| stored.contains_key(id));
        Ok(())
    }

    fn keyed(&self) -> Result<MutexGuard<'_, HashMap<EndpointAndWebhookId, String>>, JournalError> {
        self.keyed
            .lock()
            .map_err(|_| JournalError::new("a previous journal call panicked"))
    }
}

/// Whether a delivery's handler may still run: it is kept whatever the retention.
fn unfinished(delivery: &DeliveryRecord) -> bool {
    delivery.status.is_unfinished()
}

/// The route a listing asks for, or one endpoint of that route (`/webhooks/x#function`).
fn at_route(delivery: &DeliveryRecord, route: &str) -> bool {
    delivery.endpoint == route
        || delivery
            .endpoint
            .strip_prefix(route)
            .is_some_and(|rest| rest.starts_with('#'))
}

/// The delivery a new one to `endpoint` about `repo` with this body duplicates: the latest about
/// `repo` since `since_ms` (ids are time-ordered), if its body is this one and it was not given
/// up on.
fn duplicate_of(
    stored: &BTreeMap<String, DeliveryRecord>,
    endpoint: &str,
    repo: Option<&str>,
    body: &[u8],
    since_ms: i64,
) -> Option<String> {
    let latest = stored.values().rev().find(|delivery| {
        delivery.dedupe
            && delivery.endpoint == endpoint
            && delivery.repo.as_deref() == repo
            && delivery.received_at_ms >= since_ms
            && delivery.status.is_compared_with_copies()
    })?;
    (latest.status.makes_copies_duplicates() && latest.body.as_ref() == body)
        .then(|| latest.id.clone())
}

/// How many deliveries to `endpoint` are queued or running.
fn unfinished_at(stored: &BTreeMap<String, DeliveryRecord>, endpoint: &str) -> usize {
    stored
        .values()
        .filter(|delivery| delivery.endpoint == endpoint && unfinished(delivery))
        .count()
}

impl Journal for MemoryJournal {
    fn insert(&self, deliveries: &[DeliveryRecord]) -> Result<(), JournalError> {
        let mut stored = self.lock()?;
        for delivery in deliveries {
            stored.insert(delivery.id.clone(), delivery.clone());
        }
        Ok(())
    }

    fn enqueue(
        &self,
        delivery: &DeliveryRecord,
        duplicate_since_ms: Option<i64>,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError> {
        // One lock for the look and the write: atomic.
        let mut stored = self.lock()?;
        if let Some(since) = duplicate_since_ms
            && let Some(original) = duplicate_of(
                &stored,
                &delivery.endpoint,
                delivery.repo.as_deref(),
                &delivery.body,
                since,
            )
        {
            return Ok(Admission::Duplicate { original });
        }
        let waiting = unfinished_at(&stored, &delivery.endpoint);
        if waiting >= backlog_limit {
            return Ok(Admission::BacklogFull { waiting });
        }
        stored.insert(delivery.id.clone(), delivery.clone());
        Ok(Admission::Queued)
    }

    fn admit(
        &self,
        delivery: &DeliveryRecord,
        lease: &Lease,
        now_ms: i64,
        backlog_limit: usize,
    ) -> Result<Admission, JournalError> {
        let webhook_id = super::admitted_webhook_id(delivery)?;
        // Locked in the order every method takes them: one step for the look and the write.
        let mut stored = self.lock()?;
        let mut leases = self.leases()?;
        let mut keyed = self.keyed()?;
        let key = (delivery.endpoint.clone(), webhook_id.to_owned());
        if let Some(earlier) = keyed.get(&key).and_then(|id| stored.get_mut(id)) {
            let original = earlier.id.clone();
            let lapsed = leases
                .get(&original)
                .is_none_or(|lease| lease.until_ms < now_ms);
            return Ok(
                match SeenAgain::of(earlier.status, earlier.background, lapsed) {
                    SeenAgain::Repeat => {
                        earlier.repeats += 1;
                        Admission::Repeat {
                            original,
                            status: earlier.status,
                        }
                    }
                    SeenAgain::InProgress => Admission::InProgress { original },
                    SeenAgain::RunAgain => {
                        earlier.status = DeliveryStatus::Running;
                        earlier.attempts += 1;
                        leases.insert(original.clone(), lease.clone());
                        Admission::Retry {
                            original,
                            attempt: earlier.attempts,
                        }
                    }
                    SeenAgain::Requeue => {
                        earlier.status = DeliveryStatus::Queued;
                        earlier.next_attempt_at_ms = now_ms;
                        leases.remove(&original);
                        Admission::Retry {
                            original,
                            attempt: earlier.attempts + 1,
                        }
                    }
                },
            );
        }
        if delivery.background {
            let waiting = unfinished_at(&stored, &delivery.endpoint);
            if waiting >= backlog_limit {
                return Ok(Admission::BacklogFull { waiting });
            }
        }
        let record = super::as_admitted(delivery);
        if record.status == DeliveryStatus::Running {
            leases.insert(record.id.clone(), lease.clone());
        }
        keyed.insert(key, record.id.clone());
        stored.insert(record.id.clone(), record);
        Ok(Admission::Queued)
    }

    fn claim_due(
        &self,
        endpoint: &str,
        now_ms: i64,
        limit: usize,
        lease: &Lease,
    ) -> Result<Vec<DeliveryRecord>, JournalError> {
        let mut stored = self.lock()?;
        let mut leases = self.leases()?;
        let mut due: Vec<&mut DeliveryRecord> = stored
            .values_mut()
            .filter(|delivery| {
                delivery.status == DeliveryStatus::Queued
                    && delivery.endpoint == endpoint
                    && delivery.next_attempt_at_ms <= now_ms
            })
            .collect();
        due.sort_by(|a, b| (a.next_attempt_at_ms, &a.id).cmp(&(b.next_attempt_at_ms, &b.id)));
        Ok(due
            .into_iter()
            .take(limit)
            .map(|delivery| {
                delivery.status = DeliveryStatus::Running;
                delivery.attempts += 1;
                leases.insert(delivery.id.clone(), lease.clone());
                delivery.clone()
            })
            .collect())
    }

    fn finish(&self, id: &str, attempt: u32, result: &AttemptResult) -> Result<bool, JournalError> {
        let mut stored = self.lock()?;
        let Some(delivery) = stored.get_mut(id).filter(|delivery| {
            delivery.status == DeliveryStatus::Running && delivery.attempts == attempt
        }) else {
            return Ok(false);
        };
        apply_result(delivery, result);
        self.leases()?.remove(id);
        Ok(true)
    }

    fn extend_lease(
        &self,
        owner: &str,
        ids: &[String],
        until_ms: i64,
    ) -> Result<usize, JournalError> {
        let stored = self.lock()?;
        let mut leases = self.leases()?;
        let mut extended = 0;
        for id in ids {
            let running = stored
                .get(id)
                .is_some_and(|delivery| delivery.status == DeliveryStatus::Running);
            if let Some(lease) = leases.get_mut(id).filter(|lease| lease.owner == owner)
                && running
            {
                lease.until_ms = until_ms;
                extended += 1;
            }
        }
        Ok(extended)
    }

    fn rescue_expired(&self, now_ms: i64) -> Result<usize, JournalError> {
        let mut stored = self.lock()?;
        let mut leases = self.leases()?;
        let mut rescued = 0;
        for delivery in stored.values_mut() {
            let expired = leases
                .get(&delivery.id)
                .is_none_or(|lease| lease.until_ms < now_ms);
            if delivery.status == DeliveryStatus::Running && delivery.background && expired {
                delivery.status = DeliveryStatus::Queued;
                leases.remove(&delivery.id);
                rescued += 1;
            } else if delivery.status == DeliveryStatus::Running
                && !delivery.background
                && leases
                    .get(&delivery.id)
                    .is_some_and(|lease| lease.until_ms < now_ms)
            {
                // Admitted by its Webhook-Id, its process stopped: failed, for a retry to run.
                delivery.status = DeliveryStatus::Failed;
                delivery.last_error = Some("its process stopped while its handler ran".to_owned());
                leases.remove(&delivery.id);
            }
        }
        Ok(rescued)
    }

    fn next_due(&self, endpoint: &str) -> Result<Option<i64>, JournalError> {
        Ok(self
            .lock()?
            .values()
            .filter(|delivery| {
                delivery.status == DeliveryStatus::Queued && delivery.endpoint == endpoint
            })
            .map(|delivery| delivery.next_attempt_at_ms)
            .min())
    }

    fn list(&self, query: &ListQuery) -> Result<Vec<DeliveryRecord>, JournalError> {
        Ok(self
            .lock()?
            .values()
            .rev()
            .filter(|delivery| {
                query
                    .endpoint
                    .as_deref()
                    .is_none_or(|route| at_route(delivery, route))
                    && query.status.is_none_or(|status| delivery.status == status)
                    && query
                        .before
                        .as_deref()
                        .is_none_or(|before| delivery.id.as_str() < before)
                    && query
                        .webhook_id
                        .as_deref()
                        .is_none_or(|id| delivery.webhook_id.as_deref() == Some(id))
            })
            .take(query.limit)
            .cloned()
            .collect())
    }

    fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, JournalError> {
        Ok(self.lock()?.get(id).cloned())
    }

    fn delete(&self, id: &str) -> Result<bool, JournalError> {
        let mut stored = self.lock()?;
        let removed = stored.remove(id).is_some();
        self.forget_removed(&stored)?;
        Ok(removed)
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, JournalError> {
        let mut stored = self.lock()?;
        let before = stored.len();
        let oldest_kept = stored.keys().rev().nth(keep.saturating_sub(1)).cloned();
        // By the time in the id, as the other stores do: a record's `received_at_ms` may be
        // anything its writer set.
        let cut_off = smallest_id_at(older_than_ms);
        stored.retain(|id, delivery| {
            let too_old = *id < cut_off;
            let beyond_count = oldest_kept.as_ref().is_some_and(|oldest| id < oldest);
            unfinished(delivery) || !(too_old || beyond_count)
        });
        self.forget_removed(&stored)?;
        Ok(before - stored.len())
    }

    fn backlog(&self, endpoint: &str) -> Result<usize, JournalError> {
        Ok(unfinished_at(&*self.lock()?, endpoint))
    }

    fn prune_to_size(&self, max_body_bytes: u64) -> Result<usize, JournalError> {
        let mut stored = self.lock()?;
        let mut total: u64 = 0;
        let mut over: Option<String> = None;
        for (id, delivery) in stored.iter().rev() {
            if unfinished(delivery) {
                continue;
            }
            total = total.saturating_add(delivery.body.len() as u64);
            if total > max_body_bytes {
                over = Some(id.clone());
                break;
            }
        }
        let Some(over) = over else {
            return Ok(0);
        };
        let before = stored.len();
        stored.retain(|id, delivery| unfinished(delivery) || *id > over);
        self.forget_removed(&stored)?;
        Ok(before - stored.len())
    }
}
