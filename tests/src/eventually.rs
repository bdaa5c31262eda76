//! The one way the tests wait for something that happens in the background: poll, bounded
//! (async, or blocking the thread for the tests that drive processes).

use std::time::{Duration, Instant};

/// How long [`eventually`] waits before it fails the test: a bound, not a delay (it returns as
/// soon as the condition holds).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Calls `attempt` every 20 ms until it returns `Some`, and returns that; past [`PATIENCE`],
/// panics saying `what` never happened.
pub async fn eventually<T>(what: &str, attempt: impl AsyncFnMut() -> Option<T>) -> T {
    eventually_within(PATIENCE, what, attempt).await
}

/// [`eventually`] with another bound, for what takes longer (a lease lapsing on another
/// replica).
pub async fn eventually_within<T>(
    patience: Duration,
    what: &str,
    attempt: impl AsyncFnMut() -> Option<T>,
) -> T {
    match poll(patience, attempt).await {
        Some(found) => found,
        None => panic!("{what}: not within {patience:?}"),
    }
}

/// Calls `attempt` every 20 ms until it returns `Some`, and returns that; `None` once
/// `patience` has passed, for a test that then shows what it saw instead.
pub async fn poll<T>(patience: Duration, mut attempt: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(found) = attempt().await {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`poll`], blocking the thread between calls: `None` once `patience` has passed, for a test
/// that asserts something does not happen in time, or shows what it saw instead.
pub fn poll_blocking<T>(patience: Duration, mut attempt: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(found) = attempt() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
