//! What a web page in the developer's browser can do to a server on their machine, and what
//! credentials the journal keeps: only JSON runs JSON handlers, only the server's own names are
//! answered without a secret, pages cannot be framed, the admin token is the only key when set,
//! and stored deliveries hold no credential.

use std::sync::atomic::{AtomicUsize, Ordering};

use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::headers::DELIVERY_ID_HEADER;
use webhooks_runtime::http::{HeaderMap, Method, StatusCode};
use webhooks_runtime::serde_json::Value;
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{WebhookPayload, WebhookRequest, WebhooksServer};

const BODY: &str = include_str!("../../../fixtures/07-repo-create-model.json");

static RAN: AtomicUsize = AtomicUsize::new(0);

fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder()
        .include_registered(false)
        .add_webhook("train", |payload: WebhookPayload| async move {
            RAN.fetch_add(1, Ordering::SeqCst);
            payload.repo.name
        })
        .add_webhook("raw", |body: Bytes| async move { body.len().to_string() })
        .add_blocking_webhook("test_webhook", |request: WebhookRequest| {
            let id = request.headers().get(DELIVERY_ID_HEADER).cloned();
            id.map_or_else(String::new, |id| id.to_str().unwrap().to_owned())
        })
}

#[tokio::test]
async fn json_handlers_refuse_bodies_not_declared_json_before_running() {
    let server = TestServer::with(builder()).await;
    let before = RAN.load(Ordering::SeqCst);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let request = server.post("/webhooks/train");
        // Without `.body(..)` the test client sends no content type at all.
        let request = match content_type {
            Some(value) => request.header("content-type", value).body(BODY),
            None => request,
        };
        let response = request.send().await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let answer: Value = response.json();
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("Content-Type: application/json"),
            "{answer}"
        );
    }
    assert_eq!(RAN.load(Ordering::SeqCst), before, "no handler ran");
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/vnd.hf.webhook+json",
    ] {
        let response = server
            .post("/webhooks/train")
            .header("content-type", content_type)
            .body(BODY)
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
    }
    // A handler of raw bytes decides for itself.
    let raw = server
        .post("/webhooks/raw")
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await;
    assert_eq!((raw.status(), raw.text()), (StatusCode::OK, "2"));
}

