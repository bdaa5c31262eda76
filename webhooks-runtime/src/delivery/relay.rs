//! A relay's side of `hf-webhooks forward`: `GET /api/relay/next?wait_ms=` hands out the oldest
//! deliveries waiting at the relay's catch-all route, waiting for one to arrive when there is none
//! (a long poll). Each is claimed under the delivery lease, as a background worker would claim it:
//! the forwarder acknowledges it by deleting it once its local server answered; one it does not
//! acknowledge in time is rescued and handed out again. So a forwarder that stops, crashes or
//! loses its connection loses nothing, and resumes with what it had not acknowledged.

use std::time::Duration;

use base64::Engine as _;
use http::StatusCode;
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::delivery::Deliveries;
use crate::delivery::journal::DeliveryRecord;
use crate::endpoint::route::Route;

/// How long a poll waits for a delivery by default, and at most.
const DEFAULT_WAIT: Duration = Duration::from_secs(25);
const MAX_WAIT: Duration = Duration::from_secs(60);

/// How often a waiting poll looks for deliveries whose lease lapsed.
const RESCUE_CHECK: Duration = Duration::from_secs(1);

/// Deliveries handed out per poll: one, so that each is acknowledged well within its lease
/// however slow the local server is.
const PER_POLL: usize = 1;

/// `GET /api/relay/next`: `{"deliveries": [...]}`, each with its `id`, `uri` (the path it was
/// posted to, without any secret), `headers`, `received_at_ms`, `scope`, `action`, `repo` and
/// `body_base64`; an empty list when none arrived within `wait_ms`.
pub(crate) async fn next(
    deliveries: &Deliveries,
    route: &Route,
    query: Option<&str>,
) -> WebhookResponse {
    let wait = match wait_from(query) {
        Ok(wait) => wait,
        Err(refusal) => return refusal,
    };
    let deadline = tokio::time::Instant::now() + wait;
    let waker = deliveries.waker(route.id);
    loop {
        // Listening before looking: a delivery queued in between wakes the wait below.
        let arrived = waker.notified();
        match deliveries.claim_due(route, PER_POLL).await {
            Ok(claimed) if !claimed.is_empty() => return handed_out(&claimed),
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "the relay cannot read its queue");
                return answers::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
            }
        }
        // Looking again every second: a delivery whose forwarder vanished comes back when its
        // lease lapses, which wakes nobody.
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return handed_out(&[]);
        }
        let _ = tokio::time::timeout_at(deadline.min(now + RESCUE_CHECK), arrived).await;
    }
}

/// The `wait_ms` parameter, within [`MAX_WAIT`].
fn wait_from(query: Option<&str>) -> Result<Duration, WebhookResponse> {
    let asked = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "wait_ms")
        .map(|(_, value)| value.into_owned());
    match asked {
        None => Ok(DEFAULT_WAIT),
        Some(value) => match value.parse::<u64>() {
            Ok(ms) => Ok(Duration::from_millis(ms).min(MAX_WAIT)),
            Err(_) => Err(answers::error(
                StatusCode::BAD_REQUEST,
                "wait_ms must be a number of milliseconds, at most 60000",
            )),
        },
    }
}

fn handed_out(claimed: &[DeliveryRecord]) -> WebhookResponse {
    let deliveries: Vec<serde_json::Value> = claimed
        .iter()
        .map(|delivery| {
            // Read at the forwarder's request when the request path did not (its log was off).
            let mut delivery = delivery.clone();
            if delivery.scope.is_none() {
                delivery.summarize();
            }
            serde_json::json!({
                "id": delivery.id,
                "uri": delivery.uri,
                "headers": delivery.headers,
                "received_at_ms": delivery.received_at_ms,
                "scope": delivery.scope,
                "action": delivery.action,
                "repo": delivery.repo,
                "attempt": delivery.attempts,
                "body_base64": base64::engine::general_purpose::STANDARD.encode(&delivery.body),
            })
        })
        .collect();
    answers::json(
        StatusCode::OK,
        &serde_json::json!({ "deliveries": deliveries }),
    )
}
