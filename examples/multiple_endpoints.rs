//! Run with `cargo run --example multiple_endpoints`.
//!
//! Several endpoints in one server, each its own function: one for datasets, one for community
//! events, one that does blocking work on a plain `fn`.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{Scope, WebhookPayload, webhook_endpoint};

/// Retrain when a dataset's content changes.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> Value {
    let is_content_update = payload.event.known_scope() == Some(Scope::RepoContent);
    json!({ "processed": is_content_update, "dataset": payload.repo.name })
}

/// Answer a comment that mentions the bot.
#[webhook_endpoint]
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
