//! Event filters with the Hub's real bodies: one Hub webhook, one URL, each handler for the
//! events it wants; events nobody wants answered 200 and recorded as skipped.

use webhooks_runtime::filter::EventFields;
use webhooks_runtime::http::StatusCode;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{
    EventFilter, WebhookPayload, WebhookRequest, WebhooksServer, webhook_endpoint,
};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A fixture with its event changed.
fn with_event(name: &str, scope: &str, action: &str) -> Vec<u8> {
    let mut body: Value = webhooks_runtime::serde_json::from_slice(&fixture(name)).unwrap();
    body["event"] = json!({ "scope": scope, "action": action });
    body.to_string().into_bytes()
}

const PUSH: &str = "05-docs-repo-content-branch-updated-and-tag-created.json";
const NEW_DISCUSSION: &str = "01-docs-discussion-create-pr-with-comment.json";
const CONFIG: &str = "11-docs-repo-config-update-private.json";
const REPO_CREATED: &str = "07-repo-create-model.json";

/// Pushes to main of a model.
#[webhook_endpoint(
    "hub",
    scope = "repo.content",
    repo_type = "model",
    updated_ref = "refs/heads/main"
)]
async fn on_push(payload: WebhookPayload) -> Value {
    json!({ "handled_by": "on_push", "repo": payload.repo.name })
}

/// New discussions and PRs.
#[webhook_endpoint("hub", scope = "discussion", action = "create")]
fn on_new_discussion(payload: WebhookPayload) -> Value {
    json!({ "handled_by": "on_new_discussion", "num": payload.discussion.map(|d| d.num) })
}

/// Settings changes, including narrower scopes the Hub may add.
#[webhook_endpoint("hub", scope = "repo.config", action = "update")]
fn on_config(payload: WebhookPayload) -> Value {
    json!({ "handled_by": "on_config", "scope": payload.event.scope })
}

/// Anything on a repo.
#[webhook_endpoint("both", scope = "repo")]
fn any_repo_event() -> &'static str {
    "any_repo_event ran"
}

/// Anything on a model.
#[webhook_endpoint("both", repo_type = "model")]
async fn any_model_event() -> Value {
    json!({ "ran": "any_model_event" })
}

fn is_private(payload: &WebhookPayload) -> bool {
    payload.repo.private
}

/// Private repos only, by a function of the user's.
#[webhook_endpoint(filter = is_private)]
fn private_only() -> &'static str {
    "private"
}

/// Queued for later, next to one that answers now.
#[webhook_endpoint("mixed", background, scope = "repo.content")]
async fn later(_payload: WebhookPayload) {}

/// Answers now; fails, next to one that succeeds.
#[webhook_endpoint("mixed", scope = "repo")]
fn now(payload: WebhookPayload) -> Result<&'static str, String> {
    if payload.event.scope == "repo.content" {
        Ok("now ran")
    } else {
        Err("not a push".to_owned())
    }
}

/// Queued pushes only.
#[webhook_endpoint(background, scope = "repo.content")]
async fn queued_pushes(_payload: WebhookPayload) {}

async fn server() -> TestServer {
    TestServer::with(builder()).await
}

async fn post(server: &TestServer, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = server.post(path).body(body).send().await;
    (response.status(), response.json())
}

#[tokio::test]
async fn each_event_reaches_the_endpoint_whose_filter_takes_it() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/hub", fixture(PUSH)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["handled_by"], "on_push", "{answer}");
    let (_, answer) = post(&server, "/webhooks/hub", fixture(NEW_DISCUSSION)).await;
    assert_eq!(answer["handled_by"], "on_new_discussion", "{answer}");
    let (_, answer) = post(&server, "/webhooks/hub", fixture(CONFIG)).await;
    assert_eq!(answer["handled_by"], "on_config", "{answer}");
}

#[tokio::test]
async fn a_narrower_scope_with_an_unknown_action_routes_by_the_broader_scope() {
    let server = server().await;
    let dois = with_event(CONFIG, "repo.config.dois", "add");
    let (status, answer) = post(&server, "/webhooks/hub", dois).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "handled_by": "on_config", "scope": "repo.config.dois" })
    );
}

