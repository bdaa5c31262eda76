//! Run with `cargo run --example custom_server`.
//!
//! The Python guide's custom server: a secret, a landing page of your own, explicit and implicit
//! endpoint names, and an endpoint added without the attribute.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, WebhookRequest, WebhooksServer, webhook_endpoint};

/// Explicit name: served at /webhooks/say_hello.
#[webhook_endpoint("/say_hello")]
async fn hello(_payload: WebhookPayload) -> Value {
    json!({ "message": "hello" })
}

/// Implicit name: served at /webhooks/goodbye.
#[webhook_endpoint]
async fn goodbye(request: WebhookRequest) -> Value {
    json!({ "message": "goodbye", "bytes": request.body().len() })
}

const LANDING_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>My bot</title></head>\
<body><h1>My Hub bot</h1><p>POST Hub webhooks to /webhooks/say_hello, /webhooks/goodbye or /webhooks/ping.</p></body></html>";

fn main() -> Result<(), webhooks_runtime::Error> {
    WebhooksServer::builder()
        // In production, leave this out and set WEBHOOK_SECRET in the environment (a Space secret).
        .webhook_secret("my_secret_key")
        .landing_page(LANDING_PAGE)
        .add_webhook("/ping", |payload: WebhookPayload| async move {
            json!({ "pong": payload.event.scope })
        })
        .build()?
        .run()
}
