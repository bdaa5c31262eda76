//! Authentication that is hard to get wrong, bounded resources, and faults that stay with their
//! own request.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhooks_runtime::http::{StatusCode, header};
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{Json, WebhookRequest, WebhooksServer, webhook_endpoint};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

/// A bound on how long a test waits for the server to do what it should; never a delay.
const PATIENCE: Duration = Duration::from_secs(10);

/// Echo what the handler sees of the request target.
#[webhook_endpoint]
fn target(request: WebhookRequest) -> Value {
    json!({ "uri": request.uri().to_string() })
}

#[derive(serde::Deserialize)]
struct Nap {
    millis: u64,
}

/// Sleep asynchronously as long as asked.
#[webhook_endpoint]
async fn nap(Json(nap): Json<Nap>) -> Value {
    tokio::time::sleep(Duration::from_millis(nap.millis)).await;
    json!({ "slept": nap.millis })
}

/// Block a thread as long as asked.
#[webhook_endpoint]
fn nap_blocking(Json(nap): Json<Nap>) -> Value {
    std::thread::sleep(Duration::from_millis(nap.millis));
    json!({ "slept": nap.millis })
}

/// Never finishes.
#[webhook_endpoint]
async fn forever() {
    std::future::pending::<()>().await;
}

/// Never finishes and never waits: every await is ready at once, until tokio's per-task budget
/// runs out and makes it yield.
#[webhook_endpoint]
async fn busy() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    loop {
        let _ = sender.send(());
        let _ = receiver.recv().await;
    }
}

#[tokio::test]
async fn secret_in_the_query_is_accepted_and_hidden_from_handlers() {
    let server = TestServer::with(builder().webhook_secret("a b&c")).await;
    let response = server
        .post("/webhooks/target?x=1&secret=a%20b%26c&y=2")
        .body("{}")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>(),
        json!({ "uri": "/webhooks/target?x=1&y=2" })
    );

    let response = server
        .post("/webhooks/target?secret=wrong")
        .body("{}")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn header_wins_over_the_query() {
    let server = TestServer::with(builder().webhook_secret("right")).await;
    let response = server
        .post("/webhooks/target?secret=right")
        .body("{}")
        .secret("stale")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = server
        .post("/webhooks/target?secret=stale")
        .body("{}")
        .secret("right")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn several_secrets_are_accepted_while_rotating() {
    let server = TestServer::with(builder().webhook_secrets(["new", "old"])).await;
    for (secret, status) in [
        ("new", StatusCode::OK),
        ("old", StatusCode::OK),
        ("neither", StatusCode::FORBIDDEN),
    ] {
        let response = server
            .post("/webhooks/target")
            .body("{}")
            .secret(secret)
            .send()
            .await;
        assert_eq!(response.status(), status, "{secret}");
    }
}

#[test]
fn the_secret_is_not_in_the_debug_output_of_the_configuration() {
    let builder = builder().webhook_secret("hunter2-secret");
    assert!(!format!("{builder:?}").contains("hunter2"));
    let server = builder.read_environment(false).build().unwrap();
    assert!(!format!("{server:?}").contains("hunter2"), "{server:?}");
}

async fn raw_exchange(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the server answers or closes");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn headers_too_large_get_431() {
    let server = TestServer::with(builder().max_header_size(8 * 1024)).await;
    let request = format!(
        "POST /webhooks/target HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        "a".repeat(9000)
    );
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{answer}"
    );
}

