//! A delivery without the Hub's `Webhook-Id` (a client other than the Hub, an older Hub), with the
//! journal on: run now and recorded in the next batch, dropped when its body repeats one accepted
//! recently (`dedupe`), or journaled and queued for the background.

use std::sync::Arc;
use std::time::Instant;

use http::StatusCode;
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus};
use crate::delivery::policy::delivering::Recording;
use crate::delivery::policy::{Answered, Delivering, Policy, Received};
use crate::delivery::record::with_delivery;
use crate::delivery::{Deliveries, Enqueued};
use crate::endpoint::invoke::{Outcome, invoke, rejection_reason};
use crate::endpoint::route::Route;

/// Hands a request without a `Webhook-Id` to its route; the handler of an ordinary one starts
/// here.
pub(super) fn deliver<'a>(
    policy: &'a Policy,
    deliveries: &'a Arc<Deliveries>,
    mut received: Received<'a>,
) -> Delivering<'a> {
    let route = received.route;
    // Duplicates are looked for in the same journal call that records the delivery: two copies
    // posted at once are one delivery.
    if route.mode.dedupes() && !route.mode.is_background() {
        return Delivering::boxed(run_once(policy, deliveries, received));
    }
    if route.mode.is_background() {
        return Delivering::boxed(accept_in_background(policy, deliveries, received));
    }
    if !deliveries.keeps_records() {
        // The journal is behind (a flood): answering comes first.
        deliveries.not_keeping();
        return policy.run_now(route, received.request);
    }
    // The record is made before the handler runs (its id is the `Delivery` argument's); its
    // headers are copied into one buffer, which the writer splits.
    let (record, headers) = received.record_for_later(DeliveryStatus::Done);
    let started = Instant::now();
    let request = with_delivery(received.request, &record.id, 1, None);
    Delivering::Running {
        invoking: invoke(route, request, policy.expose_handler_errors),
        recording: Some(Recording {
            deliveries,
            record,
            headers,
            started,
        }),
        acknowledge_rejected: policy.acknowledge_rejected,
    }
}

/// An ordinary endpoint that drops duplicates: the delivery is written as running, in the one
/// journal call that looks for a copy, before its handler runs; its outcome replaces that record
/// once the handler returns.
async fn run_once(
    policy: &Policy,
    deliveries: &Arc<Deliveries>,
    mut received: Received<'_>,
) -> Answered {
    let route = received.route;
    let mut record = received.record(DeliveryStatus::Running);
    record.attempts = 1;
    match deliveries.enqueue(route.id, record.clone(), true).await {
        Ok(Enqueued::Duplicate { original, record }) => {
            return record_duplicate(deliveries, *record, original);
        }
        Ok(Enqueued::Queued | Enqueued::BacklogFull(_)) => {}
        Err(error) => {
            tracing::error!(%error, "cannot look for a duplicate; handling the delivery");
        }
    }
    let started = Instant::now();
    let request = with_delivery(received.request, &record.id, 1, None);
    let invocation = invoke(route, request, policy.expose_handler_errors).await;
    record.settle(&invocation, started);
    // Written whatever the writer's load: the running record must not stay running.
    let deliveries = Arc::clone(deliveries);
    crate::tasks::spawn(async move {
        if let Err(error) = deliveries
            .run(move |journal| journal.insert(std::slice::from_ref(&record)))
            .await
        {
            tracing::error!(%error, "cannot record how a delivery ended");
        }
    });
    policy.refused(invocation.response, invocation.outcome)
}

/// Records `record` as a duplicate of `original` and answers 200 with the original's id.
fn record_duplicate(
    deliveries: &Deliveries,
    mut record: DeliveryRecord,
    original: String,
) -> Answered {
    tracing::info!(original = %original, "duplicate of an accepted delivery: not handled again");
    record.status = DeliveryStatus::Duplicate;
    record.original_id = Some(original.clone());
    deliveries.record_later(record);
    let body = serde_json::json!({ "delivery_id": original, "status": "duplicate" });
    (answers::json(StatusCode::OK, &body), Outcome::Handled)
}

/// Checks the arguments, journals the delivery durably, and answers 202: workers run it.
async fn accept_in_background(
    policy: &Policy,
    deliveries: &Deliveries,
    mut received: Received<'_>,
) -> Answered {
    let route = received.route;
    let record = received.record(DeliveryStatus::Queued);
    if let Err(refusal) = check_arguments(route, received.request, &record.id) {
        return refuse_in_background(policy, deliveries, record, refusal);
    }
    let id = record.id.clone();
    match deliveries
        .enqueue(route.id, record, route.mode.dedupes())
        .await
    {
        Ok(Enqueued::Duplicate { original, record }) => {
            record_duplicate(deliveries, *record, original)
        }
        Ok(Enqueued::Queued) => queued(&id, DeliveryStatus::Queued),
        Ok(Enqueued::BacklogFull(waiting)) => backlog_full(route, waiting),
        Err(error) => not_journaled(&error),
    }
}

/// Whether the handler's arguments can be built from the request, as the handler will get it
/// (its `Delivery` argument included): refused now rather than failing every attempt later.
pub(super) fn check_arguments(
    route: &Route,
    request: webhooks_core::WebhookRequest,
    id: &str,
) -> Result<(), WebhookResponse> {
    let as_run = with_delivery(request, id, 1, None);
    (route.check)(&as_run)
}

/// A background delivery whose arguments cannot be built: journaled as failed (to replay once
/// the code reads it), and refused (or acknowledged).
pub(super) fn refuse_in_background(
    policy: &Policy,
    deliveries: &Deliveries,
    mut record: DeliveryRecord,
    refusal: WebhookResponse,
) -> Answered {
    if deliveries.keeps_records() {
        record.status = DeliveryStatus::Failed;
        record.last_error = Some(rejection_reason(&refusal));
        deliveries.record_later(record);
    } else {
        deliveries.not_keeping();
    }
    policy.refused(refusal, Outcome::Rejected)
}

/// 202: the background delivery `id` is journaled and stands at `status`.
pub(super) fn queued(id: &str, status: DeliveryStatus) -> Answered {
    tracing::info!(id = %id, %status, "queued for background handling");
    let body = serde_json::json!({ "delivery_id": id, "status": status });
    (answers::json(StatusCode::ACCEPTED, &body), Outcome::Handled)
}

/// 503: the endpoint's backlog is full.
pub(super) fn backlog_full(route: &Route, waiting: usize) -> Answered {
    tracing::warn!(waiting, "refused: the endpoint's backlog is full");
    (
        answers::backlog_full(&route.route_path, waiting),
        Outcome::Refused,
    )
}

/// 503: a background delivery could not be journaled.
pub(super) fn not_journaled(error: &crate::error::JournalError) -> Answered {
    tracing::error!(%error, "a background delivery could not be journaled");
    (answers::NOT_JOURNALED.into_response(), Outcome::Refused)
}
