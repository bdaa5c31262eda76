//! `GET /api/relay/next?wait_ms=` over HTTP: how long the poll may wait, and the deliveries
//! handed out as JSON. What is handed out, and the claiming, are in `delivery/relay.rs`.

use std::time::Duration;

use base64::Engine as _;
use http::StatusCode;
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::delivery::journal::DeliveryRecord;
use crate::delivery::{Deliveries, relay};
use crate::endpoint::route::Route;

/// How long a poll waits for a delivery by default, and at most.
const DEFAULT_WAIT: Duration = Duration::from_secs(25);
const MAX_WAIT: Duration = Duration::from_secs(60);

/// `GET /api/relay/next`: `{"deliveries": [...]}`, each with its `id`, `uri` (the path it was
/// posted to, without any secret), `headers`, `received_at_ms`, `scope`, `action`, `repo`,
/// `attempt` and `body_base64`; an empty list when none arrived within `wait_ms`. 400 for a
/// `wait_ms` that is not a number, 503 when the journal cannot be read.
pub(crate) async fn answer(
    deliveries: &Deliveries,
    route: &Route,
    query: Option<&str>,
) -> WebhookResponse {
    let wait = match wait_from(query) {
        Ok(wait) => wait,
        Err(refusal) => return refusal,
    };
    match relay::next(deliveries, route, wait).await {
        Ok(claimed) => handed_out(&claimed),
        Err(error) => answers::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
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

/// The deliveries as the forwarder reads them.
fn handed_out(claimed: &[DeliveryRecord]) -> WebhookResponse {
    let deliveries: Vec<serde_json::Value> = claimed
        .iter()
        .map(|delivery| {
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
