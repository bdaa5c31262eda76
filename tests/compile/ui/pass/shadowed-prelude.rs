// The expansion names `Result`, `Ok`, `Box` by full path, so user items of those names do not
// break it.
#![allow(dead_code)]

struct Result;
struct Ok;
struct Box;
struct Option;

#[webhooks_runtime::webhook_endpoint]
async fn shadowed(_payload: webhooks_runtime::WebhookPayload) {}

fn main() {}
