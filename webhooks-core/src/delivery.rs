//! The `Delivery` handler argument: which delivery this is, and which attempt, so that a handler
//! can be idempotent.

use http::{HeaderName, StatusCode};

use crate::extract::{BodyUse, FromWebhookRequest};
use crate::rejection::Rejection;
use crate::request::WebhookRequest;

/// The header carrying the delivery's id to its handler: the journal's id, the same on every
/// attempt. The server sets it; a client's copy is removed.
pub const DELIVERY_ID_HEADER: &str = "x-webhook-delivery-id";

/// The header carrying the attempt number (1 on the first run) to the handler.
pub const DELIVERY_ATTEMPT_HEADER: &str = "x-webhook-delivery-attempt";

/// The header carrying, on a replay, the id of the delivery replayed.
pub const REPLAY_OF_HEADER: &str = "x-webhook-replay-of";

/// The header the Hub sends with every delivery since September 2026 (hub-docs PR #2749): an id
/// unique to the delivery, the same on each of its retries and on a replay from the webhook's
/// Activity tab. Its format is not documented; it is read as an opaque string (see
/// [`is_valid_webhook_id`]).
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";

/// The longest `Webhook-Id` the server takes as the Hub's; a longer one is ignored.
pub const MAX_WEBHOOK_ID_LEN: usize = 128;

/// Whether `value` is taken as the Hub's `Webhook-Id`: 1 to [`MAX_WEBHOOK_ID_LEN`] visible ASCII
/// characters (`!` to `~`). Anything else is ignored: the server logs a warning and gives the
/// delivery an id of its own, and never refuses the request for it.
///
/// ```
/// use webhooks_core::delivery::is_valid_webhook_id;
///
/// assert!(is_valid_webhook_id("6740f1a2b3c4d5e6f7a8b9c0"));
/// assert!(!is_valid_webhook_id(""));
/// assert!(!is_valid_webhook_id("two words"));
/// assert!(!is_valid_webhook_id(&"x".repeat(129)));
/// ```
pub fn is_valid_webhook_id(value: &str) -> bool {
    (1..=MAX_WEBHOOK_ID_LEN).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic())
}

/// The Hub's `Webhook-Id` in `headers`, when there is a valid one (see [`is_valid_webhook_id`]).
///
/// ```
/// use webhooks_core::delivery::webhook_id;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("webhook-id", "6740f1a2".parse().unwrap());
/// assert_eq!(webhook_id(&headers), Some("6740f1a2"));
/// headers.insert("webhook-id", "two words".parse().unwrap());
/// assert_eq!(webhook_id(&headers), None);
/// ```
pub fn webhook_id(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(&WEBHOOK_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_valid_webhook_id(id))
}

/// [`WEBHOOK_ID_HEADER`] as a `HeaderName`. Not public API.
#[doc(hidden)]
pub static WEBHOOK_ID: HeaderName = HeaderName::from_static(WEBHOOK_ID_HEADER);

/// [`DELIVERY_ID_HEADER`] as a `HeaderName`: looked up and set without parsing the name on every
/// request. Not public API (the server and the `Delivery` argument share it).
#[doc(hidden)]
pub static DELIVERY_ID: HeaderName = HeaderName::from_static(DELIVERY_ID_HEADER);
/// [`DELIVERY_ATTEMPT_HEADER`] as a `HeaderName`. Not public API.
#[doc(hidden)]
pub static DELIVERY_ATTEMPT: HeaderName = HeaderName::from_static(DELIVERY_ATTEMPT_HEADER);
/// [`REPLAY_OF_HEADER`] as a `HeaderName`. Not public API.
#[doc(hidden)]
pub static REPLAY_OF: HeaderName = HeaderName::from_static(REPLAY_OF_HEADER);

