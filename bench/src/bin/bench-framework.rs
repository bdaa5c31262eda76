//! This framework, as a user writes it: one endpoint taking the payload, the secret set.

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// The benchmark's endpoint.
#[webhook_endpoint]
async fn test_webhook(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope })
}

fn main() -> Result<(), webhooks_runtime::Error> {
    // BENCH_JOURNAL=off measures the server without its delivery journal.
    let journal = std::env::var("BENCH_JOURNAL").map_or(true, |value| value != "off");
    let builder = WebhooksServer::builder()
        .webhook_secret(webhooks_bench::SECRET)
        .addr(webhooks_bench::addr())
        .print_start_messages(false)
        .journal(journal);
    // With the journal, a background endpoint too: `bench/journal.py` times its 202s while
    // ordinary deliveries load the server.
    let builder = if journal {
        builder.add_background_webhook("background_webhook", |_: WebhookPayload| async {})
    } else {
        builder
    };
    builder.build()?.run()
}
