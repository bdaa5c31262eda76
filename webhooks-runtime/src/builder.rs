//! `WebhooksServer::builder()`: everything configurable, checked by `build()`.

use std::net::{IpAddr, SocketAddr};
use std::panic::Location;
use std::time::Duration;

use crate::config::{self, DEFAULT_BODY_LIMIT, DEFAULT_SHUTDOWN_TIMEOUT, Requested};
use crate::error::Error;
use crate::handler::{AsyncHandler, BlockingHandler, ErasedHandler, erase_async, erase_blocking};
use crate::registry::registered_endpoints;
use crate::routes::{Route, RouteTable};
use crate::secret::Secret;
use crate::server::WebhooksServer;

/// Configures a [`WebhooksServer`]. Every setting not given here comes from the environment, then
/// from the defaults (see the README's configuration table).
///
/// ```no_run
/// use webhooks_runtime::{WebhookPayload, WebhooksServer};
///
/// # async fn example() -> Result<(), webhooks_runtime::Error> {
/// WebhooksServer::builder()
///     .webhook_secret("my_secret")
///     .port(8000)
///     .add_webhook("/say_hello", |payload: WebhookPayload| async move {
///         format!("hello from {}", payload.repo.name)
///     })
///     .build()?
///     .serve()
///     .await
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `.build()` and `.serve()`"]
pub struct WebhooksServerBuilder {
    requested: Requested,
    landing_page: Option<String>,
    added: Vec<Route>,
    include_registered: bool,
    body_limit: usize,
    shutdown_timeout: Duration,
    expose_handler_errors: bool,
    read_environment: bool,
    print_start_messages: bool,
    errors: Vec<String>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("path", &self.path)
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

impl Default for WebhooksServerBuilder {
    fn default() -> Self {
        Self {
            requested: Requested::default(),
            landing_page: None,
            added: Vec::new(),
            include_registered: true,
            body_limit: DEFAULT_BODY_LIMIT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            expose_handler_errors: false,
            read_environment: true,
            print_start_messages: true,
            errors: Vec::new(),
        }
    }
}

impl WebhooksServerBuilder {
    /// Requires every webhook request to carry this secret in `X-Webhook-Secret` (overrides
    /// `WEBHOOK_SECRET`). Set the same secret on the Hub.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        let secret = secret.into();
        if secret.is_empty() {
            self.errors
                .push("the webhook secret is empty; leave it unset to run without one".to_owned());
        }
        self.requested.secret = Some(Secret::new(secret));
        self
    }

    /// The interface to listen on (overrides `WEBHOOKS_HOST`): `127.0.0.1` for this machine only,
    /// `0.0.0.0` for every interface.
    pub fn host(mut self, host: IpAddr) -> Self {
        self.requested.host = Some(host);
        self
    }

    /// The port to listen on (overrides `WEBHOOKS_PORT`); `0` takes a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.requested.port = Some(port);
        self
    }

    /// The address and port to listen on at once.
    pub fn addr(self, addr: SocketAddr) -> Self {
        self.host(addr.ip()).port(addr.port())
    }

    /// The base URL printed at start and shown on the landing page, for a server reached through
    /// a proxy or tunnel (overrides the `https://$SPACE_HOST` of a Space).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.requested.public_url = Some(url.into());
        self
    }

    /// Serves this HTML at `GET /` instead of the default landing page.
    pub fn landing_page(mut self, html: impl Into<String>) -> Self {
        self.landing_page = Some(html.into());
        self
    }

    /// Serves an `async` function or closure at `POST /webhooks/<path>`, without the macro.
    /// Its arguments and return value follow the same rules as `#[webhook_endpoint]`.
    ///
    /// An invalid path, or one that another endpoint has, is reported by [`Self::build`].
    #[track_caller]
    pub fn add_webhook<Args, H: AsyncHandler<Args>>(self, path: &str, handler: H) -> Self {
        let name = handler_name::<H>();
        self.add(path, name, Location::caller(), erase_async(handler))
    }

    /// Serves a plain (blocking) function or closure at `POST /webhooks/<path>`; it runs on a
    /// blocking thread, so it may block without stalling other requests.
    #[track_caller]
    pub fn add_blocking_webhook<Args, H: BlockingHandler<Args>>(
        self,
        path: &str,
        handler: H,
    ) -> Self {
        let name = handler_name::<H>();
        self.add(path, name, Location::caller(), erase_blocking(handler))
    }

    fn add(
        mut self,
        path: &str,
        function: String,
        location: &Location<'_>,
        handler: ErasedHandler,
    ) -> Self {
        match webhooks_core::path::normalize(path) {
            Ok(path) => self.added.push(Route {
                path,
                function,
                doc: String::new(),
                location: format!("{}:{}", location.file(), location.line()),
                handler,
            }),
            Err(message) => self.errors.push(message),
        }
        self
    }

    /// Whether to serve the endpoints registered with `#[webhook_endpoint]` (default `true`).
    /// Turn it off to serve only those added with [`Self::add_webhook`].
    pub fn include_registered(mut self, include: bool) -> Self {
        self.include_registered = include;
        self
    }

    /// The largest request body accepted, in bytes (default 1 MiB); larger ones get 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a graceful shutdown waits for requests in flight (default 30 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Whether a handler's `Err` message is sent to the client in the 500 body (default `false`:
    /// the message is logged, and the client gets `{"error":"Internal server error."}`).
    pub fn expose_handler_errors(mut self, expose: bool) -> Self {
        self.expose_handler_errors = expose;
        self
    }

    /// Whether to read settings from the environment (default `true`). Tests turn it off so the
    /// machine's variables cannot change what they test.
    pub fn read_environment(mut self, read: bool) -> Self {
        self.read_environment = read;
        self
    }

    /// Whether to print the start messages on stdout (default `true`).
    pub fn print_start_messages(mut self, print: bool) -> Self {
        self.print_start_messages = print;
        self
    }

    /// Checks the configuration and the endpoints.
    ///
    /// # Errors
    ///
    /// [`Error::Setting`] for an invalid path or an empty secret given to the builder,
    /// [`Error::Config`] for a malformed environment variable, [`Error::DuplicatePaths`] when two
    /// endpoints share a path.
    pub fn build(self) -> Result<WebhooksServer, Error> {
        if !self.errors.is_empty() {
            return Err(Error::Setting(self.errors.join("; ")));
        }
        let no_env = |_: &str| None;
        let env: config::Env<'_> = if self.read_environment {
            &config::process_env
        } else {
            &no_env
        };
        let resolved = config::resolve(self.requested, env)?;
        let mut routes = self.added;
        if self.include_registered {
            routes.extend(
                registered_endpoints()?
                    .into_iter()
                    .map(Route::from_endpoint),
            );
        }
        let routes = RouteTable::new(routes)?;
        Ok(WebhooksServer {
            resolved,
            routes,
            landing_page: self.landing_page,
            body_limit: self.body_limit,
            shutdown_timeout: self.shutdown_timeout,
            expose_handler_errors: self.expose_handler_errors,
            print_start_messages: self.print_start_messages,
        })
    }
}

/// A readable name for a handler: the function's name, or `closure in <module>` for a closure.
fn handler_name<H>() -> String {
    let full = std::any::type_name::<H>();
    match full.strip_suffix("::{{closure}}") {
        Some(scope) => format!("closure in {scope}"),
        None => full.rsplit("::").next().unwrap_or(full).to_owned(),
    }
}
