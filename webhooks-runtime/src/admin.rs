//! The delivery API: list, inspect, fetch the body of, replay and delete journaled deliveries.
//!
//! `GET /api/deliveries?endpoint=&status=&before=&limit=`, `GET /api/deliveries/{id}`,
//! `GET /api/deliveries/{id}/body`, `POST /api/deliveries/{id}/replay`,
//! `DELETE /api/deliveries/{id}`. It needs the webhook secret (`X-Webhook-Secret`) or the admin
//! token (`Authorization: Bearer <token>`); with neither configured, it is served only when the
//! server listens on loopback.

use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use webhooks_core::WebhookResponse;
use webhooks_core::response::json_response;

use crate::deliveries::Deliveries;
use crate::journal::{DeliveryRecord, DeliveryStatus, ListQuery, new_id, now_ms};
use crate::responses;
use crate::secret::SECRET_HEADER;
use crate::service::App;

/// The path prefix of the delivery API.
pub(crate) const PREFIX: &str = "/api/deliveries";

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

fn json_error(status: StatusCode, message: &str) -> WebhookResponse {
    json_response(
        status,
        Bytes::from(serde_json::json!({ "error": message }).to_string()),
    )
}

fn json(status: StatusCode, value: &serde_json::Value) -> WebhookResponse {
    json_response(status, Bytes::from(value.to_string()))
}

/// Whether the request may use the API.
fn authorize(app: &App, headers: &HeaderMap) -> Result<(), WebhookResponse> {
    let configured = !app.secrets.is_empty() || app.admin_token.is_some();
    if !configured {
        return if app.loopback {
            Ok(())
        } else {
            Err(json_error(
                StatusCode::FORBIDDEN,
                "The delivery API is off: this server is reachable from other machines and has no credential. \
                 Set WEBHOOKS_ADMIN_TOKEN (or a webhook secret) to use it.",
            ))
        };
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    let candidate = bearer.or_else(|| headers.get(SECRET_HEADER).map(|value| value.as_bytes()));
    let Some(candidate) = candidate else {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "Send the webhook secret in X-Webhook-Secret, or the admin token as Authorization: Bearer <token>.",
        ));
    };
    let token_matches = app
        .admin_token
        .as_ref()
        .is_some_and(|token| token.matches(candidate));
    let secret_matches = app.secrets.accepts(candidate);
    if bool::from(
        subtle::Choice::from(u8::from(token_matches))
            | subtle::Choice::from(u8::from(secret_matches)),
    ) {
        Ok(())
    } else {
        Err(json_error(StatusCode::FORBIDDEN, "Invalid credential."))
    }
}

