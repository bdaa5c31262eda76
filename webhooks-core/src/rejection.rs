//! Why a request did not reach its handler, and the response that says so.

use bytes::Bytes;
use http::StatusCode;

use crate::payload::PayloadError;
use crate::response::{WebhookResponse, json_response};

/// A request refused before its handler ran: a status and a reason, answered as JSON
/// `{"error": "<reason>"}`, with `"field"` when a body field is at fault.
///
/// Return one from your own [`FromWebhookRequest`](crate::FromWebhookRequest) implementations.
///
/// ```
/// use webhooks_core::Rejection;
/// let rejection = Rejection::new(http::StatusCode::BAD_REQUEST, "missing `x-event` header");
/// assert_eq!(rejection.status(), http::StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    reason: String,
    field: Option<String>,
}

impl Rejection {
    /// A rejection with this status and reason.
    ///
    /// ```
    /// use webhooks_core::Rejection;
    ///
    /// let rejection = Rejection::new(http::StatusCode::UNPROCESSABLE_ENTITY, "not a model repo");
    /// assert_eq!(rejection.reason(), "not a model repo");
    /// ```
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
            field: None,
        }
    }

    /// The status the client gets.
    ///
    /// ```
    /// let rejection = webhooks_core::Rejection::new(http::StatusCode::FORBIDDEN, "wrong org");
    /// assert_eq!(rejection.status(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason the client gets.
    ///
    /// ```
    /// let rejection = webhooks_core::Rejection::new(http::StatusCode::FORBIDDEN, "wrong org");
    /// assert_eq!(rejection.reason(), "wrong org");
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The body field at fault, when there is one.
    ///
    /// ```
    /// use webhooks_core::{FromWebhookRequest, WebhookPayload, WebhookRequest};
    ///
    /// let request = WebhookRequest::new(http::Method::POST, "/webhooks/x".parse().unwrap(),
    ///     http::HeaderMap::new(), r#"{"event": {"action": 3}}"#.into());
    /// let rejection = WebhookPayload::from_webhook_request(&request).err().unwrap();
    /// assert_eq!(rejection.field(), Some("event.action"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The JSON response for this rejection.
    ///
    /// ```
    /// let response = webhooks_core::Rejection::new(http::StatusCode::FORBIDDEN, "wrong org").into_response();
    /// assert_eq!(response.status(), 403);
    /// assert_eq!(&response.body()[..], br#"{"error":"wrong org"}"#);
    /// ```
    pub fn into_response(self) -> WebhookResponse {
        let body = match &self.field {
            Some(field) => serde_json::json!({ "error": self.reason, "field": field }),
            None => serde_json::json!({ "error": self.reason }),
        };
        let mut response = json_response(self.status, Bytes::from(body.to_string()));
        response.extensions_mut().insert(Rejected(self));
        response
    }

    /// Whether `response` came from [`Rejection::into_response`]: a request refused before its
    /// handler ran, as opposed to a handler's own answer with the same status. The server counts
    /// the first as a parse failure in its metrics, the second as handled.
    ///
    /// ```
    /// use webhooks_core::{IntoWebhookResponse, Rejection};
    ///
    /// let refused = Rejection::new(http::StatusCode::UNPROCESSABLE_ENTITY, "no repo").into_response();
    /// let answered = (http::StatusCode::UNPROCESSABLE_ENTITY, "no repo").into_webhook_response();
    /// assert!(Rejection::is_rejection(&refused));
    /// assert!(!Rejection::is_rejection(&answered));
    /// ```
    pub fn is_rejection(response: &WebhookResponse) -> bool {
        Self::of(response).is_some()
    }

    /// The rejection `response` was made from by [`Rejection::into_response`], if it was: what
    /// the server journals and logs of a refused request, without reading its body back.
    ///
    /// ```
    /// use webhooks_core::Rejection;
    ///
    /// let response = Rejection::new(http::StatusCode::UNPROCESSABLE_ENTITY, "no repo").into_response();
    /// assert_eq!(Rejection::of(&response).map(Rejection::reason), Some("no repo"));
    /// ```
    pub fn of(response: &WebhookResponse) -> Option<&Rejection> {
        response
            .extensions()
            .get::<Rejected>()
            .map(|rejected| &rejected.0)
    }
}

/// Marks a response made by [`Rejection::into_response`].
#[derive(Debug, Clone)]
struct Rejected(Rejection);

/// A body that does not fit the handler's argument is a 422 naming the field.
impl From<PayloadError> for Rejection {
    fn from(error: PayloadError) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            reason: format!("Invalid payload: {error}"),
            field: error.path().map(str::to_owned),
        }
    }
}
