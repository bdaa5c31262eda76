use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint(background, background)]
fn handle() {}

fn main() {}
