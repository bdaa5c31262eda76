use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint(crate = "not a path")]
fn handle() {}

fn main() {}
