//! The Hub as it delivers since September 2026 (hub-docs PR #2749, #2773): every delivery carries a
//! `Webhook-Id` its retries and replays repeat, and every answer that is not 2xx is retried. The
//! same id runs once; a failed attempt runs again as the next one, under the same delivery id.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::common::{api, record_when};
use webhooks_runtime::http::StatusCode;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::{TestResponse, TestServer};
use webhooks_runtime::{Delivery, WebhookPayload, WebhooksServer, WebhooksServerBuilder};
use webhooks_tests::eventually::eventually;

const SECRET: &str = "hub-secret";
const BODY: &str = include_str!("../../../fixtures/07-repo-create-model.json");

fn builder() -> WebhooksServerBuilder {
    WebhooksServer::builder()
        .include_registered(false)
        .webhook_secret(SECRET)
        .admin_token("admin-token")
        .retry_backoff(Duration::from_millis(20))
}

async fn post(server: &TestServer, path: &str, webhook_id: &str) -> TestResponse {
    server
        .post(path)
        .body(BODY)
        .secret(SECRET)
        .header("webhook-id", webhook_id)
        .send()
        .await
}

static SEEN: Mutex<Vec<(String, u32, Option<String>)>> = Mutex::new(Vec::new());

#[tokio::test]
async fn the_same_webhook_id_twice_runs_once_and_the_repeat_is_counted() {
    let server = TestServer::with(builder().add_webhook(
        "train",
        |delivery: Delivery, _: WebhookPayload| async move {
            let seen = (
                delivery.id().to_owned(),
                delivery.attempt(),
                delivery.webhook_id().map(str::to_owned),
            );
            SEEN.lock().unwrap().push(seen);
            json!({ "ran": true })
        },
    ))
    .await;
    let first = post(&server, "/webhooks/train", "6740f1a2b3c4d5e6f7a8b9c0").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.json::<Value>(), json!({ "ran": true }));
    let again = post(&server, "/webhooks/train", "6740f1a2b3c4d5e6f7a8b9c0").await;
    assert_eq!(again.status(), StatusCode::OK, "{}", again.text());
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (id, attempt, webhook_id) = &seen[0];
    assert_eq!(
        (*attempt, webhook_id.as_deref()),
        (1, Some("6740f1a2b3c4d5e6f7a8b9c0"))
    );
    assert_eq!(
        again.json::<Value>(),
        json!({ "delivery_id": id, "status": "duplicate" })
    );
    // One record, found by either id, with the Hub's id and the repeat on it.
    let record = record_when(&server, "6740f1a2b3c4d5e6f7a8b9c0", |record| {
        record["status"] == "done"
    })
    .await;
    assert_eq!(record["id"], json!(id));
    assert_eq!(record["webhook_id"], "6740f1a2b3c4d5e6f7a8b9c0");
    assert_eq!(record["repeats"], 1);
    let listed: Value = api(
        &server,
        "/api/deliveries?webhook_id=6740f1a2b3c4d5e6f7a8b9c0",
    )
    .await
    .json();
    assert_eq!(
        listed["deliveries"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
}

static FLAKY_CALLS: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

#[tokio::test]
async fn a_failed_attempt_is_retried_as_attempt_2_under_the_same_id() {
    let server = TestServer::with(builder().add_webhook(
        "evaluate",
        |delivery: Delivery| async move {
            let mut calls = FLAKY_CALLS.lock().unwrap();
            calls.push((delivery.id().to_owned(), delivery.attempt()));
            if calls.len() == 1 {
                Err("the GPU queue is full".to_owned())
            } else {
                Ok("evaluated")
            }
        },
    ))
    .await;
    let failed = post(&server, "/webhooks/evaluate", "retry-me").await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // Written off the response path: the Hub's retry comes seconds later.
    record_when(&server, "retry-me", |record| record["status"] == "failed").await;
    let retried = post(&server, "/webhooks/evaluate", "retry-me").await;
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(retried.text(), "evaluated");
    let calls = FLAKY_CALLS.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].0, calls[1].0, "the same delivery id");
    assert_eq!((calls[0].1, calls[1].1), (1, 2));
    let record = record_when(&server, "retry-me", |record| record["status"] == "done").await;
    assert_eq!(record["attempts"], 2);
    assert_eq!(record["id"], json!(calls[0].0));
}

