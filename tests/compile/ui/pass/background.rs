use webhooks_runtime::__private::DeliveryMode;
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Runs after the delivery is journaled.
#[webhook_endpoint(background)]
async fn later(_payload: WebhookPayload) {}

#[webhook_endpoint("/at/once", background)]
fn blocking_later() {}

fn main() {
    let endpoints = webhooks_runtime::server::registered_endpoints().unwrap();
    assert!(endpoints.iter().all(|endpoint| endpoint.delivery_mode() == DeliveryMode::Background));
    // The argument check refuses a body that does not fit, without running the handler.
    let later = endpoints.iter().find(|endpoint| endpoint.path() == "later").unwrap();
    let request = webhooks_runtime::WebhookRequest::new(
        webhooks_runtime::http::Method::POST,
        "/webhooks/later".parse().unwrap(),
        webhooks_runtime::http::HeaderMap::new(),
        "{}".into(),
    );
    assert_eq!((later.check())(&request).unwrap_err().status(), 422);
}
