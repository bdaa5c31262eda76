//! Deliveries that are never lost: every one journaled (ordinary ones in batches, off the response
//! path), background ones durably before they are answered 202, then handled by workers with
//! retries, and resumed after a restart.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use webhooks_core::{HandlerFailure, WebhookRequest, WebhookResponse};

use crate::journal::{
    DeliveryRecord, DeliveryStatus, Journal, JournalError, RunResult, SqliteJournal, new_id, now_ms,
};
use crate::routes::Route;
use crate::service::{App, run};
use crate::summary::PayloadSummary;

/// How deliveries are journaled and retried.
#[derive(Debug, Clone)]
pub(crate) struct DeliverySettings {
    pub(crate) journal: bool,
    pub(crate) attempts: u32,
    pub(crate) concurrency: usize,
    pub(crate) backoff: Duration,
    pub(crate) duplicate_window: Duration,
    pub(crate) retention_count: usize,
    pub(crate) retention_age: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            journal: true,
            attempts: 5,
            concurrency: 4,
            backoff: Duration::from_secs(1),
            duplicate_window: Duration::from_secs(60 * 60),
            retention_count: 10_000,
            retention_age: Duration::from_secs(30 * 24 * 60 * 60),
        }
    }
}

/// The header carrying a journaled delivery's id to its handler.
///
/// ```
/// use webhooks_runtime::{DELIVERY_ID_HEADER, WebhookRequest};
///
/// /// Background handlers can run more than once for one delivery: this id tells a retry apart.
/// async fn idempotent(request: WebhookRequest) {
///     let id = request.headers().get(DELIVERY_ID_HEADER).and_then(|id| id.to_str().ok());
///     println!("delivery {id:?}");
/// }
/// ```
pub const DELIVERY_ID_HEADER: &str = "x-webhook-delivery-id";

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);
/// How often the writer looks for records to write: short, so that each burst of SQLite work is
/// short too (it shares the cores with request handling).
const WRITE_INTERVAL: Duration = Duration::from_millis(2);
/// How often an idle writer looks whether the server is stopping.
const IDLE_CHECK: Duration = Duration::from_millis(20);
/// The most records of ordinary deliveries the writer puts in one transaction.
const RECORDS_PER_TRANSACTION: usize = 16;
/// The most records of ordinary deliveries waiting for the writer.
const PENDING_RECORDS: usize = 1024;

/// The journal and what feeds it.
pub(crate) struct Deliveries {
    journal: Arc<dyn Journal>,
    batch: std::sync::mpsc::SyncSender<DeliveryRecord>,
    batch_receiver: std::sync::Mutex<Option<std::sync::mpsc::Receiver<DeliveryRecord>>>,
    /// Records of ordinary deliveries not kept because the writer fell behind.
    not_kept: prometheus_client::metrics::counter::Counter,
    /// Set when the writer's queue is full, until the writer has emptied it: meanwhile records
    /// are not even made.
    behind: Arc<std::sync::atomic::AtomicBool>,
    wakers: HashMap<String, Arc<Notify>>,
    settings: DeliverySettings,
}

/// Runs a blocking journal call off the async workers.
async fn blocking<T: Send + 'static>(
    journal: &Arc<dyn Journal>,
    work: impl FnOnce(&dyn Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let journal = Arc::clone(journal);
    tokio::task::spawn_blocking(move || work(&*journal))
        .await
        .map_err(|error| JournalError(format!("journal task failed: {error}")))?
}

