//! Deliveries that are never lost: background handling with retries, the journal, duplicates, and
//! the delivery API.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use crate::common::{api, record_when};
use webhooks_runtime::http::StatusCode;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::{TestResponse, TestServer};
use webhooks_runtime::{WebhookPayload, WebhooksServer, WebhooksServerBuilder, webhook_endpoint};
use webhooks_tests::eventually::{PATIENCE, eventually, poll};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

const SECRET: &str = "delivery-secret";
const BODY: &str = include_str!("../../../fixtures/07-repo-create-model.json");

static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

/// Fails twice, then succeeds.
#[webhook_endpoint(background)]
async fn flaky(payload: WebhookPayload) -> Result<Value, String> {
    match FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) {
        0 | 1 => Err("the training cluster is busy".to_owned()),
        _ => Ok(json!({ "scope": payload.event.scope })),
    }
}

static BROKEN: AtomicBool = AtomicBool::new(true);

/// Panics until the fault is fixed: a panic counts as a failed attempt.
#[webhook_endpoint(background)]
fn fragile(_payload: WebhookPayload) {
    assert!(
        !BROKEN.load(Ordering::SeqCst),
        "the model registry rejected the upload"
    );
}

static HANDLED: Mutex<Option<HashMap<String, u32>>> = Mutex::new(None);

/// Counts how many times each webhook id is handled.
#[webhook_endpoint(background)]
async fn counted(payload: WebhookPayload) {
    let mut handled = HANDLED.lock().unwrap();
    *handled
        .get_or_insert_with(HashMap::new)
        .entry(payload.webhook.id)
        .or_default() += 1;
}

static SEEN_IDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the delivery id it is given.
#[webhook_endpoint(background)]
fn remembers_its_id(request: webhooks_runtime::WebhookRequest) {
    let id = request.headers()[webhooks_runtime::headers::DELIVERY_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    SEEN_IDS.lock().unwrap().push(id);
}

/// An ordinary endpoint, journaled too.
#[webhook_endpoint]
async fn ordinary(payload: WebhookPayload) -> String {
    payload.repo.name
}

async fn server() -> TestServer {
    TestServer::with(
        builder()
            .webhook_secret(SECRET)
            .admin_token("admin-token")
            .retry_backoff(Duration::from_millis(20))
            .background_attempts(3),
    )
    .await
}

fn delivery_id(response: &TestResponse) -> String {
    response.json::<Value>()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_handler_that_fails_twice_then_succeeds_ends_done_after_three_attempts() {
    let server = server().await;
    let response = server
        .post("/webhooks/flaky")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.json::<Value>()["status"], "queued");
    let record = record_when(&server, &delivery_id(&response), |record| {
        record["status"] == "done"
    })
    .await;
    assert_eq!(record["attempts"], 3);
    assert_eq!(record["last_error"], "the training cluster is busy");
    assert_eq!(
        (record["scope"].as_str(), record["repo"].as_str()),
        (Some("repo"), Some("acme-ml/resnet50-finetuned-tickets"))
    );
}

#[tokio::test]
async fn a_handler_that_always_fails_ends_dead_and_a_replay_after_the_fix_ends_done() {
    let server = server().await;
    let response = server
        .post("/webhooks/fragile")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    let id = delivery_id(&response);
    let record = record_when(&server, &id, |record| record["status"] == "dead").await;
    assert_eq!(record["attempts"], 3);
    let error = record["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("the handler panicked: the model registry rejected the upload"),
        "{error}"
    );

    BROKEN.store(false, Ordering::SeqCst);
    let replay = server
        .post(&format!("/api/deliveries/{id}/replay"))
        .header("authorization", "Bearer admin-token")
        .send()
        .await;
    assert_eq!(replay.status(), StatusCode::ACCEPTED, "{}", replay.text());
    let answer: Value = replay.json();
    assert_eq!(answer["replay_of"], id.as_str());
    let replayed = record_when(&server, answer["delivery_id"].as_str().unwrap(), |record| {
        record["status"] == "done"
    })
    .await;
    assert_eq!(replayed["original_id"], id.as_str());
    assert_eq!(replayed["attempts"], 1);
}

#[tokio::test]
async fn a_body_that_does_not_fit_is_refused_at_once_and_not_queued() {
    let server = server().await;
    let response = server
        .post("/webhooks/flaky")
        .body("{}")
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed: Value = api(
        &server,
        "/api/deliveries?endpoint=/webhooks/flaky&status=queued",
    )
    .await
    .json();
    assert_eq!(listed["deliveries"], json!([]));
}

#[tokio::test]
async fn under_concurrent_load_every_delivery_is_handled_exactly_once_and_duplicates_are_answered()
{
    let server = server().await;
    let bodies: Vec<String> = (0..40)
        .map(|n| BODY.replace("66b1f3aa0c9e8d7f6a5b4c3d", &format!("load-{n:04}")))
        .collect();
    let mut ids = Vec::new();
    for response in post_at_once(&server, "/webhooks/counted", &bodies).await {
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        ids.push(delivery_id(&response));
    }
    for id in &ids {
        record_when(&server, id, |record| record["status"] == "done").await;
    }
    let handled = HANDLED.lock().unwrap().clone().unwrap_or_default();
    assert_eq!(handled.len(), 40);
    assert!(handled.values().all(|&count| count == 1), "{handled:?}");

    // A proxy's retry sends the latest event's bytes again: answered, not handled again.
    let latest = (0..ids.len()).max_by_key(|&n| &ids[n]).unwrap();
    let again = server
        .post("/webhooks/counted")
        .body(bodies[latest].clone())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Value>(),
        json!({ "delivery_id": ids[latest], "status": "duplicate" })
    );
    let key = format!("load-{latest:04}");
    assert_eq!(HANDLED.lock().unwrap().as_ref().unwrap()[&key], 1);

    // An older event's bytes after later events about the same repo are a new event (a setting
    // switched back, or a replay asked for on the Hub): handled again.
    let older = (latest + 1) % ids.len();
    let replayed = server
        .post("/webhooks/counted")
        .body(bodies[older].clone())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(replayed.status(), StatusCode::ACCEPTED);
    let id = delivery_id(&replayed);
    record_when(&server, &id, |record| record["status"] == "done").await;
    let key = format!("load-{older:04}");
    assert_eq!(HANDLED.lock().unwrap().as_ref().unwrap()[&key], 2);
}

