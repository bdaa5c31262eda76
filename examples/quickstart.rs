//! Run with `cargo run --example quickstart`.
//!
//! The Python guide's first example: retrain a model when a dataset is updated. Point a Hub
//! webhook at the printed URL (or post a fixture to it with curl, see the README).

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{EventAction, RepoType, WebhookPayload, webhook_endpoint};

/// Trigger a training job when a dataset is updated.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> Value {
    if payload.repo.repo_type == RepoType::Dataset && payload.event.action == EventAction::Update {
        println!(
            "dataset {} was updated: a training job would start here",
            payload.repo.name
        );
        return json!({ "processed": true });
    }
    // Answer 2xx for events you skip: the Hub counts anything else as a failed delivery.
    json!({ "processed": false })
}

fn main() -> Result<(), webhooks_runtime::Error> {
    webhooks_runtime::run()
}
