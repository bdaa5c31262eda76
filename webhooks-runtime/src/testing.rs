//! **Test your endpoints over a real socket, in a few lines.**
//!
//! ```
//! use webhooks_runtime::testing::TestServer;
//! use webhooks_runtime::{WebhookPayload, WebhooksServer};
//! use webhooks_runtime::serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = TestServer::with(
//!     WebhooksServer::builder()
//!         .webhook_secret("s3cret")
//!         .include_registered(false)
//!         .add_webhook("echo", |payload: WebhookPayload| async move {
//!             webhooks_runtime::Json(json!({ "scope": payload.event.scope }))
//!         }),
//! )
//! .await;
//!
//! let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/07-repo-create-model.json")).unwrap();
//! let response = server.post("/webhooks/echo").body(body).secret("s3cret").send().await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json::<Value>(), json!({ "scope": "repo" }));
//!
//! let response = server.post("/webhooks/echo").json(&json!({})).send().await;
//! assert_eq!(response.status(), 401);
//! # }
//! ```
//!
//! The server listens on `127.0.0.1` on a free port, does not read the environment (configure it
//! through the builder), keeps its delivery journal in a fresh temporary folder unless the builder
//! names one (and removes that folder when it stops), and prints nothing. It stops when the
//! `TestServer` is dropped.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;

use crate::server::WebhooksServerBuilder;
use crate::server::{ServerHandle, WebhooksServer};

pub use crate::delivery::journal::conformance::check_journal;
use crate::web::secret::SECRET_HEADER;

/// A new, empty folder for one test server's delivery journal.
fn fresh_data_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("webhooks-test-{}-{n}", std::process::id()))
}

/// A server running for a test, on `127.0.0.1` and a free port.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::testing::TestServer;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = TestServer::with(
///     WebhooksServer::builder()
///         .include_registered(false)
///         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
///             String::from_utf8_lossy(&body).into_owned()
///         }),
/// )
/// .await;
/// let response = server.post("/webhooks/echo").body("hi").send().await;
/// assert_eq!(response.text(), "hi");
/// # }
/// ```
#[derive(Debug)]
pub struct TestServer {
    // Dropped in this order: the server is told to stop, then its journal folder goes.
    handle: ServerHandle,
    _made_data_dir: RemovedOnDrop,
}

/// The journal folder made for a test server (none when the builder named one): removed when the
/// server is dropped, so that test runs leave nothing behind. Files the stopping server still has
/// open stay usable until it closes them (on Unix).
#[derive(Debug)]
struct RemovedOnDrop(Option<std::path::PathBuf>);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl TestServer {
    /// Serves every `#[webhook_endpoint]` linked into the test binary, without a secret.
    ///
    /// # Panics
    ///
    /// When the server cannot start (duplicate paths, no free port), with the reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::testing::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Every `#[webhook_endpoint]` of the test binary, no secret.
    /// let server = TestServer::start().await;
    /// assert_eq!(server.get("/healthz").send().await.status(), 200);
    /// # }
    /// ```
    pub async fn start() -> Self {
        Self::with(WebhooksServer::builder()).await
    }

    /// Serves what `builder` configures, on `127.0.0.1` and a free port, without reading the
    /// environment and without printing the start messages.
    ///
    /// # Panics
    ///
    /// When the server cannot start, with the reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    /// use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = TestServer::with(
    ///     WebhooksServer::builder()
    ///         .include_registered(false)
    ///         .webhook_secret("s3cret")
    ///         .add_webhook("echo", || async {}),
    /// )
    /// .await;
    /// let response = server.post("/webhooks/echo").body("hi").send().await;
    /// assert_eq!(response.status(), 401);
    /// let response = server.post("/webhooks/echo").body("hi").secret("s3cret").send().await;
    /// assert_eq!(response.status(), 200);
    /// # }
    /// ```
    pub async fn with(builder: WebhooksServerBuilder) -> Self {
        let made_data_dir = (!builder.has_data_dir()).then(fresh_data_dir);
        let builder = match &made_data_dir {
            Some(dir) => builder.data_dir(dir),
            None => builder,
        };
        let server = builder
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .read_environment(false)
            .print_start_messages(false)
            .build()
            .unwrap_or_else(|error| panic!("the test server cannot be built: {error}"));
        let handle = server
            .spawn()
            .await
            .unwrap_or_else(|error| panic!("the test server cannot start: {error}"));
        TestServer {
            handle,
            _made_data_dir: RemovedOnDrop(made_data_dir),
        }
    }

