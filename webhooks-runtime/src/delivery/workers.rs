//! The tasks that outlive a request: the journal writer, and one worker per background endpoint
//! that claims due deliveries, runs them with bounded concurrency and records how they ended.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::delivery::journal::{AttemptResult, DeliveryRecord, now_ms};
use crate::delivery::writer::{run_at_idle_priority, write_batches};
use crate::delivery::{Deliveries, journal_backoff};
use crate::endpoint::invoke::invoke;
use crate::endpoint::route::{Route, RouteId, Routes};

/// The batch writer and background workers, to stop at shutdown.
#[derive(Debug)]
pub(crate) struct Workers {
    stop: watch::Sender<bool>,
    /// Taken by the first [`Workers::stop`].
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
    /// To wake the writer at a stop.
    deliveries: Arc<Deliveries>,
}

/// What a worker needs: the journal, the routes it runs, and how to run them.
#[derive(Clone)]
struct Context {
    deliveries: Arc<Deliveries>,
    routes: Arc<Routes>,
    expose_errors: bool,
}

impl Workers {
    /// Starts the batch writer and one worker per background route. Must be called inside a
    /// tokio runtime.
    pub(crate) fn start(
        deliveries: &Arc<Deliveries>,
        routes: &Arc<Routes>,
        expose_errors: bool,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(writer) = start_writer(deliveries, stopped.clone()) {
            tasks.push(writer);
        }
        let context = Context {
            deliveries: Arc::clone(deliveries),
            routes: Arc::clone(routes),
            expose_errors,
        };
        // A relay's deliveries are taken by its forwarder, not run here.
        for route in routes.iter().filter(|route| route.mode.has_workers()) {
            tasks.push(crate::tasks::spawn(work(
                context.clone(),
                route.id,
                stopped.clone(),
            )));
        }
        Workers {
            stop,
            tasks: std::sync::Mutex::new(tasks),
            deliveries: Arc::clone(deliveries),
        }
    }

    /// Stops taking work, lets running handlers finish within `deadline`, writes what is batched.
    /// Handlers still running then are abandoned: their deliveries run again at the next start.
    pub(crate) async fn stop(&self, deadline: Duration) {
        self.stop_now();
        // A poisoned lock only means a panic while taking them: the tasks are still there.
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let all = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(deadline, all).await.is_err() {
            tracing::warn!(
                "background handlers still running at the shutdown deadline will run again at the next start"
            );
        }
    }

    /// Tells every task to stop, without waiting for them (a service dropped without a shutdown).
    pub(crate) fn stop_now(&self) {
        let _ = self.stop.send(true);
        self.deliveries.wake_writer();
    }
}

/// Starts the writer's thread; the returned task ends when the thread does.
fn start_writer(deliveries: &Deliveries, stopped: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    let receiver = deliveries.take_batch_receiver()?;
    let journal = Arc::clone(&deliveries.journal);
    let settings = deliveries.settings.clone();
    let behind = Arc::clone(&deliveries.behind);
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
        Ok(_) => Some(crate::tasks::spawn(async move {
            let _ = writer_ended.await;
        })),
        Err(error) => {
            tracing::error!(
                %error,
                "cannot start the journal writer: ordinary deliveries will not be journaled"
            );
            None
        }
    }
}