impl Deliveries {
    /// Opens the journal in `dir`, puts back in the queue what a stopped process left running,
    /// and applies the retention.
    pub(crate) fn open<'a>(
        dir: &Path,
        settings: DeliverySettings,
        background_routes: impl Iterator<Item = &'a Route>,
        not_kept: prometheus_client::metrics::counter::Counter,
    ) -> Result<Self, JournalError> {
        let journal = SqliteJournal::open(dir)?;
        let resumed = journal.requeue_interrupted()?;
        if resumed > 0 {
            tracing::info!(
                resumed,
                "background deliveries interrupted by the last stop run again"
            );
        }
        journal.prune(settings.retention_count, now_ms() - retention_ms(&settings))?;
        let (batch, batch_receiver) = std::sync::mpsc::sync_channel(PENDING_RECORDS);
        let wakers = background_routes
            .map(|route| (route.route_path.clone(), Arc::new(Notify::new())))
            .collect();
        Ok(Deliveries {
            journal: Arc::new(journal),
            batch,
            batch_receiver: std::sync::Mutex::new(Some(batch_receiver)),
            not_kept,
            behind: Arc::default(),
            wakers,
            settings,
        })
    }

    /// Runs a journal call off the async workers.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Journal) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        blocking(&self.journal, work).await
    }

    /// The delivery to `route` accepted within the duplicate window with this exact body.
    pub(crate) async fn find_duplicate(
        &self,
        route: &Route,
        body: &Bytes,
    ) -> Result<Option<String>, JournalError> {
        let since = now_ms()
            - i64::try_from(self.settings.duplicate_window.as_millis()).unwrap_or(i64::MAX);
        let endpoint = route.route_path.clone();
        let body = body.clone();
        blocking(&self.journal, move |journal| {
            journal.find_duplicate(&endpoint, &body, since)
        })
        .await
    }

    /// Records a background delivery durably, then wakes its endpoint's worker.
    pub(crate) async fn enqueue(&self, mut record: DeliveryRecord) -> Result<(), JournalError> {
        record.summarize();
        let endpoint = record.endpoint.clone();
        blocking(&self.journal, move |journal| {
            journal.insert(std::slice::from_ref(&record))
        })
        .await?;
        if let Some(waker) = self.wakers.get(&endpoint) {
            waker.notify_one();
        }
        Ok(())
    }

    /// Records a delivery in the next batch: no disk write on the response path. When the writer
    /// falls behind (a flood far beyond Hub traffic), the record is not kept rather than letting
    /// memory grow or the response wait; a warning and the `webhooks_journal_records_not_kept_total`
    /// metric count what was not kept.
    pub(crate) fn record_later(&self, record: DeliveryRecord) {
        // While deliveries come in, the writer polls the queue, so a send wakes no thread.
        if let Err(std::sync::mpsc::TrySendError::Full(_)) = self.batch.try_send(record) {
            self.behind
                .store(true, std::sync::atomic::Ordering::Relaxed);
            self.not_keeping();
        }
    }

    /// Whether a record of an ordinary delivery would be kept now. When it would not (the writer
    /// is behind), the caller skips making it and calls [`Self::not_keeping`].
    pub(crate) fn keeps_records(&self) -> bool {
        !self.behind.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts a record of an ordinary delivery not kept, with a warning now and then.
    pub(crate) fn not_keeping(&self) {
        let before = self.not_kept.inc();
        if before % 10_000 == 0 {
            tracing::warn!(
                not_kept = before + 1,
                "the delivery journal falls behind: records of ordinary deliveries are not kept"
            );
        }
    }

    /// Starts the batch writer and one worker per background endpoint.
    pub(crate) fn start(app: &Arc<App>) -> Workers {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(deliveries) = &app.deliveries {
            let receiver = deliveries
                .batch_receiver
                .lock()
                .ok()
                .and_then(|mut receiver| receiver.take());
            if let Some(receiver) = receiver {
                let journal = Arc::clone(&deliveries.journal);
                let settings = deliveries.settings.clone();
                let behind = Arc::clone(&deliveries.behind);
                let stopped = stopped.clone();
                // The writer's thread ends by dropping `finished`, which the stop waits for.
                let (finished, writer_ended) = tokio::sync::oneshot::channel::<()>();
                let spawned = std::thread::Builder::new()
                    .name("webhooks-journal".to_owned())
                    .spawn(move || {
                        let _finished = finished;
                        run_at_idle_priority();
                        write_batches(&*journal, &receiver, &behind, &settings, &stopped);
                    });
                match spawned {
                    Ok(_) => tasks.push(tokio::spawn(async move {
                        let _ = writer_ended.await;
                    })),
                    Err(error) => tracing::error!(
                        %error,
                        "cannot start the journal writer: ordinary deliveries will not be journaled"
                    ),
                }
            }
            for (index, route) in app.routes.iter().enumerate() {
                if route.background {
                    tasks.push(tokio::spawn(work(Arc::clone(app), index, stopped.clone())));
                }
            }
        }
        Workers { stop, tasks }
    }
}

fn retention_ms(settings: &DeliverySettings) -> i64 {
    i64::try_from(settings.retention_age.as_millis()).unwrap_or(i64::MAX)
}

