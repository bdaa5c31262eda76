//! The delivery API's operations: list, inspect, fetch the body of, replay and delete journaled
//! deliveries. The router matches their paths and methods and the credential; these run them.
//!
//! `GET /api/deliveries?endpoint=&status=&webhook_id=&before=&limit=`, `GET /api/deliveries/{id}`
//! (`{id}` the journal's id or the Hub's `Webhook-Id`, here and below),
//! `GET /api/deliveries/{id}/body`, `POST /api/deliveries/{id}/replay`,
//! `DELETE /api/deliveries/{id}`.

use std::time::Instant;

use http::StatusCode;
use webhooks_core::WebhookResponse;
use webhooks_core::response::json_response;

use crate::answers;
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus, ListQuery};
use crate::delivery::{Deliveries, Enqueued};
use crate::endpoint::invoke::invoke;
use crate::endpoint::route::Routes;
use crate::error::JournalError;

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

fn journal_failed(error: &JournalError) -> WebhookResponse {
    answers::error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string())
}

/// `GET /api/deliveries`: a page of deliveries, newest first, with the id to continue from.
pub(crate) async fn list(deliveries: &Deliveries, query: Option<&str>) -> WebhookResponse {
    let list = match list_query(query) {
        Ok(list) => list,
        Err(refusal) => return refusal,
    };
    let limit = list.limit;
    match deliveries.run(move |journal| journal.list(&list)).await {
        Ok(found) => {
            let next_before = (found.len() == limit)
                .then(|| found.last().map(|d| d.id.clone()))
                .flatten();
            answers::json(
                StatusCode::OK,
                &serde_json::json!({ "deliveries": found, "next_before": next_before }),
            )
        }
        Err(error) => journal_failed(&error),
    }
}

fn list_query(query: Option<&str>) -> Result<ListQuery, WebhookResponse> {
    let mut list = ListQuery {
        limit: DEFAULT_PAGE,
        ..ListQuery::default()
    };
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "endpoint" => list.endpoint = Some(value.into_owned()),
            "webhook_id" => list.webhook_id = Some(value.into_owned()),
            "before" => list.before = Some(value.into_owned()),
            "status" => match DeliveryStatus::parse(&value) {
                Some(status) => list.status = Some(status),
                None => return Err(answers::UNKNOWN_STATUS.into_response()),
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) => list.limit = limit.clamp(1, MAX_PAGE),
                Err(_) => return Err(answers::BAD_LIMIT.into_response()),
            },
            _ => {}
        }
    }
    Ok(list)
}

/// The delivery `id` names: the journal's id, or the Hub's `Webhook-Id` (then the first delivery
/// admitted with it, not a replay of it).
async fn fetch(deliveries: &Deliveries, id: &str) -> Result<DeliveryRecord, WebhookResponse> {
    let id = id.to_owned();
    let found = deliveries
        .run(move |journal| {
            if let Some(delivery) = journal.get(&id)? {
                return Ok(Some(delivery));
            }
            let by_hub_id = ListQuery {
                webhook_id: Some(id),
                limit: MAX_PAGE,
                ..ListQuery::default()
            };
            // Newest first: the last one not replaying another is the first admitted.
            let listed = journal.list(&by_hub_id)?;
            let Some(first) = listed
                .iter()
                .rev()
                .find(|delivery| delivery.original_id.is_none())
                .or(listed.last())
            else {
                return Ok(None);
            };
            journal.get(&first.id)
        })
        .await;
    match found {
        Ok(Some(delivery)) => Ok(delivery),
        Ok(None) => Err(answers::NO_SUCH_DELIVERY.into_response()),
        Err(error) => Err(journal_failed(&error)),
    }
}

/// `GET /api/deliveries/{id}`: one delivery, without its body.
pub(crate) async fn show(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    match fetch(deliveries, id).await {
        Ok(delivery) => answers::json(StatusCode::OK, &serde_json::json!(delivery)),
        Err(response) => response,
    }
}

/// `GET /api/deliveries/{id}/body`: the body as it was received.
pub(crate) async fn body(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    match fetch(deliveries, id).await {
        Ok(delivery) => json_response(StatusCode::OK, delivery.body),
        Err(response) => response,
    }
}

/// `DELETE /api/deliveries/{id}`.
pub(crate) async fn delete(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    let id = id.to_owned();
    match deliveries.run(move |journal| journal.delete(&id)).await {
        Ok(true) => answers::json(StatusCode::OK, &serde_json::json!({ "deleted": true })),
        Ok(false) => answers::NO_SUCH_DELIVERY.into_response(),
        Err(error) => journal_failed(&error),
    }
}

/// `POST /api/deliveries/{id}/replay`: runs the handler again on a delivery's request, as a new
/// delivery linked to the original: in the background for background endpoints, at once for the
/// others.
pub(crate) async fn replay(
    deliveries: &Deliveries,
    routes: &Routes,
    expose_errors: bool,
    id: &str,
) -> WebhookResponse {
    let original = match fetch(deliveries, id).await {
        Ok(original) => original,
        Err(response) => return response,
    };
    let Some(route) = routes.by_journal_key(&original.endpoint) else {
        return answers::ENDPOINT_GONE.into_response();
    };
    let original_id = original.id.clone();
    let mut replay = DeliveryRecord::replay_of(original, route);
    if route.mode.is_background() {
        let id = replay.id.clone();
        return match deliveries.enqueue(route.id, replay, false).await {
            Ok(Enqueued::Queued) => answers::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "delivery_id": id, "status": "queued", "replay_of": original_id }),
            ),
            Ok(Enqueued::BacklogFull(waiting)) => answers::backlog_full(&route.route_path, waiting),
            // Replays are not checked for duplicates; were one found, its id is the answer.
            Ok(Enqueued::Duplicate { original, .. }) => answers::json(
                StatusCode::OK,
                &serde_json::json!({ "delivery_id": original, "status": "duplicate" }),
            ),
            Err(error) => answers::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
        };
    }
    let started = Instant::now();
    let invocation = invoke(route, replay.to_request(), expose_errors).await;
    replay.attempts = 1;
    replay.settle(&invocation, started);
    let answer = serde_json::json!({
        "delivery_id": replay.id,
        "status": replay.status,
        "replay_of": original_id,
        "response_status": invocation.response.status().as_u16(),
    });
    deliveries.record_later(replay);
    answers::json(StatusCode::OK, &answer)
}
