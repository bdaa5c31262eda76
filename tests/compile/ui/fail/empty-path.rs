use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint("/")]
fn handle() {}

#[webhook_endpoint(path = "")]
fn other() {}

fn main() {}