#[tokio::test]
async fn too_many_headers_get_431() {
    let server = TestServer::with(builder().max_headers(8)).await;
    let headers: String = (0..20).map(|i| format!("X-H{i}: v\r\n")).collect();
    let request = format!(
        "POST /webhooks/target HTTP/1.1\r\nHost: localhost\r\n{headers}Content-Length: 2\r\n\r\n{{}}"
    );
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_client_slow_to_send_headers_is_disconnected() {
    let server = TestServer::with(builder().header_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /webhooks/target HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    // The rest of the headers never come: the server closes the connection.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("disconnected in time");
    assert!(
        read.is_err() || !String::from_utf8_lossy(&answer).contains(" 200 "),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_client_slow_to_send_the_body_gets_408() {
    let server = TestServer::with(builder().body_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(
            b"POST /webhooks/target HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"a\":",
        )
        .await
        .unwrap();
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with(r#"{"error":"Request Timeout: the body was not received in time."}"#),
        "{answer}"
    );
}

#[tokio::test]
async fn a_handler_over_its_timeout_gets_504_and_others_are_unaffected() {
    let server = TestServer::with(
        builder()
            .handler_timeout(Duration::from_secs(30))
            .endpoint_timeout("forever", Duration::from_millis(100))
            .endpoint_timeout("/nap_blocking/", Duration::from_millis(100)),
    )
    .await;
    let response = server.post("/webhooks/forever").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        response.json::<Value>(),
        json!({ "error": "Gateway Timeout: the handler did not finish in time." })
    );
    let response = server
        .post("/webhooks/nap_blocking")
        .json(&json!({ "millis": 2000 }))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    // The global timeout leaves room for the others.
    let response = server
        .post("/webhooks/nap")
        .json(&json!({ "millis": 150 }))
        .send()
        .await;
    assert_eq!(response.json::<Value>(), json!({ "slept": 150 }));
}

#[tokio::test]
async fn a_handler_that_never_waits_still_times_out() {
    // The timer is polled outside the task's budget, which the handler uses up on every poll.
    let server =
        TestServer::with(builder().endpoint_timeout("busy", Duration::from_millis(100))).await;
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        server.post("/webhooks/busy").body("{}").send(),
    )
    .await
    .expect("the handler ran past its timeout of 100 ms");
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        response.json::<Value>(),
        json!({ "error": "Gateway Timeout: the handler did not finish in time." })
    );
}

#[test]
fn a_timeout_for_an_unknown_endpoint_is_a_build_error() {
    let error = builder()
        .endpoint_timeout("nope", Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid server setting: `endpoint_timeout` names endpoints that do not exist: nope"
    );
}

#[test]
fn duplicate_detection_for_an_unknown_endpoint_is_a_build_error() {
    let error = builder()
        .read_environment(false)
        .dedupe("/typo", true)
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid server setting: `dedupe` names endpoints that do not exist: typo"
    );
}

#[tokio::test]
async fn blocking_handlers_do_not_stall_the_others() {
    let server = TestServer::with(builder()).await;
    let blockers: Vec<_> = (0..8)
        .map(|_| {
            let request = server
                .post("/webhooks/nap_blocking")
                .json(&json!({ "millis": 1500 }));
            tokio::spawn(request.send())
        })
        .collect();
    // While eight threads sleep, async requests are answered at once.
    for _ in 0..5 {
        let response =
            tokio::time::timeout(Duration::from_millis(1000), server.get("/healthz").send())
                .await
                .expect("the health check is not stalled by blocking handlers");
        assert_eq!(response.status(), StatusCode::OK);
    }
    for blocker in blockers {
        assert_eq!(blocker.await.unwrap().status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_burst_of_idle_connections_beyond_the_limit_leaves_the_server_answering() {
    let server = TestServer::with(
        builder()
            .max_connections(4)
            .header_read_timeout(Duration::from_millis(300)),
    )
    .await;
    // Twenty connections that never send a byte: four are served (and cut off by the header
    // timeout), the others wait in the listen queue.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let response = tokio::time::timeout(PATIENCE, server.get("/healthz").send())
        .await
        .expect("answered in time");
    assert_eq!(response.status(), StatusCode::OK);
    drop(idle);
}

#[tokio::test]
async fn graceful_shutdown_finishes_every_request_in_flight_and_refuses_new_connections() {
    let server = TestServer::with(builder()).await;
    let addr = server.addr();
    let in_flight: Vec<_> = (0..20)
        .map(|i| {
            let path = if i % 2 == 0 {
                "/webhooks/nap"
            } else {
                "/webhooks/nap_blocking"
            };
            tokio::spawn(server.post(path).json(&json!({ "millis": 400 })).send())
        })
        .collect();
    // Wait until every request is being handled: all twenty connections are accepted once a
    // later request gets through.
    let response = server.get("/healthz").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    server.shutdown().await;
    for request in in_flight {
        let response = request.await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
    assert!(TcpStream::connect(addr).await.is_err());
}
