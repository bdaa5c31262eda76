use webhooks_runtime::http::HeaderMap;
use webhooks_runtime::{Json, Rejection, WebhookPayload, WebhookRequest, webhook_endpoint};

#[derive(serde::Deserialize)]
struct Scope {
    #[allow(dead_code)]
    event: webhooks_runtime::serde_json::Value,
}

#[webhook_endpoint]
async fn everything(
    request: WebhookRequest,
    mut payload: WebhookPayload,
    Json(_scope): Json<Scope>,
    headers: HeaderMap,
    body: webhooks_runtime::bytes::Bytes,
    maybe: Option<Json<Scope>>,
    checked: Result<WebhookPayload, Rejection>,
) {
    payload.event.scope.push('!');
    let _ = (request, headers, body, maybe, checked);
}

#[webhook_endpoint]
fn nothing() {}

fn main() {}
