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

/// Handled in the background; blocks while the file named by `BLOCK_FILE` exists, so a test can
/// kill the server mid-handler.
#[webhook_endpoint(background)]
fn background_job(payload: WebhookPayload) -> Value {
    if let Some(path) = std::env::var_os("BLOCK_FILE") {
        println!("background job started");
        while std::path::Path::new(&path).exists() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    json!({ "scope": payload.event.scope })
}

fn main() {
    if let Err(error) = webhooks_runtime::run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
