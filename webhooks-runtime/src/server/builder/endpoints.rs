//! The builder's endpoints: handlers added by path (answered, background, blocking), the relay's
//! catch-all, event filters, and whether `#[webhook_endpoint]`s are included.

use std::panic::Location;

use webhooks_core::EventFilter;

use crate::endpoint::handler::{
    AsyncHandler, BlockingHandler, Erased, HandlerArguments, erase_async, erase_blocking,
    handler_name,
};
use crate::endpoint::registry::Registered;
use crate::endpoint::route::Route;
use crate::error::SettingError;

use super::WebhooksServerBuilder;

impl WebhooksServerBuilder {
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
        self.added.push(Route::relay(Location::caller()));
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
        erased: Erased,
        background: bool,
    ) -> Self {
        self.last_added = false;
        match webhooks_core::path::normalize(path) {
            Ok(path) => {
                self.last_added = true;
                self.added
                    .push(Route::added(path, function, location, erased, background));
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
        self.registered = if include {
            Registered::All
        } else {
            Registered::Excluded
        };
        self
    }

    /// Serves only the `#[webhook_endpoint]`s defined in `module` or in its submodules, a path
    /// as [`module_path!`] writes it (`"my_bot::public"`): two servers in one program, each with
    /// its own endpoints. Paths clash only among the endpoints served; the last of this and
    /// [`Self::include_registered`] called decides. A module in which no endpoint is defined
    /// (a typo, `crate::…`, a crate name with `-`) is refused by [`Self::build`].
    ///
    /// ```standalone_crate
    /// mod public {
    ///     use webhooks_runtime::webhook_endpoint;
    ///
    ///     /// Answer in discussions.
    ///     #[webhook_endpoint]
    ///     fn discussions() {}
    /// }
    ///
    /// mod internal {
    ///     use webhooks_runtime::webhook_endpoint;
    ///
    ///     /// Also at `/webhooks/discussions`, served by the other server.
    ///     #[webhook_endpoint]
    ///     fn discussions() {}
    /// }
    ///
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// # fn main() -> Result<(), webhooks_runtime::Error> {
    /// let public = WebhooksServer::builder()
    ///     .include_registered_in(concat!(module_path!(), "::public"))
    ///     .build()?;
    /// let internal = WebhooksServer::builder()
    ///     .include_registered_in(concat!(module_path!(), "::internal"))
    ///     .port(8001)
    ///     .build()?;
    /// // Together, the two would clash at one path.
    /// assert!(WebhooksServer::builder().build().is_err());
    /// let typo = WebhooksServer::builder().include_registered_in("pubilc").build().unwrap_err();
    /// assert!(typo.to_string().contains("no #[webhook_endpoint] is defined in that module"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn include_registered_in(mut self, module: impl Into<String>) -> Self {
        self.registered = Registered::In(module.into());
        self
    }
}