static SLOW_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_copies_at_once_run_once_and_each_is_answered_2xx() {
    let server = TestServer::with(builder().add_webhook("slow", || async {
        SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
        // Every copy arrives while the first runs: they wait for it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        "done"
    }))
    .await;
    let server = std::sync::Arc::new(server);
    let copies: Vec<_> = (0..8)
        .map(|_| {
            let server = std::sync::Arc::clone(&server);
            tokio::spawn(async move { post(&server, "/webhooks/slow", "eight-copies").await })
        })
        .collect();
    let mut ran = 0;
    for copy in copies {
        let answer = copy.await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text());
        if answer.text() == "done" {
            ran += 1;
        } else {
            assert_eq!(answer.json::<Value>()["status"], "duplicate");
        }
    }
    assert_eq!((ran, SLOW_RUNS.load(Ordering::SeqCst)), (1, 1));
}

static BACKGROUND_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test]
async fn a_background_delivery_sent_twice_is_queued_once_with_one_id() {
    let server = TestServer::with(builder().add_background_webhook(
        "index",
        |_: WebhookPayload| async {
            BACKGROUND_RUNS.fetch_add(1, Ordering::SeqCst);
        },
    ))
    .await;
    let first = post(&server, "/webhooks/index", "background-once").await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let id = first.json::<Value>()["delivery_id"].clone();
    record_when(&server, "background-once", |record| {
        record["status"] == "done"
    })
    .await;
    let again = post(&server, "/webhooks/index", "background-once").await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(
        again.json::<Value>(),
        json!({ "delivery_id": id, "status": "done" })
    );
    assert_eq!(BACKGROUND_RUNS.load(Ordering::SeqCst), 1);
}

static UNKEYED: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());

#[tokio::test]
async fn a_malformed_or_huge_webhook_id_is_ignored_and_the_server_gives_its_own() {
    let server = TestServer::with(
        builder().add_webhook("open", |delivery: Delivery| async move {
            let seen = (
                delivery.id().to_owned(),
                delivery.webhook_id().map(str::to_owned),
            );
            UNKEYED.lock().unwrap().push(seen);
        }),
    )
    .await;
    let huge = "x".repeat(10 * 1024);
    for webhook_id in ["two words", "two words", huge.as_str(), huge.as_str()] {
        let answer = post(&server, "/webhooks/open", webhook_id).await;
        assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text());
    }
    let seen = UNKEYED.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "each runs: no id to know them by");
    assert!(seen.iter().all(|(_, webhook_id)| webhook_id.is_none()));
    let mut ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each its own delivery id");
}

