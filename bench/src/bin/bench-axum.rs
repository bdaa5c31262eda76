//! What a user would write by hand without this framework: axum, a secret check, the Hub payload
//! as a typed serde struct (the same `WebhookPayload` type, so both parse the same fields), a JSON
//! answer.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use webhooks_runtime::WebhookPayload;

async fn test_webhook(
    headers: HeaderMap,
    Json(payload): Json<WebhookPayload>,
) -> (StatusCode, Json<Value>) {
    match headers.get("x-webhook-secret") {
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "x-webhook-secret header not set." })),
        ),
        Some(secret) if secret.as_bytes() != webhooks_bench::SECRET.as_bytes() => (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "Invalid webhook secret." })),
        ),
        Some(_) => (
            StatusCode::OK,
            Json(json!({ "scope": payload.event.scope })),
        ),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = axum::Router::new().route("/webhooks/test_webhook", post(test_webhook));
    let listener = tokio::net::TcpListener::bind(webhooks_bench::addr()).await?;
    axum::serve(listener, app).await
}
