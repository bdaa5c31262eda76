use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(scope = "repo", scope = "discussion", action = "create", action = "delete")]
async fn on_event(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
