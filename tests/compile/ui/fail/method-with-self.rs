use webhooks_runtime::webhook_endpoint;

struct Bot;

impl Bot {
    #[webhook_endpoint]
    fn handle(&self) {}
}

fn main() {}
