use webhooks_runtime::{WebhookPayload, webhook_endpoint};

/// Retrain when a dataset changes.
///
/// Not on the landing page.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> webhooks_runtime::serde_json::Value {
    webhooks_runtime::serde_json::json!({ "scope": payload.event.scope })
}

fn main() {
    let endpoints = webhooks_runtime::server::registered_endpoints().unwrap();
    assert_eq!(endpoints.len(), 1);
    let endpoint = endpoints[0];
    assert_eq!(endpoint.path(), "trigger_training");
    assert_eq!(endpoint.route(), "/webhooks/trigger_training");
    assert_eq!(endpoint.function(), "trigger_training");
    assert_eq!(endpoint.doc(), "Retrain when a dataset changes.");
    assert!(endpoint.file().ends_with("implicit-path-async.rs"), "{}", endpoint.file());
    assert_eq!(endpoint.line(), 7);
    assert!(matches!(endpoint.handler(), webhooks_runtime::__private::Handler::Async(_)));
    // The original function is still there, unchanged.
    let _future = trigger_training;
}
