//! The server the soak test (`soak`) drives: good endpoints, and endpoints that fail on purpose.

use std::time::Duration;

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// The endpoint good traffic goes to.
#[webhook_endpoint]
async fn hub(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope })
}

/// Panics on every request.
#[webhook_endpoint]
async fn panic() -> Value {
    panic!("injected fault")
}

/// Fails on every request.
#[webhook_endpoint]
fn fail() -> Result<Value, String> {
    Err("injected failure".to_owned())
}

/// Takes a while, asynchronously.
#[webhook_endpoint]
async fn slow() -> Value {
    tokio::time::sleep(Duration::from_millis(300)).await;
    json!({ "slow": true })
}

fn main() {
    // Thousands of injected panics would flood stderr with the default hook's messages.
    std::panic::set_hook(Box::new(|_| {}));
    let server = WebhooksServer::builder()
        .header_read_timeout(Duration::from_secs(2))
        .body_read_timeout(Duration::from_secs(2))
        .handler_timeout(Duration::from_secs(5))
        .build();
    if let Err(error) = server.and_then(WebhooksServer::run) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
