//! Run with `cargo run --example quickstart`.
//!
//! The Python guide's first example: retrain a model when a dataset is updated. Point a Hub
//! webhook at the printed URL (or send it an event with `hf-webhooks send`, see the README).

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Trigger a training job when a dataset is updated.
#[webhook_endpoint(scope = "repo.content", repo_type = "dataset")]
async fn trigger_training(payload: WebhookPayload) -> Value {
    println!(
        "dataset {} was updated: a training job would start here",
        payload.repo.name
    );
    json!({ "processed": true })
}

fn main() -> Result<(), webhooks_runtime::Error> {
    webhooks_runtime::run()
}
