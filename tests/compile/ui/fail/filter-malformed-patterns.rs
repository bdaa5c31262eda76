use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(repo = "acme", updated_ref = ["refs/tags/*", "main"])]
async fn on_release(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
