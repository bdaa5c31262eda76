//! `WebhooksServer::builder()`: everything configurable, checked by `build()`. The settings are
//! grouped by concern in the submodules; this one holds the builder and `build()`.

use std::collections::HashMap;

use crate::delivery::settings::DeliverySettings;
use crate::endpoint::registry::Registered;
use crate::endpoint::route::{Route, Routes};
use crate::error::{Error, SettingError};
use crate::limits::Limits;
use crate::server::WebhooksServer;
use crate::server::config::{self, Requested};
use crate::server::env;

mod endpoints;
mod journal;
mod limits;
mod serving;

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
    registered: Registered,
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
            registered: Registered::All,
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

    /// Whether a data directory was given to the builder.
    pub(crate) fn has_data_dir(&self) -> bool {
        self.requested.data_dir.is_some()
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
        let registered = self.registered.endpoints()?;
        if let Registered::In(module) = &self.registered
            && registered.is_empty()
        {
            problems.push(SettingError::NoEndpointsInModule {
                module: module.clone(),
            });
        }
        routes.extend(registered.into_iter().map(Route::from_endpoint));
        for route in &mut routes {
            route.resolve(&self.limits, &self.dedupe);
        }
        if !self.deliveries.journal {
            problems.extend(
                routes
                    .iter()
                    .filter(|route| route.mode.is_background() || route.mode.dedupes())
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
