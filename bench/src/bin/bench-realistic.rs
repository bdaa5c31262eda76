//! A realistic user program: a dozen endpoints of every kind (async and plain, every argument
//! kind, event filters, a background one, one that drops duplicates), the secret set, the
//! journal on. The load goes to `/webhooks/test_webhook`, as for the other targets, so the
//! figures include routing among many endpoints and what the others cost at rest.

#[path = "../realistic_endpoints.rs"]
mod endpoints;

use webhooks_runtime::WebhooksServer;

fn main() -> Result<(), webhooks_runtime::Error> {
    WebhooksServer::builder()
        .webhook_secret(webhooks_bench::SECRET)
        .addr(webhooks_bench::addr())
        .print_start_messages(false)
        .dedupe(endpoints::DEDUPLICATED, true)
        .build()?
        .run()
}
