//! The request handling alone, without a socket: a `Clone` [`tower_service::Service`] to mount in
//! another server (axum's `Router::nest_service`, a hyper server of your own), or to call in tests.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
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
    app: Arc<App>,
    workers: Arc<ServiceWorkers>,
}

/// The background workers of a service, started inside the first async runtime that sees the
/// service, and told to stop when its last clone is dropped.
struct ServiceWorkers {
    started: Mutex<Option<Workers>>,
    /// Whether they were started already (or have nothing to run).
    running: std::sync::atomic::AtomicBool,
}

impl Drop for ServiceWorkers {
    fn drop(&mut self) {
        if let Ok(Some(workers)) = self.started.get_mut().map(Option::take) {
            workers.stop_now();
        }
    }
}

impl std::fmt::Debug for WebhooksService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhooksService")
            .field("routes", &self.app.routes)
            .finish_non_exhaustive()
    }
}

impl WebhooksService {
    /// A service for `app`; its workers start now when called inside a tokio runtime, else with
    /// the first request.
    pub(crate) fn new(app: App) -> Self {
        let nothing_to_run = app.deliveries.is_none();
        let service = WebhooksService {
            app: Arc::new(app),
            workers: Arc::new(ServiceWorkers {
                started: Mutex::new(None),
                running: nothing_to_run.into(),
            }),
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            service.start_workers();
        }
        service
    }

    fn start_workers(&self) {
        use std::sync::atomic::Ordering;
        if self.workers.running.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut started) = self.workers.started.lock() else {
            return;
        };
        if started.is_none() {
            if let Some(deliveries) = &self.app.deliveries {
                *started = Some(Workers::start(
                    deliveries,
                    &self.app.routes,
                    self.app.expose_handler_errors,
                ));
            }
        }
        self.workers.running.store(true, Ordering::Release);
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
        self.start_workers();
        pipeline::handle(&self.app, request.map(Full::new)).await
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
        self.start_workers();
        let app = Arc::clone(&self.app);
        Box::pin(async move {
            let response = pipeline::handle(&app, request).await;
            Ok(response.map(Full::new))
        })
    }
}