    /// The address the server listens on.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// assert!(server.addr().ip().is_loopback());
    /// assert_ne!(server.addr().port(), 0);
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// assert_eq!(server.url("/webhooks/echo"), format!("http://{}/webhooks/echo", server.addr()));
    /// # }
    /// ```
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// A `POST` to `path`, to complete and [`send`](TestRequest::send).
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body("hi").send().await;
    /// assert_eq!(response.text(), "hi");
    /// # }
    /// ```
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    /// A `POST` to `path` of a saved body, such as one downloaded from the delivery API or the
    /// Hub's activity tab: the capture → fixture → test loop in one line.
    ///
    /// # Panics
    ///
    /// When the file cannot be read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// // A body saved from `GET /api/deliveries/{id}/body`, or from the Hub's activity tab.
    /// let saved = std::env::temp_dir().join("saved-delivery.json");
    /// std::fs::write(&saved, r#"{"event": {"scope": "repo"}}"#).unwrap();
    /// let response = server.post_file("/webhooks/echo", &saved).send().await;
    /// assert_eq!(response.text(), r#"{"event": {"scope": "repo"}}"#);
    /// # }
    /// ```
    pub fn post_file(&self, path: &str, file: impl AsRef<std::path::Path>) -> TestRequest {
        let file = file.as_ref();
        let body = std::fs::read(file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        self.post(path).body(body)
    }

    /// A `GET` of `path`.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.get("/").send().await;
    /// assert_eq!(response.status(), 200);
    /// assert!(response.text().contains("/webhooks/echo"));
    /// # }
    /// ```
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    /// A request with any method.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// use webhooks_runtime::http::Method;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.request(Method::PUT, "/webhooks/echo").send().await;
    /// assert_eq!(response.status(), 405);
    /// # }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            addr: self.addr(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Stops the server gracefully and waits until it has stopped.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let addr = server.addr();
    /// server.shutdown().await;
    /// assert!(std::net::TcpStream::connect(addr).is_err());
    /// # }
    /// ```
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
        // `_made_data_dir` is dropped here, once the server has stopped and closed its journal.
    }
}

/// A request being written; nothing is sent before [`TestRequest::send`].
///
/// ```
/// # use webhooks_runtime::WebhooksServer;
/// # use webhooks_runtime::testing::TestServer;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let server = TestServer::with(
/// #     WebhooksServer::builder()
/// #         .include_registered(false)
/// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
/// #             String::from_utf8_lossy(&body).into_owned()
/// #         }),
/// # )
/// # .await;
/// // `server`'s /webhooks/echo answers with the body it is sent.
/// let response = server
///     .post("/webhooks/echo")
///     .header("x-request-id", "42")
///     .body("hi")
///     .send()
///     .await;
/// assert_eq!(response.status(), 200);
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a request is sent by `.send().await`"]
pub struct TestRequest {
    addr: SocketAddr,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest {
    /// Sends `value` as the JSON body.
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// use webhooks_runtime::serde_json::{Value, json};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |payload: webhooks_runtime::Json<Value>| async move { payload }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the JSON it is sent.
    /// let response = server.post("/webhooks/echo").json(&json!({ "a": 1 })).send().await;
    /// assert_eq!(response.json::<Value>(), json!({ "a": 1 }));
    /// # }
    /// ```
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.body = serde_json::to_vec(value)
            .expect("the test body serializes to JSON")
            .into();
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self
    }

    /// Sends these bytes as the body, as `application/json` unless a content type is set.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body(vec![b'h', b'i']).send().await;
    /// assert_eq!(response.text(), "hi");
    /// # }
    /// ```
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.headers
            .entry(header::CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
        self
    }

