use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
extern "C" fn handle() {}

fn main() {}
