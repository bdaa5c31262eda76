use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
struct Handler;

fn main() {}
