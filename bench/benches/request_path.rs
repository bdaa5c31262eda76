//! The per-request path without sockets (route lookup, secret check, body, parse, handler,
//! response), for one endpoint and for the realistic program's dozen with the journal on, and
//! the payload parser on every fixture. `taskset -c 0 cargo bench -p webhooks-bench`: on one
//! core, as the load benchmark pins the servers (`BENCHMARKS.md` says why).

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented public function"
)]
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::http::Request;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::server::WebhooksService;
use webhooks_runtime::{WebhookPayload, WebhooksServer};

#[path = "../src/realistic_endpoints.rs"]
mod realistic;

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
    bench_discussion_create(c, "request_path/discussion_create", &runtime, &service);
    let body = fixture("02-upstream-test-discussion-create.json");
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

/// The realistic program (`bench-realistic`), its journal in a folder of its own, called as the
/// server would: the user-space part of what `bench/run.py` measures for it, with less noise.
fn realistic_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let data_dir = std::env::temp_dir().join(format!("webhooks-criterion-{}", std::process::id()));
    let service = WebhooksServer::builder()
        .read_environment(false)
        .webhook_secret(webhooks_bench::SECRET)
        .data_dir(&data_dir)
        .dedupe(realistic::DEDUPLICATED, true)
        .build()
        .expect("server");
    let service = runtime
        .block_on(async { service.into_service() })
        .expect("service");
    bench_discussion_create(
        c,
        "request_path/realistic_discussion_create",
        &runtime,
        &service,
    );
    drop(service);
    drop(runtime);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Benchmarks `service` answering the Hub's "create discussion" body at `/webhooks/test_webhook`,
/// after checking it answers `{"scope": "discussion"}`.
fn bench_discussion_create(
    c: &mut Criterion,
    name: &str,
    runtime: &tokio::runtime::Runtime,
    service: &WebhooksService,
) {
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
    c.bench_function(name, |b| {
        b.iter_batched(
            request,
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

criterion_group!(benches, request_path, realistic_path, parse_fixtures);
criterion_main!(benches);
