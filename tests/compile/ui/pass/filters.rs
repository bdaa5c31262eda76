use webhooks_runtime::{WebhookPayload, webhook_endpoint};

fn is_public(payload: &WebhookPayload) -> bool {
    !payload.repo.private
}

mod checks {
    pub fn always(_: &webhooks_runtime::WebhookPayload) -> bool {
        true
    }
}

#[webhook_endpoint("hub", scope = "repo.content", action = "update", repo_type = ["dataset", "model"],
                   repo = ["acme/*", "other/data"], updated_ref = ["refs/heads/main", "refs/tags/*"],
                   filter = is_public)]
async fn on_push(payload: WebhookPayload) {
    let _ = payload;
}

#[webhook_endpoint("hub", background, scope = "discussion", filter = checks::always)]
fn on_discussion(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {
    let filters: Vec<String> = webhooks_runtime::server::Endpoint::registered()
        .map(|endpoint| endpoint.filter().to_string())
        .collect();
    assert!(filters.contains(&r#"scope = "discussion", filter = checks::always"#.to_owned()), "{filters:?}");
}
