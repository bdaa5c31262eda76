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
    note = "handler arguments can be `WebhookPayload`, `WebhookRequest`, `Json<T>` for any `T: serde::de::DeserializeOwned`, `http::HeaderMap`, `bytes::Bytes`, `Option` of those, or your own type implementing `FromWebhookRequest`"
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
}

impl FromWebhookRequest for WebhookPayload {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(request.payload()?)
    }
}

impl FromWebhookRequest for WebhookRequest {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(request.clone())
    }
}

impl<T: DeserializeOwned> FromWebhookRequest for Json<T> {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(Json(request.json()?))
    }
}

impl FromWebhookRequest for HeaderMap {
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
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(T::from_webhook_request(request).ok())
    }
}

impl<T: FromWebhookRequest> FromWebhookRequest for Result<T, Rejection> {
    fn from_webhook_request(request: &WebhookRequest) -> Result<Self, Rejection> {
        Ok(T::from_webhook_request(request))
    }
}
