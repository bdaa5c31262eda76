//! Prometheus metrics at `/metrics`: per endpoint, by outcome.

use webhooks_runtime::http::{StatusCode, header};
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

/// Parses the payload.
#[webhook_endpoint]
async fn counted(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope })
}

/// Fails.
#[webhook_endpoint]
fn failing() -> Result<(), String> {
    Err("no".to_owned())
}

/// Panics.
#[webhook_endpoint]
async fn panicking() {
    panic!("metrics test panic")
}

const BODY: &str = include_str!("../../../fixtures/07-repo-create-model.json");

#[tokio::test]
async fn metrics_count_requests_by_endpoint_status_class_and_failure_kind() {
    let server = TestServer::with(builder().webhook_secret("m")).await;
    for _ in 0..2 {
        let response = server
            .post("/webhooks/counted")
            .body(BODY)
            .secret("m")
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        server
            .post("/webhooks/counted")
            .body(BODY)
            .secret("x")
            .send()
            .await
            .status(),
        403
    );
    assert_eq!(
        server
            .post("/webhooks/counted")
            .body("{}")
            .secret("m")
            .send()
            .await
            .status(),
        422
    );
    assert_eq!(
        server
            .post("/webhooks/failing")
            .body("{}")
            .secret("m")
            .send()
            .await
            .status(),
        500
    );
    assert_eq!(
        server
            .post("/webhooks/panicking")
            .body("{}")
            .secret("m")
            .send()
            .await
            .status(),
        500
    );

    let response = server.get("/metrics").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text();
    for line in [
        r#"webhooks_requests_total{endpoint="/webhooks/counted",status_class="2xx"} 2"#,
        r#"webhooks_requests_total{endpoint="/webhooks/counted",status_class="4xx"} 2"#,
        r#"webhooks_auth_failures_total{endpoint="/webhooks/counted"} 1"#,
        r#"webhooks_parse_failures_total{endpoint="/webhooks/counted"} 1"#,
        r#"webhooks_handler_errors_total{endpoint="/webhooks/failing"} 1"#,
        r#"webhooks_handler_panics_total{endpoint="/webhooks/panicking"} 1"#,
        r#"webhooks_requests_total{endpoint="/webhooks/panicking",status_class="5xx"} 1"#,
        r#"webhooks_request_duration_seconds_count{endpoint="/webhooks/counted"} 4"#,
        r#"webhooks_requests_in_flight{endpoint="/webhooks/counted"} 0"#,
        // Six deliveries are far from filling the journal's queue: every record is kept.
        "webhooks_journal_records_not_kept_total 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
    assert!(!text.contains("\"m\""), "the secret is not a label");
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let server = TestServer::with(builder().metrics(false)).await;
    assert_eq!(
        server.get("/metrics").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Refuses every event with its own 422.
#[webhook_endpoint]
fn refusing() -> (StatusCode, &'static str) {
    (StatusCode::UNPROCESSABLE_ENTITY, "not for me")
}

#[tokio::test]
async fn a_handlers_own_422_is_not_a_parse_failure() {
    let server = TestServer::with(builder().webhook_secret("m")).await;
    let response = server
        .post("/webhooks/refusing")
        .body(BODY)
        .secret("m")
        .send()
        .await;
    assert_eq!(response.status(), 422);
    let metrics = server.get("/metrics").send().await;
    let text = metrics.text();
    assert!(
        text.contains(r#"webhooks_parse_failures_total{endpoint="/webhooks/refusing"} 0"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"webhooks_requests_total{endpoint="/webhooks/refusing",status_class="4xx"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn answers_other_than_2xx_in_the_last_24_hours_are_on_the_page_and_in_metrics() {
    let server = TestServer::with(builder().webhook_secret("m")).await;
    let page = server.get("/").send().await;
    assert!(
        !page.text().contains("other than 2xx"),
        "no warning before any failure"
    );
    for secret in ["m", "wrong"] {
        server
            .post("/webhooks/counted")
            .body("{}")
            .secret(secret)
            .send()
            .await;
    }
    server.post("/webhooks/failing").secret("m").send().await;
    let ok = server
        .post("/webhooks/counted")
        .body(BODY)
        .secret("m")
        .send()
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let metrics = server.get("/metrics").send().await;
    let text = metrics.text();
    assert!(
        text.contains(r#"webhooks_non_2xx_answers_last_24h{endpoint="/webhooks/counted"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"webhooks_non_2xx_answers_last_24h{endpoint="/webhooks/failing"} 1"#),
        "{text}"
    );
    let page = server.get("/").send().await;
    let html = page.text();
    assert!(
        html.contains("3 answers other than 2xx in the last 24 h</strong> (<code>/webhooks/counted</code> 2, <code>/webhooks/failing</code> 1): the Hub retries these and suspends a webhook that keeps failing."),
        "{html}"
    );
}

#[tokio::test]
async fn a_path_shared_by_two_endpoints_counts_its_failed_answers_once() {
    use webhooks_runtime::EventFilter;
    let server = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook("shared", |_: WebhookPayload| async {})
            .filter(EventFilter::new().scope("repo"))
            .add_webhook("shared", |_: WebhookPayload| async {})
            .filter(EventFilter::new().scope("discussion")),
    )
    .await;
    let refused = server.post("/webhooks/shared").body("{}").send().await;
    assert_eq!(refused.status(), 422);
    let text = server.get("/metrics").send().await.text().to_owned();
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("webhooks_non_2xx_answers_last_24h{"))
        .collect();
    assert_eq!(
        lines,
        [r#"webhooks_non_2xx_answers_last_24h{endpoint="/webhooks/shared"} 1"#],
        "{text}"
    );
}
