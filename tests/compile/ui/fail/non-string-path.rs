use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint(say_hello)]
fn handle() {}

#[webhook_endpoint(42)]
fn other() {}

fn main() {}
