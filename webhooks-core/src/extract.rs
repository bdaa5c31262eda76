//! How each handler argument is built from the request.

use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::json::Json;
use crate::payload::WebhookPayload;
use crate::rejection::Rejection;
use crate::request::WebhookRequest;

/// A type a webhook handler can take as an argument, built from the request.
///
/// Implemented for [`WebhookPayload`] (the parsed Hub body), [`WebhookRequest`] (the raw request),
/// [`Json<T>`] (the body as your own type), [`http::HeaderMap`], [`bytes::Bytes`] (the raw body),
/// `Option<T>` (`None` instead of a rejection) and `Result<T, Rejection>`. Implement it for your own
/// types to share extraction logic between handlers.
///
/// ```
/// use webhooks_core::{FromWebhookRequest, Rejection, WebhookRequest};
///
/// /// The `user-agent` the sender announced.
/// struct UserAgent(String);
///
/// impl FromWebhookRequest for UserAgent {
///     fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
///         let value = request.headers().get(http::header::USER_AGENT)
///             .and_then(|value| value.to_str().ok())
///             .ok_or_else(|| Rejection::new(http::StatusCode::BAD_REQUEST, "no user-agent"))?;
///         Ok(UserAgent(value.to_owned()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a webhook handler argument",
    label = "this argument type does not implement `FromWebhookRequest`",
    note = "handler arguments can be `WebhookPayload`, `WebhookRequest`, `Json<T>` for any `T: serde::de::DeserializeOwned`, `http::HeaderMap`, `bytes::Bytes`, `Delivery`, `Option` of those, or your own type implementing `FromWebhookRequest`"
)]
pub trait FromWebhookRequest: Sized {
    /// Builds the argument, or refuses the request with the response to send.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] when the request does not provide what the argument needs; the handler
    /// does not run and the client gets the rejection's status and reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_core::{FromWebhookRequest, WebhookPayload, WebhookRequest};
    ///
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/x".parse().unwrap(),
    ///     http::HeaderMap::new(),
    ///     "not json".into(),
    /// );
    /// let rejection = WebhookPayload::from_webhook_request(&request).err().unwrap();
    /// assert_eq!(rejection.status(), 422);
    /// // `Option` turns the refusal into `None`.
    /// assert!(Option::<WebhookPayload>::from_webhook_request(&request).unwrap().is_none());
    /// ```
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection>;

    /// What this argument reads of the body. [`BodyUse::Raw`] unless you say otherwise: the
    /// server then lets any `Content-Type` through to it. An extractor that parses JSON says
    /// [`BodyUse::ParsedJson`], so that a request that does not declare JSON gets 415 before it runs.
    ///
    /// ```
    /// use webhooks_core::extract::BodyUse;
    /// use webhooks_core::{FromWebhookRequest, Rejection, WebhookRequest};
    ///
    /// /// The body's first line, whatever it is.
    /// struct FirstLine(String);
    ///
    /// impl FromWebhookRequest for FirstLine {
    ///     const BODY: BodyUse = BodyUse::Raw;
    ///
    ///     fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
    ///         let text = String::from_utf8_lossy(request.body());
    ///         Ok(FirstLine(text.lines().next().unwrap_or_default().to_owned()))
    ///     }
    /// }
    /// assert_eq!(<http::HeaderMap as FromWebhookRequest>::BODY, BodyUse::Ignored);
    /// ```
    const BODY: BodyUse = BodyUse::Raw;
}

/// What a handler argument reads of the request's body, from reading nothing to parsing the Hub's
/// payload. A handler's arguments together read the most any of them reads ([`BodyUse::and`]).
///
/// The server refuses a body that is not declared JSON (415) to handlers that parse JSON, and the
/// OpenAPI document describes each endpoint's request body from it.
///
/// ```
/// use webhooks_core::extract::BodyUse;
///
/// // A handler taking `(HeaderMap, WebhookPayload)` parses the Hub payload.
/// let both = BodyUse::Ignored.and(BodyUse::HubPayload);
/// assert_eq!(both, BodyUse::HubPayload);
/// assert!(both.parses_json());
/// assert!(!BodyUse::Raw.parses_json());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BodyUse {
    /// The body is not read (`http::HeaderMap`).
    Ignored,
    /// The raw bytes, whatever their type (`bytes::Bytes`, `WebhookRequest`, and your own
    /// extractors unless they say otherwise).
    Raw,
    /// JSON parsed into a type of yours (`Json<T>`).
    ParsedJson,
    /// The Hub's webhook payload (`WebhookPayload`).
    HubPayload,
}

impl BodyUse {
    /// What two arguments read together: the more of the two.
    ///
    /// ```
    /// use webhooks_core::extract::BodyUse;
    ///
    /// assert_eq!(BodyUse::Raw.and(BodyUse::ParsedJson), BodyUse::ParsedJson);
    /// assert_eq!(BodyUse::ParsedJson.and(BodyUse::Ignored), BodyUse::ParsedJson);
    /// ```
    pub const fn and(self, other: BodyUse) -> BodyUse {
        if (other as u8) > (self as u8) {
            other
        } else {
            self
        }
    }

    /// Whether the body is parsed as JSON: the server then answers 415 to a request whose
    /// `Content-Type` is missing or not JSON, before reading its body.
    ///
    /// ```
    /// use webhooks_core::extract::BodyUse;
    ///
    /// assert!(BodyUse::HubPayload.parses_json());
    /// assert!(!BodyUse::Raw.parses_json());
    /// ```
    pub const fn parses_json(self) -> bool {
        matches!(self, BodyUse::ParsedJson | BodyUse::HubPayload)
    }
}

impl FromWebhookRequest for WebhookPayload {
    const BODY: BodyUse = BodyUse::HubPayload;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        match request.take_parsed_payload() {
            Some(payload) => Ok(payload),
            None => Ok(request.payload()?),
        }
    }
}

impl FromWebhookRequest for WebhookRequest {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(request.clone())
    }
}

impl<T: DeserializeOwned> FromWebhookRequest for Json<T> {
    const BODY: BodyUse = BodyUse::ParsedJson;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(Json(request.json()?))
    }
}

impl FromWebhookRequest for HeaderMap {
    const BODY: BodyUse = BodyUse::Ignored;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(request.headers().clone())
    }
}

impl FromWebhookRequest for Bytes {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(request.body().clone())
    }
}

impl<T: FromWebhookRequest> FromWebhookRequest for Option<T> {
    const BODY: BodyUse = T::BODY;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(T::from_webhook_request(request).ok())
    }
}

impl<T: FromWebhookRequest> FromWebhookRequest for Result<T, Rejection> {
    const BODY: BodyUse = T::BODY;

    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(T::from_webhook_request(request))
    }
}
