//! Binding, serving until told to stop, and stopping gracefully.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::banner;
use crate::builder::WebhooksServerBuilder;
use crate::config::Resolved;
use crate::deliveries::{Deliveries, DeliverySettings};
use crate::error::Error;
use crate::first_bytes::{Protocol, protocol_within};
use crate::landing::{self, LandingContext};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::openapi;
use crate::routes::RouteTable;
use crate::service::{self, App};

/// A configured webhook server, ready to serve. Make one with [`WebhooksServer::builder`].
///
/// ```
/// use webhooks_runtime::WebhooksServer;
///
/// let server = WebhooksServer::builder().port(0).build()?;
/// assert_eq!(server.addr().port(), 0);
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
#[derive(Debug)]
pub struct WebhooksServer {
    pub(crate) resolved: Resolved,
    pub(crate) routes: RouteTable,
    pub(crate) landing_page: Option<String>,
    pub(crate) limits: Limits,
    pub(crate) deliveries: DeliverySettings,
    pub(crate) expose_handler_errors: bool,
    pub(crate) print_start_messages: bool,
}

impl WebhooksServer {
    /// A builder for a server: secret, address, landing page, extra endpoints, limits.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder().webhook_secret("my_secret").build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn builder() -> WebhooksServerBuilder {
        WebhooksServerBuilder::default()
    }

    /// The address the server will listen on (port `0` means a free one, chosen at bind).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder().read_environment(false).build()?;
    /// assert_eq!(server.addr().to_string(), "127.0.0.1:7860");
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.resolved.addr
    }

    /// [`Self::serve`] on an async runtime of its own: blocks until SIGINT or SIGTERM.
    ///
    /// # Errors
    ///
    /// [`Error::InsideAsyncRuntime`] when called from async code (use [`Self::serve`] there),
    /// [`Error::Bind`] when the address cannot be bound.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// fn main() -> Result<(), webhooks_runtime::Error> {
    ///     WebhooksServer::builder().webhook_secret("my_secret").build()?.run()
    /// }
    /// ```
    pub fn run(self) -> Result<(), Error> {
        crate::run::refuse_inside_async_runtime()?;
        crate::log::install_default_subscriber();
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(self.serve())
    }

    /// Binds, prints the start messages, and serves until SIGINT (Ctrl-C) or SIGTERM; then stops
    /// accepting connections, lets requests in flight finish (up to the shutdown timeout) and
    /// returns.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] when the address cannot be bound.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), webhooks_runtime::Error> {
    ///     // ... start other tasks on the same runtime ...
    ///     WebhooksServer::builder().build()?.serve().await
    /// }
    /// ```
    pub async fn serve(self) -> Result<(), Error> {
        let started = self.bind().await?;
        started.accept_until(shutdown_signal()).await;
        Ok(())
    }

    /// Binds, prints the start messages, and serves in the background; the handle gives the
    /// bound address and stops the server.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] when the address cannot be bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// let handle = WebhooksServer::builder()
    ///     .read_environment(false)
    ///     .print_start_messages(false)
    ///     .journal(false)
    ///     .port(0)
    ///     .build()?
    ///     .spawn()
    ///     .await?;
    /// println!("serving on {}", handle.base_url());
    /// handle.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn spawn(self) -> Result<ServerHandle, Error> {
        let started = self.bind().await?;
        let addr = started.addr;
        let base_url = started.base_url.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(started.accept_until(async move {
            // A dropped handle stops the server too: `Err` is as good as a message.
            let _ = stopped.await;
        }));
        Ok(ServerHandle {
            addr,
            base_url,
            stop: Some(stop),
            task: Some(task),
        })
    }

    async fn bind(self) -> Result<Started, Error> {
        let wanted = self.resolved.addr;
        let listener = TcpListener::bind(wanted)
            .await
            .map_err(|source| Error::Bind {
                addr: wanted,
                source,
            })?;
        let addr = listener.local_addr()?;
        let base_url = banner::base_url(self.resolved.public_url.as_deref(), addr);
        for warning in &self.resolved.warnings {
            tracing::warn!("{warning}");
        }
        if self.print_start_messages {
            let secret_configured = !self.resolved.secrets.is_empty();
            let text = banner::start_messages(secret_configured, &base_url, &self.routes);
            let mut stdout = std::io::stdout().lock();
            // Flushed now, so a process reading our stdout through a pipe sees the URL at once.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
        }
        let app = self.into_app(&base_url, addr.ip().is_loopback())?;
        Ok(Started {
            listener,
            addr,
            base_url,
            app: Arc::new(app),
        })
    }

    /// What requests need, with the landing page rendered for `base_url`.
    fn into_app(mut self, base_url: &str, loopback: bool) -> Result<App, Error> {
        let landing = match self.landing_page {
            Some(html) => html,
            None => landing::render(&LandingContext {
                base_url,
                routes: &self.routes,
                secret_configured: !self.resolved.secrets.is_empty(),
                on_space: self.resolved.on_space,
                public: self.resolved.public_url.is_some(),
                journal: self.deliveries.journal,
            }),
        };
        let journal_not_kept = prometheus_client::metrics::counter::Counter::default();
        let metrics = self.resolved.metrics.then(|| {
            let (metrics, per_route) = Metrics::new(&self.routes, journal_not_kept.clone());
            self.routes.attach_metrics(per_route);
            metrics
        });
        let openapi = openapi::document(&self.routes, base_url, !self.resolved.secrets.is_empty());
        let deliveries = if self.deliveries.journal {
            let background = self.routes.iter().filter(|route| route.background);
            Some(
                Deliveries::open(
                    &self.resolved.data_dir,
                    self.deliveries,
                    background,
                    journal_not_kept,
                )
                .map_err(Error::Journal)?,
            )
        } else {
            None
        };
        Ok(App {
            openapi: Bytes::from(openapi.to_string()),
            metrics,
            deliveries,
            loopback,
            admin_token: self.resolved.admin_token,
            routes: self.routes,
            secrets: self.resolved.secrets,
            landing: Bytes::from(landing),
            limits: self.limits,
            expose_handler_errors: self.expose_handler_errors,
        })
    }

    /// The request handling alone, without a socket: to mount the endpoints in a server of your
    /// own, or to call them in tests and benchmarks. Limits on connections and headers are the
    /// outer server's business; the secret, routing, body limit, timeouts and handlers apply.
    /// Deliveries are journaled, but background endpoints' workers run only in a server started
    /// with [`Self::serve`], [`Self::spawn`] or [`Self::run`].
    ///
    /// # Errors
    ///
    /// [`Error::Journal`] when the delivery journal cannot be opened.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let service = WebhooksServer::builder()
    ///     .read_environment(false)
    ///     .journal(false)
    ///     .build()?
    ///     .into_service()?;
    /// // Clone it into each connection of your own server.
    /// let _for_a_connection = service.clone();
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn into_service(self) -> Result<WebhooksService, Error> {
        let base_url = banner::base_url(self.resolved.public_url.as_deref(), self.resolved.addr);
        let loopback = self.resolved.addr.ip().is_loopback();
        Ok(WebhooksService {
            app: Arc::new(self.into_app(&base_url, loopback)?),
        })
    }
}

