use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
unsafe fn handle() {}

fn main() {}
