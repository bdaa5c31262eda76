use webhooks_runtime::{WebhookPayload, webhook_endpoint};

struct Config;

#[webhook_endpoint]
fn handle(payload: WebhookPayload, config: Config) {
    let _ = (payload, config);
}

fn main() {}
