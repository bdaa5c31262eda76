use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
fn handle<T: serde::de::DeserializeOwned>(_body: webhooks_runtime::Json<T>) {}

fn main() {}