/// The batch writer and background workers, to stop at shutdown.
pub(crate) struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Stops taking work, lets running handlers finish within `deadline`, writes what is batched.
    /// Handlers still running then are abandoned: their deliveries run again at the next start.
    pub(crate) async fn stop(self, deadline: Duration) {
        let _ = self.stop.send(true);
        let all = async {
            for task in self.tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(deadline, all).await.is_err() {
            tracing::warn!(
                "background handlers still running at the shutdown deadline will run again at the next start"
            );
        }
    }
}

/// Lowers the calling thread to the idle scheduling class (Linux `SCHED_IDLE`): it then runs only
/// on CPU time no request wants, and a request arriving on its core preempts it at once. Journaling
/// an ordinary delivery can wait; answering one cannot. Where the system refuses, the thread keeps
/// its priority.
fn run_at_idle_priority() {
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
/// and then; at a stop, writes what is queued and returns. It runs on a thread of its own and
/// polls its queue while deliveries come in, so recording one costs a request no wake-up and no
/// context switch; when none came in for an interval, it sleeps until one does.
fn write_batches(
    journal: &dyn Journal,
    receiver: &std::sync::mpsc::Receiver<DeliveryRecord>,
    behind: &std::sync::atomic::AtomicBool,
    settings: &DeliverySettings,
    stopped: &watch::Receiver<bool>,
) {
    let mut written_since_prune = 0;
    loop {
        // A stop, or the server gone without one (its runtime shutting down), ends the writer.
        let stopping = *stopped.borrow() || stopped.has_changed().is_err();
        let mut batch: Vec<DeliveryRecord> = receiver.try_iter().take(PENDING_RECORDS).collect();
        // The queue is empty now: records are worth making again.
        behind.store(false, std::sync::atomic::Ordering::Relaxed);
        if batch.is_empty() && !stopping {
            // Idle: the next delivery wakes the writer (one wake-up per idle spell, not one per
            // request); the stop is looked at every `IDLE_CHECK`.
            match receiver.recv_timeout(IDLE_CHECK) {
                Ok(record) => batch.push(record),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        if !batch.is_empty() {
            for record in &mut batch {
                record.summarize();
            }
            written_since_prune += batch.len();
            // In short transactions, giving the core back after each: a fully busy server never
            // sleeps, so nothing would preempt the writer until its time slice ends, and a
            // background delivery waiting to be enqueued must not wait behind a long transaction.
            let mut result = batch
                .chunks(RECORDS_PER_TRANSACTION)
                .try_for_each(|records| {
                    let written = journal.insert(records);
                    std::thread::yield_now();
                    written
                });
            if result.is_ok() && written_since_prune >= 1000 {
                written_since_prune = 0;
                result = journal
                    .prune(settings.retention_count, now_ms() - retention_ms(settings))
                    .map(drop);
            }
            if let Err(error) = result {
                tracing::error!(%error, "deliveries could not be journaled");
            }
        }
        if stopping {
            break;
        }
        std::thread::sleep(WRITE_INTERVAL);
    }
}

/// One background endpoint's worker: claims due deliveries, runs them with bounded concurrency,
/// and sleeps until the next is due or a new one arrives.
async fn work(app: Arc<App>, index: usize, mut stopped: watch::Receiver<bool>) {
    let Some(route) = app.routes.iter().nth(index) else {
        return;
    };
    let Some(deliveries) = &app.deliveries else {
        return;
    };
    let waker = deliveries
        .wakers
        .get(&route.route_path)
        .cloned()
        .unwrap_or_default();
    let permits = Arc::new(Semaphore::new(deliveries.settings.concurrency));
    let mut running = JoinSet::new();
    while !*stopped.borrow() {
        let free = permits.available_permits();
        let mut next_due = None;
        if free > 0 {
            let endpoint = route.route_path.clone();
            match blocking(&deliveries.journal, move |journal| {
                journal.claim_due(&endpoint, now_ms(), free)
            })
            .await
            {
                Ok(claimed) => {
                    for delivery in claimed {
                        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                            break;
                        };
                        let app = Arc::clone(&app);
                        running.spawn(async move {
                            run_delivery(&app, index, delivery).await;
                            drop(permit);
                        });
                    }
                }
                Err(error) => {
                    tracing::error!(%error, endpoint = %route.route_path, "cannot read the queue")
                }
            }
            let endpoint = route.route_path.clone();
            next_due = blocking(&deliveries.journal, move |journal| {
                journal.next_due(&endpoint)
            })
            .await
            .ok()
            .flatten();
        }
        // Wait for whichever comes first: a new delivery, a finished one, the next retry, or a stop.
        let wait = match next_due {
            Some(due) if permits.available_permits() > 0 => {
                Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0))
            }
            _ => Duration::from_secs(60),
        };
        tokio::select! {
            () = waker.notified() => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
    while running.join_next().await.is_some() {}
}

/// Runs one background delivery's handler and records how it ended.
async fn run_delivery(app: &App, index: usize, delivery: DeliveryRecord) {
    let (Some(route), Some(deliveries)) = (app.routes.iter().nth(index), &app.deliveries) else {
        return;
    };
    let started = Instant::now();
    let request = delivery.to_request();
    let outcome = match route.timeout {
        Some(timeout) => tokio::time::timeout(timeout, run(&route.handler, request))
            .await
            .ok(),
        None => Some(run(&route.handler, request).await),
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = failure(outcome);
    let settings = &deliveries.settings;
    let result = match error {
        None => RunResult::Done { latency_ms },
        Some(error) if delivery.attempts >= settings.attempts => {
            RunResult::Dead { error, latency_ms }
        }
        Some(error) => {
            let doublings = delivery.attempts.saturating_sub(1).min(20);
            let wait = settings
                .backoff
                .saturating_mul(1 << doublings)
                .min(MAX_BACKOFF);
            let next_attempt_at_ms = now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
            RunResult::Retry {
                error,
                latency_ms,
                next_attempt_at_ms,
            }
        }
    };
    match &result {
        RunResult::Done { .. } => {
            tracing::info!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, "background delivery done")
        }
        RunResult::Retry { error, .. } => {
            tracing::warn!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, %error, "background delivery failed; it will be retried")
        }
        RunResult::Dead { error, .. } => {
            tracing::error!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, %error, "background delivery failed its last attempt: parked as dead")
        }
    }
    let id = delivery.id.clone();
    if let Err(error) = blocking(&deliveries.journal, move |journal| {
        journal.finish(&id, &result)
    })
    .await
    {
        tracing::error!(%error, "cannot record a background delivery's outcome");
    }
}

