//! The server over real sockets: the Python reference's server tests, ported, and the statuses
//! this framework adds.

use crate::common;

use webhooks_runtime::http::{Method, StatusCode, header};
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{Json, WebhookPayload, WebhookRequest, WebhooksServer, webhook_endpoint};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

/// Retrain when a dataset changes.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope, "repo": payload.repo.name, "head_sha": payload.repo.head_sha })
}

/// Say hello, from a plain function at an explicit path.
#[webhook_endpoint("/say_hello")]
fn hello() -> Value {
    json!({ "message": "hello" })
}

/// Async, with the raw request.
#[webhook_endpoint]
async fn async_with_request(request: WebhookRequest, payload: WebhookPayload) -> Value {
    json!({
        "method": request.method().as_str(),
        "secret_header_seen": request.headers().contains_key("x-webhook-secret"),
        "scope": payload.event.scope,
    })
}

/// Sync, with the raw request.
#[webhook_endpoint]
fn sync_with_request(request: WebhookRequest) -> Value {
    json!({ "body_len": request.body().len() })
}

/// Nothing to return.
#[webhook_endpoint("nested/unit")]
fn unit() {}

/// Always fails.
#[webhook_endpoint]
async fn failing() -> Result<Value, std::io::Error> {
    Err(std::io::Error::other("database unreachable at 10.0.0.3"))
}

/// Always panics.
#[webhook_endpoint]
async fn panicking() -> Value {
    panic!("handler bug")
}

/// Panics on a blocking thread.
#[webhook_endpoint]
fn panicking_sync() -> Value {
    panic!("blocking handler bug")
}

/// Returns its own status and content type.
#[webhook_endpoint]
fn twiml() -> webhooks_runtime::http::Response<String> {
    webhooks_runtime::http::Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_TYPE, "application/xml")
        .body("<Response/>".to_owned())
        .unwrap()
}

#[derive(serde::Deserialize)]
struct Ping {
    count: u32,
}

/// A user type as the body.
#[webhook_endpoint]
async fn typed(Json(ping): Json<Ping>) -> Json<u32> {
    Json(ping.count + 1)
}

const SECRET: &str = "my_secret";

async fn open_server() -> TestServer {
    TestServer::with(builder()).await
}

async fn guarded_server() -> TestServer {
    TestServer::with(builder().webhook_secret(SECRET)).await
}

fn discussion_body() -> Vec<u8> {
    common::fixture("02-upstream-test-discussion-create.json")
}

#[tokio::test]
async fn implicit_path_is_the_function_name_and_parses_the_payload() {
    let server = open_server().await;
    let response = server
        .post("/webhooks/trigger_training")
        .body(discussion_body())
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>(),
        json!({ "scope": "discussion", "repo": "gpt2", "head_sha": null })
    );
}

#[tokio::test]
async fn head_sha_reaches_the_handler() {
    let server = open_server().await;
    let body = common::fixture("04-upstream-test-repo-content-new-pr-ref-space-subdomain.json");
    let response = server
        .post("/webhooks/trigger_training")
        .body(body)
        .send()
        .await;
    assert_eq!(
        response.json::<Value>()["head_sha"],
        "5e7f29fffcc579cb52539fddb14a1a4f85f39e44"
    );
}

#[tokio::test]
async fn explicit_path_is_served() {
    let server = open_server().await;
    let response = server
        .post("/webhooks/say_hello")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>(), json!({ "message": "hello" }));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
}

#[tokio::test]
async fn every_fixture_is_accepted_by_a_payload_handler() {
    let server = open_server().await;
    for entry in std::fs::read_dir(common::fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let response = server
                .post("/webhooks/trigger_training")
                .body(std::fs::read(&path).unwrap())
                .send()
                .await;
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{}: {}",
                path.display(),
                response.text()
            );
        }
    }
}

