//! `WebhooksServer::builder()`: everything configurable, checked by `build()`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::panic::Location;
use std::path::PathBuf;
use std::time::Duration;

use crate::delivery::journal::Journal;
use crate::delivery::settings::{DeliverySettings, Store};
use crate::endpoint::handler::{
    AsyncHandler, BlockingHandler, Erased, HandlerArguments, erase_async, erase_blocking,
};
use crate::endpoint::registry::registered_endpoints;
use webhooks_core::EventFilter;

use crate::endpoint::route::{Route, RouteId, Routes};
use crate::error::{Error, SettingError};
use crate::limits::{Limits, MIN_HEADER_SIZE};
use crate::server::WebhooksServer;
use crate::server::config::{self, Requested};
use crate::server::env;
use crate::web::secret::Secret;

/// Configures a [`WebhooksServer`]. Every setting not given here comes from the environment, then
/// from the defaults (see [`guide::configuration`](crate::guide::configuration)).
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
    limits: Limits,
    deliveries: DeliverySettings,
    dedupe: HashMap<String, bool>,
    expose_handler_errors: bool,
    read_environment: bool,
    print_start_messages: bool,
    errors: Vec<SettingError>,
    /// Whether the last `add_*webhook` call added a route (`filter` applies to it).
    last_added: bool,
}

impl Default for WebhooksServerBuilder {
    fn default() -> Self {
        Self {
            requested: Requested::default(),
            landing_page: None,
            added: Vec::new(),
            include_registered: true,
            limits: Limits::default(),
            deliveries: DeliverySettings::default(),
            dedupe: HashMap::new(),
            expose_handler_errors: false,
            read_environment: true,
            print_start_messages: true,
            errors: Vec::new(),
            last_added: false,
        }
    }
}

