use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint("/say_hello")]
fn hello() {}

#[webhook_endpoint(path = "greet/")]
async fn greet() {}

#[webhook_endpoint("/models/retrain")]
async fn nested() {}

#[webhook_endpoint(path = "v1.2~x:y@z")]
fn punctuation() {}

fn main() {
    let paths: Vec<_> = webhooks_runtime::server::registered_endpoints()
        .unwrap()
        .iter()
        .map(|endpoint| (endpoint.path(), endpoint.function()))
        .collect();
    assert_eq!(
        paths,
        [("greet", "greet"), ("models/retrain", "nested"), ("say_hello", "hello"), ("v1.2~x:y@z", "punctuation")]
    );
}
