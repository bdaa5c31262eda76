//! What must hold for any input: the fuzz targets call these with the fuzzer's bytes, and
//! `tests/fuzz_corpus.rs` calls them with every fixture.

use std::sync::OnceLock;

use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::http::{Method, Request};
use webhooks_runtime::server::WebhooksService;
use webhooks_runtime::{WebhookPayload, WebhooksServer};

/// Parsing never panics, and whatever parses serializes and parses back to the same value.
pub fn check_payload(data: &[u8]) {
    if let Ok(payload) = WebhookPayload::from_slice(data) {
        let written =
            webhooks_runtime::serde_json::to_vec(&payload).expect("a parsed payload serializes");
        let reparsed = WebhookPayload::from_slice(&written).expect("a serialized payload parses");
        assert_eq!(reparsed, payload, "the round trip changed the payload");
    }
}

const SECRET: &str = "fuzz-secret";

struct Harness {
    runtime: tokio::runtime::Runtime,
    service: WebhooksService,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let service = WebhooksServer::builder()
            .read_environment(false)
            .include_registered(false)
            .webhook_secret(SECRET)
            .journal(false)
            .add_webhook("payload", |payload: WebhookPayload| async move {
                payload.event.scope
            })
            .build()
            .expect("the fuzz server builds")
            .into_service()
            .expect("the fuzz service starts");
        Harness { runtime, service }
    })
}

/// The whole request path (routing, secret, body, extraction, handler, response) answers every
/// request with a status below 500 and a body. The first byte picks the method, path and secret.
pub fn check_request(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let method = if selector & 1 == 0 {
        Method::POST
    } else {
        Method::GET
    };
    let path = [
        "/webhooks/payload",
        "/webhooks/payload/",
        "/",
        "/healthz",
        "/webhooks/other",
    ][usize::from(selector >> 1) % 5];
    let mut request = Request::builder().method(method).uri(path);
    match (selector >> 4) % 3 {
        0 => request = request.header("x-webhook-secret", SECRET),
        1 => request = request.header("x-webhook-secret", "wrong"),
        _ => {}
    }
    let request = request
        .body(Bytes::copy_from_slice(body))
        .expect("a valid request");
    let harness = harness();
    let response = harness.runtime.block_on(harness.service.handle(request));
    assert!(
        response.status().as_u16() < 500,
        "{} for {:?}",
        response.status(),
        data
    );
}