#[tokio::test]
async fn events_nobody_takes_are_answered_200_with_the_reason_and_recorded_as_skipped() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/hub", fixture(REPO_CREATED)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["processed"], false);
    assert_eq!(
        answer["reason"],
        "on_config: scope repo is not repo.config; on_new_discussion: scope repo is not discussion; on_push: scope repo is not repo.content"
    );
    // Alone on its path, an endpoint's reason does not name it.
    let (status, answer) = post(&server, "/webhooks/private_only", fixture(REPO_CREATED)).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "processed": false, "reason": "is_private returned false" })
    );

    let skipped =
        webhooks_tests::eventually::eventually("the skipped delivery journaled", async || {
            let listed: Value = server
                .get("/api/deliveries?status=skipped&endpoint=/webhooks/hub")
                .send()
                .await
                .json();
            listed["deliveries"][0]
                .is_object()
                .then(|| listed["deliveries"][0].clone())
        })
        .await;
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert_eq!(skipped["endpoint"], "/webhooks/hub");
    assert!(
        skipped["last_error"]
            .as_str()
            .unwrap()
            .contains("scope repo is not repo.content")
    );

    let metrics = server.get("/metrics").send().await;
    assert!(
        metrics
            .text()
            .contains("webhooks_skipped_total{endpoint=\"/webhooks/hub\"} 1"),
        "{}",
        metrics.text()
    );
}

#[tokio::test]
async fn a_background_endpoint_does_not_queue_what_its_filter_skips() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/queued_pushes", fixture(REPO_CREATED)).await;
    assert_eq!(status, 200, "200, not 202: nothing was queued");
    assert_eq!(
        answer,
        json!({ "processed": false, "reason": "scope repo is not repo.content" })
    );
    let (status, answer) = post(&server, "/webhooks/queued_pushes", fixture(PUSH)).await;
    assert_eq!(status, 202, "{answer}");
}

#[tokio::test]
async fn every_matching_endpoint_runs_and_the_answer_lists_them() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/both", fixture(REPO_CREATED)).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "processed": true, "handlers": [
            { "endpoint": "any_model_event", "status": 200, "answer": { "ran": "any_model_event" } },
            { "endpoint": "any_repo_event", "status": 200, "answer": "any_repo_event ran" },
        ]})
    );
    // A discussion on a model: only one of them.
    let (_, answer) = post(&server, "/webhooks/both", fixture(NEW_DISCUSSION)).await;
    assert_eq!(answer, json!({ "ran": "any_model_event" }));
}

#[tokio::test]
async fn background_and_immediate_endpoints_share_a_path_each_its_own_delivery() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/mixed", fixture(PUSH)).await;
    assert_eq!(status, 200, "{answer}");
    let handlers = answer["handlers"].as_array().unwrap();
    // In the order of their functions' names.
    assert_eq!(handlers[0]["endpoint"], "later");
    assert_eq!(handlers[0]["status"], 202);
    assert_eq!(handlers[1]["endpoint"], "now");
    assert_eq!(handlers[1]["answer"], "now ran");
    let id = handlers[0]["answer"]["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let record =
        webhooks_tests::eventually::eventually("the background delivery done", async || {
            let record: Value = server
                .get(&format!("/api/deliveries/{id}"))
                .send()
                .await
                .json();
            (record["status"] == "done").then_some(record)
        })
        .await;
    assert_eq!(record["endpoint"], "/webhooks/mixed#later");

    // One match: that handler's own answer, its failure included.
    let (status, answer) = post(&server, "/webhooks/mixed", fixture(REPO_CREATED)).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(answer, json!({ "error": "Internal server error." }));
}

#[tokio::test]
async fn when_one_of_several_fails_the_answer_is_not_a_2xx_and_says_which() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook("x", |_: WebhookPayload| async { "fine" })
            .filter(EventFilter::new().scope("repo"))
            .add_webhook("x", |_: WebhookPayload| async {
                Err::<(), _>("the GPU queue is full")
            })
            .filter(EventFilter::new().repo_types(&["model"])),
    )
    .await;
    let (status, answer) = post(&server, "/webhooks/x", fixture(REPO_CREATED)).await;
    assert_eq!(status, 500, "{answer}");
    let statuses: Vec<u64> = answer["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|handler| handler["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 500], "{answer}");
}

#[tokio::test]
async fn a_body_that_is_not_a_hub_payload_is_refused_before_any_filter() {
    let server = server().await;
    let (status, answer) = post(&server, "/webhooks/hub", b"{}".to_vec()).await;
    assert_eq!(status, 422);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("Invalid payload"),
        "{answer}"
    );
}