/// Answers a request under [`PREFIX`].
pub(crate) async fn handle(
    app: &App,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> WebhookResponse {
    if let Err(refusal) = authorize(app, headers) {
        return refusal;
    }
    let Some(deliveries) = &app.deliveries else {
        return json_error(StatusCode::NOT_FOUND, "The delivery journal is turned off.");
    };
    let rest = path
        .strip_prefix(PREFIX)
        .unwrap_or_default()
        .trim_end_matches('/');
    let segments: Vec<&str> = rest
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    match (segments.as_slice(), method) {
        ([], &Method::GET) => list(deliveries, query).await,
        ([id], &Method::GET) => show(deliveries, id).await,
        ([id], &Method::DELETE) => delete(deliveries, id).await,
        ([id, "body"], &Method::GET) => body(deliveries, id).await,
        ([id, "replay"], &Method::POST) => replay(app, deliveries, id).await,
        ([] | [_], _) => responses::method_not_allowed("GET, DELETE"),
        ([_, "body"], _) => responses::method_not_allowed("GET"),
        ([_, "replay"], _) => responses::method_not_allowed("POST"),
        _ => responses::NOT_FOUND.into_response(),
    }
}

async fn list(deliveries: &Deliveries, query: Option<&str>) -> WebhookResponse {
    let mut list = ListQuery {
        limit: DEFAULT_PAGE,
        ..ListQuery::default()
    };
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "endpoint" => list.endpoint = Some(value.into_owned()),
            "before" => list.before = Some(value.into_owned()),
            "status" => match DeliveryStatus::parse(&value) {
                Some(status) => list.status = Some(status),
                None => {
                    return json_error(
                        StatusCode::BAD_REQUEST,
                        "Unknown status: use queued, running, done, failed, dead or duplicate.",
                    );
                }
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) => list.limit = limit.clamp(1, MAX_PAGE),
                Err(_) => {
                    return json_error(
                        StatusCode::BAD_REQUEST,
                        "`limit` is a number of deliveries.",
                    );
                }
            },
            _ => {}
        }
    }
    let limit = list.limit;
    match deliveries.run(move |journal| journal.list(&list)).await {
        Ok(found) => {
            let next_before = (found.len() == limit)
                .then(|| found.last().map(|d| d.id.clone()))
                .flatten();
            json(
                StatusCode::OK,
                &serde_json::json!({ "deliveries": found, "next_before": next_before }),
            )
        }
        Err(error) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

async fn fetch(deliveries: &Deliveries, id: &str) -> Result<DeliveryRecord, WebhookResponse> {
    let id = id.to_owned();
    match deliveries.run(move |journal| journal.get(&id)).await {
        Ok(Some(delivery)) => Ok(delivery),
        Ok(None) => Err(json_error(
            StatusCode::NOT_FOUND,
            "No delivery has this id.",
        )),
        Err(error) => Err(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &error.to_string(),
        )),
    }
}

async fn show(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    match fetch(deliveries, id).await {
        Ok(delivery) => json(StatusCode::OK, &serde_json::json!(delivery)),
        Err(response) => response,
    }
}

async fn body(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    match fetch(deliveries, id).await {
        Ok(delivery) => json_response(StatusCode::OK, delivery.body),
        Err(response) => response,
    }
}

async fn delete(deliveries: &Deliveries, id: &str) -> WebhookResponse {
    let id = id.to_owned();
    match deliveries.run(move |journal| journal.delete(&id)).await {
        Ok(true) => json(StatusCode::OK, &serde_json::json!({ "deleted": true })),
        Ok(false) => json_error(StatusCode::NOT_FOUND, "No delivery has this id."),
        Err(error) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// Runs the handler again on a delivery's request, as a new delivery linked to the original: in
/// the background for background endpoints, at once for the others.
async fn replay(app: &App, deliveries: &Deliveries, id: &str) -> WebhookResponse {
    let original = match fetch(deliveries, id).await {
        Ok(original) => original,
        Err(response) => return response,
    };
    let Some(route) = app.routes.find(&original.endpoint) else {
        return json_error(
            StatusCode::CONFLICT,
            "The endpoint of this delivery is no longer served.",
        );
    };
    let mut replay = DeliveryRecord {
        id: new_id(),
        received_at_ms: now_ms(),
        attempts: 0,
        last_error: None,
        latency_ms: None,
        original_id: Some(original.id.clone()),
        next_attempt_at_ms: 0,
        background: route.background,
        dedupe: route.dedupe,
        status: DeliveryStatus::Queued,
        ..original
    };
    if route.background {
        let id = replay.id.clone();
        return match deliveries.enqueue(replay).await {
            Ok(()) => json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "delivery_id": id, "status": "queued", "replay_of": original.id }),
            ),
            Err(error) => json_error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
        };
    }
    let started = Instant::now();
    let (response, outcome) = crate::service::run_now(app, route, replay.to_request()).await;
    replay.attempts = 1;
    replay.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let succeeded = outcome == crate::metrics::Outcome::Handled && response.status().is_success();
    replay.status = if succeeded {
        DeliveryStatus::Done
    } else {
        DeliveryStatus::Failed
    };
    if !succeeded {
        replay.last_error = Some(format!("answered {}", response.status()));
    }
    let answer = serde_json::json!({
        "delivery_id": replay.id,
        "status": replay.status,
        "replay_of": original.id,
        "response_status": response.status().as_u16(),
    });
    deliveries.record_later(replay);
    json(StatusCode::OK, &answer)
}
