//! The route table: built once at start, looked up per request by exact path.

use std::collections::HashMap;
use std::time::Duration;

use std::sync::Arc;

use webhooks_core::{Delivery, Endpoint};

use crate::error::{DuplicatePath, Error};
use crate::handler::{Check, ErasedHandler};
use crate::metrics::RouteMetrics;

/// One servable endpoint, from the registry or from `add_webhook`.
#[derive(Clone)]
pub(crate) struct Route {
    /// The path under `/webhooks/`, normalized.
    pub(crate) path: String,
    /// `/webhooks/<path>`, the route requests are matched against.
    pub(crate) route_path: String,
    /// The function's name (for `add_webhook`, the name given or the path).
    pub(crate) function: String,
    /// The first paragraph of its doc comment.
    pub(crate) doc: String,
    /// `file:line` where it was written.
    pub(crate) location: String,
    pub(crate) handler: ErasedHandler,
    /// Builds the handler's arguments without running it.
    pub(crate) check: Check,
    /// Whether deliveries are journaled, answered 202 and handled in the background.
    pub(crate) background: bool,
    /// Whether a body already accepted recently is answered as a duplicate; resolved at build
    /// time (on for background endpoints unless told otherwise).
    pub(crate) dedupe: bool,
    /// How long the handler may run, resolved from the limits at build time.
    pub(crate) timeout: Option<Duration>,
    /// This endpoint's metrics, when metrics are enabled.
    pub(crate) metrics: Option<RouteMetrics>,
}

impl Route {
    pub(crate) fn from_endpoint(endpoint: &'static Endpoint) -> Self {
        Route {
            route_path: endpoint.route(),
            path: endpoint.path().to_owned(),
            function: endpoint.function().to_owned(),
            doc: endpoint.doc().to_owned(),
            location: endpoint.location(),
            handler: endpoint.handler().into(),
            check: Arc::new(endpoint.check()),
            background: endpoint.delivery() == Delivery::Background,
            dedupe: false,
            timeout: None,
            metrics: None,
        }
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("path", &self.path)
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

/// Every route, sorted by path, and a map from the full request path to each.
pub(crate) struct RouteTable {
    sorted: Vec<Route>,
    by_route: HashMap<Box<str>, usize>,
}

impl std::fmt::Debug for RouteTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|route| &route.route_path))
            .finish()
    }
}

impl RouteTable {
    /// Sorts the routes and refuses duplicate paths, naming every clash.
    pub(crate) fn new(mut routes: Vec<Route>) -> Result<Self, Error> {
        routes.sort_by(|a, b| (&a.path, &a.location).cmp(&(&b.path, &b.location)));
        let duplicates = DuplicatePath::find(&routes, |route| {
            (
                route.route_path.clone(),
                route.function.clone(),
                route.location.clone(),
            )
        });
        if !duplicates.is_empty() {
            return Err(Error::DuplicatePaths(duplicates));
        }
        let by_route = routes
            .iter()
            .enumerate()
            .map(|(index, route)| (route.route_path.clone().into_boxed_str(), index))
            .collect();
        Ok(RouteTable {
            sorted: routes,
            by_route,
        })
    }

    /// The route for a request path; a trailing `/` reaches the same route.
    pub(crate) fn find(&self, path: &str) -> Option<&Route> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        self.by_route.get(path).map(|&index| &self.sorted[index])
    }

    /// Gives each route, in path order, its metrics.
    pub(crate) fn attach_metrics(&mut self, metrics: Vec<RouteMetrics>) {
        for (route, metrics) in self.sorted.iter_mut().zip(metrics) {
            route.metrics = Some(metrics);
        }
    }

    /// Every route, sorted by path.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Route> {
        self.sorted.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }
}
