//! How a handler's return value becomes the response.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use crate::json::Json;

/// The response a handler produces: any body, read in full.
///
/// ```
/// use webhooks_core::{IntoWebhookResponse, WebhookResponse};
///
/// let response: WebhookResponse = "done".into_webhook_response();
/// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub type WebhookResponse = Response<Bytes>;

/// Marks a response made from a handler's `Err`, with the error's message.
///
/// The server logs the message and decides what the client sees (by default a generic
/// `{"error": "Internal server error."}`, so internal details do not leak to the sender).
///
/// ```
/// use webhooks_core::{HandlerFailure, IntoWebhookResponse};
///
/// let response = Err::<(), _>("the GPU queue is full").into_webhook_response();
/// assert_eq!(response.status(), 500);
/// let failure = response.extensions().get::<HandlerFailure>().unwrap();
/// assert_eq!(failure.message, "the GPU queue is full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFailure {
    /// The error's message, `{:#}`-formatted (with its causes, for `anyhow` errors).
    pub message: String,
}

/// The body sent with a 500 when a handler fails, unless the server is told to expose errors.
///
/// ```
/// use webhooks_core::IntoWebhookResponse;
/// use webhooks_core::response::INTERNAL_ERROR_BODY;
///
/// let response = Err::<(), _>("secret internals").into_webhook_response();
/// assert_eq!(&response.body()[..], INTERNAL_ERROR_BODY.as_bytes());
/// ```
pub const INTERNAL_ERROR_BODY: &str = r#"{"error":"Internal server error."}"#;

/// A type a webhook handler can return.
///
/// | return type | response |
/// |---|---|
/// | `()` | 200, body `null` (as the Python reference answers) |
/// | `serde_json::Value`, `Json<T: Serialize>` | 200, the JSON |
/// | `String`, `&'static str` | 200, the text as `text/plain; charset=utf-8` |
/// | `http::StatusCode` | that status, body `null` |
/// | `(StatusCode, T)` | `T`'s response with that status |
/// | `http::Response<B>` with `B: Into<Bytes>` | as is |
/// | `Result<T, E: Display>` | `T`'s response, or a 500 JSON body for `Err` (logged, never a crash) |
///
/// ```
/// use webhooks_core::IntoWebhookResponse;
///
/// let response = (http::StatusCode::ACCEPTED, serde_json::json!({"queued": true})).into_webhook_response();
/// assert_eq!(response.status(), 202);
/// assert_eq!(&response.body()[..], br#"{"queued":true}"#);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a webhook handler",
    label = "this return type does not implement `IntoWebhookResponse`",
    note = "handlers can return `()`, `serde_json::Value`, `Json<T>` for any `T: serde::Serialize`, `String`, `&'static str`, `http::StatusCode`, `(StatusCode, T)`, `http::Response<B>`, or a `Result` of those whose error implements `Display`"
)]
pub trait IntoWebhookResponse {
    /// Builds the response.
    ///
    /// ```
    /// use webhooks_core::IntoWebhookResponse;
    ///
    /// let response = ().into_webhook_response();
    /// assert_eq!((response.status().as_u16(), &response.body()[..]), (200, &b"null"[..]));
    /// ```
    fn into_webhook_response(self) -> WebhookResponse;
}

/// A response with a JSON body.
///
/// ```
/// use webhooks_core::response::json_response;
///
/// let response = json_response(http::StatusCode::ACCEPTED, r#"{"queued":true}"#.into());
/// assert_eq!(response.status(), 202);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
pub fn json_response(status: StatusCode, body: Bytes) -> WebhookResponse {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn serialize_json<T: Serialize + ?Sized>(value: &T) -> WebhookResponse {
    match serde_json::to_vec(value) {
        Ok(body) => json_response(StatusCode::OK, body.into()),
        Err(error) => failure(format!(
            "the handler's return value cannot be serialized: {error}"
        )),
    }
}

fn failure(message: String) -> WebhookResponse {
    let mut response = json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Bytes::from_static(INTERNAL_ERROR_BODY.as_bytes()),
    );
    response.extensions_mut().insert(HandlerFailure { message });
    response
}

impl IntoWebhookResponse for () {
    fn into_webhook_response(self) -> WebhookResponse {
        json_response(StatusCode::OK, Bytes::from_static(b"null"))
    }
}

impl IntoWebhookResponse for serde_json::Value {
    fn into_webhook_response(self) -> WebhookResponse {
        serialize_json(&self)
    }
}

impl<T: Serialize> IntoWebhookResponse for Json<T> {
    fn into_webhook_response(self) -> WebhookResponse {
        serialize_json(&self.0)
    }
}

fn text(body: Bytes) -> WebhookResponse {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

impl IntoWebhookResponse for String {
    fn into_webhook_response(self) -> WebhookResponse {
        text(self.into())
    }
}

impl IntoWebhookResponse for &'static str {
    fn into_webhook_response(self) -> WebhookResponse {
        text(Bytes::from_static(self.as_bytes()))
    }
}

impl IntoWebhookResponse for StatusCode {
    fn into_webhook_response(self) -> WebhookResponse {
        json_response(self, Bytes::from_static(b"null"))
    }
}

impl<T: IntoWebhookResponse> IntoWebhookResponse for (StatusCode, T) {
    fn into_webhook_response(self) -> WebhookResponse {
        let mut response = self.1.into_webhook_response();
        *response.status_mut() = self.0;
        response
    }
}

impl<B: Into<Bytes>> IntoWebhookResponse for Response<B> {
    fn into_webhook_response(self) -> WebhookResponse {
        self.map(Into::into)
    }
}

impl<T: IntoWebhookResponse, E: std::fmt::Display> IntoWebhookResponse for Result<T, E> {
    fn into_webhook_response(self) -> WebhookResponse {
        match self {
            Ok(value) => value.into_webhook_response(),
            Err(error) => failure(format!("{error:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(response: &WebhookResponse) -> &str {
        std::str::from_utf8(response.body()).unwrap()
    }

    #[test]
    fn unit_is_200_null_json() {
        let response = ().into_webhook_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body(&response), "null");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn status_tuple_overrides_the_inner_status() {
        let response = (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"queued": true})),
        )
            .into_webhook_response();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(body(&response), r#"{"queued":true}"#);
    }

    #[test]
    fn err_is_a_generic_500_carrying_the_message_for_the_log() {
        let response = Result::<(), _>::Err("disk full").into_webhook_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body(&response), INTERNAL_ERROR_BODY);
        assert_eq!(
            response
                .extensions()
                .get::<HandlerFailure>()
                .unwrap()
                .message,
            "disk full"
        );
    }

    #[test]
    fn text_is_plain_utf8() {
        let response = "hello".into_webhook_response();
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        assert_eq!(body(&response), "hello");
    }

    #[test]
    fn unserializable_json_is_a_failure_not_a_panic() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), 3);
        let response = Json(map).into_webhook_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.extensions().get::<HandlerFailure>().is_some());
    }
}
