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
/// Deliveries are handled at least once: a background handler that fails is retried, and one
/// whose process dies while it runs is run again. Exactly once, unless a process dies mid-run.
/// Key side effects on [`Delivery::id`] to make them idempotent.
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
        }
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
        Ok(Delivery::new(id, attempt, header(&REPLAY_OF)))
    }
}
