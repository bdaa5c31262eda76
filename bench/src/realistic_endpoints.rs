//! The realistic program's dozen endpoints (async and plain, every argument kind, event filters,
//! a background one, one that drops duplicates), shared by `bench-realistic` and the criterion
//! bench (`#[path]` modules: a module of the library would register them in every target).

use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::http::HeaderMap;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{Delivery, Json, WebhookPayload, WebhookRequest, webhook_endpoint};

/// The path of the endpoint that drops duplicates: `.dedupe(DEDUPLICATED, true)`.
pub(crate) const DEDUPLICATED: &str = "deduplicated";

/// The endpoint under load: the payload, the headers and the delivery's id; it answers what the
/// other targets answer.
#[webhook_endpoint(scope = "discussion")]
async fn test_webhook(payload: WebhookPayload, headers: HeaderMap, delivery: Delivery) -> Value {
    let _seen = (headers.len(), delivery.attempt());
    json!({ "scope": payload.event.scope })
}

/// Retrain on pushes to a dataset's main branch.
#[webhook_endpoint(
    scope = "repo.content",
    repo_type = "dataset",
    updated_ref = "refs/heads/main"
)]
async fn trigger_training(payload: WebhookPayload) -> Value {
    json!({ "dataset": payload.repo.name })
}

/// Welcome new discussions.
#[webhook_endpoint(scope = "discussion", action = "create")]
fn welcome(payload: WebhookPayload) -> Value {
    json!({ "welcome": payload.discussion.map(|discussion| discussion.num) })
}

/// A plain function on a nested path.
#[webhook_endpoint("leaderboard/update")]
fn update_leaderboard(payload: WebhookPayload) -> String {
    payload.repo.name
}

/// The raw body.
#[webhook_endpoint]
async fn raw(body: Bytes) -> String {
    body.len().to_string()
}

/// The headers only.
#[webhook_endpoint]
fn headers_only(headers: HeaderMap) -> Value {
    json!({ "headers": headers.len() })
}

/// The whole request.
#[webhook_endpoint]
async fn whole_request(request: WebhookRequest) -> String {
    request.uri().to_string()
}

/// A type of the user's.
#[derive(serde::Deserialize)]
struct Event {
    event: Value,
}

/// The body as the user's own type.
#[webhook_endpoint]
async fn typed(Json(event): Json<Event>) -> Value {
    event.event
}

/// Anything, payload or not.
#[webhook_endpoint]
async fn lenient(payload: Option<WebhookPayload>) -> Value {
    json!({ "payload": payload.is_some() })
}

/// Space settings of one owner.
#[webhook_endpoint(scope = "repo.config", repo_type = "space", repo = "acme/*")]
fn space_settings(payload: WebhookPayload) -> Value {
    json!({ "space": payload.repo.name })
}

/// Evaluated in the background.
#[webhook_endpoint(background)]
async fn evaluate(payload: WebhookPayload, delivery: Delivery) -> Result<(), String> {
    let _ = (payload, delivery.attempt());
    Ok(())
}

/// Drops the same body sent twice.
#[webhook_endpoint]
async fn deduplicated(payload: WebhookPayload) -> Value {
    json!({ "repo": payload.repo.name })
}
