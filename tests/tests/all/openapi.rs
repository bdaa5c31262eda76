//! The OpenAPI document at `/openapi.json`: one POST per endpoint, the payload schema derived from
//! the types, and valid OpenAPI 3.1 by an independent validator.

use std::process::{Command, Stdio};

use webhooks_runtime::serde_json::Value;
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

/// Retrain when a dataset changes.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> String {
    payload.event.scope
}

#[webhook_endpoint("models/evaluate")]
fn evaluate() {}

async fn document() -> Value {
    let server = TestServer::with(builder().webhook_secret("s")).await;
    let response = server.get("/openapi.json").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json()
}

#[tokio::test]
async fn one_post_operation_per_endpoint_with_doc_security_and_statuses() {
    let document = document().await;
    assert_eq!(document["openapi"], "3.1.0");
    let operation = &document["paths"]["/webhooks/trigger_training"]["post"];
    assert_eq!(operation["operationId"], "trigger_training");
    assert_eq!(operation["description"], "Retrain when a dataset changes.");
    assert_eq!(
        operation["security"][0]["webhookSecret"],
        Value::Array(vec![])
    );
    let statuses: Vec<&str> = operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        statuses,
        [
            "200", "401", "403", "405", "408", "413", "415", "422", "500"
        ]
    );
    assert_eq!(
        document["paths"]["/webhooks/models/evaluate"]["post"]["summary"],
        "evaluate"
    );
    let scheme = &document["components"]["securitySchemes"]["webhookSecret"];
    assert_eq!(
        (scheme["in"].as_str(), scheme["name"].as_str()),
        (Some("header"), Some("X-Webhook-Secret"))
    );
}