#[tokio::test]
async fn every_invalid_fixture_is_422_naming_the_problem() {
    let server = open_server().await;
    let expected = [
        ("empty.json", None, "the request body is empty"),
        (
            "truncated.json",
            Some("discussion.url.api"),
            "EOF while parsing a string",
        ),
        ("missing-repo.json", Some("repo"), "missing field `repo`"),
        (
            "wrong-type-private-maybe-string.json",
            Some("repo.private"),
            "expected a boolean",
        ),
        (
            "array-instead-of-object.json",
            None,
            "expected a Hub webhook payload (a JSON object)",
        ),
        (
            "webhook-version-2.json",
            Some("webhook.version"),
            "unsupported payload version 2",
        ),
    ];
    for (name, field, reason) in expected {
        let body = common::fixture(&format!("invalid/{name}"));
        let response = server
            .post("/webhooks/trigger_training")
            .body(body)
            .send()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let answer: Value = response.json();
        let error = answer["error"].as_str().unwrap();
        assert!(
            error.starts_with("Invalid payload: ") && error.contains(reason),
            "{name}: {answer}"
        );
        assert_eq!(
            answer.get("field").and_then(Value::as_str),
            field,
            "{name}: {answer}"
        );
    }
}

#[tokio::test]
async fn user_json_type_is_parsed_and_its_errors_name_the_field() {
    let server = open_server().await;
    let response = server
        .post("/webhooks/typed")
        .json(&json!({ "count": 41 }))
        .send()
        .await;
    assert_eq!(response.json::<u32>(), 42);
    let response = server
        .post("/webhooks/typed")
        .json(&json!({ "count": "41" }))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json::<Value>()["field"], "count");
}

#[tokio::test]
async fn unit_handler_answers_null() {
    let server = open_server().await;
    let response = server.post("/webhooks/nested/unit").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "null");
}

#[tokio::test]
async fn full_response_passes_through() {
    let server = open_server().await;
    let response = server.post("/webhooks/twiml").body("").send().await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/xml");
    assert_eq!(response.text(), "<Response/>");
}

/// The Python reference's secret tests, for async and sync handlers, with and without the raw
/// request argument.
#[tokio::test]
async fn secret_is_401_when_missing_403_when_wrong_200_when_right() {
    let server = guarded_server().await;
    let body = discussion_body();
    for path in [
        "/webhooks/trigger_training",
        "/webhooks/say_hello",
        "/webhooks/async_with_request",
        "/webhooks/sync_with_request",
    ] {
        let response = server.post(path).body(body.clone()).send().await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            response.text(),
            r#"{"error":"x-webhook-secret header not set."}"#
        );
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");

        let response = server
            .post(path)
            .body(body.clone())
            .secret("wrong")
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(response.text(), r#"{"error":"Invalid webhook secret."}"#);

        let response = server
            .post(path)
            .body(body.clone())
            .secret(SECRET)
            .send()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{path}: {}",
            response.text()
        );
    }
}

#[tokio::test]
async fn secret_header_name_is_case_insensitive_and_the_first_copy_counts() {
    let server = guarded_server().await;
    let body = discussion_body();
    let response = server
        .post("/webhooks/say_hello")
        .body(body.clone())
        .header("X-Webhook-Secret", SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server
        .post("/webhooks/say_hello")
        .body(body)
        .header("x-webhook-secret", "wrong")
        .header("x-webhook-secret", SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn secret_is_checked_before_the_body_is_parsed() {
    let server = guarded_server().await;
    let response = server
        .post("/webhooks/trigger_training")
        .body("not json")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = server
        .post("/webhooks/trigger_training")
        .body("not json")
        .secret("wrong")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn handlers_never_see_the_secret_header() {
    let server = guarded_server().await;
    let response = server
        .post("/webhooks/async_with_request")
        .body(discussion_body())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(
        response.json::<Value>(),
        json!({ "method": "POST", "secret_header_seen": false, "scope": "discussion" })
    );
}

#[tokio::test]
async fn other_methods_are_405_with_allow_post() {
    let server = open_server().await;
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let response = server
            .request(method.clone(), "/webhooks/say_hello")
            .send()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()[header::ALLOW], "POST");
        assert_eq!(
            response.json::<Value>()["error"],
            "Method Not Allowed: use POST"
        );
    }
}

#[tokio::test]
async fn unknown_path_is_404_json() {
    let server = open_server().await;
    for path in [
        "/webhooks/nope",
        "/webhooks",
        "/webhooks/",
        "/say_hello",
        "/webhooks/say_hello/extra",
    ] {
        let response = server.post(path).body("{}").send().await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text(), r#"{"error":"Not Found"}"#);
    }
}

#[tokio::test]
async fn trailing_slash_reaches_the_same_endpoint() {
    let server = open_server().await;
    let response = server.post("/webhooks/say_hello/").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>(), json!({ "message": "hello" }));
}

#[tokio::test]
async fn query_string_does_not_change_the_route() {
    let server = open_server().await;
    let response = server
        .post("/webhooks/say_hello?source=hub")
        .body("{}")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let server = TestServer::with(builder().body_limit(1024)).await;
    let response = server
        .post("/webhooks/sync_with_request")
        .body(vec![b' '; 1025])
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.text(), r#"{"error":"Payload Too Large"}"#);
    let response = server
        .post("/webhooks/sync_with_request")
        .body(vec![b' '; 1024])
        .send()
        .await;
    assert_eq!(response.json::<Value>(), json!({ "body_len": 1024 }));
}

#[tokio::test]
async fn handler_error_is_a_generic_500_by_default() {
    let server = open_server().await;
    let response = server.post("/webhooks/failing").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.text(), r#"{"error":"Internal server error."}"#);
}

#[tokio::test]
async fn handler_error_message_is_sent_when_exposed() {
    let server = TestServer::with(builder().expose_handler_errors(true)).await;
    let response = server.post("/webhooks/failing").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.json::<Value>(),
        json!({ "error": "database unreachable at 10.0.0.3" })
    );
}

