use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint("a b")]
unsafe fn handle<T>(_value: T) {}

fn main() {}
