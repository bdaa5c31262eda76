//! What becomes of an authenticated delivery, in one place: which endpoints of its path take it
//! ([`dispatch`]), then for each one: run now, answered as the same delivery again (the Hub's
//! `Webhook-Id`, [`keyed`]), dropped as a body duplicate or queued for the background
//! ([`unkeyed`]), and how it is journaled. `web/` enters once, with [`Policy::deliver`], after
//! the secret, the content type and the body.

mod delivering;
mod dispatch;
pub(crate) mod keyed;
mod recent;
mod unkeyed;

use std::sync::Arc;

use http::StatusCode;
use webhooks_core::delivery::webhook_id;
use webhooks_core::{Rejection, WebhookRequest, WebhookResponse};

use crate::answers;
use crate::delivery::Deliveries;
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus, new_id};
use crate::delivery::packed_headers::PackedHeaders;
use crate::delivery::record::with_delivery;
use crate::delivery::summary::PayloadSummary;
use crate::endpoint::invoke::{Outcome, invoke, rejection_reason};
use crate::endpoint::route::Route;

pub(crate) use delivering::{Answered, Delivering};
pub(crate) use recent::RecentIds;

/// How deliveries are decided: the journal (when on), the recent Hub ids a server without one
/// remembers, and the settings that change answers.
pub(crate) struct Policy {
    /// The delivery journal, when enabled.
    pub(crate) deliveries: Option<Arc<Deliveries>>,
    /// The Hub's ids of recent deliveries, when the journal is off.
    pub(crate) recent: RecentIds,
    /// Whether a handler's `Err` message is put in its 500's body.
    pub(crate) expose_handler_errors: bool,
    /// Whether a body that cannot be read (a 422) is answered 200 `processed: false` instead,
    /// so that the Hub does not count a failure for it.
    pub(crate) acknowledge_rejected: bool,
    /// How long a copy of a delivery still running waits for it before a 409.
    pub(crate) repeat_wait: std::time::Duration,
}

impl Policy {
    /// Hands a request that passed admission to the routes of `group` (one path's) whose
    /// filters take it. A handler that runs now starts here; the returned future waits for it.
    pub(crate) fn deliver<'a>(
        &'a self,
        group: &'a [Route],
        request: WebhookRequest,
        summary: Option<PayloadSummary>,
    ) -> Delivering<'a> {
        match group {
            [route] if route.filter.is_empty() => self.deliver_to(route, request, summary),
            _ => dispatch::filtered(self, group, request, summary),
        }
    }

    /// Hands a request to one route: by its `Webhook-Id` when it carries one, else as it always
    /// was (run now, a body duplicate, or queued).
    fn deliver_to<'a>(
        &'a self,
        route: &'a Route,
        request: WebhookRequest,
        summary: Option<PayloadSummary>,
    ) -> Delivering<'a> {
        match (&self.deliveries, webhook_id(request.headers())) {
            (Some(deliveries), Some(_)) => {
                let received = Received {
                    route,
                    request,
                    summary,
                };
                Delivering::boxed(keyed::deliver(self, deliveries, received))
            }
            (None, Some(id)) => {
                let id = id.to_owned();
                Delivering::boxed(keyed::deliver_in_window(self, route, request, id))
            }
            (Some(deliveries), None) => {
                let received = Received {
                    route,
                    request,
                    summary,
                };
                unkeyed::deliver(self, deliveries, received)
            }
            (None, None) => self.run_now(route, request),
        }
    }

    /// Runs the handler while the client waits, without a journal record: the delivery's id is
    /// made up for its `Delivery` argument.
    fn run_now<'a>(&self, route: &Route, request: WebhookRequest) -> Delivering<'a> {
        let request = with_delivery(request, &new_id(), 1, None);
        Delivering::Running {
            invoking: invoke(route, request, self.expose_handler_errors),
            recording: None,
            acknowledge_rejected: self.acknowledge_rejected,
        }
    }

    /// The answer to a body refused before its handler ran (a [`Rejection`]): as it is, or,
    /// with `acknowledge_rejected`, 200 `{"processed": false, "reason": …}`, the refusal logged.
    fn refused(&self, response: WebhookResponse, outcome: Outcome) -> Answered {
        acknowledged(response, outcome, self.acknowledge_rejected)
    }
}

/// `response`, or its 200 acknowledgement when it is a rejection and `acknowledge` is set.
pub(crate) fn acknowledged(
    response: WebhookResponse,
    outcome: Outcome,
    acknowledge: bool,
) -> Answered {
    if !(acknowledge && outcome == Outcome::Rejected && Rejection::is_rejection(&response)) {
        return (response, outcome);
    }
    let reason = rejection_reason(&response);
    tracing::warn!(%reason, status = response.status().as_u16(), "a body the handler cannot read, answered 200 (acknowledge_rejected): the delivery is journaled as failed");
    let body = serde_json::json!({ "processed": false, "reason": reason });
    (answers::json(StatusCode::OK, &body), outcome)
}

/// A request as received, before it is recorded.
struct Received<'a> {
    route: &'a Route,
    request: WebhookRequest,
    /// The payload's scope, action and repo, when the request path read them; `None` for the
    /// one who records it to read (the body may not be a payload).
    summary: Option<PayloadSummary>,
}

impl Received<'_> {
    /// The journal's record of it, its scope, action and repo read.
    fn record(&mut self, status: DeliveryStatus) -> DeliveryRecord {
        let summary = self.summary.take();
        let mut record = DeliveryRecord::received(self.route, &self.request, summary, status);
        if record.scope.is_none() {
            record.summarize();
        }
        record
    }

    /// The record for the journal's writer: the headers packed, for it to unpack (and the
    /// summary read, if the request path did not).
    fn record_for_later(&mut self, status: DeliveryStatus) -> (DeliveryRecord, PackedHeaders) {
        let summary = self.summary.take();
        DeliveryRecord::received_for_later(self.route, &self.request, summary, status)
    }
}

/// Journals a body refused before any handler ran (it can be replayed once the code reads it):
/// failed, with the refusal's reason, under `endpoint`.
fn record_refused(
    deliveries: &Deliveries,
    route: &Route,
    endpoint: &str,
    request: &WebhookRequest,
    summary: Option<PayloadSummary>,
    refusal: &WebhookResponse,
) {
    if !deliveries.keeps_records() {
        deliveries.not_keeping();
        return;
    }
    let (mut record, headers) =
        DeliveryRecord::received_for_later(route, request, summary, DeliveryStatus::Failed);
    endpoint.clone_into(&mut record.endpoint);
    record.last_error = Some(rejection_reason(refusal));
    deliveries.record_received_later(record, headers);
}
