use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint(route = "hello")]
fn handle() {}

fn main() {}
