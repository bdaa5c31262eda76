//! Run with `cargo run --example multiple_endpoints`.
//!
//! Several endpoints in one server, each its own function and each for the events it wants: one
//! for pushes to datasets, one for new comments, one that does blocking work on a plain `fn`.
//! Events an endpoint's filter does not take are answered 200 `{"processed": false, …}` without
//! running it.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Retrain when a dataset's main branch moves.
#[webhook_endpoint(
    scope = "repo.content",
    repo_type = "dataset",
    updated_ref = "refs/heads/main"
)]
async fn trigger_training(payload: WebhookPayload) -> Value {
    json!({ "processed": true, "dataset": payload.repo.name })
}

/// Answer a new comment that mentions the bot.
#[webhook_endpoint(scope = "discussion.comment", action = "create")]
async fn discussion_bot(payload: WebhookPayload) -> Value {
    let mentioned = payload
        .comment
        .as_ref()
        .and_then(|comment| comment.content.as_deref())
        .is_some_and(|content| content.contains("@bot"));
    json!({ "processed": mentioned, "pull_request": payload.is_pull_request() })
}

/// Refresh the leaderboard: plain `fn`s run on a blocking thread, so slow I/O is fine here.
#[webhook_endpoint("/leaderboard/update")]
fn update_leaderboard(payload: WebhookPayload) -> Value {
    json!({ "refreshed": payload.repo.full_id() })
}

fn main() -> Result<(), webhooks_runtime::Error> {
    webhooks_runtime::run()
}
