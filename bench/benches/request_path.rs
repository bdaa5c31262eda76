//! The per-request path without sockets (route lookup, secret check, body, parse, handler,
//! response) and the payload parser on every fixture. `cargo bench -p webhooks-bench`.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented public function"
)]
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::http::Request;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, WebhooksServer};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");

fn fixture(name: &str) -> Bytes {
    Bytes::from(std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture"))
}

fn request_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let service = WebhooksServer::builder()
        .read_environment(false)
        .include_registered(false)
        .webhook_secret(webhooks_bench::SECRET)
        .add_webhook("test_webhook", |payload: WebhookPayload| async move {
            json!({ "scope": payload.event.scope })
        })
        .journal(false)
        .build()
        .expect("server")
        .into_service()
        .expect("service");
    let body = fixture("02-upstream-test-discussion-create.json");
    let request = || {
        Request::post("/webhooks/test_webhook")
            .header("content-type", "application/json")
            .header("x-webhook-secret", webhooks_bench::SECRET)
            .body(body.clone())
            .expect("request")
    };
    let response = runtime.block_on(service.handle(request()));
    assert_eq!(response.status(), 200);
    assert_eq!(
        serde_json_value(response.body()),
        json!({ "scope": "discussion" })
    );

    c.bench_function("request_path/discussion_create", |b| {
        b.iter_batched(
            request,
            |request| runtime.block_on(service.handle(request)),
            BatchSize::SmallInput,
        );
    });
    c.bench_function("request_path/wrong_secret", |b| {
        let wrong = || {
            Request::post("/webhooks/test_webhook")
                .header("x-webhook-secret", "nope")
                .body(body.clone())
                .expect("request")
        };
        b.iter_batched(
            wrong,
            |request| runtime.block_on(service.handle(request)),
            BatchSize::SmallInput,
        );
    });
}

fn serde_json_value(body: &[u8]) -> Value {
    webhooks_runtime::serde_json::from_slice(body).expect("JSON")
}

fn parse_fixtures(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixtures")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    for name in names {
        let body = fixture(&name);
        group.bench_function(name.trim_end_matches(".json"), |b| {
            b.iter(|| WebhookPayload::from_slice(black_box(&body)).expect("parses"));
        });
    }
    group.finish();
}

criterion_group!(benches, request_path, parse_fixtures);
criterion_main!(benches);
