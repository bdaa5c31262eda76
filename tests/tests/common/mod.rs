//! Helpers shared by the black-box tests.

// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub)]

pub mod postgres;
pub mod process;

use std::path::{Path, PathBuf};

use webhooks_runtime::serde_json::Value;
use webhooks_runtime::testing::{TestResponse, TestServer};

/// A body from `fixtures/` at the workspace root.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The folder of real Hub bodies.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every `.rs` file under `dir`, at any depth, appended to `found`.
pub fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// `GET path` with the admin token the delivery API tests give their servers (`admin-token`).
pub async fn api(server: &TestServer, path: &str) -> TestResponse {
    server
        .get(path)
        .header("authorization", "Bearer admin-token")
        .send()
        .await
}

/// The journal's record of delivery `id` (either id) once `settled` says so, polled, bounded.
pub async fn record_when(server: &TestServer, id: &str, settled: impl Fn(&Value) -> bool) -> Value {
    webhooks_tests::eventually::eventually(&format!("delivery {id} settled"), async || {
        let record: Value = api(server, &format!("/api/deliveries/{id}")).await.json();
        settled(&record).then_some(record)
    })
    .await
}
