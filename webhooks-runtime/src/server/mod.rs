//! The server and what surrounds it: configuring one ([`WebhooksServerBuilder`]), serving
//! ([`WebhooksServer`]), a running one ([`ServerHandle`]), the same without a socket
//! ([`WebhooksService`]), the endpoints it gathers ([`registered_endpoints`]) and the
//! `healthcheck` mode ([`healthcheck()`]).

pub(crate) mod accept;
pub(crate) mod banner;
pub(crate) mod builder;
pub(crate) mod config;
pub(crate) mod env;
pub(crate) mod handle;
pub(crate) mod healthcheck;
pub(crate) mod job;
pub(crate) mod log;
pub(crate) mod protocol;
#[cfg(feature = "hub")]
pub(crate) mod register;
pub(crate) mod run;
pub(crate) mod shutdown;

pub use crate::endpoint::registry::registered_endpoints;
pub use crate::web::secret::SECRET_QUERY_PARAMETER;
pub use crate::web::service::WebhooksService;
pub use builder::WebhooksServerBuilder;
pub use config::DEFAULT_PORT;
pub use handle::ServerHandle;
pub use healthcheck::healthcheck;
pub use webhooks_core::Endpoint;
pub use webhooks_core::payload::SUPPORTED_PAYLOAD_VERSION;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;
use http::HeaderValue;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::delivery::Deliveries;
use crate::delivery::policy::{Policy, RecentIds};
use crate::delivery::settings::DeliverySettings;
use crate::endpoint::route::Routes;
use crate::error::Error;
use crate::limits::Limits;
use crate::ops::failed_answers::FailedAnswers;
use crate::ops::landing::{self, LandingContext};
use crate::ops::metrics::Metrics;
use crate::server::accept::Started;
use crate::server::config::Resolved;
use crate::server::shutdown::shutdown_signal;
use crate::web::app::App;
use crate::web::router::Router;

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
    pub(crate) routes: Arc<Routes>,
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
        run::refuse_inside_async_runtime()?;
        log::install_default_subscriber();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let served = runtime.block_on(self.serve());
        // `serve` has waited for requests and handlers up to the shutdown deadline; a plain `fn`
        // still running past it keeps its thread, which nothing can stop: do not wait for it.
        runtime.shutdown_background();
        served
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
        let task = crate::tasks::spawn(started.accept_until(async move {
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
        // The journal first, off the async workers: a data dir that cannot be used stops the
        // start before anything says the server is ready.
        let not_kept = Arc::default();
        let deliveries = {
            let opening = self.journal_opening(&not_kept);
            crate::tasks::spawn_blocking(move || opening.open())
                .await
                .map_err(std::io::Error::other)??
        };
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
        #[cfg(feature = "hub")]
        let registered = match &self.resolved.hub {
            Some(registration) => {
                register::register(registration, &self.routes, self.resolved.secrets.current())
                    .await?
            }
            None => Vec::new(),
        };
        #[cfg(not(feature = "hub"))]
        let registered: Vec<String> = Vec::new();
        if self.print_start_messages {
            let secret_configured = !self.resolved.secrets.is_empty();
            let mut text = String::new();
            for line in &registered {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&banner::start_messages(
                secret_configured,
                &base_url,
                &self.routes,
            ));
            let mut stdout = std::io::stdout().lock();
            // Flushed now, so a process reading our stdout through a pipe sees the URL at once.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
        }
        let app = self.into_app(&base_url, addr.ip().is_loopback(), deliveries, not_kept);
        Ok(Started {
            listener,
            addr,
            base_url,
            service: WebhooksService::new(app),
        })
    }

    /// The request handling alone, without a socket: to mount the endpoints in a server of your
    /// own (it is a [`tower_service::Service`], which axum's `Router::nest_service` takes), or to
    /// call them in tests and benchmarks. Limits on connections and headers are the outer
    /// server's business; the secret, routing, body limit, timeouts, handlers and the journal
    /// apply, and background endpoints' workers run while the service is alive (from this call
    /// when it is made inside a tokio runtime, else from the first request).
    ///
    /// It opens the journal on the calling thread.
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
        let not_kept = Arc::default();
        let deliveries = self.journal_opening(&not_kept).open()?;
        Ok(WebhooksService::new(
            self.into_app(&base_url, loopback, deliveries, not_kept),
        ))
    }

    /// What opening the journal needs, to do it on another thread.
    pub(crate) fn journal_opening(&self, not_kept: &Arc<AtomicU64>) -> JournalOpening {
        JournalOpening {
            dir: self.resolved.data_dir.clone(),
            database_url: self.resolved.database_url.clone(),
            settings: self.deliveries.clone(),
            routes: Arc::clone(&self.routes),
            not_kept: not_kept.clone(),
        }
    }
}

