//! A user's whole program: endpoints, then `run()`. The process tests start it as a user would.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Retrain when a dataset changes.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope })
}

/// Say hello.
#[webhook_endpoint("/say_hello")]
fn say_hello() -> Value {
    json!({ "message": "hello" })
}

/// Takes a while: says on stdout when it starts, so a test can stop the server mid-request.
#[webhook_endpoint]
fn slow() -> Value {
    println!("slow request started");
    std::thread::sleep(std::time::Duration::from_millis(700));
    json!({ "slow": "done" })
}

fn main() {
    if let Err(error) = webhooks_runtime::run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