/// Why a handler run failed, or `None` when it succeeded.
fn failure(outcome: Option<Result<WebhookResponse, String>>) -> Option<String> {
    match outcome {
        Some(Ok(response)) => {
            if let Some(failure) = response.extensions().get::<HandlerFailure>() {
                Some(failure.message.clone())
            } else if response.status().is_success() {
                None
            } else {
                Some(format!("the handler answered {}", response.status()))
            }
        }
        Some(Err(panic)) => Some(format!("the handler panicked: {panic}")),
        None => Some("the handler did not finish in time".to_owned()),
    }
}

impl DeliveryRecord {
    /// A new delivery to `route`, as received (the secret already removed from `headers` and
    /// `uri`).
    /// Its scope, action and repo are read later (see [`Self::summarize`]), off the response path.
    pub(crate) fn received(
        route: &Route,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
        status: DeliveryStatus,
    ) -> Self {
        DeliveryRecord {
            id: new_id(),
            endpoint: route.route_path.clone(),
            received_at_ms: now_ms(),
            status,
            attempts: 0,
            last_error: None,
            latency_ms: None,
            scope: None,
            action: None,
            repo: None,
            background: route.background,
            original_id: None,
            uri: uri.to_string(),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            // A copy of exactly the body's size: a slice of the request would keep the whole
            // connection read buffer it came in alive until the record is written.
            body: Bytes::copy_from_slice(body),
            next_attempt_at_ms: 0,
            dedupe: route.dedupe,
        }
    }

    /// The request to give the handler again, with the delivery's id in `X-Webhook-Delivery-Id`
    /// so that a handler can tell a retry from a new delivery.
    pub(crate) fn to_request(&self) -> WebhookRequest {
        let mut headers = HeaderMap::new();
        if let Ok(id) = HeaderValue::try_from(self.id.as_str()) {
            headers.insert(DELIVERY_ID_HEADER, id);
        }
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                headers.append(name, value);
            }
        }
        let uri = self.uri.parse().unwrap_or_else(|_| Uri::from_static("/"));
        WebhookRequest::new(Method::POST, uri, headers, self.body.clone())
    }

    /// Fills in the payload's scope, action and repo name from the body.
    pub(crate) fn summarize(&mut self) {
        if let Some(summary) = PayloadSummary::read(&self.body) {
            self.scope = Some(summary.scope);
            self.action = Some(summary.action);
            self.repo = Some(summary.repo);
        }
    }
}
