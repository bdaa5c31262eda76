//! Endpoints from a linked library crate are collected beside the binary's own.

// Linking the library is all it takes: nothing of it is named below.
use webhooks_endpoint_library as _;
use webhooks_runtime::webhook_endpoint;

/// The binary's own endpoint.
#[webhook_endpoint]
fn local() {}

#[test]
fn library_endpoints_are_collected_and_sorted_by_path() {
    let endpoints = webhooks_runtime::server::registered_endpoints().unwrap();
    let found: Vec<_> = endpoints
        .iter()
        .map(|e| (e.path(), e.function(), e.doc()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "evaluate_model",
                "evaluate_model",
                "Evaluate a model when it is pushed."
            ),
            ("library/ping", "ping", "Answer pings, from a nested path."),
            ("local", "local", "The binary's own endpoint."),
        ]
    );
    let library = endpoints.iter().find(|e| e.function() == "ping").unwrap();
    assert_eq!(library.module_path(), "webhooks_endpoint_library");
    assert!(
        library.file().ends_with("endpoint-library/src/lib.rs"),
        "{}",
        library.file()
    );
}