/// Every invalid body of `fixtures/invalid/`, on a filtered path of each kind (one endpoint that
/// takes the payload, one that takes the bytes, several sharing a path), with a filter its fields
/// would not match: a 422 naming what is wrong, never a skip.
#[tokio::test]
async fn every_invalid_body_is_a_422_on_a_filtered_endpoint_never_a_skip() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook("payload", |_: WebhookPayload| async { "ran" })
            .filter(EventFilter::new().repo_types(&["dataset"]))
            .add_webhook("bytes", |_: webhooks_runtime::bytes::Bytes| async { "ran" })
            .filter(EventFilter::new().repo_types(&["dataset"]))
            .add_webhook("shared", |_: WebhookPayload| async { "ran" })
            .filter(EventFilter::new().repo_types(&["dataset"]))
            .add_webhook("shared", || async { "ran" })
            .filter(EventFilter::new().scope("discussion")),
    )
    .await;
    let invalid = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid");
    let mut checked = 0;
    for entry in std::fs::read_dir(invalid).unwrap().flatten() {
        let body = std::fs::read(entry.path()).unwrap();
        for path in ["/webhooks/payload", "/webhooks/bytes", "/webhooks/shared"] {
            let (status, answer) = post(&server, path, body.clone()).await;
            assert_eq!(
                status,
                422,
                "{} on {path}: {answer}",
                entry.path().display()
            );
            assert!(
                answer["error"]
                    .as_str()
                    .unwrap()
                    .contains("Invalid payload"),
                "{answer}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

#[tokio::test]
async fn the_builder_takes_the_same_filters() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook("x", |_: WebhookPayload| async { "datasets" })
            .filter(EventFilter::new().repo_types(&["dataset"]))
            .add_webhook("x", |_: WebhookPayload| async { "models" })
            .filter(EventFilter::new().repo_types(&["model"])),
    )
    .await;
    let response = server.post("/webhooks/x").body(fixture(PUSH)).send().await;
    assert_eq!(response.text(), "models");
}

/// The filters parse the payload when the handler takes it, and hand it over: every payload
/// argument still gets the whole body's payload, and the request argument the body unchanged.
#[tokio::test]
async fn a_filtered_handler_gets_the_whole_payload_in_every_argument() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook(
                "x",
                |first: WebhookPayload,
                 second: WebhookPayload,
                 optional: Option<WebhookPayload>,
                 request: WebhookRequest| async move {
                    let expected = WebhookPayload::from_slice(request.body()).unwrap();
                    json!({
                        "first_whole": first == expected,
                        "second_whole": second == expected,
                        "optional_whole": optional.as_ref() == Some(&expected),
                        "reparsed_whole": request.payload().unwrap() == expected,
                        "comment": first.comment.map(|comment| comment.content),
                    })
                },
            )
            .filter(EventFilter::new().scope("discussion").actions(&["create"])),
    )
    .await;
    let (status, answer) = post(&server, "/webhooks/x", fixture(NEW_DISCUSSION)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "first_whole": true,
            "second_whole": true,
            "optional_whole": true,
            "reparsed_whole": true,
            "comment": "Add co2 emissions information to the model card",
        })
    );
}

#[test]
fn identical_filters_on_one_path_are_a_start_up_error_naming_both() {
    let filter = EventFilter::new().scope("repo");
    let error = builder()
        .read_environment(false)
        .include_registered(false)
        .add_webhook("x", |_: WebhookPayload| async {})
        .filter(filter)
        .add_blocking_webhook("x", |_: WebhookPayload| {})
        .filter(filter)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(r#"/webhooks/x for scope = "repo""#),
        "{error}"
    );
    let misplaced = builder()
        .read_environment(false)
        .filter(filter)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        misplaced.contains("call it after `add_webhook`"),
        "{misplaced}"
    );
}

#[tokio::test]
async fn the_landing_page_and_openapi_show_each_endpoints_filter() {
    let server = server().await;
    let page = server.get("/").send().await;
    assert!(
        page.text().contains(
            "takes <code class=\"filter\">scope = &quot;discussion&quot;, action = &quot;create&quot;</code>"
        ),
        "{}",
        page.text()
    );
    let document: Value = server.get("/openapi.json").send().await.json();
    let hub = &document["paths"]["/webhooks/hub"]["post"];
    assert_eq!(
        hub["operationId"],
        "on_config_and_on_new_discussion_and_on_push"
    );
    let description = hub["description"].as_str().unwrap();
    assert!(
        description.contains(r#"- `on_push`: scope = "repo.content", repo_type = "model", updated_ref = "refs/heads/main""#),
        "{description}"
    );
}

#[test]
fn a_filter_reads_the_same_verdict_from_the_raw_body_as_from_the_parsed_payload() {
    let filters = [
        EventFilter::new().scope("repo"),
        EventFilter::new()
            .scope("repo.content")
            .actions(&["update"]),
        EventFilter::new().scope("discussion").actions(&["create"]),
        EventFilter::new().repo_types(&["dataset", "space"]),
        EventFilter::new().repos(&["acme/*", "*/sentiment-*"]),
        EventFilter::new().updated_refs(&["refs/heads/main", "refs/tags/*"]),
    ];
    let mut checked = 0;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap().flatten() {
        let Ok(body) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(payload) = webhooks_runtime::serde_json::from_slice::<WebhookPayload>(&body) else {
            continue;
        };
        // Read once, as for every endpoint of a shared path.
        let fields = EventFields::read(&body).expect("a fixture reads as an event");
        for filter in &filters {
            let from_body = filter.check_fields(&fields).expect("no filter = fn here");
            assert_eq!(
                from_body,
                filter.check(&payload),
                "{} with {filter}",
                entry.path().display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} verdicts compared");
}
