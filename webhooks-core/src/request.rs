//! The raw request a handler can take: method, URI, headers and the whole body.

use std::fmt;
use std::sync::Mutex;

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
#[derive(Clone)]
pub struct WebhookRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    parsed: ParsedPayload,
}

/// The body as a payload, when the server parsed it before the handler ran (to check event
/// filters): the first extraction of a `WebhookPayload` (the argument itself, inside an `Option`
/// or `Result`, or in an extractor of yours) takes it instead of parsing the body again; the
/// next ones parse. A clone of the request starts without it.
#[derive(Default)]
struct ParsedPayload(Mutex<Option<Box<WebhookPayload>>>);

impl Clone for ParsedPayload {
    fn clone(&self) -> Self {
        ParsedPayload::default()
    }
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
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
            parsed: ParsedPayload::default(),
        }
    }

    /// The headers, to change in place. Not public API: the server sets its delivery headers
    /// with it.
    #[doc(hidden)]
    pub fn __headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Keeps `payload` for the first extraction of a `WebhookPayload` from this request. Not
    /// public API: the server's event filters parse the body when the handler would too. It
    /// must be `WebhookPayload::from_slice(self.body())`, or the argument would differ from
    /// [`Self::payload`].
    #[doc(hidden)]
    pub fn __keep_parsed_payload(&mut self, payload: WebhookPayload) {
        if let Ok(slot) = self.parsed.0.get_mut() {
            *slot = Some(Box::new(payload));
        }
    }

    /// The payload kept by [`Self::__keep_parsed_payload`], once.
    pub(crate) fn take_parsed_payload(&self) -> Option<WebhookPayload> {
        let mut slot = self.parsed.0.lock().ok()?;
        slot.take().map(|payload| *payload)
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

#[cfg(test)]
mod tests {
    use super::WebhookRequest;
    use crate::extract::FromWebhookRequest;
    use crate::payload::WebhookPayload;

    const BODY: &[u8] = include_bytes!("../../fixtures/02-upstream-test-discussion-create.json");

    fn request() -> WebhookRequest {
        WebhookRequest::new(
            http::Method::POST,
            http::Uri::from_static("/webhooks/x"),
            http::HeaderMap::new(),
            bytes::Bytes::from_static(BODY),
        )
    }

    #[test]
    fn a_kept_payload_is_taken_once_then_the_body_is_parsed() {
        let mut kept = WebhookPayload::from_slice(BODY).unwrap();
        kept.repo.name = "kept/by-the-filters".to_owned();
        let mut request = request();
        request.__keep_parsed_payload(kept.clone());
        let first = WebhookPayload::from_webhook_request(&request).unwrap();
        let second = WebhookPayload::from_webhook_request(&request).unwrap();
        assert_eq!(first, kept);
        assert_eq!(second, WebhookPayload::from_slice(BODY).unwrap());
    }

    #[test]
    fn a_clone_parses_its_own_body() {
        let mut kept = WebhookPayload::from_slice(BODY).unwrap();
        kept.repo.name = "kept/by-the-filters".to_owned();
        let mut request = request();
        request.__keep_parsed_payload(kept);
        let copy = request.clone();
        assert_eq!(
            WebhookPayload::from_webhook_request(&copy).unwrap(),
            WebhookPayload::from_slice(BODY).unwrap()
        );
        assert_eq!(
            format!("{copy:?}"),
            format!("{:?}", self::request()),
            "Debug shows the request, not what was kept"
        );
    }
}