    /// Sends the webhook secret in `X-Webhook-Secret`, as the Hub does.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .webhook_secret("s3cret")
    /// #         .add_webhook("echo", || async {}),
    /// # )
    /// # .await;
    /// // `server` requires the secret "s3cret" on /webhooks/echo.
    /// let response = server.post("/webhooks/echo").secret("s3cret").send().await;
    /// assert_eq!(response.status(), 200);
    /// # }
    /// ```
    pub fn secret(self, secret: &str) -> Self {
        self.header(SECRET_HEADER, secret)
    }

    /// Adds a header.
    ///
    /// # Panics
    ///
    /// When the name or value is not valid in HTTP.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// use webhooks_runtime::http::HeaderMap;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("agent", |headers: HeaderMap| async move {
    /// #             headers["user-agent"].to_str().unwrap_or_default().to_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/agent answers with the request's user-agent.
    /// let response = server
    ///     .post("/webhooks/agent")
    ///     .header("user-agent", "huggingface-hub")
    ///     .send()
    ///     .await;
    /// assert_eq!(response.text(), "huggingface-hub");
    /// # }
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("a valid header name");
        let value = HeaderValue::try_from(value).expect("a valid header value");
        self.headers.append(name, value);
        self
    }

    /// Sends the request on a new connection and reads the whole response.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or the exchange fails, with the reason.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body("hi").send().await;
    /// assert_eq!(response.status(), 200);
    /// # }
    /// ```
    pub async fn send(self) -> TestResponse {
        let stream = TcpStream::connect(self.addr)
            .await
            .expect("connect to the test server");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP handshake");
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header(header::HOST, self.addr.to_string())
            .body(Full::new(self.body))
            .expect("a valid request");
        request.headers_mut().extend(self.headers);
        let response = sender
            .send_request(request)
            .await
            .expect("the test server answers");
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .expect("the whole response body")
            .to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A response read in full.
///
/// ```
/// # use webhooks_runtime::WebhooksServer;
/// # use webhooks_runtime::testing::TestServer;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let server = TestServer::with(
/// #     WebhooksServer::builder()
/// #         .include_registered(false)
/// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
/// #             String::from_utf8_lossy(&body).into_owned()
/// #         }),
/// # )
/// # .await;
/// // `server`'s /webhooks/echo answers with the body it is sent.
/// let response = server.post("/webhooks/echo").body("hi").send().await;
/// assert_eq!((response.status().as_u16(), response.text()), (200, "hi"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status code.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.get("/webhooks/echo").send().await;
    /// assert_eq!(response.status(), 405);
    /// # }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body("{}").send().await;
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body's bytes.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body("hi").send().await;
    /// assert_eq!(response.body().as_ref(), b"hi");
    /// # }
    /// ```
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text.
    ///
    /// # Panics
    ///
    /// When the body is not UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |body: webhooks_runtime::bytes::Bytes| async move {
    /// #             String::from_utf8_lossy(&body).into_owned()
    /// #         }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the body it is sent.
    /// let response = server.post("/webhooks/echo").body("hi").send().await;
    /// assert_eq!(response.text(), "hi");
    /// # }
    /// ```
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 response body")
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not JSON of type `T`, showing the body.
    ///
    /// # Examples
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # use webhooks_runtime::testing::TestServer;
    /// use webhooks_runtime::serde_json::{Value, json};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = TestServer::with(
    /// #     WebhooksServer::builder()
    /// #         .include_registered(false)
    /// #         .add_webhook("echo", |payload: webhooks_runtime::Json<Value>| async move { payload }),
    /// # )
    /// # .await;
    /// // `server`'s /webhooks/echo answers with the JSON it is sent.
    /// let response = server.post("/webhooks/echo").json(&json!([1, 2])).send().await;
    /// let numbers: Vec<u32> = response.json();
    /// assert_eq!(numbers, [1, 2]);
    /// # }
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "the response body is not the JSON expected ({error}): {:?}",
                self.body
            )
        })
    }
}
