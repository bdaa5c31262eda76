//! A delivery carrying the Hub's `Webhook-Id`, the same on each of the Hub's retries and replays
//! of it (hub-docs PR #2749): the id decides whether this is a new delivery or one seen already.
//!
//! With the journal, [`Journal::admit`](crate::deliveries::Journal::admit) decides, atomically on
//! every store (replicas sharing PostgreSQL agree). Without it, a window of recent ids in this
//! process ([`RecentIds`](super::RecentIds)) applies the same rules:
//! - new: run (an ordinary endpoint) or queued (a background one), as attempt 1;
//! - succeeded before (or a background one queued or running): answered 2xx with the first
//!   delivery's id, not run again;
//! - failed before: run again as the next attempt, under the same `Delivery::id()`;
//! - an ordinary one still running (the Hub gave up waiting and retried): never run twice at once
//!   (the run is a task of its own, which goes on when the Hub closes the connection).
//!   The request waits for the running attempt, up to `repeat_wait` (20 s), and is answered as
//!   that attempt ends (a repeat if it succeeded, the next attempt if it failed); past that, 409
//!   with `Retry-After`, a failure the Hub retries, so the delivery is not lost whichever way the
//!   running attempt ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderValue, StatusCode, header};
use webhooks_core::WebhookRequest;

use crate::answers;
use crate::delivery::Deliveries;
use crate::delivery::journal::{Admission, AttemptResult, DeliveryStatus, JournalError, now_ms};
use crate::delivery::policy::recent::{RecentIds, Seen};
use crate::delivery::policy::unkeyed::{
    backlog_full, check_arguments, not_journaled, queued, refuse_in_background,
};
use crate::delivery::policy::{Answered, Policy, Received};
use crate::delivery::record::with_delivery;
use crate::endpoint::invoke::{Invocation, Invoking, Outcome, invoke};
use crate::endpoint::route::Route;

/// The first pause between two looks at a running delivery; doubled each time, up to a second.
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// What the `Retry-After` of a 409 for a delivery still running says, in seconds.
const RETRY_AFTER_SECONDS: &str = "30";

/// Where a delivery with this `Webhook-Id` stands, as either source tells it.
enum Admitted {
    /// Run the handler now as `attempt` of delivery `id` (journaled when `journaled`).
    Run {
        id: String,
        attempt: u32,
        journaled: bool,
    },
    /// A background delivery journaled and due: its workers run it.
    Queued { id: String, status: DeliveryStatus },
    /// The same delivery again, not to run.
    Repeat { id: String, status: DeliveryStatus },
    /// An ordinary delivery running now.
    InProgress { id: String },
    /// A background endpoint's backlog is full.
    BacklogFull(usize),
}

/// A delivery with a `Webhook-Id`, the journal on.
pub(super) async fn deliver(
    policy: &Policy,
    deliveries: &Arc<Deliveries>,
    mut received: Received<'_>,
) -> Answered {
    let route = received.route;
    let mut record = received.record(DeliveryStatus::Running);
    if route.mode.is_background() {
        let request = received.request;
        if let Err(refusal) = check_arguments(route, request, &record.id) {
            return refuse_in_background(policy, deliveries, record, refusal);
        }
        record.status = DeliveryStatus::Queued;
        return match admit_to_journal(deliveries, route, &record).await {
            Ok(Admitted::Queued { id, status } | Admitted::Repeat { id, status }) => {
                queued(&id, status)
            }
            Ok(Admitted::BacklogFull(waiting)) => backlog_full(route, waiting),
            Ok(Admitted::Run { .. } | Admitted::InProgress { .. }) => not_journaled(
                &JournalError::new("a background delivery was admitted to run now"),
            ),
            Err(error) => not_journaled(&error),
        };
    }
    let waited = Instant::now();
    let mut pause = FIRST_PAUSE;
    let (id, attempt, journaled) = loop {
        let admitted = match admit_to_journal(deliveries, route, &record).await {
            Ok(admitted) => admitted,
            // A copy of a run under way must not run beside it, journal or not.
            Err(error) if pause != FIRST_PAUSE => return not_journaled(&error),
            Err(error) => {
                tracing::error!(%error, "cannot look the Webhook-Id up in the journal; handling the delivery");
                Admitted::Run {
                    id: record.id.clone(),
                    attempt: 1,
                    journaled: false,
                }
            }
        };
        match admitted {
            Admitted::Run {
                id,
                attempt,
                journaled,
            } => break (id, attempt, journaled),
            Admitted::InProgress { id } => match next_pause(waited, policy.repeat_wait, &mut pause)
            {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return still_running(&id),
            },
            Admitted::Repeat { id, .. } | Admitted::Queued { id, .. } => return repeat(&id),
            Admitted::BacklogFull(waiting) => return backlog_full(route, waiting),
        }
    };
    let request = with_delivery(received.request, &id, attempt, None);
    let started = Instant::now();
    let invoking = invoke(route, request, policy.expose_handler_errors);
    let deliveries = Arc::clone(deliveries);
    // On a task of its own: when the request is dropped (the Hub stopped waiting and closed the
    // connection), the run goes on and its real result is saved, so that the Hub's retry finds it
    // running (and waits for it) rather than failed while it still runs.
    let running = crate::tasks::spawn(async move {
        let invocation = heartbeat_while(invoking, &deliveries, journaled, &id).await;
        if journaled {
            let result = result_of(&invocation, started);
            // Off the response path.
            crate::tasks::spawn(async move { deliveries.save_result(id, attempt, result).await });
        }
        invocation
    });
    match running.await {
        Ok(invocation) => policy.refused(invocation.response, invocation.outcome),
        Err(error) => {
            tracing::error!(%error, "a delivery's handler task ended without an answer");
            (
                answers::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error."),
                Outcome::Panicked,
            )
        }
    }
}

