//! Everything a request needs, built once at start and shared by all connections.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::HeaderValue;

use crate::delivery::Deliveries;
use crate::delivery::policy::Policy;
use crate::endpoint::route::Routes;
use crate::limits::Limits;
use crate::ops::failed_answers::FailedAnswers;
use crate::ops::metrics::Metrics;
use crate::ops::openapi;
use crate::web::hosts::AllowedHosts;
use crate::web::router::Router;
use crate::web::secret::{Secret, Secrets};

/// The shared state of one server.
pub(crate) struct App {
    pub(crate) router: Router,
    pub(crate) routes: Arc<Routes>,
    /// Empty when no secret is configured.
    pub(crate) secrets: Secrets,
    /// The hosts answered, when no secret is configured (`None` with a secret: any host).
    pub(crate) hosts: Option<AllowedHosts>,
    /// The landing page, rendered once at start.
    pub(crate) landing: Bytes,
    /// Where the default landing page takes the warning about answers other than 2xx (`None`
    /// for a page of the user's).
    pub(crate) landing_warning_at: Option<usize>,
    /// Each webhook route's answers other than 2xx over the last 24 hours.
    pub(crate) failed_answers: FailedAnswers,
    /// The landing page's Content-Security-Policy.
    pub(crate) landing_policy: HeaderValue,
    pub(crate) limits: Limits,
    pub(crate) expose_handler_errors: bool,
    /// The OpenAPI document, rendered at the first request for it: building it takes about
    /// 1 MiB of short-lived allocations, which would stay in the heap of a server nobody asks.
    pub(crate) openapi: OnceLock<Bytes>,
    /// The URL the server is reached at, for the OpenAPI document's `servers`.
    pub(crate) base_url: String,
    /// The delivery journal, when enabled.
    pub(crate) deliveries: Option<Arc<Deliveries>>,
    /// What decides the fate of an authenticated delivery.
    pub(crate) policy: Policy,
    /// Whether the server listens on loopback only (the delivery API is then open without a
    /// credential when none is configured).
    pub(crate) loopback: bool,
    /// Opens the delivery API, besides the webhook secrets.
    pub(crate) admin_token: Option<Secret>,
    /// Served at `/metrics` when enabled.
    pub(crate) metrics: Option<Metrics>,
}

impl App {
    /// The OpenAPI document, rendered once.
    pub(crate) fn openapi_document(&self) -> Bytes {
        self.openapi
            .get_or_init(|| {
                let secret_configured = !self.secrets.is_empty();
                let document = openapi::document(&self.routes, &self.base_url, secret_configured);
                Bytes::from(document.to_string())
            })
            .clone()
    }
}
