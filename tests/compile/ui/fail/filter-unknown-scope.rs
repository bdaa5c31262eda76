use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(scope = "repo.contnet")]
async fn on_push(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
