use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
const fn handle() {}

fn main() {}