/// Every `description` and `summary` in `value`, at any depth.
fn texts(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, field) in object {
                match field {
                    Value::String(text) if key == "description" || key == "summary" => {
                        found.push(text.clone());
                    }
                    other => texts(other, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| texts(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn descriptions_are_prose_without_rust_code_or_rustdoc_links() {
    let document = document().await;
    let mut found = Vec::new();
    texts(&document, &mut found);
    assert!(found.len() > 50, "{}", found.len());
    for text in &found {
        for rust in ["```", "[`", "Self::", "include_bytes!", "# Ok::", "crate::"] {
            assert!(!text.contains(rust), "{rust} in a description: {text}");
        }
    }
}

#[tokio::test]
async fn the_payload_schema_comes_from_the_types() {
    let document = document().await;
    let schemas = &document["components"]["schemas"];
    let request_schema = &document["paths"]["/webhooks/trigger_training"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(
        request_schema["$ref"],
        "#/components/schemas/WebhookPayload"
    );
    let payload = &schemas["WebhookPayload"];
    assert_eq!(
        payload["required"],
        webhooks_runtime::serde_json::json!(["event", "repo", "webhook"])
    );
    // Wire names, as the Hub sends them, including what the Python model drops or misreads.
    assert!(schemas["WebhookPayloadRepo"]["properties"]["headSha"].is_object());
    assert!(payload["properties"]["updatedConfig"].is_object());
    assert!(schemas["WebhookPayloadDiscussion"]["properties"]["isPullRequest"].is_object());
    assert_eq!(
        schemas["WebhookPayloadWebhook"]["properties"]["version"]["const"],
        3
    );
    // Open sets are strings, so a value the Hub adds later stays valid.
    assert_eq!(schemas["RepoType"]["type"], "string");
    // Every reference resolves.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(schemas[name].is_object(), "dangling reference to {name}");
    }
}

/// Validated with `openapi-spec-validator` (PyPI), which `.ci/run` installs.
#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let document = document().await;
    let path = std::env::temp_dir().join(format!("webhooks-openapi-{}.json", std::process::id()));
    std::fs::write(&path, document.to_string()).unwrap();
    let has_validator = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_validator {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install openapi-spec-validator (pip install openapi-spec-validator)"
        );
        eprintln!(
            "openapi-spec-validator is not installed: `pip install openapi-spec-validator` to run this check"
        );
        return;
    }
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator", path.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every real Hub body validates against the generated schema, and every invalid one is refused by
/// it (except the version, which a schema of the wire format cannot know is unsupported: it does
/// here, through `const`).
#[tokio::test]
async fn the_fixtures_validate_against_the_generated_schema() {
    let document = document().await;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate_fixtures.py");
    let path = std::env::temp_dir().join(format!(
        "webhooks-openapi-fixtures-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, document.to_string()).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let output = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .arg(&fixtures)
        .output();
    let _ = std::fs::remove_file(&path);
    let Ok(output) = output.and_then(|output| {
        if output.status.success() {
            Ok(output)
        } else {
            Err(std::io::Error::other(
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ))
        }
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install jsonschema (with openapi-spec-validator)"
        );
        return;
    };
    let result: Value = webhooks_runtime::serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["rejected_valid"], Value::Array(vec![]), "{result}");
    assert_eq!(result["accepted_invalid"], Value::Array(vec![]), "{result}");
}

#[tokio::test]
async fn background_endpoints_declare_202_and_503_and_immediate_ones_with_a_timeout_504() {
    let configured = builder()
        .include_registered(false)
        .add_background_webhook("evaluate", |_payload: WebhookPayload| async {})
        .endpoint_timeout("evaluate", std::time::Duration::from_secs(60));
    let server = TestServer::with(configured).await;
    let document: Value = server.get("/openapi.json").send().await.json();
    let statuses: Vec<String> = document["paths"]["/webhooks/evaluate"]["post"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        statuses,
        [
            "200", "202", "401", "403", "405", "408", "413", "415", "422", "500", "503"
        ],
        "a background handler's timeout applies after the 202"
    );
    let immediate = TestServer::with(
        builder()
            .include_registered(false)
            .add_webhook("now", |_payload: WebhookPayload| async {})
            .endpoint_timeout("now", std::time::Duration::from_secs(60)),
    )
    .await;
    let document: Value = immediate.get("/openapi.json").send().await.json();
    assert!(document["paths"]["/webhooks/now"]["post"]["responses"]["504"].is_object());
}

#[tokio::test]
async fn the_request_body_is_what_the_handler_reads() {
    use webhooks_runtime::bytes::Bytes;
    use webhooks_runtime::http::HeaderMap;
    use webhooks_runtime::serde_json::json;
    use webhooks_runtime::{Json, WebhookRequest};

    #[derive(serde::Deserialize)]
    struct Ping {
        _zen: String,
    }

    let configured = builder()
        .include_registered(false)
        .add_webhook("payload", |_: HeaderMap, _: WebhookPayload| async {})
        .add_webhook("own_json", |_: Json<Ping>| async {})
        .add_webhook("raw", |_: Bytes| async {})
        .add_webhook("request", |_: WebhookRequest| async {})
        .add_webhook("headers_only", |_: HeaderMap| async {})
        .add_blocking_webhook("nothing", || ());
    let server = TestServer::with(configured).await;
    let document: Value = server.get("/openapi.json").send().await.json();
    let operation = |path: &str| document["paths"][format!("/webhooks/{path}")]["post"].clone();
    let content_types = |path: &str| {
        operation(path)["requestBody"]["content"]
            .as_object()
            .map(|content| content.keys().cloned().collect::<Vec<_>>())
    };
    let statuses = |path: &str| {
        let responses = operation(path)["responses"].clone();
        (
            responses.get("415").is_some(),
            responses.get("422").is_some(),
        )
    };
    assert_eq!(
        operation("payload")["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        json!("#/components/schemas/WebhookPayload")
    );
    assert_eq!(
        operation("own_json")["requestBody"]["content"]["application/json"]["schema"],
        json!({})
    );
    assert_eq!(content_types("raw"), Some(vec!["*/*".to_owned()]));
    assert_eq!(content_types("request"), Some(vec!["*/*".to_owned()]));
    assert_eq!(content_types("headers_only"), None);
    assert_eq!(content_types("nothing"), None);
    assert_eq!(statuses("payload"), (true, true));
    assert_eq!(statuses("own_json"), (true, true));
    assert_eq!(statuses("raw"), (false, true));
    assert_eq!(statuses("nothing"), (false, false));
}
