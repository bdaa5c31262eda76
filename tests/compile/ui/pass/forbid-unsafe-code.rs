// A user crate that forbids unsafe code can still register endpoints.
#![forbid(unsafe_code)]

#[webhooks_runtime::webhook_endpoint]
fn safe() {}

fn main() {
    assert_eq!(webhooks_runtime::server::registered_endpoints().unwrap()[0].path(), "safe");
}
