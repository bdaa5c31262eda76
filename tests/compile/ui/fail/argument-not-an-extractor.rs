use webhooks_runtime::webhook_endpoint;

struct Config;

#[webhook_endpoint]
async fn handle(config: Config) {
    let _ = config;
}

fn main() {}
