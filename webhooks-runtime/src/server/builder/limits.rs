//! The builder's limits: body and header sizes, read and handler timeouts, connections, and
//! whether handler errors are shown to clients.

use std::time::Duration;

use crate::error::SettingError;
use crate::limits::MIN_HEADER_SIZE;

use super::WebhooksServerBuilder;

impl WebhooksServerBuilder {
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
}
