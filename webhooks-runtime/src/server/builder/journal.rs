//! The builder's delivery journal settings: where and whether it is kept, background retries,
//! dedupe, retention, its store, and the delivery API's token.

use std::path::PathBuf;
use std::time::Duration;

use crate::delivery::journal::Journal;
use crate::delivery::settings::Store;

use crate::error::SettingError;
use crate::web::secret::Secret;

use super::WebhooksServerBuilder;

impl WebhooksServerBuilder {
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
}
