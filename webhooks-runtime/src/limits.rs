//! Every bound the server puts on what a client can make it hold, with defaults sized for Hub
//! traffic (bodies of a few kilobytes, sent at once, a few requests per second at most).

use std::collections::HashMap;
use std::time::Duration;

/// The largest body read by default: Hub payloads are a few kilobytes.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_BODY_LIMIT;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().body_limit(2 * DEFAULT_BODY_LIMIT).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// How long a graceful shutdown waits for requests in flight by default.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_SHUTDOWN_TIMEOUT;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().shutdown_timeout(2 * DEFAULT_SHUTDOWN_TIMEOUT).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client has to send its request headers, and how long an HTTP/1 keep-alive
/// connection may sit idle between requests.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_HEADER_READ_TIMEOUT;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().header_read_timeout(2 * DEFAULT_HEADER_READ_TIMEOUT).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client has to send the whole body once its headers arrived.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_BODY_READ_TIMEOUT;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().body_read_timeout(2 * DEFAULT_BODY_READ_TIMEOUT).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest request head (request line and headers) accepted, in bytes.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_MAX_HEADER_SIZE;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().max_header_size(2 * DEFAULT_MAX_HEADER_SIZE).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;
/// The smallest head size limit hyper can apply.
pub(crate) const MIN_HEADER_SIZE: usize = 8 * 1024;
/// The most request headers accepted.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_MAX_HEADERS;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().max_headers(2 * DEFAULT_MAX_HEADERS).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_MAX_HEADERS: usize = 64;
/// The most connections served at once; further ones wait in the listen queue.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_MAX_CONNECTIONS;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().max_connections(2 * DEFAULT_MAX_CONNECTIONS).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The most concurrent requests (streams) on one HTTP/2 connection.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_MAX_CONCURRENT_STREAMS;
///
/// // Twice the default.
/// let server = WebhooksServer::builder().max_concurrent_streams(2 * DEFAULT_MAX_CONCURRENT_STREAMS).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 64;
/// How long a claim on a running background delivery holds without a heartbeat, by default:
/// past it, the delivery is run again (by this process or, on a shared store, another one).
/// Workers beat every third of it while handlers run.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_DELIVERY_LEASE;
///
/// let server = WebhooksServer::builder().delivery_lease(2 * DEFAULT_DELIVERY_LEASE).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_DELIVERY_LEASE: Duration = Duration::from_secs(60);

/// The shortest delivery lease accepted: heartbeats come every third of it, and a shorter one
/// would have them spin and every running delivery look abandoned.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::MIN_DELIVERY_LEASE;
///
/// let too_short = WebhooksServer::builder().delivery_lease(MIN_DELIVERY_LEASE / 2).build();
/// assert!(too_short.is_err());
/// ```
pub const MIN_DELIVERY_LEASE: Duration = Duration::from_secs(1);
/// How long a background handler may run by default before its attempt counts as failed (and is
/// retried): a handler that never returns must not hold a worker for good.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
/// use webhooks_runtime::limits::DEFAULT_BACKGROUND_TIMEOUT;
///
/// // Evaluations that take up to an hour.
/// let server = WebhooksServer::builder().background_timeout(6 * DEFAULT_BACKGROUND_TIMEOUT).build()?;
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_BACKGROUND_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How long a copy of a delivery still running waits for that run to end before it is answered
/// 409 (20 s): the Hub waits about 30 s for an answer (HF staff, quoted in HUB-WEBHOOKS.md §4;
/// not documented), so this answers well before it gives up.
///
/// ```
/// assert_eq!(webhooks_runtime::limits::DEFAULT_REPEAT_WAIT.as_secs(), 20);
/// ```
pub const DEFAULT_REPEAT_WAIT: Duration = Duration::from_secs(20);

/// The limits one server runs with.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) body: usize,
    pub(crate) body_read_timeout: Duration,
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_header_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_connections: usize,
    pub(crate) max_concurrent_streams: u32,
    pub(crate) shutdown_timeout: Duration,
    /// For every endpoint without its own.
    pub(crate) handler_timeout: Option<Duration>,
    /// For background endpoints without a timeout of their own or a `handler_timeout`.
    pub(crate) background_timeout: Duration,
    /// By endpoint path (normalized), overriding `handler_timeout`.
    pub(crate) endpoint_timeouts: HashMap<String, Duration>,
    /// How long a copy of a delivery still running (the same `Webhook-Id`) waits for it.
    pub(crate) repeat_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body: DEFAULT_BODY_LIMIT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            max_headers: DEFAULT_MAX_HEADERS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            handler_timeout: None,
            background_timeout: DEFAULT_BACKGROUND_TIMEOUT,
            endpoint_timeouts: HashMap::new(),
            repeat_wait: DEFAULT_REPEAT_WAIT,
        }
    }
}

impl Limits {
    /// The handler timeout for the endpoint at `path`, if any; background endpoints always
    /// have one.
    pub(crate) fn handler_timeout_for(&self, path: &str, background: bool) -> Option<Duration> {
        let default = background.then_some(self.background_timeout);
        self.endpoint_timeouts
            .get(path)
            .copied()
            .or(self.handler_timeout)
            .or(default)
    }
}
