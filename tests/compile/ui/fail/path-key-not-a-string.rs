use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint(path = say_hello)]
fn handle() {}

fn main() {}
