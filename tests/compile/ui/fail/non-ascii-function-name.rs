use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
fn réentraîner() {}

fn main() {}
