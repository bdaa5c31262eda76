//! Endpoints defined in a library crate, collected by binaries that link it.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Evaluate a model when it is pushed.
#[webhook_endpoint]
pub async fn evaluate_model(payload: WebhookPayload) -> Value {
    json!({ "evaluating": payload.repo.name })
}

/// Answer pings, from a nested path.
#[webhook_endpoint("library/ping")]
pub fn ping() -> &'static str {
    "pong"
}