/// Answers requests as the server does, without a socket. Cheap to clone.
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
}

impl std::fmt::Debug for WebhooksService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhooksService")
            .field("routes", &self.app.routes)
            .finish_non_exhaustive()
    }
}

impl WebhooksService {
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
        service::handle(
            Arc::clone(&self.app),
            request.map(http_body_util::Full::new),
        )
        .await
    }
}

/// A bound server, not yet accepting.
struct Started {
    listener: TcpListener,
    addr: SocketAddr,
    base_url: String,
    app: Arc<App>,
}

impl Started {
    /// Accepts connections until `stop` completes, then drains them gracefully.
    async fn accept_until(self, stop: impl Future<Output = ()>) {
        let workers = Deliveries::start(&self.app);
        let limits = &self.app.limits;
        let protocols = Arc::new(Protocols::new(limits));
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(limits.max_connections));
        tokio::pin!(stop);
        loop {
            // At the connection limit, wait for one to close before accepting: new clients wait
            // in the listen queue instead of taking memory here.
            let permit = tokio::select! {
                permit = Arc::clone(&connections).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_closed) => break,
                },
                () = &mut stop => break,
            };
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: wait a little rather than spin.
                        tracing::error!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let _ = stream.set_nodelay(true);
            let header_read_timeout = limits.header_read_timeout;
            let app = Arc::clone(&self.app);
            let service = service_fn(move |request| {
                let app = Arc::clone(&app);
                async move {
                    let response = service::handle(app, request).await;
                    Ok::<_, std::convert::Infallible>(response.map(Full::new))
                }
            });
            let protocols = Arc::clone(&protocols);
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                // A client that goes away mid-request is not the server's problem, hence `let _`.
                match protocol_within(&stream, header_read_timeout).await {
                    Some(Protocol::Http1) => {
                        let connection = protocols
                            .http1
                            .serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    }
                    Some(Protocol::Http2) => {
                        let connection = protocols
                            .http2
                            .serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    }
                    None => {}
                }
                drop(permit);
            });
        }
        // New connections are refused from here on; requests in flight finish.
        drop(self.listener);
        let deadline = self.app.limits.shutdown_timeout;
        let started = std::time::Instant::now();
        if tokio::time::timeout(deadline, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                ?deadline,
                "shutdown: requests still running after the deadline were abandoned"
            );
        }
        // Background handlers get what is left of the deadline; what they do not finish stays
        // queued for the next start.
        workers
            .stop(deadline.saturating_sub(started.elapsed()))
            .await;
    }
}

/// The HTTP/1.1 and HTTP/2 connection settings, with the limits applied.
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(limits: &Limits) -> Self {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            // The read buffer bounds the request head: a head that does not fit gets 431.
            .max_buf_size(limits.max_header_size)
            .max_headers(limits.max_headers);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(limits.max_concurrent_streams)
            .max_header_list_size(u32::try_from(limits.max_header_size).unwrap_or(u32::MAX))
            .keep_alive_interval(limits.header_read_timeout)
            .keep_alive_timeout(limits.header_read_timeout);
        Protocols { http1, http2 }
    }
}

/// A server running in the background, from [`WebhooksServer::spawn`].
///
/// Dropping the handle stops the server too, gracefully, without waiting for it.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), webhooks_runtime::Error> {
/// let handle = WebhooksServer::builder()
///     .read_environment(false)
///     .include_registered(false)
///     .journal(false)
///     .print_start_messages(false)
///     .addr(([127, 0, 0, 1], 0).into())
///     .build()?
///     .spawn()
///     .await?;
/// assert_ne!(handle.local_addr().port(), 0);
/// assert!(handle.base_url().starts_with("http://127.0.0.1:"));
/// handle.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server is bound to, with the real port when `0` was asked for.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// assert_ne!(handle.local_addr().port(), 0);
    /// # handle.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL the start messages print (`http://127.0.0.1:PORT`, or the public URL).
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// assert_eq!(handle.base_url(), format!("http://127.0.0.1:{}", handle.local_addr().port()));
    /// # handle.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops accepting connections, lets requests in flight finish (up to the shutdown timeout),
    /// and returns once the server has stopped.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// let addr = handle.local_addr();
    /// handle.shutdown().await;
    /// assert!(std::net::TcpStream::connect(addr).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