#[tokio::test]
async fn handler_panic_is_a_500_and_the_server_keeps_serving() {
    let server = open_server().await;
    for path in ["/webhooks/panicking", "/webhooks/panicking_sync"] {
        let response = server.post(path).body("{}").send().await;
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}"
        );
        assert_eq!(response.text(), r#"{"error":"Internal server error."}"#);
    }
    let response = server.post("/webhooks/say_hello").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn health_check_answers_200() {
    let server = open_server().await;
    let response = server.get("/healthz").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), r#"{"status":"ok"}"#);
    let response = server.post("/healthz").send().await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
}

/// What `guide::answers` (webhooks-runtime/docs/answers.md) lists as deliberate differences from
/// the Python reference, as answered.
#[tokio::test]
async fn bodies_json_does_not_allow_are_422_and_a_cors_preflight_is_405() {
    let server = open_server().await;
    let fixture = common::fixture("07-repo-create-model.json");
    let text = String::from_utf8(fixture.clone()).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let nan = text.replacen("{", "{\"score\": NaN, ", 1).into_bytes();
    let mut not_utf8 = fixture;
    not_utf8.insert(1, 0xff);
    for (what, body) in [("UTF-16", utf16), ("NaN", nan), ("not UTF-8", not_utf8)] {
        let response = server
            .post("/webhooks/trigger_training")
            .body(body)
            .send()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            response.text()
        );
    }
    let preflight = server
        .request(Method::OPTIONS, "/webhooks/trigger_training")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_eq!(preflight.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn the_servers_own_pages_say_how_long_they_may_be_cached() {
    let server = TestServer::with(builder().metrics(true)).await;
    for (path, expected) in [
        ("/", "no-cache"),
        ("/healthz", "no-store"),
        ("/metrics", "no-store"),
        ("/openapi.json", "public, max-age=300"),
    ] {
        let response = server.get(path).send().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            expected,
            "{path}"
        );
    }
}

#[tokio::test]
async fn landing_page_lists_every_endpoint_with_url_function_and_doc() {
    let server = open_server().await;
    let response = server.get("/").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let page = response.text();
    assert!(page.contains("10 webhooks are registered"), "{page}");
    let base = format!("http://{}", server.addr());
    assert!(page.contains(&format!("{base}/webhooks/trigger_training")));
    assert!(page.contains(&format!("{base}/webhooks/say_hello</code>")));
    assert!(
        page.contains("<code>hello</code> · Say hello, from a plain function at an explicit path.")
    );
    assert!(page.contains("No webhook secret is configured"));
    assert!(page.contains("This app is running locally"));
    assert!(page.contains("https://huggingface.co/settings/webhooks"));
    assert!(page.contains("https://huggingface.co/docs/hub/webhooks"));
    // Self-contained: nothing loaded from elsewhere.
    assert!(
        !page.contains("<script src") && !page.contains("stylesheet") && !page.contains("@import")
    );
    assert!(
        page.split("<link")
            .skip(1)
            .all(|tag| tag.starts_with(" rel=\"icon\" href=\"data:"))
    );
}

