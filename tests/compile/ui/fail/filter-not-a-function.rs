use webhooks_runtime::{WebhookPayload, webhook_endpoint};

const IS_MAIN: bool = true;

fn takes_a_string(name: &str) -> bool {
    name.is_empty()
}

#[webhook_endpoint(filter = IS_MAIN)]
async fn on_push(payload: WebhookPayload) {
    let _ = payload;
}

#[webhook_endpoint(filter = takes_a_string)]
async fn on_other_push(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
