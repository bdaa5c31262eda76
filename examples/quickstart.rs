//! Run with `cargo run --example quickstart`.
//!
//! Parses the Hub's "pull request opened" payload and prints what a handler would see.

use webhooks_runtime::WebhookPayload;

const BODY: &str = include_str!("../fixtures/01-docs-discussion-create-pr-with-comment.json");

fn main() -> Result<(), webhooks_runtime::PayloadError> {
    let payload: WebhookPayload = BODY.parse()?;
    println!(
        "{} on {} {}",
        payload.event.action,
        payload.event.scope,
        payload.repo.full_id()
    );
    println!("pull request #{:?}", payload.pr_num());
    Ok(())
}
