use webhooks_runtime::webhook_endpoint;

struct Report;

#[webhook_endpoint]
fn handle() -> Report {
    Report
}

fn main() {}
