use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(action = ["create", "updated"], repo_type = "models")]
async fn on_change(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