static WINDOW_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test]
async fn without_the_journal_recent_ids_still_run_once() {
    let server = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .webhook_secret(SECRET)
            .journal(false)
            .add_webhook("light", |delivery: Delivery| async move {
                WINDOW_RUNS.fetch_add(1, Ordering::SeqCst);
                delivery.id().to_owned()
            }),
    )
    .await;
    let first = post(&server, "/webhooks/light", "no-journal").await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = post(&server, "/webhooks/light", "no-journal").await;
    assert_eq!(
        again.json::<Value>(),
        json!({ "delivery_id": first.text(), "status": "duplicate" })
    );
    assert_eq!(WINDOW_RUNS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_rejected_body_is_journaled_and_with_acknowledge_rejected_answered_200() {
    let server = TestServer::with(
        builder()
            .acknowledge_rejected(true)
            .add_webhook("strict", |_: WebhookPayload| async {}),
    )
    .await;
    let body = BODY.replace("\"version\": 3", "\"version\": 18446744073709551616");
    assert_ne!(body, BODY);
    let answer = server
        .post("/webhooks/strict")
        .body(body)
        .secret(SECRET)
        .header("webhook-id", "cannot-read")
        .send()
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let answer: Value = answer.json();
    assert_eq!(answer["processed"], false);
    let reason = answer["reason"].as_str().unwrap();
    assert!(
        reason.contains("webhook.version"),
        "names the field: {reason}"
    );
    assert!(
        reason.contains(
            "integer `18446744073709551616`, expected a whole number from 0 to 4294967295"
        ),
        "names the range: {reason}"
    );
    let record = record_when(&server, "cannot-read", |record| {
        record["status"] == "failed"
    })
    .await;
    assert!(
        record["last_error"]
            .as_str()
            .unwrap()
            .contains("a whole number"),
        "{record}"
    );
    let stored: Value = api(
        &server,
        &format!("/api/deliveries/{}/body", record["id"].as_str().unwrap()),
    )
    .await
    .json();
    assert_eq!(
        stored["repo"]["name"], "acme-ml/resnet50-finetuned-tickets",
        "the body is kept to replay"
    );
}

static STILL_RUNNING: AtomicU32 = AtomicU32::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_delivery_still_running_past_the_wait_is_a_409_and_runs_nothing() {
    let server = TestServer::with(
        builder()
            .repeat_wait(Duration::from_millis(200))
            .add_webhook("long", || async {
                STILL_RUNNING.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                "done"
            }),
    )
    .await;
    let server = std::sync::Arc::new(server);
    let first = {
        let server = std::sync::Arc::clone(&server);
        tokio::spawn(async move { post(&server, "/webhooks/long", "long-run").await })
    };
    // Once the first runs, the Hub's retry arrives.
    eventually("the handler started", async || {
        (STILL_RUNNING.load(Ordering::SeqCst) != 0).then_some(())
    })
    .await;
    let copy = post(&server, "/webhooks/long", "long-run").await;
    assert_eq!(copy.status(), StatusCode::CONFLICT, "{}", copy.text());
    assert_eq!(copy.headers()["retry-after"], "30");
    let answer: Value = copy.json();
    assert_eq!(answer["status"], "running");
    assert_eq!(first.await.unwrap().text(), "done");
    // Once it is done, the next retry is answered as the same delivery.
    record_when(&server, "long-run", |record| record["status"] == "done").await;
    let later = post(&server, "/webhooks/long", "long-run").await;
    assert_eq!(later.status(), StatusCode::OK);
    assert_eq!(later.json::<Value>()["delivery_id"], answer["delivery_id"]);
    assert_eq!(STILL_RUNNING.load(Ordering::SeqCst), 1);
}

static ABANDONED_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_the_hub_stopped_waiting_for_goes_on_and_its_retry_does_not_run_beside_it() {
    let server = TestServer::with(builder().add_webhook("slow_job", || async {
        ABANDONED_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(800)).await;
        "trained"
    }))
    .await;
    let server = std::sync::Arc::new(server);
    let first = {
        let server = std::sync::Arc::clone(&server);
        tokio::spawn(async move { post(&server, "/webhooks/slow_job", "abandoned").await })
    };
    eventually("the handler started", async || {
        (ABANDONED_RUNS.load(Ordering::SeqCst) != 0).then_some(())
    })
    .await;
    // The Hub gives up waiting: its connection closes while the handler runs.
    first.abort();
    let _ = first.await;
    let retry = post(&server, "/webhooks/slow_job", "abandoned").await;
    assert_eq!(retry.status(), StatusCode::OK, "{}", retry.text());
    assert_eq!(retry.json::<Value>()["status"], "duplicate");
    assert_eq!(ABANDONED_RUNS.load(Ordering::SeqCst), 1, "run once");
    let record = record_when(&server, "abandoned", |record| record["status"] == "done").await;
    assert_eq!(record["attempts"], 1);
}
