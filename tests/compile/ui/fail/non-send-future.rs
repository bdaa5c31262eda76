use std::rc::Rc;
use webhooks_runtime::webhook_endpoint;

async fn work() {}

#[webhook_endpoint]
async fn handle() {
    let counter = Rc::new(1);
    work().await;
    drop(counter);
}

fn main() {}
