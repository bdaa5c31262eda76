//! Two endpoints at one path are refused, naming both functions and where they are.

use webhooks_runtime::{Error, webhook_endpoint};

#[webhook_endpoint("/deploy")]
fn deploy_preview() {}

#[webhook_endpoint]
async fn deploy() {}

#[webhook_endpoint("unique")]
fn unique() {}

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    webhooks_runtime::WebhooksServer::builder().include_registered_in(module_path!())
}

#[test]
fn duplicate_paths_are_an_error_naming_both_functions_and_locations() {
    let error = builder().read_environment(false).build().unwrap_err();
    let Error::DuplicatePaths(duplicates) = &error else {
        panic!("unexpected error: {error}")
    };
    assert_eq!(duplicates.len(), 1);
    let message = error.to_string();
    let file = file!();
    // Sorted by path, then by location: `deploy_preview` is written first.
    assert_eq!(
        message,
        format!(
            "two webhook endpoints are registered at /webhooks/deploy: `deploy_preview` ({file}:6) and `deploy` ({file}:9); give one of them another path with #[webhook_endpoint(\"other_name\")]"
        )
    );
}
