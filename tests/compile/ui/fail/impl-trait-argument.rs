use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
fn handle(_body: impl serde::de::DeserializeOwned) {}

fn main() {}