#[tokio::test]
async fn ordinary_deliveries_are_journaled_and_their_body_can_be_fetched_and_deleted() {
    let server = server().await;
    let response = server
        .post("/webhooks/ordinary")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.text(), "acme-ml/resnet50-finetuned-tickets");
    // Ordinary deliveries are written in batches, off the response path: wait for the batch.
    let record = eventually("the ordinary delivery journaled", async || {
        let listed: Value = api(&server, "/api/deliveries?endpoint=/webhooks/ordinary")
            .await
            .json();
        listed["deliveries"].get(0).cloned()
    })
    .await;
    assert_eq!(record["status"], "done");
    assert_eq!(record["action"], "create");
    assert!(record["headers"].to_string().contains("content-type"));
    assert!(
        !record.to_string().contains(SECRET),
        "the secret is not journaled: {record}"
    );
    let id = record["id"].as_str().unwrap();

    let body = api(&server, &format!("/api/deliveries/{id}/body")).await;
    assert_eq!(
        body.text(),
        BODY,
        "the body is kept byte for byte, to save as a fixture"
    );

    let deleted = server
        .request(
            webhooks_runtime::http::Method::DELETE,
            &format!("/api/deliveries/{id}"),
        )
        .header("authorization", "Bearer admin-token")
        .send()
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        api(&server, &format!("/api/deliveries/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn with_an_admin_token_only_the_token_opens_the_delivery_api() {
    let server = server().await;
    let no_credential = server.get("/api/deliveries").send().await;
    assert_eq!(no_credential.status(), StatusCode::UNAUTHORIZED);
    // The webhook secret travels with every delivery: with a token set, it opens nothing.
    let secret = server.get("/api/deliveries").secret(SECRET).send().await;
    assert_eq!(secret.status(), StatusCode::UNAUTHORIZED);
    assert!(
        secret.text().contains("Authorization: Bearer"),
        "{}",
        secret.text()
    );
    let secret_as_bearer = server
        .get("/api/deliveries")
        .header("authorization", &format!("Bearer {SECRET}"))
        .send()
        .await;
    assert_eq!(secret_as_bearer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        api(&server, "/api/deliveries").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn without_an_admin_token_the_webhook_secret_opens_the_delivery_api() {
    let server = TestServer::with(builder().webhook_secret(SECRET)).await;
    let wrong = server.get("/api/deliveries").secret("nope").send().await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    for request in [
        server.get("/api/deliveries").secret(SECRET),
        server
            .get("/api/deliveries")
            .header("authorization", &format!("Bearer {SECRET}")),
    ] {
        assert_eq!(request.send().await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn without_any_credential_the_api_is_served_on_loopback_only() {
    let open_locally = TestServer::with(builder()).await;
    assert_eq!(
        open_locally.get("/api/deliveries").send().await.status(),
        StatusCode::OK
    );

    // Not bound: the service alone, configured for every interface.
    let dir = std::env::temp_dir().join(format!("webhooks-api-public-{}", std::process::id()));
    let service = builder()
        .read_environment(false)
        .host("0.0.0.0".parse().unwrap())
        .data_dir(&dir)
        .build()
        .unwrap()
        .into_service()
        .unwrap();
    let request = webhooks_runtime::http::Request::get("/api/deliveries")
        .body(Default::default())
        .unwrap();
    let response = service.handle(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(response.body()).contains("Set WEBHOOKS_ADMIN_TOKEN"));
    drop(service);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_saved_body_replays_against_the_server_in_one_line() {
    let server = server().await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/02-upstream-test-discussion-create.json"
    );
    let response = server
        .post_file("/webhooks/ordinary", fixture)
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.text(), "gpt2");
}

#[tokio::test]
async fn a_background_handler_gets_its_delivery_id() {
    let server = server().await;
    let response = server
        .post("/webhooks/remembers_its_id")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    let id = delivery_id(&response);
    record_when(&server, &id, |record| record["status"] == "done").await;
    assert_eq!(*SEEN_IDS.lock().unwrap(), [id]);
}

/// The scheduling policy (`SCHED_IDLE` is 5) of this process's journal writer threads.
#[cfg(target_os = "linux")]
fn journal_writer_policies() -> Vec<u32> {
    let mut policies = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != "webhooks-journa" {
            continue;
        }
        let sched = std::fs::read_to_string(task.path().join("sched")).unwrap_or_default();
        let policy: Option<u32> = sched
            .lines()
            .find(|line| line.starts_with("policy"))
            .and_then(|line| line.rsplit(':').next())
            .and_then(|value| value.trim().parse().ok());
        policies.extend(policy);
    }
    policies
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_journal_writer_runs_at_idle_priority_so_requests_come_first() {
    let _server = server().await;
    eventually(
        "every journal writer thread at SCHED_IDLE (5)",
        async || {
            let policies = journal_writer_policies();
            (!policies.is_empty() && policies.iter().all(|&policy| policy == 5)).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn handlers_that_never_return_time_out_instead_of_stopping_their_endpoint() {
    // More deliveries than the endpoint runs at once (4): before background handlers had a
    // timeout, the first four held every worker for good and the rest never ran.
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_background_webhook("stuck", |_: WebhookPayload| std::future::pending::<()>())
            .background_timeout(Duration::from_millis(50))
            .retry_backoff(Duration::from_millis(10))
            .background_attempts(2),
    )
    .await;
    let mut ids = Vec::new();
    for index in 0..6 {
        let mut body: Value = webhooks_runtime::serde_json::from_str(BODY).unwrap();
        body["webhook"]["id"] = json!(format!("stuck-{index}"));
        let response = server
            .post("/webhooks/stuck")
            .body(body.to_string())
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        ids.push(
            response.json::<Value>()["delivery_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        let record = record_when(&server, id, |record| record["status"] == "dead").await;
        assert_eq!(record["attempts"], 2, "{record}");
        assert_eq!(
            record["last_error"], "the handler did not finish in time",
            "{record}"
        );
    }
}

/// Polls (bounded) until nothing is queued or running and at most `limit` deliveries are kept;
/// how many are kept then, or in the end when that does not happen within the patience.
async fn kept_once_settled(server: &TestServer, limit: usize) -> usize {
    // Whether any delivery is queued or running, and how many are kept.
    let listing = async || {
        let listed: Value = api(server, "/api/deliveries?limit=1000").await.json();
        let deliveries = listed["deliveries"].as_array().unwrap();
        let busy = deliveries
            .iter()
            .any(|d| d["status"] == "queued" || d["status"] == "running");
        (busy, deliveries.len())
    };
    let settled = poll(PATIENCE, async || {
        let (busy, kept) = listing().await;
        (!busy && kept <= limit).then_some(kept)
    })
    .await;
    match settled {
        Some(kept) => kept,
        None => listing().await.1,
    }
}

/// Posts each of `bodies` to `path` with the secret, all at once (each on its own task); the
/// answers, in the order of `bodies`.
async fn post_at_once(server: &TestServer, path: &str, bodies: &[String]) -> Vec<TestResponse> {
    let posts: Vec<_> = bodies
        .iter()
        .map(|body| tokio::spawn(server.post(path).body(body.clone()).secret(SECRET).send()))
        .collect();
    let mut answers = Vec::new();
    for post in posts {
        answers.push(post.await.unwrap());
    }
    answers
}

async fn post_distinct(server: &TestServer, path: &str, count: usize) {
    for index in 0..count {
        let mut body: Value = webhooks_runtime::serde_json::from_str(BODY).unwrap();
        body["webhook"]["id"] = json!(format!("retention-{index}"));
        let response = server
            .post(path)
            .body(body.to_string())
            .secret(SECRET)
            .send()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::ACCEPTED,
            "{}",
            response.text()
        );
    }
}

fn background_server() -> WebhooksServerBuilder {
    builder()
        .include_registered(false)
        .webhook_secret(SECRET)
        .admin_token("admin-token")
        .add_background_webhook("work", |_: WebhookPayload| async {})
}

#[tokio::test]
async fn retention_applies_with_background_traffic_alone() {
    let server =
        TestServer::with(background_server().retention(10, Duration::from_secs(3600))).await;
    post_distinct(&server, "/webhooks/work", 30).await;
    let kept = kept_once_settled(&server, 10).await;
    assert!(kept <= 10, "{kept} kept with a limit of 10");
}

#[tokio::test]
async fn retention_caps_the_bytes_bodies_take() {
    let server = TestServer::with(
        background_server()
            .retention(100, Duration::from_secs(3600))
            .retention_bytes(3 * BODY.len() as u64),
    )
    .await;
    post_distinct(&server, "/webhooks/work", 20).await;
    let kept = kept_once_settled(&server, 3).await;
    assert!(
        kept <= 3,
        "{kept} bodies of about {} bytes kept within {} bytes",
        BODY.len(),
        3 * BODY.len()
    );
}

#[tokio::test]
async fn a_full_backlog_is_refused_with_503_and_shown_by_the_health_check() {
    let server = TestServer::with(
        background_server()
            .add_background_webhook("stuck", |_: WebhookPayload| std::future::pending::<()>())
            .background_backlog(3),
    )
    .await;
    post_distinct(&server, "/webhooks/stuck", 3).await;
    let refused = server
        .post("/webhooks/stuck")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        refused.json::<Value>()["error"],
        "Service Unavailable: /webhooks/stuck has 3 deliveries waiting, its limit; send it again later"
    );
    let health: Value = server.get("/healthz").send().await.json();
    assert_eq!(health, json!({ "status": "ok", "backlog": 3 }));
    // Other endpoints are not held up by it.
    post_distinct(&server, "/webhooks/work", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copies_posted_at_once_are_one_delivery() {
    let server = TestServer::with(background_server()).await;
    let mut body: Value = webhooks_runtime::serde_json::from_str(BODY).unwrap();
    body["webhook"]["id"] = json!("posted-at-once");
    let body = body.to_string();
    // Sent at once, each on its own task.
    let answers = post_at_once(&server, "/webhooks/work", &vec![body; 10]).await;
    let accepted = answers
        .iter()
        .filter(|answer| answer.status() == StatusCode::ACCEPTED)
        .count();
    let duplicates: Vec<Value> = answers
        .iter()
        .filter(|answer| answer.status() == StatusCode::OK)
        .map(|answer| answer.json())
        .collect();
    assert_eq!(accepted, 1, "one of ten identical copies is queued");
    assert_eq!(duplicates.len(), 9);
    assert!(
        duplicates
            .iter()
            .all(|answer| answer["status"] == "duplicate")
    );
}

#[tokio::test]
async fn a_store_of_ones_own_replaces_sqlite() {
    let server = TestServer::with(
        background_server().journal_store(webhooks_runtime::deliveries::MemoryJournal::new()),
    )
    .await;
    let response = server
        .post("/webhooks/work")
        .body(BODY)
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = response.json::<Value>()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    record_when(&server, &id, |record| record["status"] == "done").await;
}

static LONG_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test]
async fn a_lease_shorter_than_a_second_is_refused() {
    let error = builder()
        .include_registered(false)
        .delivery_lease(Duration::from_millis(300))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("the delivery lease must be at least 1 second, not 300ms"),
        "{error}"
    );
}

#[tokio::test]
async fn heartbeats_keep_a_long_handler_from_being_run_twice() {
    // Claims hold 1 s (the shortest lease) without a heartbeat; the handler takes 2.5 s. Deliveries posted
    // meanwhile make the worker claim (and rescue lapsed leases) again and again.
    let server = TestServer::with(
        background_server()
            .add_background_webhook("long", |payload: WebhookPayload| async move {
                if payload.webhook.id == "long" {
                    LONG_RUNS.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2_500)).await;
                }
            })
            .delivery_lease(Duration::from_secs(1)),
    )
    .await;
    let mut body: Value = webhooks_runtime::serde_json::from_str(BODY).unwrap();
    body["webhook"]["id"] = json!("long");
    let response = server
        .post("/webhooks/long")
        .body(body.to_string())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = response.json::<Value>()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually("the long handler started", async || {
        (LONG_RUNS.load(Ordering::SeqCst) != 0).then_some(())
    })
    .await;
    for index in 0..5 {
        // Spaced so that, together, they outlast the lease: a lapsed claim would be rescued.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut other: Value = webhooks_runtime::serde_json::from_str(BODY).unwrap();
        other["webhook"]["id"] = json!(format!("short-{index}"));
        let response = server
            .post("/webhooks/long")
            .body(other.to_string())
            .secret(SECRET)
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let record = record_when(&server, &id, |record| record["status"] == "done").await;
    assert_eq!(record["attempts"], 1, "{record}");
    assert_eq!(LONG_RUNS.load(Ordering::SeqCst), 1);
}

static ONCE_RUNS: AtomicU32 = AtomicU32::new(0);

#[tokio::test]
async fn an_ordinary_endpoint_that_drops_duplicates_runs_copies_posted_at_once_once() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .webhook_secret(SECRET)
            .admin_token("admin-token")
            .add_webhook("once", |_: WebhookPayload| async {
                ONCE_RUNS.fetch_add(1, Ordering::SeqCst);
                // Long enough for every copy to arrive while the first one runs.
                tokio::time::sleep(Duration::from_millis(300)).await;
                json!({ "ran": true })
            })
            .dedupe("once", true),
    )
    .await;
    let copies = vec![BODY.to_owned(); 5];
    let mut ran = 0;
    let mut duplicates = Vec::new();
    for response in post_at_once(&server, "/webhooks/once", &copies).await {
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.json::<Value>();
        if body == json!({ "ran": true }) {
            ran += 1;
        } else {
            assert_eq!(body["status"], "duplicate", "{body}");
            duplicates.push(body["delivery_id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!((ran, duplicates.len()), (1, 4));
    assert_eq!(ONCE_RUNS.load(Ordering::SeqCst), 1);
    // The original is recorded as done once its handler returned (written in the background).
    record_when(&server, &duplicates[0], |record| record["status"] == "done").await;
}
