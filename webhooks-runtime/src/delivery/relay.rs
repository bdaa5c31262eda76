//! What a relay's poll (`hf-webhooks forward`) is handed: the oldest deliveries waiting at the
//! relay's catch-all route, waiting for one to arrive when there is none (a long poll). Each is
//! claimed under the delivery lease, as a background worker would claim it: the forwarder
//! acknowledges it by deleting it once its local server answered; one it does not acknowledge in
//! time is rescued and handed out again. So a forwarder that stops, crashes or loses its
//! connection loses nothing, and resumes with what it had not acknowledged. The poll over HTTP
//! (`GET /api/relay/next?wait_ms=`) is `web/relay_next.rs`.

use std::time::Duration;

use crate::delivery::Deliveries;
use crate::delivery::journal::{DeliveryRecord, JournalError};
use crate::endpoint::route::Route;

/// How often a waiting poll looks for deliveries whose lease lapsed.
const RESCUE_CHECK: Duration = Duration::from_secs(1);

/// Deliveries handed out per poll: one, so that each is acknowledged well within its lease
/// however slow the local server is.
const PER_POLL: usize = 1;

/// The oldest deliveries waiting at the relay's `route`, claimed, each with its summary (scope,
/// action, repo) read; none when none arrived within `wait`. (`web/relay_next.rs` answers the
/// poll over HTTP.)
pub(crate) async fn next(
    deliveries: &Deliveries,
    route: &Route,
    wait: Duration,
) -> Result<Vec<DeliveryRecord>, JournalError> {
    let deadline = tokio::time::Instant::now() + wait;
    let waker = deliveries.waker(route.id);
    loop {
        // Listening before looking: a delivery queued in between wakes the wait below.
        let arrived = waker.notified();
        let mut claimed = match deliveries.claim_due(route, PER_POLL).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::error!(%error, "the relay cannot read its queue");
                return Err(error);
            }
        };
        if !claimed.is_empty() {
            for delivery in &mut claimed {
                // Read at the forwarder's request when the request path did not (its log was off).
                if delivery.scope.is_none() {
                    delivery.summarize();
                }
            }
            return Ok(claimed);
        }
        // Looking again every second: a delivery whose forwarder vanished comes back when its
        // lease lapses, which wakes nobody.
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(Vec::new());
        }
        let _ = tokio::time::timeout_at(deadline.min(now + RESCUE_CHECK), arrived).await;
    }
}
