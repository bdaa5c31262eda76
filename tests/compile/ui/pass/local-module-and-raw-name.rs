mod handlers {
    /// Handles moves.
    #[webhooks_runtime::webhook_endpoint]
    pub(crate) fn r#move() {}
}

fn main() {
    let endpoints = webhooks_runtime::server::registered_endpoints().unwrap();
    assert_eq!(endpoints[0].path(), "move");
    assert_eq!(endpoints[0].function(), "move");
    assert!(endpoints[0].module_path().ends_with("::handlers"), "{}", endpoints[0].module_path());
    handlers::r#move();
}
