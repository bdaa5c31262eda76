//! The request handling alone, without a socket: a `Clone` [`tower_service::Service`] to mount in
//! another server (axum's `Router::nest_service`, a hyper server of your own), or to call in tests.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;

use crate::delivery::workers::Workers;
use crate::web::app::App;
use crate::web::body::RequestBody;
use crate::web::pipeline;

/// Answers requests as the server does, without a socket; background endpoints' workers run
/// while any clone of it is alive. Cheap to clone.
///
/// It is a [`tower_service::Service`] for `http::Request`s with any body, so axum can mount it:
///
/// ```no_run
/// use webhooks_runtime::WebhooksServer;
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let hub = WebhooksServer::builder().build()?.into_service()?;
/// // With axum: `axum::Router::new().nest_service("/hub", hub)` serves `POST /hub/webhooks/<path>`.
/// # let _ = hub;
/// # Ok(())
/// # }
/// ```
///
/// Or call it directly:
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::bytes::Bytes;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), webhooks_runtime::Error> {
/// let service = WebhooksServer::builder()
///     .read_environment(false)
///     .include_registered(false)
///     .journal(false)
///     .build()?
///     .into_service()?;
/// let request = webhooks_runtime::http::Request::get("/healthz").body(String::new()).unwrap();
/// let response = service.handle(request.map(Bytes::from)).await;
/// assert_eq!(response.status(), 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct WebhooksService {
    /// One allocation for the clones: a request clones one `Arc`.
    shared: Arc<Shared>,
}

/// What every clone of a service shares: the server's state and its background workers (`None`
/// with the journal off), started inside the first async runtime that sees the service, and told
/// to stop when its last clone is dropped.
struct Shared {
    app: App,
    workers: OnceLock<Option<Workers>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(Some(workers)) = self.workers.get() {
            workers.stop_now();
        }
    }
}

impl std::fmt::Debug for WebhooksService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhooksService")
            .field("routes", &self.shared.app.routes)
            .finish_non_exhaustive()
    }
}

impl WebhooksService {
    /// A service for `app`; its workers start now when called inside a tokio runtime, else with
    /// the first request.
    pub(crate) fn new(app: App) -> Self {
        let service = WebhooksService {
            shared: Arc::new(Shared {
                app,
                workers: OnceLock::new(),
            }),
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            service.start_workers();
        }
        service
    }

    /// Starts the workers the first time it is called (inside a tokio runtime); after that, one
    /// atomic load.
    fn start_workers(&self) {
        let app = &self.shared.app;
        self.shared.workers.get_or_init(|| {
            let deliveries = app.deliveries.as_ref()?;
            Some(Workers::start(
                deliveries,
                &app.routes,
                app.expose_handler_errors,
            ))
        });
    }

    /// Answers one request whose body is already in memory.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    /// use webhooks_runtime::bytes::Bytes;
    /// use webhooks_runtime::http::Request;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// let service = WebhooksServer::builder()
    ///     .read_environment(false)
    ///     .include_registered(false)
    ///     .journal(false)
    ///     .add_webhook("ping", || async { "pong" })
    ///     .build()?
    ///     .into_service()?;
    /// let request = Request::post("/webhooks/ping").body(Bytes::new()).unwrap();
    /// let response = service.handle(request).await;
    /// assert_eq!(response.body().as_ref(), b"pong");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn handle(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        self.respond(request.map(Full::new)).await
    }

    /// Answers one request, whatever its body: what every way in (this service's `call` and
    /// `handle`, the server's own connections) runs.
    pub(crate) async fn respond<B: RequestBody>(
        &self,
        request: http::Request<B>,
    ) -> http::Response<Bytes> {
        self.start_workers();
        pipeline::handle(&self.shared.app, request).await
    }

    /// The server's settings (the accept loop reads its limits).
    pub(crate) fn app(&self) -> &App {
        &self.shared.app
    }

    /// Stops the background workers, letting running handlers finish within `deadline` (the
    /// server's graceful stop; a service merely dropped tells them to stop without waiting).
    pub(crate) async fn stop_workers(&self, deadline: std::time::Duration) {
        if let Some(Some(workers)) = self.shared.workers.get() {
            workers.stop(deadline).await;
        }
    }
}

impl<B> tower_service::Service<http::Request<B>> for WebhooksService
where
    B: RequestBody + 'static,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.respond(request).await.map(Full::new)) })
    }
}
