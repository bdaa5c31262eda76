//! The one way the tests wait for something that happens in the background: poll, bounded.

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
    mut attempt: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(found) = attempt().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within {patience:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