#[tokio::test]
async fn landing_page_says_a_secret_is_set_and_never_shows_it() {
    let server = guarded_server().await;
    let page = server.get("/").send().await.text().to_owned();
    assert!(page.contains("A webhook secret is configured"));
    assert!(!page.contains(SECRET));
}

#[tokio::test]
async fn landing_page_escapes_what_it_interpolates() {
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .public_url("https://example.org/<img src=x onerror=alert(1)>")
            .add_webhook("x", || async {}),
    )
    .await;
    let page = server.get("/").send().await.text().to_owned();
    assert!(
        page.contains("https://example.org/&lt;img src=x onerror=alert(1)&gt;/webhooks/x"),
        "{page}"
    );
    assert!(!page.contains("<img"));
}

#[tokio::test]
async fn custom_landing_page_replaces_the_default() {
    let html = "<!doctype html><h1>My bot</h1>";
    let server = TestServer::with(builder().landing_page(html)).await;
    let response = server.get("/").send().await;
    assert_eq!(response.text(), html);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
}

#[tokio::test]
async fn add_webhook_serves_closures_and_functions_beside_the_registry() {
    fn blocking_hello(payload: WebhookPayload) -> String {
        format!("hello {}", payload.repo.name)
    }
    let server = TestServer::with(
        builder()
            .webhook_secret(SECRET)
            .add_webhook("/added/", |payload: WebhookPayload| async move {
                Json(payload.event.scope)
            })
            .add_blocking_webhook("added_sync", blocking_hello),
    )
    .await;
    let response = server
        .post("/webhooks/added")
        .body(discussion_body())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.json::<String>(), "discussion");
    let response = server
        .post("/webhooks/added_sync")
        .body(discussion_body())
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.text(), "hello gpt2");
    let response = server
        .post("/webhooks/added_sync")
        .body(discussion_body())
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The registry is still served.
    let response = server
        .post("/webhooks/say_hello")
        .body("{}")
        .secret(SECRET)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn add_webhook_at_a_registered_path_is_a_duplicate_naming_both() {
    let builder = builder();
    let line = line!() + 1;
    let builder = builder.add_webhook("say_hello", || async {});
    let error = builder.build().unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("two webhook endpoints are registered at /webhooks/say_hello: "),
        "{message}"
    );
    assert!(
        message.contains(&format!("`hello` ({}:", file!())),
        "{message}"
    );
    let (module, file) = (module_path!(), file!());
    assert!(message.contains(&format!("`closure in {module}::add_webhook_at_a_registered_path_is_a_duplicate_naming_both` ({file}:{line})")), "{message}");
}

#[test]
fn add_webhook_with_an_invalid_path_fails_to_build() {
    let error = builder()
        .add_webhook("a b", || async {})
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("contains a space"), "{error}");
}

#[test]
fn empty_builder_secret_fails_to_build() {
    let error = builder().webhook_secret("").build().unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid server setting: a webhook secret is empty; leave it unset to run without one"
    );
}

#[tokio::test]
async fn run_inside_an_async_runtime_is_an_error_not_a_panic() {
    let error = webhooks_runtime::run().unwrap_err();
    assert!(matches!(error, webhooks_runtime::Error::InsideAsyncRuntime));
    assert!(error.to_string().contains("serve().await"), "{error}");
}

#[tokio::test]
async fn graceful_shutdown_returns_and_refuses_new_connections() {
    let server = open_server().await;
    let addr = server.addr();
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413_without_reading_it_all() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = TestServer::with(builder().body_limit(1024)).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = "POST /webhooks/sync_with_request HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    // 2 KiB in chunks, and no final chunk: the server must answer without waiting for the end.
    for _ in 0..2 {
        stream.write_all(b"400\r\n").await.unwrap();
        stream.write_all(&[b' '; 1024]).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let mut answer = vec![0; 512];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(
        answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{answer}"
    );
}
