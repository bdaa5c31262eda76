use webhooks_runtime::http::{Response, StatusCode};
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{Json, webhook_endpoint};

#[webhook_endpoint]
fn unit() {}

#[webhook_endpoint]
async fn value() -> Value {
    json!({"ok": true})
}

#[webhook_endpoint]
fn typed() -> Json<Vec<u32>> {
    Json(vec![1, 2])
}

#[webhook_endpoint]
fn text() -> String {
    "hello".to_owned()
}

#[webhook_endpoint]
fn static_text() -> &'static str {
    "hello"
}

#[webhook_endpoint]
fn status() -> StatusCode {
    StatusCode::ACCEPTED
}

#[webhook_endpoint]
fn with_status() -> (StatusCode, Value) {
    (StatusCode::CREATED, json!({}))
}

#[webhook_endpoint]
fn response() -> Response<String> {
    Response::builder().header("content-type", "application/xml").body("<Response/>".to_owned()).unwrap()
}

#[webhook_endpoint]
async fn fallible() -> Result<Value, std::io::Error> {
    Ok(json!(null))
}

#[webhook_endpoint]
fn boxed_error() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Ok(())
}

fn main() {
    assert_eq!(webhooks_runtime::server::registered_endpoints().unwrap().len(), 10);
}
