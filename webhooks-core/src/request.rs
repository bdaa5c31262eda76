//! The raw request a handler can take: method, URI, headers and the whole body.

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;

use crate::payload::{PayloadError, WebhookPayload, parse::parse_json};

/// A webhook request as received, with its body read in full.
///
/// Take it as a handler argument for anything the typed arguments do not cover: a form body, a
/// header of your own, the raw bytes to store or to check a signature.
///
/// ```
/// use webhooks_core::WebhookRequest;
///
/// let request = WebhookRequest::new(
///     http::Method::POST,
///     "/webhooks/hello".parse()?,
///     http::HeaderMap::new(),
///     r#"{"greeting": "hi"}"#.into(),
/// );
/// let body: serde_json::Value = request.json()?;
/// assert_eq!(body["greeting"], "hi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl WebhookRequest {
    /// A request from its parts.
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// assert_eq!(request.uri().path(), "/webhooks/hello");
    /// ```
    pub fn new(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            method,
            uri,
            headers,
            body,
        }
    }

    /// The HTTP method (always `POST` for webhook endpoints).
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// assert_eq!(request.method(), http::Method::POST);
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request target, with its query string.
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// assert_eq!(request.uri().query(), Some("source=hub"));
    /// ```
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The request headers. The server removes `x-webhook-secret` once it has checked it.
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// assert_eq!(request.headers()["x-request-id"], "42");
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The whole body.
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// assert!(request.body().starts_with(b"{"));
    /// ```
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body parsed as JSON into any type, strictly (no type coercion).
    ///
    /// # Errors
    ///
    /// A [`PayloadError`] naming the field path when the body does not fit `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// #[derive(serde::Deserialize)]
    /// struct Greeting {
    ///     greeting: String,
    /// }
    /// let body: Greeting = request.json()?;
    /// assert_eq!(body.greeting, "hi");
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        parse_json(&self.body)
    }

    /// The body parsed as a Hub [`WebhookPayload`].
    ///
    /// # Errors
    ///
    /// A [`PayloadError`] naming the field path when the body is not a valid payload.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// // Not a Hub payload: the error names the first missing field.
    /// let error = request.payload().unwrap_err();
    /// assert!(error.to_string().contains("missing field"));
    /// ```
    pub fn payload(&self) -> Result<WebhookPayload, PayloadError> {
        WebhookPayload::from_slice(&self.body)
    }

    /// Splits the request into its parts.
    ///
    /// ```
    /// use webhooks_core::WebhookRequest;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-request-id", "42".parse().unwrap());
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/hello?source=hub".parse().unwrap(),
    ///     headers,
    ///     r#"{"greeting": "hi"}"#.into(),
    /// );
    /// let (method, uri, headers, body) = request.into_parts();
    /// assert_eq!((method, uri.path(), headers.len(), body.len()), (http::Method::POST, "/webhooks/hello", 1, 18));
    /// ```
    pub fn into_parts(self) -> (Method, Uri, HeaderMap, Bytes) {
        (self.method, self.uri, self.headers, self.body)
    }
}