/// One background endpoint's worker: claims due deliveries, runs them with bounded concurrency,
/// and sleeps until the next is due, a new one arrives, or one finishes.
async fn work(context: Context, id: RouteId, mut stopped: watch::Receiver<bool>) {
    let route = context.routes.get(id);
    let deliveries = &context.deliveries;
    let waker = deliveries.waker(id);
    let permits = Arc::new(Semaphore::new(deliveries.settings.concurrency));
    let mut running = JoinSet::new();
    // The ids of the deliveries running, whose lease the heartbeat extends.
    let running_ids: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let heartbeat = deliveries.heartbeat();
    let mut next_beat = tokio::time::Instant::now() + heartbeat;
    let mut failures = 0;
    while !*stopped.borrow() {
        let free = permits.available_permits();
        let mut next_due = None;
        let mut backoff = None;
        if free > 0 {
            match deliveries.claim_due(route, free).await {
                Ok(claimed) => {
                    failures = 0;
                    for delivery in claimed {
                        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                            break;
                        };
                        if running.is_empty() {
                            next_beat = tokio::time::Instant::now() + heartbeat;
                        }
                        let context = context.clone();
                        let ids = Arc::clone(&running_ids);
                        if let Ok(mut ids) = ids.lock() {
                            ids.push(delivery.id.clone());
                        }
                        running.spawn(crate::tasks::boxed(async move {
                            let delivery_id = delivery.id.clone();
                            run_delivery(&context, id, delivery).await;
                            if let Ok(mut ids) = ids.lock() {
                                ids.retain(|running| *running != delivery_id);
                            }
                            drop(permit);
                        }));
                    }
                }
                Err(error) => {
                    // A full disk or a broken file fails every claim: wait longer each time
                    // instead of retrying at once, and say so less and less often.
                    failures += 1;
                    let wait = journal_backoff(failures);
                    if failures.is_power_of_two() {
                        tracing::error!(%error, endpoint = %route.route_path, failures, retry_in_ms = wait.as_millis(), "cannot claim from the queue");
                    }
                    backoff = Some(wait);
                }
            }
            if backoff.is_none() {
                next_due = deliveries.next_due(route).await.ok().flatten();
            }
        }
        // Wait for whichever comes first: a new delivery, a finished one, the next retry, or a stop.
        // Nothing due: no timer at all, so an idle server is not woken.
        let wait = match (backoff, next_due) {
            (Some(backoff), _) => Some(backoff),
            (None, Some(due)) if permits.available_permits() > 0 => Some(Duration::from_millis(
                u64::try_from(due - now_ms()).unwrap_or(0),
            )),
            _ => None,
        };
        // A store other processes write to is polled: what they queue wakes nobody here.
        let wait = match (wait, deliveries.poll_interval()) {
            (Some(wait), Some(poll)) => Some(wait.min(poll)),
            (wait, poll) => wait.or(poll),
        };
        tokio::select! {
            () = waker.notified() => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            () = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
            // While handlers run, and only then: their leases must not lapse.
            () = tokio::time::sleep_until(next_beat), if !running.is_empty() => {
                next_beat = tokio::time::Instant::now() + heartbeat;
                let ids = running_ids.lock().map(|ids| ids.clone()).unwrap_or_default();
                if let Err(error) = deliveries.extend_lease(ids).await {
                    tracing::error!(%error, endpoint = %route.route_path, "cannot extend the leases of running deliveries");
                }
            }
            _ = stopped.changed() => {}
        }
    }
    while running.join_next().await.is_some() {}
}

/// Runs one background delivery's handler and records how it ended.
async fn run_delivery(context: &Context, id: RouteId, delivery: DeliveryRecord) {
    let route: &Route = context.routes.get(id);
    let started = Instant::now();
    let invocation = invoke(route, delivery.to_request(), context.expose_errors).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let result =
        context
            .deliveries
            .settings
            .after_attempt(delivery.attempts, invocation.error, latency_ms);
    match &result {
        AttemptResult::Done { .. } => {
            tracing::info!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, "background delivery done")
        }
        AttemptResult::Retry { error, .. } => {
            tracing::warn!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, %error, "background delivery failed; it will be retried")
        }
        AttemptResult::Dead { error, .. } | AttemptResult::Failed { error, .. } => {
            tracing::error!(id = %delivery.id, attempt = delivery.attempts, endpoint = %route.route_path, %error, "background delivery failed its last attempt: parked as dead")
        }
    }
    context
        .deliveries
        .save_result(delivery.id, delivery.attempts, result)
        .await;
}
