use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint("hello", path = "bonjour")]
fn handle() {}

fn main() {}
