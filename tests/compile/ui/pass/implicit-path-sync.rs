use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint]
fn say_hello() -> &'static str {
    "hello"
}

fn main() {
    let endpoints = webhooks_runtime::server::registered_endpoints().unwrap();
    assert_eq!(endpoints[0].path(), "say_hello");
    assert_eq!(endpoints[0].doc(), "");
    assert!(matches!(endpoints[0].handler(), webhooks_runtime::__private::Handler::Blocking(_)));
    // Still callable from the user's own code.
    assert_eq!(say_hello(), "hello");
}
