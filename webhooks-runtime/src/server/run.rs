//! `run()` and `serve()`: the whole server in one call.

use crate::error::Error;
use crate::server::WebhooksServer;

/// Serves every `#[webhook_endpoint]` linked into the binary, configured from the environment,
/// until SIGINT or SIGTERM. Blocks; builds its own async runtime.
///
/// Started as a Hub Job (`WEBHOOK_PAYLOAD` set, as the Hub sets it for a Job webhook), it instead
/// handles that one delivery and exits: every endpoint whose filter takes it, or the one named by
/// `WEBHOOKS_JOB_ENDPOINT` (function name or path); `Delivery::webhook_id()` from `WEBHOOK_ID`;
/// background endpoints run inline; no secret check; a journal only when `WEBHOOKS_DATABASE_URL`
/// or `WEBHOOKS_DATA_DIR` is set (then the same `WEBHOOK_ID` does not run twice). It prints one JSON line per
/// endpoint on stdout (`endpoint`, `outcome`: `done`, `failed` or `skipped`, the answer's
/// `status` and `answer`, or `error`), and exits 0 when every matching handler succeeded or none
/// matched, 1 when one failed, 2 when the payload does not parse (a line with the `field`).
///
/// Started as `<binary> healthcheck`, it instead asks the server the same environment configures
/// for `/healthz` and returns `Ok` only on a 200 (see [`healthcheck`](crate::server::healthcheck())), for a
/// Dockerfile's `HEALTHCHECK`.
///
/// ```no_run,standalone_crate
/// use webhooks_runtime::{WebhookPayload, webhook_endpoint};
///
/// /// Retrain when a dataset changes.
/// #[webhook_endpoint]
/// async fn trigger_training(payload: WebhookPayload) -> webhooks_runtime::serde_json::Value {
///     webhooks_runtime::serde_json::json!({ "scope": payload.event.scope })
/// }
///
/// fn main() -> Result<(), webhooks_runtime::Error> {
///     webhooks_runtime::run()
/// }
/// ```
///
/// # Errors
///
/// [`Error::InsideAsyncRuntime`] when called from async code (use [`serve`] there), and every
/// error of [`WebhooksServerBuilder::build`](crate::WebhooksServerBuilder::build) and
/// [`WebhooksServer::serve`].
pub fn run() -> Result<(), Error> {
    if crate::server::healthcheck::requested() {
        return crate::server::healthcheck::healthcheck();
    }
    refuse_inside_async_runtime()?;
    crate::server::log::install_default_subscriber();
    let server = WebhooksServer::builder().build()?;
    if crate::server::job::requested() {
        let code = crate::server::job::run(server)?;
        std::process::exit(i32::from(code));
    }
    server.run()
}

/// `run()` blocks the thread, which async code must not do: say so instead of panicking deep in
/// tokio.
pub(crate) fn refuse_inside_async_runtime() -> Result<(), Error> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Err(Error::InsideAsyncRuntime),
        Err(_) => Ok(()),
    }
}

/// [`run`] for code already inside a tokio runtime (`#[tokio::main]`).
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> Result<(), webhooks_runtime::Error> {
///     // ... set up what else the application runs ...
///     webhooks_runtime::serve().await
/// }
/// ```
///
/// # Errors
///
/// As [`run`], but never [`Error::InsideAsyncRuntime`].
pub async fn serve() -> Result<(), Error> {
    crate::server::log::install_default_subscriber();
    WebhooksServer::builder().build()?.serve().await
}