#[tokio::test]
async fn the_secret_is_checked_before_the_content_type() {
    let server = TestServer::with(builder().webhook_secret("s")).await;
    let response = server
        .post("/webhooks/train")
        .header("content-type", "text/plain")
        .body(BODY)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_secret_only_the_servers_own_names_are_answered() {
    let server = TestServer::with(builder()).await;
    for path in ["/", "/api/deliveries", "/openapi.json"] {
        let rebound = server
            .get(path)
            .header("host", "attacker.example:7860")
            .send()
            .await;
        assert_eq!(rebound.status(), StatusCode::FORBIDDEN, "{path}");
        let answer: Value = rebound.json();
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains("WEBHOOKS_ALLOWED_HOSTS"), "{error}");
    }
    let post = server
        .post("/webhooks/train")
        .header("host", "attacker.example")
        .body(BODY)
        .send()
        .await;
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    let health = server
        .get("/healthz")
        .header("host", "10.1.2.3:7860")
        .send()
        .await;
    assert_eq!(health.status(), StatusCode::OK, "platform probes");
    let by_name = server
        .get("/")
        .header("host", &format!("localhost:{}", server.addr().port()))
        .send()
        .await;
    assert_eq!(by_name.status(), StatusCode::OK);

    let listed = TestServer::with(builder().allowed_hosts(["devbox.lan"])).await;
    let allowed = listed
        .get("/")
        .header("host", "devbox.lan:7860")
        .send()
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);

    let tunnel = TestServer::with(builder().public_url("https://abc.trycloudflare.com")).await;
    let through_tunnel = tunnel
        .post("/webhooks/train")
        .header("host", "abc.trycloudflare.com")
        .body(BODY)
        .send()
        .await;
    assert_eq!(through_tunnel.status(), StatusCode::OK);

    // With a secret, the secret guards the endpoints and any name is answered.
    let with_secret = TestServer::with(builder().webhook_secret("s")).await;
    let proxied = with_secret
        .post("/webhooks/train")
        .header("host", "bot.example.com")
        .secret("s")
        .body(BODY)
        .send()
        .await;
    assert_eq!(proxied.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_cannot_be_framed_or_sniffed_and_load_nothing_from_elsewhere() {
    let server = TestServer::with(builder()).await;
    let page = server.get("/").send().await;
    let headers = page.headers();
    let policy = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
        "form-action 'none'",
        "script-src 'sha256-",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");

    let custom = TestServer::with(builder().landing_page("<!doctype html><p>mine")).await;
    let custom_page = custom.get("/").send().await;
    let policy = custom_page.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}

#[tokio::test]
async fn stored_deliveries_keep_no_credential_and_ids_cannot_be_forged() {
    let server = TestServer::with(builder().webhook_secret("hub-secret")).await;
    let response = server
        .post("/webhooks/test_webhook?secret=hub-secret&keep=1")
        .header("cookie", "session=browser-cookie")
        .header("authorization", "Bearer someone-elses-token")
        .header("proxy-authorization", "Basic cHJveHk6cGFzcw==")
        .header(DELIVERY_ID_HEADER, "forged-id")
        .header("user-agent", "HF-Webhooks/1.0")
        .body(BODY)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let seen_id = response.text().to_owned();
    assert_ne!(
        seen_id, "forged-id",
        "the client's delivery id is not passed on"
    );
    assert_eq!(seen_id.len(), 36, "the server's own id: {seen_id}");

    let record = &first_delivery(&server, Some("hub-secret")).await;
    let stored = record.to_string();
    for credential in [
        "browser-cookie",
        "someone-elses-token",
        "cHJveHk6cGFzcw==",
        "hub-secret",
        "forged-id",
    ] {
        assert!(!stored.contains(credential), "{credential} in {stored}");
    }
    assert_eq!(record["uri"], "/webhooks/test_webhook?keep=1");
    assert!(
        stored.contains("HF-Webhooks/1.0"),
        "other headers are kept for replays"
    );

    // Replayed, the handler sees the journal's id.
    let id = record["id"].as_str().unwrap();
    let replay = server
        .post(&format!("/api/deliveries/{id}/replay"))
        .secret("hub-secret")
        .send()
        .await;
    assert_eq!(replay.status(), StatusCode::OK, "{}", replay.text());
}

#[tokio::test]
async fn replay_and_delete_refuse_pages_of_other_origins() {
    let (server, id) = server_with_one_delivery().await;
    let own_origin = format!("http://{}", server.addr());
    for (method, path) in [
        (Method::POST, format!("/api/deliveries/{id}/replay")),
        (Method::DELETE, format!("/api/deliveries/{id}")),
    ] {
        for origin in ["http://127.0.0.2:8000", "null"] {
            let response = server
                .request(method.clone(), &path)
                .header("origin", origin)
                .send()
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{method} {origin}"
            );
        }
        let fetch_metadata = server
            .request(method.clone(), &path)
            .header("sec-fetch-site", "cross-site")
            .send()
            .await;
        assert_eq!(fetch_metadata.status(), StatusCode::FORBIDDEN, "{method}");
    }
    let replay = server
        .post(&format!("/api/deliveries/{id}/replay"))
        .header("origin", &own_origin)
        .send()
        .await;
    assert_eq!(replay.status(), StatusCode::OK, "{}", replay.text());
}

#[tokio::test]
async fn percent_encoded_paths_reach_their_route() {
    let server = TestServer::with(builder()).await;
    for path in ["/webhooks/test%5Fwebhook", "/webhooks/%74est_webhook/"] {
        let response = server.post(path).body(BODY).send().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let not_utf8 = server.post("/webhooks/test%FF").body(BODY).send().await;
    assert_eq!(not_utf8.status(), StatusCode::NOT_FOUND);
    let headers: &HeaderMap = not_utf8.headers();
    assert_eq!(headers["content-type"], "application/json");
}

/// A test server without credentials, with one delivery in its journal, and that delivery's id.
async fn server_with_one_delivery() -> (TestServer, String) {
    let server = TestServer::with(builder()).await;
    let response = server
        .post("/webhooks/test_webhook")
        .body(BODY)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = first_delivery(&server, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (server, id)
}

/// The newest delivery once the journal has written it (polled, bounded).
async fn first_delivery(server: &TestServer, secret: Option<&str>) -> Value {
    webhooks_tests::eventually::eventually("a delivery journaled", async || {
        let mut request = server.get("/api/deliveries");
        if let Some(secret) = secret {
            request = request.secret(secret);
        }
        let listed: Value = request.send().await.json();
        let first = &listed["deliveries"][0];
        first.is_object().then(|| first.clone())
    })
    .await
}
