//! The delivery API over HTTP: the credential, the query string, and each operation's answer.
//!
//! `GET /api/deliveries?endpoint=&status=&webhook_id=&before=&limit=`, `GET /api/deliveries/{id}`
//! (`{id}` the journal's id or the Hub's `Webhook-Id`, here and below),
//! `GET /api/deliveries/{id}/body`, `POST /api/deliveries/{id}/replay`,
//! `DELETE /api/deliveries/{id}`; and a relay's `GET /api/relay/next`. The operations themselves
//! are in `delivery/api.rs`.

use http::{HeaderMap, Request, StatusCode};
use serde_json::json;
use webhooks_core::WebhookResponse;
use webhooks_core::response::json_response;

use crate::answers;
use crate::delivery::Deliveries;
use crate::delivery::api::{self, MAX_PAGE, Replayed};
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus, ListQuery};
use crate::error::JournalError;
use crate::web::app::App;
use crate::web::credentials::authorize_delivery_api;
use crate::web::relay_next;
use crate::web::router::DeliveryOperation;

/// A listing's size when the query does not say.
const DEFAULT_PAGE: usize = 50;

/// Answers a request to the delivery API, its operation as the router decided it.
pub(crate) async fn answer<B>(
    app: &App,
    operation: DeliveryOperation<String>,
    request: Request<B>,
) -> WebhookResponse {
    let response = run(app, operation, request.headers(), request.uri().query()).await;
    tracing::info!(method = %request.method(), path = request.uri().path(), status = response.status().as_u16(), "delivery API");
    response
}

/// Runs an operation, once the credential is checked.
async fn run(
    app: &App,
    operation: DeliveryOperation<String>,
    headers: &HeaderMap,
    query: Option<&str>,
) -> WebhookResponse {
    // Taking a relay's deliveries claims them: refused across origins like the others.
    let changes_state = matches!(
        operation,
        DeliveryOperation::Delete(_)
            | DeliveryOperation::Replay(_)
            | DeliveryOperation::RelayNext(_)
    );
    if let Err(refusal) = authorize_delivery_api(app, headers, changes_state) {
        return refusal;
    }
    let Some(deliveries) = &app.deliveries else {
        return answers::JOURNAL_OFF.into_response();
    };
    match operation {
        DeliveryOperation::List => list(deliveries, query).await,
        DeliveryOperation::Show(id) => match found(deliveries, &id).await {
            Ok(delivery) => answers::json(StatusCode::OK, &json!(delivery)),
            Err(refusal) => refusal,
        },
        DeliveryOperation::Body(id) => match found(deliveries, &id).await {
            Ok(delivery) => json_response(StatusCode::OK, delivery.body),
            Err(refusal) => refusal,
        },
        DeliveryOperation::Delete(id) => match api::delete(deliveries, &id).await {
            Ok(true) => answers::json(StatusCode::OK, &json!({ "deleted": true })),
            Ok(false) => answers::NO_SUCH_DELIVERY.into_response(),
            Err(error) => journal_failed(&error),
        },
        DeliveryOperation::Replay(id) => match found(deliveries, &id).await {
            Ok(original) => replayed(
                api::replay(deliveries, &app.routes, app.expose_handler_errors, original).await,
            ),
            Err(refusal) => refusal,
        },
        DeliveryOperation::RelayNext(route) => {
            relay_next::answer(deliveries, app.routes.get(route), query).await
        }
    }
}

/// 500 with the journal's error.
fn journal_failed(error: &JournalError) -> WebhookResponse {
    answers::error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string())
}

/// `GET /api/deliveries`: a page of deliveries, newest first, with the id to continue from.
async fn list(deliveries: &Deliveries, query: Option<&str>) -> WebhookResponse {
    let query = match list_query(query) {
        Ok(query) => query,
        Err(refusal) => return refusal,
    };
    match api::list(deliveries, query).await {
        Ok(page) => answers::json(
            StatusCode::OK,
            &json!({ "deliveries": page.deliveries, "next_before": page.next_before }),
        ),
        Err(error) => journal_failed(&error),
    }
}

/// The listing's query string, or the 400 that says which parameter is wrong.
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

/// The delivery `id` names, or the 404 or 500 that says why there is none.
async fn found(deliveries: &Deliveries, id: &str) -> Result<DeliveryRecord, WebhookResponse> {
    match api::find(deliveries, id).await {
        Ok(Some(delivery)) => Ok(delivery),
        Ok(None) => Err(answers::NO_SUCH_DELIVERY.into_response()),
        Err(error) => Err(journal_failed(&error)),
    }
}

/// `POST /api/deliveries/{id}/replay`'s answer.
fn replayed(replayed: Replayed) -> WebhookResponse {
    match replayed {
        Replayed::EndpointGone => answers::ENDPOINT_GONE.into_response(),
        Replayed::Queued { id, replay_of } => answers::json(
            StatusCode::ACCEPTED,
            &json!({ "delivery_id": id, "status": "queued", "replay_of": replay_of }),
        ),
        Replayed::BacklogFull {
            route_path,
            waiting,
        } => answers::backlog_full(&route_path, waiting),
        Replayed::Duplicate { original } => answers::json(
            StatusCode::OK,
            &json!({ "delivery_id": original, "status": "duplicate" }),
        ),
        Replayed::NotQueued(error) => {
            answers::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string())
        }
        Replayed::Ran {
            id,
            status,
            replay_of,
            response_status,
        } => answers::json(
            StatusCode::OK,
            &json!({
                "delivery_id": id,
                "status": status,
                "replay_of": replay_of,
                "response_status": response_status,
            }),
        ),
    }
}
