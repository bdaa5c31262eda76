//! `TestServer` leaves no journal folder behind. Not in `all`: it counts this process's folders
//! in the temporary directory, which the tests there create concurrently.

use webhooks_runtime::WebhooksServer;
use webhooks_runtime::testing::TestServer;

/// This process's test-server journal folders.
fn journal_folders() -> Vec<std::path::PathBuf> {
    let prefix = format!("webhooks-test-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

async fn server_with_a_journaled_delivery() -> TestServer {
    let server = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .add_webhook("echo", || async {}),
    )
    .await;
    let response = server.post("/webhooks/echo").body("{}").send().await;
    assert_eq!(response.status(), 200);
    server
}

#[tokio::test]
async fn the_journal_folder_is_removed_when_the_server_stops_or_is_dropped() {
    let server = server_with_a_journaled_delivery().await;
    let folders = journal_folders();
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(folders[0].join("deliveries.log").exists());
    server.shutdown().await;
    assert_eq!(journal_folders(), Vec::<std::path::PathBuf>::new());

    let server = server_with_a_journaled_delivery().await;
    assert_eq!(journal_folders().len(), 1);
    drop(server);
    assert_eq!(journal_folders(), Vec::<std::path::PathBuf>::new());
}
