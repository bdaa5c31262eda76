//! Event filters: which of the endpoints on one path take a delivery. None: answered 200
//! `{"processed": false, "reason": …}` and recorded as skipped. One: that endpoint answers, as if
//! it were alone. Several: each runs (or is queued) as its own delivery, and the answer lists them.
//! A body that is not a valid payload is refused (422, journaled) before any of that: a skip is
//! only ever said of a valid payload.

use http::StatusCode;
use serde_json::{Value, json};
use webhooks_core::filter::{EventFields, Mismatch};
use webhooks_core::{BodyUse, FromWebhookRequest, WebhookPayload, WebhookRequest, WebhookResponse};

use crate::answers;
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus};
use crate::delivery::policy::{Answered, Delivering, Policy, record_refused};
use crate::delivery::summary::PayloadSummary;
use crate::endpoint::invoke::Outcome;
use crate::endpoint::route::Route;

/// Hands `request` to the routes of `group` whose filters take it. When one does, its handler
/// starts here, as [`Policy::deliver`] starts one; when several do, the returned future runs
/// them in turn.
pub(super) fn filtered<'a>(
    policy: &'a Policy,
    group: &'a [Route],
    mut request: WebhookRequest,
    summary: Option<PayloadSummary>,
) -> Delivering<'a> {
    let (matching, reasons) = match select(group, &mut request) {
        Ok(selected) => selected,
        Err(rejection) => {
            tracing::info!("refused: the body is not a valid Hub payload");
            if let Some(deliveries) = &policy.deliveries {
                // Alone on its path, under its endpoint, so that a replay runs it.
                let endpoint = match group {
                    [route] => &route.journal_key,
                    _ => &group[0].route_path,
                };
                record_refused(
                    deliveries, &group[0], endpoint, &request, summary, &rejection,
                );
            }
            let (response, outcome) = policy.refused(rejection, Outcome::Rejected);
            return Delivering::ready(response, outcome);
        }
    };
    match matching.as_slice() {
        [] => {
            let (response, outcome) = skip(policy, group, request, summary, &reasons);
            Delivering::ready(response, outcome)
        }
        [route] => policy.deliver_to(route, request, summary),
        _ => Delivering::boxed(run_each(policy, matching, request, summary)),
    }
}

/// The routes of `group` whose filters take `request`, and why each other one does not; the
/// refusal a payload argument would give when the body is not a valid payload (a filter reads
/// it: a skip, or a handler that does not parse the payload itself, is only said of a valid one).
/// Not async: what filters read is dropped before a handler is awaited, which keeps the
/// request's future small.
///
/// A handler taking the payload alone on its path: the body is parsed whole once, here, the
/// filter reads that, and the handler takes it instead of parsing the body again. Otherwise the
/// filters read only their fields, borrowed from the body (a skipped event, or several endpoints
/// that each parse, would not use a whole parse).
fn select<'a>(
    group: &'a [Route],
    request: &mut WebhookRequest,
) -> Result<(Vec<&'a Route>, Vec<Refusal<'a>>), WebhookResponse> {
    let takes_payload = |route: &Route| route.body == BodyUse::HubPayload;
    let hand_over = matches!(group, [route] if takes_payload(route));
    let mut whole = hand_over.then(|| WebhookPayload::from_webhook_request(request));
    // Read once for every filter of the path, when the payload was not parsed (or is not one:
    // a filter on the fields may still skip the event, as it would have).
    let fields = match whole {
        Some(Ok(_)) => None,
        _ => EventFields::read(request.body()),
    };
    let mut matching = Vec::new();
    let mut reasons = Vec::new();
    for route in group {
        let checked = fields
            .as_ref()
            .and_then(|fields| route.filter.check_fields(fields));
        let verdict = match checked {
            Some(verdict) => verdict,
            // A `filter = fn`, or fields that could not be read: the whole payload. A body
            // that is not a payload is refused as a handler argument would be.
            None => {
                match whole.get_or_insert_with(|| WebhookPayload::from_webhook_request(request)) {
                    Ok(payload) => route.filter.check(payload),
                    Err(rejection) => return Err(rejection.clone().into_response()),
                }
            }
        };
        match verdict {
            Ok(()) => matching.push(route),
            Err(mismatch) => reasons.push((route.function.as_str(), mismatch)),
        }
    }
    // One handler taking the payload refuses an invalid body itself (journaled as its failed
    // delivery); any other outcome needs the whole payload read once, if it was not.
    let refused_by_handler = matches!(matching.as_slice(), [route] if takes_payload(route));
    if whole.is_none() && !refused_by_handler {
        whole = Some(WebhookPayload::from_webhook_request(request));
    }
    match whole {
        Some(Err(rejection)) => return Err(rejection.into_response()),
        Some(Ok(payload)) if refused_by_handler => request.__keep_parsed_payload(payload),
        _ => {}
    }
    Ok((matching, reasons))
}

/// An endpoint's filter refusing the event: the endpoint's function and why.
type Refusal<'a> = (&'a str, Mismatch);

/// No endpoint takes the event: 200, so the Hub does not count a failure, with the reason.
fn skip(
    policy: &Policy,
    group: &[Route],
    request: WebhookRequest,
    summary: Option<PayloadSummary>,
    reasons: &[Refusal<'_>],
) -> (WebhookResponse, Outcome) {
    let reason = match reasons {
        // Alone on its path, the endpoint need not be named.
        [(_, only)] => only.to_string(),
        many => {
            let named: Vec<String> = many
                .iter()
                .map(|(function, mismatch)| format!("{function}: {mismatch}"))
                .collect();
            named.join("; ")
        }
    };
    tracing::debug!(%reason, "skipped: no endpoint's filter takes the event");
    if let Some(deliveries) = &policy.deliveries {
        if deliveries.keeps_records() {
            let first = &group[0];
            let (mut record, headers) = DeliveryRecord::received_for_later(
                first,
                &request,
                summary,
                DeliveryStatus::Skipped,
            );
            record.endpoint.clone_from(&first.route_path);
            record.last_error = Some(reason.clone());
            deliveries.record_received_later(record, headers);
        } else {
            deliveries.not_keeping();
        }
    }
    let body = json!({ "processed": false, "reason": reason });
    (answers::json(StatusCode::OK, &body), Outcome::Skipped)
}

/// Several endpoints take the event: each in turn, each its own delivery. The status is 200 (202
/// when every one was queued) unless one failed or refused it: then the highest of theirs.
async fn run_each(
    policy: &Policy,
    routes: Vec<&Route>,
    request: WebhookRequest,
    summary: Option<PayloadSummary>,
) -> Answered {
    let mut handlers = Vec::with_capacity(routes.len());
    let mut worst: Option<(u16, Outcome)> = None;
    let mut all_queued = true;
    for route in &routes {
        let (response, outcome) = policy
            .deliver_to(route, request.clone(), summary.clone())
            .await;
        let status = response.status().as_u16();
        all_queued &= status == 202;
        if status >= 400 && worst.is_none_or(|(highest, _)| status > highest) {
            worst = Some((status, outcome));
        }
        let answer = serde_json::from_slice::<Value>(response.body())
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(response.body()).into()));
        handlers.push(json!({ "endpoint": route.function, "status": status, "answer": answer }));
    }
    let (status, outcome) = match worst {
        Some((status, outcome)) => (status, outcome),
        None if all_queued => (202, Outcome::Handled),
        None => (200, Outcome::Handled),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "processed": true, "handlers": handlers });
    (answers::json(status, &body), outcome)
}