/// The journal to open, when it is on.
pub(crate) struct JournalOpening {
    dir: std::path::PathBuf,
    /// PostgreSQL instead of the file journal in `dir`, unless the builder was given a store.
    database_url: Option<crate::web::secret::Secret>,
    settings: DeliverySettings,
    routes: Arc<Routes>,
    not_kept: Arc<AtomicU64>,
}

impl JournalOpening {
    /// Opens it. Blocks on the disk.
    pub(crate) fn open(mut self) -> Result<Option<Arc<Deliveries>>, Error> {
        if !self.settings.journal {
            return Ok(None);
        }
        if self.settings.store.is_none()
            && let Some(url) = &self.database_url
        {
            self.settings.store = Some(open_database(url)?);
        }
        let deliveries = Deliveries::open(&self.dir, self.settings, &self.routes, self.not_kept)?;
        Ok(Some(Arc::new(deliveries)))
    }
}

/// The journal on PostgreSQL at `url`.
#[cfg(feature = "postgres")]
fn open_database(
    url: &crate::web::secret::Secret,
) -> Result<crate::delivery::settings::Store, Error> {
    let journal = crate::delivery::journal::PostgresJournal::connect(url.reveal())?;
    tracing::info!(
        database = journal.database(),
        "the delivery journal is on PostgreSQL"
    );
    Ok(crate::delivery::settings::Store(Arc::new(journal)))
}

/// Without the `postgres` feature, a database URL is refused when the settings are read.
#[cfg(not(feature = "postgres"))]
fn open_database(
    _url: &crate::web::secret::Secret,
) -> Result<crate::delivery::settings::Store, Error> {
    Err(crate::error::JournalError::new(
        "a database URL needs webhooks-runtime's `postgres` feature",
    )
    .into())
}

impl WebhooksServer {
    /// What requests need, with the landing page rendered for `base_url` (the OpenAPI document
    /// is rendered at its first request).
    fn into_app(
        self,
        base_url: &str,
        loopback: bool,
        deliveries: Option<Arc<Deliveries>>,
        journal_not_kept: Arc<AtomicU64>,
    ) -> App {
        let secret_configured = !self.resolved.secrets.is_empty();
        let journal = self.deliveries.journal;
        let default_policy = landing::content_security_policy();
        let landing_policy = HeaderValue::from_str(match &self.landing_page {
            Some(_) => landing::CUSTOM_PAGE_POLICY,
            None => &default_policy,
        })
        .expect("the policy is ASCII");
        let landing = match self.landing_page {
            Some(html) => html,
            None => landing::render(&LandingContext {
                base_url,
                routes: &self.routes,
                secret_configured,
                on_space: self.resolved.on_space,
                public: self.resolved.public_url.is_some(),
                journal,
            }),
        };
        let failed_answers = FailedAnswers::new(&self.routes);
        let repeat_wait = self.limits.repeat_wait;
        // The default page takes a line about failed answers, made at each request.
        let (landing, landing_warning_at) = match landing.find(landing::WARNING_MARKER) {
            Some(at) => (landing.replacen(landing::WARNING_MARKER, "", 1), Some(at)),
            None => (landing, None),
        };
        let metrics = self
            .resolved
            .metrics
            .then(|| Metrics::new(&self.routes, journal_not_kept));
        App {
            router: Router::new(&self.routes, metrics.is_some()),
            routes: self.routes,
            openapi: std::sync::OnceLock::new(),
            base_url: base_url.to_owned(),
            metrics,
            deliveries: deliveries.clone(),
            loopback,
            admin_token: self.resolved.admin_token,
            hosts: (!secret_configured).then_some(self.resolved.allowed_hosts),
            secrets: self.resolved.secrets,
            landing_warning_at,
            failed_answers,
            landing: Bytes::from(landing),
            landing_policy,
            limits: self.limits,
            policy: Policy {
                deliveries,
                recent: RecentIds::default(),
                expose_handler_errors: self.expose_handler_errors,
                acknowledge_rejected: self.resolved.acknowledge_rejected,
                repeat_wait,
            },
            expose_handler_errors: self.expose_handler_errors,
        }
    }
}