/// Asks the journal about `record`'s `Webhook-Id`, an ordinary one under a lease of this process.
async fn admit_to_journal(
    deliveries: &Deliveries,
    route: &Route,
    record: &crate::delivery::journal::DeliveryRecord,
) -> Result<Admitted, JournalError> {
    let lease_until = deliveries.lease_until(now_ms());
    let admission = deliveries
        .admit(route.id, record.clone(), lease_until)
        .await?;
    Ok(match admission {
        Admission::Queued if record.background => Admitted::Queued {
            id: record.id.clone(),
            status: DeliveryStatus::Queued,
        },
        Admission::Queued => Admitted::Run {
            id: record.id.clone(),
            attempt: 1,
            journaled: true,
        },
        Admission::Retry { original, .. } if record.background => {
            tracing::info!(id = %original, "a background delivery that failed, sent again by the Hub: queued again");
            Admitted::Queued {
                id: original,
                status: DeliveryStatus::Queued,
            }
        }
        Admission::Retry { original, attempt } => {
            tracing::info!(id = %original, attempt, "a delivery that failed, sent again by the Hub: run again");
            Admitted::Run {
                id: original,
                attempt,
                journaled: true,
            }
        }
        Admission::Repeat { original, status } => Admitted::Repeat {
            id: original,
            status,
        },
        Admission::InProgress { original } => Admitted::InProgress { id: original },
        Admission::BacklogFull { waiting } => Admitted::BacklogFull(waiting),
        Admission::Duplicate { original } => Admitted::Repeat {
            id: original,
            status: DeliveryStatus::Duplicate,
        },
    })
}

/// Waits for a started handler, extending the delivery's lease while it runs (a third of the
/// lease at a time, when `journaled`), so that a copy sent meanwhile finds it running however long
/// it takes.
pub(crate) async fn heartbeat_while(
    invoking: Invoking,
    deliveries: &Arc<Deliveries>,
    journaled: bool,
    id: &str,
) -> Invocation {
    if !journaled {
        return invoking.await;
    }
    let heartbeat = deliveries.heartbeat();
    let mut beats = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut invoking = std::pin::pin!(invoking);
    loop {
        tokio::select! {
            invocation = &mut invoking => return invocation,
            _ = beats.tick() => {
                let deliveries = Arc::clone(deliveries);
                let ids = vec![id.to_owned()];
                crate::tasks::spawn(async move {
                    if let Err(error) = deliveries.extend_lease(ids).await {
                        tracing::error!(%error, "cannot extend the lease of a running delivery");
                    }
                });
            }
        }
    }
}

/// How an ordinary delivery's attempt ended, for the journal.
fn result_of(invocation: &Invocation, started: Instant) -> AttemptResult {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &invocation.error {
        None => AttemptResult::Done { latency_ms },
        Some(error) => AttemptResult::Failed {
            error: error.clone(),
            latency_ms,
        },
    }
}

/// The pause before the next look at a running delivery, or `None` once the wait is over.
fn next_pause(waited: Instant, limit: Duration, pause: &mut Duration) -> Option<Duration> {
    let this = *pause;
    if waited.elapsed() + this > limit {
        return None;
    }
    *pause = (this * 2).min(LONGEST_PAUSE);
    Some(this)
}

/// 200: the same delivery as `id`, which succeeded: not run again.
fn repeat(id: &str) -> Answered {
    tracing::info!(original = %id, "the Hub sent a delivery again (the same Webhook-Id): it succeeded before, not run again");
    let body = serde_json::json!({ "delivery_id": id, "status": "duplicate" });
    (answers::json(StatusCode::OK, &body), Outcome::Handled)
}

/// 409: the same delivery as `id`, still running past the wait: the Hub retries it later.
fn still_running(id: &str) -> Answered {
    tracing::warn!(original = %id, "the Hub sent a delivery again (the same Webhook-Id) while it still runs: answered 409 for a later retry");
    let body = serde_json::json!({
        "error": "this delivery (the same Webhook-Id) is still being handled; it is not run twice at once: retry later",
        "delivery_id": id,
        "status": "running",
    });
    let mut response = answers::json(StatusCode::CONFLICT, &body);
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    (response, Outcome::Refused)
}

/// A delivery with a `Webhook-Id`, the journal off: the same rules, over the ids this process
/// saw recently.
pub(super) async fn deliver_in_window(
    policy: &Policy,
    route: &Route,
    request: WebhookRequest,
    webhook_id: String,
) -> Answered {
    let recent: &RecentIds = &policy.recent;
    let waited = Instant::now();
    let mut pause = FIRST_PAUSE;
    let (id, attempt) = loop {
        match recent.admit(route.id, &webhook_id) {
            Seen::Run { id, attempt } => break (id, attempt),
            Seen::Repeat { id } => return repeat(&id),
            Seen::InProgress { id } => match next_pause(waited, policy.repeat_wait, &mut pause) {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return still_running(&id),
            },
        }
    };
    let mut finishing = recent.finishing(route.id, webhook_id, attempt);
    let request = with_delivery(request, &id, attempt, None);
    let invocation = invoke(route, request, policy.expose_handler_errors).await;
    finishing.succeeded = invocation.succeeded();
    drop(finishing);
    policy.refused(invocation.response, invocation.outcome)
}