impl WebhooksServerBuilder {
    /// Requires every webhook request to carry this secret in `X-Webhook-Secret` (overrides
    /// `WEBHOOK_SECRET`). Set the same secret on the Hub.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .webhook_secret("my_secret")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn webhook_secret(self, secret: impl Into<String>) -> Self {
        self.webhook_secrets([secret])
    }

    /// Accepts any of these secrets (overrides `WEBHOOK_SECRET` and `WEBHOOK_SECRET_PREVIOUS`),
    /// to change the secret on the Hub without downtime: deploy with the new and the old one,
    /// change it on the Hub, then deploy with the new one alone.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     // While the Hub is switched to the new secret, both are accepted.
    ///     .webhook_secrets(["new_secret", "old_secret"])
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn webhook_secrets<S: Into<String>>(
        mut self,
        secrets: impl IntoIterator<Item = S>,
    ) -> Self {
        let secrets: Vec<Secret> = secrets
            .into_iter()
            .map(Into::into)
            .filter_map(|secret: String| {
                if secret.is_empty() {
                    self.errors.push(SettingError::EmptySecret);
                    None
                } else {
                    Some(Secret::new(secret))
                }
            })
            .collect();
        if secrets.is_empty() && self.errors.is_empty() {
            self.errors.push(SettingError::NoSecret);
        }
        self.requested.secrets = Some(secrets);
        self
    }

    /// The interface to listen on (overrides `WEBHOOKS_HOST`): `127.0.0.1` for this machine only,
    /// `0.0.0.0` for every interface.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .host(std::net::Ipv4Addr::UNSPECIFIED.into())
    ///     .port(8000)
    ///     .build()?;
    /// assert_eq!(server.addr().to_string(), "0.0.0.0:8000");
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn host(mut self, host: IpAddr) -> Self {
        self.requested.host = Some(host);
        self
    }

    /// The port to listen on (overrides `WEBHOOKS_PORT`); `0` takes a free port.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .port(8000)
    ///     .build()?;
    /// assert_eq!(server.addr().port(), 8000);
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.requested.port = Some(port);
        self
    }

    /// The address and port to listen on at once.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .addr(([127, 0, 0, 1], 8000).into())
    ///     .build()?;
    /// assert_eq!(server.addr().to_string(), "127.0.0.1:8000");
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn addr(self, addr: SocketAddr) -> Self {
        self.host(addr.ip()).port(addr.port())
    }

    /// The base URL printed at start and shown on the landing page, for a server reached through
    /// a proxy or tunnel (overrides the `https://$SPACE_HOST` of a Space).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .public_url("https://my-bot.example.com")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.requested.public_url = Some(url.into());
        self
    }

    /// Host names (or addresses) answered while no webhook secret is set, besides loopback ones,
    /// the host of the public URL and `SPACE_HOST`; `"*"` answers any host (overrides
    /// `WEBHOOKS_ALLOWED_HOSTS`). Without a secret, any other `Host` gets 403: a web page whose
    /// name was rebound to this machine cannot reach the server.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// // Reached as http://devbox.lan:7860 from other machines of a trusted network.
    /// let server = WebhooksServer::builder()
    ///     .host("0.0.0.0".parse().unwrap())
    ///     .allowed_hosts(["devbox.lan"])
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.requested.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Serves this HTML at `GET /` instead of the default landing page.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .landing_page("<!doctype html><title>My bot</title><p>Nothing to see here.")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn landing_page(mut self, html: impl Into<String>) -> Self {
        self.landing_page = Some(html.into());
        self
    }

    /// Serves an `async` function or closure at `POST /webhooks/<path>`, without the macro.
    /// Its arguments and return value follow the same rules as `#[webhook_endpoint]`.
    ///
    /// An invalid path, or one that another endpoint has, is reported by [`Self::build`].
    ///
    /// ```
    /// use webhooks_runtime::{Json, WebhookPayload, WebhooksServer};
    /// use webhooks_runtime::serde_json::{Value, json};
    ///
    /// async fn on_discussion(payload: WebhookPayload) -> Json<Value> {
    ///     Json(json!({ "repo": payload.repo.name }))
    /// }
    ///
    /// let server = WebhooksServer::builder()
    ///     .add_webhook("discussions", on_discussion)
    ///     .add_webhook("/ping", || async { "pong" })
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    #[track_caller]
    pub fn add_webhook<Args: HandlerArguments + 'static, H: AsyncHandler<Args>>(
        self,
        path: &str,
        handler: H,
    ) -> Self {
        let name = handler_name::<H>();
        self.add(path, name, Location::caller(), erase_async(handler), false)
    }

    /// Serves an `async` function or closure at `POST /webhooks/<path>` in the background, as
    /// `#[webhook_endpoint(background)]` does: once its arguments can be built from the body, the
    /// delivery is journaled and answered 202, then the handler runs, with retries.
    ///
    /// ```
    /// use webhooks_runtime::{WebhookPayload, WebhooksServer};
    ///
    /// async fn evaluate(payload: WebhookPayload) -> Result<(), String> {
    ///     // Minutes of work: the Hub got its 202 long ago; an `Err` is retried.
    ///     println!("evaluating {}", payload.repo.name);
    ///     Ok(())
    /// }
    ///
    /// let server = WebhooksServer::builder()
    ///     .add_background_webhook("evaluate", evaluate)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    #[track_caller]
    pub fn add_background_webhook<Args: HandlerArguments + 'static, H: AsyncHandler<Args>>(
        self,
        path: &str,
        handler: H,
    ) -> Self {
        let name = handler_name::<H>();
        self.add(path, name, Location::caller(), erase_async(handler), true)
    }

    /// Makes this server a relay for `hf-webhooks forward` (what `hf-webhooks relay` runs): every
    /// `POST /webhooks/<any path>` that passes the secret and carries JSON is journaled durably
    /// with its path and answered `202`, then waits for a forwarder to take it from
    /// `GET /api/relay/next` (the delivery API's credential) and acknowledge it by deleting it
    /// (`DELETE /api/deliveries/{id}`). A delivery taken and not acknowledged within the delivery
    /// lease is handed out again. Paths of other endpoints keep their handlers.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let relay = WebhooksServer::builder()
    ///     .include_registered(false)
    ///     .webhook_secret("relay-secret")
    ///     .relay()
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    #[track_caller]
    pub fn relay(mut self) -> Self {
        let Erased {
            handler,
            check,
            body,
        } = erase_async(|_: webhooks_core::Json<serde_json::Value>| async {});
        let location = Location::caller();
        self.added.push(Route {
            id: RouteId(0),
            route_path: format!("{}*", webhooks_core::endpoint::ROUTE_PREFIX),
            journal_key: String::new(),
            filter: EventFilter::new(),
            path: "*".to_owned(),
            function: "relay".to_owned(),
            doc: "Every path, held for `hf-webhooks forward`.".to_owned(),
            location: format!("{}:{}", location.file(), location.line()),
            handler,
            check,
            body,
            background: true,
            dedupe: false,
            timeout: None,
            relay: true,
        });
        self.deliveries.journal = true;
        self
    }

    /// Serves a plain (blocking) function or closure at `POST /webhooks/<path>`; it runs on a
    /// blocking thread, so it may block without stalling other requests.
    ///
    /// ```
    /// use webhooks_runtime::{WebhookPayload, WebhooksServer};
    ///
    /// fn write_report(payload: WebhookPayload) -> std::io::Result<()> {
    ///     // Blocking file I/O is fine here: this runs on a blocking thread.
    ///     std::fs::write(std::env::temp_dir().join("last-event.txt"), payload.event.action.as_str())
    /// }
    ///
    /// let server = WebhooksServer::builder()
    ///     .add_blocking_webhook("report", write_report)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    #[track_caller]
    pub fn add_blocking_webhook<Args: HandlerArguments + 'static, H: BlockingHandler<Args>>(
        self,
        path: &str,
        handler: H,
    ) -> Self {
        let name = handler_name::<H>();
        self.add(
            path,
            name,
            Location::caller(),
            erase_blocking(handler),
            false,
        )
    }

    fn add(
        mut self,
        path: &str,
        function: String,
        location: &Location<'_>,
        Erased {
            handler,
            check,
            body,
        }: Erased,
        background: bool,
    ) -> Self {
        self.last_added = false;
        match webhooks_core::path::normalize(path) {
            Ok(path) => {
                self.last_added = true;
                self.added.push(Route {
                    id: RouteId(0),
                    route_path: format!("{}{path}", webhooks_core::endpoint::ROUTE_PREFIX),
                    journal_key: String::new(),
                    filter: EventFilter::new(),
                    path,
                    function,
                    doc: String::new(),
                    location: format!("{}:{}", location.file(), location.line()),
                    handler,
                    check,
                    body,
                    background,
                    dedupe: false,
                    timeout: None,
                    relay: false,
                });
            }
            Err(reason) => self.errors.push(SettingError::InvalidPath {
                path: path.to_owned(),
                reason,
            }),
        }
        self
    }

    /// The events the endpoint added just before handles, as `scope = …`, `action = …` do in
    /// `#[webhook_endpoint]`. Other events are answered 200 `{"processed": false, "reason": …}`
    /// without running it; several endpoints with different filters may share one path.
    ///
    /// ```
    /// use webhooks_runtime::{EventFilter, WebhookPayload, WebhooksServer};
    ///
    /// let server = WebhooksServer::builder()
    ///     .include_registered(false)
    ///     .add_webhook("hub", |payload: WebhookPayload| async move { payload.repo.name })
    ///     .filter(EventFilter::new().scope("repo.content").repo_types(&["dataset"]))
    ///     .add_webhook("hub", |payload: WebhookPayload| async move { payload.event.scope })
    ///     .filter(EventFilter::new().scope("discussion").actions(&["create"]))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn filter(mut self, filter: EventFilter) -> Self {
        match (self.last_added, self.added.last_mut()) {
            (true, Some(route)) => route.filter = filter,
            _ => self.errors.push(SettingError::FilterWithoutEndpoint),
        }
        self
    }

    /// Whether to serve the endpoints registered with `#[webhook_endpoint]` (default `true`).
    /// Turn it off to serve only those added with [`Self::add_webhook`].
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     // Only the endpoint added here, whatever `#[webhook_endpoint]`s are linked in.
    ///     .include_registered(false)
    ///     .add_webhook("only", || async {})
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn include_registered(mut self, include: bool) -> Self {
        self.include_registered = include;
        self
    }

    /// The largest request body accepted, in bytes (default 1 MiB); larger ones get 413 without
    /// being read.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .body_limit(4 * 1024 * 1024)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.limits.body = bytes;
        self
    }

    /// How long a copy of a delivery still running (the same `Webhook-Id`: the Hub retried while
    /// the handler runs) waits for that run to end, to be answered as it ends, before it is
    /// answered 409 with `Retry-After` (default
    /// [`DEFAULT_REPEAT_WAIT`](crate::limits::DEFAULT_REPEAT_WAIT), 20 s). Keep it under the time
    /// the sender waits for an answer.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .repeat_wait(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn repeat_wait(mut self, wait: Duration) -> Self {
        self.limits.repeat_wait = wait;
        self
    }

    /// How long a client has to send the whole body once its headers arrived (default 30 s);
    /// slower ones get 408.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .body_read_timeout(std::time::Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// How long a client has to send its request headers, which is also how long an HTTP/1
    /// keep-alive connection may stay idle (default 10 s); then the connection is closed.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .header_read_timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// The largest request line plus headers accepted, in bytes (default 16 KiB, at least 8 KiB);
    /// larger ones get 431.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .max_header_size(32 * 1024)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.limits.max_header_size = bytes.max(MIN_HEADER_SIZE);
        self
    }

    /// The most headers a request may have (default 64); more get 431.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .max_headers(100)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn max_headers(mut self, count: usize) -> Self {
        self.limits.max_headers = count;
        self
    }

    /// The most connections served at once (default 1024). Beyond it, new connections wait in
    /// the system's listen queue until one closes; slow or idle clients are cut off by the read
    /// timeouts, so the wait is bounded.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .max_connections(256)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn max_connections(mut self, count: usize) -> Self {
        self.limits.max_connections = count.max(1);
        self
    }

    /// The most requests served at once on one HTTP/2 connection (default 64). HTTP/2 is served
    /// only with the `http2` feature; without it this setting has no effect.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .max_concurrent_streams(16)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn max_concurrent_streams(mut self, count: u32) -> Self {
        self.limits.max_concurrent_streams = count.max(1);
        self
    }

    /// How long any handler may run before the client gets 504 (default: no limit). An `async`
    /// handler is cancelled then; a plain `fn` cannot be, and finishes in the background.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .handler_timeout(std::time::Duration::from_secs(25))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.limits.handler_timeout = Some(timeout);
        self
    }

    /// How long a background handler may run before its attempt counts as failed and is retried,
    /// for background endpoints without an [`Self::endpoint_timeout`] or a
    /// [`Self::handler_timeout`]; default [`DEFAULT_BACKGROUND_TIMEOUT`](crate::limits::DEFAULT_BACKGROUND_TIMEOUT),
    /// 10 minutes. A handler that never returns then cannot hold one of its endpoint's workers
    /// for good.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .background_timeout(std::time::Duration::from_secs(3600))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn background_timeout(mut self, timeout: Duration) -> Self {
        self.limits.background_timeout = timeout;
        self
    }

    /// How long the handler at `path` may run before the client gets 504, overriding
    /// [`Self::handler_timeout`]. A path no endpoint has is reported by [`Self::build`].
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .include_registered(false)
    ///     .add_webhook("slow", || async {})
    ///     .endpoint_timeout("slow", std::time::Duration::from_secs(120))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn endpoint_timeout(mut self, path: &str, timeout: Duration) -> Self {
        match webhooks_core::path::normalize(path) {
            Ok(path) => {
                self.limits.endpoint_timeouts.insert(path, timeout);
            }
            Err(reason) => self.errors.push(SettingError::InvalidPath {
                path: path.to_owned(),
                reason,
            }),
        }
        self
    }

    /// How long a graceful shutdown waits for requests in flight (default 30 s; overrides
    /// `WEBHOOKS_SHUTDOWN_TIMEOUT`, in seconds).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .shutdown_timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.requested.shutdown_timeout = Some(timeout);
        self
    }

    /// Whether a handler's `Err` message is sent to the client in the 500 body (default `false`:
    /// the message is logged, and the client gets `{"error":"Internal server error."}`).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .expose_handler_errors(true)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn expose_handler_errors(mut self, expose: bool) -> Self {
        self.expose_handler_errors = expose;
        self
    }

    /// Where the delivery journal is kept (overrides `WEBHOOKS_DATA_DIR`; default
    /// `./webhooks-data`, or `/data` on a Space with persistent storage).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .data_dir("/var/lib/my-bot")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.requested.data_dir = Some(dir.into());
        self
    }

    /// Whether a data directory was given to the builder.
    pub(crate) fn has_data_dir(&self) -> bool {
        self.requested.data_dir.is_some()
    }

    /// Whether to journal deliveries (default `true`). Background endpoints need the journal:
    /// with it off, [`Self::build`] refuses them.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .journal(false)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn journal(mut self, enabled: bool) -> Self {
        self.deliveries.journal = enabled;
        self
    }

    /// How many times a background handler runs before its delivery is parked as dead
    /// (default 5).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .background_attempts(10)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn background_attempts(mut self, attempts: u32) -> Self {
        self.deliveries.attempts = attempts.max(1);
        self
    }

    /// How many deliveries of one background endpoint are handled at once (default 4).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .background_concurrency(1)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn background_concurrency(mut self, concurrency: usize) -> Self {
        self.deliveries.concurrency = concurrency.max(1);
        self
    }

    /// The wait before the second attempt of a failed background delivery; it doubles for each
    /// further attempt, up to ten minutes (default 1 s).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     // Retries after 5 s, 10 s, 20 s, 40 s.
    ///     .retry_backoff(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn retry_backoff(mut self, first: Duration) -> Self {
        self.deliveries.backoff = first;
        self
    }

    /// Whether a body identical to one already accepted (queued, running or done) by the
    /// endpoint at `path` within the duplicate window is answered as a duplicate instead of being
    /// handled again (default: on for background endpoints, off for the others).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .include_registered(false)
    ///     .add_webhook("sync", || async {})
    ///     .dedupe("sync", true)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn dedupe(mut self, path: &str, enabled: bool) -> Self {
        match webhooks_core::path::normalize(path) {
            Ok(path) => {
                self.dedupe.insert(path, enabled);
            }
            Err(reason) => self.errors.push(SettingError::InvalidPath {
                path: path.to_owned(),
                reason,
            }),
        }
        self
    }

    /// How far back duplicates are looked for (default 1 hour).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .duplicate_window(std::time::Duration::from_secs(24 * 60 * 60))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn duplicate_window(mut self, window: Duration) -> Self {
        self.deliveries.duplicate_window = window;
        self
    }

    /// How many finished deliveries the journal keeps, and for how long (default 10,000 and 30
    /// days); queued ones are always kept.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     // The last 1,000 finished deliveries, and none older than a week.
    ///     .retention(1_000, std::time::Duration::from_secs(7 * 24 * 60 * 60))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn retention(mut self, count: usize, age: Duration) -> Self {
        self.deliveries.retention_count = count;
        self.deliveries.retention_age = age;
        self
    }

    /// Keeps the delivery journal in `store` instead of the file journal in the data dir: a
    /// [`MemoryJournal`](crate::deliveries::MemoryJournal) for tests, or your own
    /// [`Journal`]. At start the server puts back in the queue what
    /// the store holds as running: one server process per store.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    /// use webhooks_runtime::deliveries::MemoryJournal;
    ///
    /// let server = WebhooksServer::builder().journal_store(MemoryJournal::new()).build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn journal_store(mut self, store: impl Journal) -> Self {
        self.deliveries.store = Some(Store(std::sync::Arc::new(store)));
        self.deliveries.journal = true;
        self
    }

    /// Keeps the delivery journal in the PostgreSQL database at `url` instead of the file journal in the
    /// data dir (overrides `WEBHOOKS_DATABASE_URL`): several server processes on one database
    /// share their deliveries. `postgres://user:password@host:port/database`, with
    /// `?sslmode=require` for a managed database. Needs the `postgres` feature. The server
    /// connects, and migrates the tables, when it starts.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .database_url("postgres://bot:secret@db.internal/hub?sslmode=require")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    #[cfg(feature = "postgres")]
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.requested.database_url = Some(crate::web::secret::Secret::new(url));
        self.deliveries.journal = true;
        self
    }

    /// How long a claim on a running background delivery holds without a heartbeat (default
    /// [`DEFAULT_DELIVERY_LEASE`](crate::limits::DEFAULT_DELIVERY_LEASE), 60 s; overrides
    /// `WEBHOOKS_DELIVERY_LEASE`, in seconds). Workers extend it every third of it while the
    /// handler runs; a delivery whose process stopped beating is run again once it lapses.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .delivery_lease(std::time::Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn delivery_lease(mut self, lease: Duration) -> Self {
        if lease < crate::limits::MIN_DELIVERY_LEASE {
            self.errors
                .push(SettingError::LeaseTooShort { given: lease });
        }
        self.requested.delivery_lease = Some(lease);
        self
    }

    /// The most deliveries a background endpoint holds accepted and not yet finished (default
    /// 10,000): past it, new ones are answered 503, so the queue of a stuck or slow handler
    /// cannot grow without bound. `/healthz` reports the backlog.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder().background_backlog(500).build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn background_backlog(mut self, limit: usize) -> Self {
        self.deliveries.backlog_limit = limit;
        self
    }

    /// The most bytes the bodies of finished deliveries may take together in the journal
    /// (default 1 GiB); the oldest go first. Queued ones are always kept.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .retention_bytes(100 * 1024 * 1024) // 100 MiB of bodies
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn retention_bytes(mut self, bytes: u64) -> Self {
        self.deliveries.retention_bytes = bytes;
        self
    }

    /// A token that opens the delivery API (`Authorization: Bearer <token>`), besides the
    /// webhook secret (overrides `WEBHOOKS_ADMIN_TOKEN`).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .admin_token("a-long-random-token")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.requested.admin_token = Some(Secret::new(token));
        self
    }

    /// Whether a body that is not a valid payload for the endpoint (a 422 by default, as in the
    /// Python reference) is answered 200 `{"processed": false, "reason": …}` instead (overrides
    /// `WEBHOOKS_ACK_REJECTED`). The Hub retries every answer that is not 2xx and counts it
    /// toward suspending the webhook (hub-docs PR #2773): with this, one body the code cannot
    /// read does not get the webhook suspended. Either way the delivery is journaled as failed,
    /// with its body, to replay once the code reads it.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder().acknowledge_rejected(true).build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn acknowledge_rejected(mut self, acknowledge: bool) -> Self {
        self.requested.acknowledge_rejected = Some(acknowledge);
        self
    }

    /// Whether to serve Prometheus metrics at `GET /metrics` (overrides `WEBHOOKS_METRICS`). By
    /// default they are served locally and not on a Space, where they would be public.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .metrics(false)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.requested.metrics = Some(enabled);
        self
    }

    /// Registers one webhook per endpoint path on the Hub when the server starts, before it
    /// says it is ready (overrides `WEBHOOKS_HUB_WATCH`): each targets the public URL
    /// (`WEBHOOKS_PUBLIC_URL`, or a Space's `SPACE_HOST`) with the path, watches `watched`, carries
    /// the webhook secret, and takes the domains its endpoints' filters need. A webhook that
    /// already matches is left as it is; see [`HubClient::apply_webhook`](crate::hub::HubClient::apply_webhook).
    /// The token is the environment's ([`Token::from_environment`](crate::hub::Token::from_environment))
    /// unless [`Self::hub_client`] gives a client. `run`, `serve` and `spawn` register;
    /// [`WebhooksServer::into_service`](crate::WebhooksServer::into_service) does not (the
    /// server it is nested in has its own URL): call `HubClient::apply_webhook` there.
    ///
    /// ```no_run
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// WebhooksServer::builder()
    ///     .public_url("https://acme-bot.hf.space")
    ///     .register_on_hub(webhooks_runtime::hub::parse_watched_list("dataset:acme/data,user:acme")?)
    ///     .build()?
    ///     .run()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "hub")]
    pub fn register_on_hub(
        mut self,
        watched: impl IntoIterator<Item = crate::hub::WatchedItem>,
    ) -> Self {
        self.requested.hub_watch = Some(watched.into_iter().collect());
        self
    }

    /// The client [`Self::register_on_hub`] (or `WEBHOOKS_HUB_WATCH`) registers with, instead of
    /// one with the environment's token and `HF_ENDPOINT`.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    /// use webhooks_runtime::hub::{HubClient, Token};
    ///
    /// let builder = WebhooksServer::builder().hub_client(HubClient::new(Token::new("hf_xxx")));
    /// ```
    #[cfg(feature = "hub")]
    pub fn hub_client(mut self, client: crate::hub::HubClient) -> Self {
        self.requested.hub_client = Some(client);
        self
    }

    /// Whether to read settings from the environment (default `true`). Tests turn it off so the
    /// machine's variables cannot change what they test.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .read_environment(false)
    ///     .build()?;
    /// assert_eq!(server.addr().port(), webhooks_runtime::server::DEFAULT_PORT);
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn read_environment(mut self, read: bool) -> Self {
        self.read_environment = read;
        self
    }

    /// Whether to print the start messages on stdout (default `true`).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .print_start_messages(false)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn print_start_messages(mut self, print: bool) -> Self {
        self.print_start_messages = print;
        self
    }

    /// Checks the configuration and the endpoints.
    ///
    /// # Errors
    ///
    /// [`Error::Setting`] listing every unusable setting given to the builder (an invalid path, an
    /// empty secret, a path-keyed setting naming no endpoint, an endpoint needing the journal
    /// while it is off),
    /// [`Error::Config`] for a malformed environment variable, [`Error::DuplicatePaths`] when two
    /// endpoints share a path.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::{Error, WebhooksServer};
    ///
    /// let error = WebhooksServer::builder()
    ///     .include_registered(false)
    ///     .add_webhook("hello", || async {})
    ///     .add_webhook("/hello/", || async {})
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(error, Error::DuplicatePaths(_)));
    /// ```
    pub fn build(mut self) -> Result<WebhooksServer, Error> {
        // Every unusable setting is reported at once.
        let mut problems = self.errors;
        let no_env = |_: &str| None;
        let env: env::Env<'_> = if self.read_environment {
            &env::process_env
        } else {
            &no_env
        };
        let resolved = config::resolve(self.requested, env)?;
        self.limits.shutdown_timeout = resolved.shutdown_timeout;
        self.deliveries.lease = resolved.delivery_lease;
        let mut routes = self.added;
        if self.include_registered {
            routes.extend(
                registered_endpoints()?
                    .into_iter()
                    .map(Route::from_endpoint),
            );
        }
        for route in &mut routes {
            route.timeout = self
                .limits
                .handler_timeout_for(&route.path, route.background);
            // A relay hands copies on as they came: the server they reach dedupes.
            route.dedupe = !route.relay
                && self
                    .dedupe
                    .get(&route.path)
                    .copied()
                    .unwrap_or(route.background);
        }
        if !self.deliveries.journal {
            problems.extend(
                routes
                    .iter()
                    .filter(|route| route.background || route.dedupe)
                    .map(|route| SettingError::NeedsJournal {
                        route: route.route_path.clone(),
                    }),
            );
        }
        let routes = std::sync::Arc::new(Routes::new(routes)?);
        problems.extend(unknown_paths(
            &routes,
            "endpoint_timeout",
            self.limits.endpoint_timeouts.keys(),
        ));
        problems.extend(unknown_paths(&routes, "dedupe", self.dedupe.keys()));
        if !problems.is_empty() {
            return Err(Error::Setting(problems));
        }
        Ok(WebhooksServer {
            resolved,
            routes,
            landing_page: self.landing_page,
            limits: self.limits,
            deliveries: self.deliveries,
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

/// A setting that names endpoints by path (`endpoint_timeout`, `dedupe`) must name existing ones:
/// a typo would otherwise be silently ignored.
fn unknown_paths<'a>(
    routes: &Routes,
    setting: &'static str,
    paths: impl Iterator<Item = &'a String>,
) -> Option<SettingError> {
    let mut unknown: Vec<String> = paths
        .filter(|path| {
            routes
                .at(&format!("{}{path}", webhooks_core::endpoint::ROUTE_PREFIX))
                .is_none()
        })
        .cloned()
        .collect();
    if unknown.is_empty() {
        return None;
    }
    unknown.sort_unstable();
    Some(SettingError::UnknownEndpoints {
        setting,
        paths: unknown,
    })
}
