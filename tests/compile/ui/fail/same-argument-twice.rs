use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint]
async fn handle(first: WebhookPayload, second: WebhookPayload) {
    let _ = (first, second);
}

fn main() {}