/// Which delivery a handler runs for, as a handler argument.
///
/// Deliveries are handled at least once: a background handler that fails is retried, one whose
/// process dies while it runs is run again, and the Hub retries every delivery that was not
/// answered 2xx (hub-docs PR #2773). With the journal on, a Hub retry (the same `Webhook-Id`) of a
/// delivery that succeeded is not run again, and one of a delivery that failed runs as the next
/// attempt under the same [`Delivery::id`]. Key side effects on [`Delivery::id`] (or on
/// [`Delivery::webhook_id`]) to make them idempotent.
///
/// ```
/// use webhooks_core::{Delivery, WebhookPayload};
///
/// async fn evaluate(payload: WebhookPayload, delivery: Delivery) {
///     if delivery.attempt() > 1 {
///         println!("retrying {} (attempt {})", delivery.id(), delivery.attempt());
///     }
///     // e.g. an evaluation job named after the delivery: starting it twice starts it once.
///     let job_name = format!("eval-{}", delivery.id());
///     # let _ = (payload, job_name);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    id: String,
    attempt: u32,
    replay_of: Option<String>,
    webhook_id: Option<String>,
}

impl Delivery {
    /// A delivery as the server describes it to a handler.
    ///
    /// ```
    /// use webhooks_core::Delivery;
    ///
    /// let delivery = Delivery::new("01a2-…", 2, None);
    /// assert_eq!((delivery.id(), delivery.attempt(), delivery.is_replay()), ("01a2-…", 2, false));
    /// ```
    pub fn new(id: impl Into<String>, attempt: u32, replay_of: Option<String>) -> Self {
        Delivery {
            id: id.into(),
            attempt,
            replay_of,
            webhook_id: None,
        }
    }

    /// This delivery, with the Hub's `Webhook-Id`.
    ///
    /// ```
    /// use webhooks_core::Delivery;
    ///
    /// let delivery = Delivery::new("01a", 1, None).with_webhook_id(Some("6740f1a2".to_owned()));
    /// assert_eq!(delivery.webhook_id(), Some("6740f1a2"));
    /// ```
    #[must_use]
    pub fn with_webhook_id(mut self, webhook_id: Option<String>) -> Self {
        self.webhook_id = webhook_id;
        self
    }

    /// The Hub's `Webhook-Id` for this delivery, when it sent one (every Hub delivery carries it
    /// since September 2026, hub-docs PR #2749): the same on each retry and on a replay from the
    /// Activity tab, so a key for side effects that must happen once per Hub event. `None` for a
    /// request without one, or with one that is not 1 to 128 visible ASCII characters.
    pub fn webhook_id(&self) -> Option<&str> {
        self.webhook_id.as_deref()
    }

    /// The journal's id for this delivery (a UUIDv7), the same on every attempt; a replay gets
    /// its own.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Which run this is: 1 the first time, 2 on the first retry…
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Whether someone asked for this delivery to be handled again (the delivery API's replay).
    ///
    /// ```
    /// use webhooks_core::Delivery;
    ///
    /// let replay = Delivery::new("01b", 1, Some("01a".to_owned()));
    /// assert!(replay.is_replay());
    /// assert_eq!(replay.replay_of(), Some("01a"));
    /// ```
    pub fn is_replay(&self) -> bool {
        self.replay_of.is_some()
    }

    /// The id of the delivery this one replays.
    pub fn replay_of(&self) -> Option<&str> {
        self.replay_of.as_deref()
    }
}

impl FromWebhookRequest for Delivery {
    const BODY: BodyUse = BodyUse::Ignored;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        let header = |name: &HeaderName| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let Some(id) = header(&DELIVERY_ID) else {
            return Err(Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no delivery id: the server sets it on every request it hands to a handler",
            ));
        };
        let attempt = header(&DELIVERY_ATTEMPT)
            .and_then(|attempt| attempt.parse().ok())
            .unwrap_or(1);
        let webhook_id = webhook_id(request.headers()).map(str::to_owned);
        Ok(Delivery::new(id, attempt, header(&REPLAY_OF)).with_webhook_id(webhook_id))
    }
}
