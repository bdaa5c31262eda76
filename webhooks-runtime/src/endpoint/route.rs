//! The webhook endpoints one server serves: gathered once at start, sorted, each with an id that
//! everything else (metrics, workers, the router) indexes by.

use std::time::Duration;

use std::sync::Arc;

use webhooks_core::{BodyUse, Delivery, Endpoint};

use crate::endpoint::handler::{Check, ErasedHandler};
use crate::error::{DuplicatePath, Error};

/// A route's position in its [`Routes`], the same for the server's whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RouteId(pub(crate) usize);

/// One servable endpoint, from the registry or from `add_webhook`.
#[derive(Clone)]
pub(crate) struct Route {
    /// Its position in the table, set when the table is built.
    pub(crate) id: RouteId,
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
    /// What the handler's arguments read of the body.
    pub(crate) body: BodyUse,
    /// Whether deliveries are journaled, answered 202 and handled in the background.
    pub(crate) background: bool,
    /// Whether a body already accepted recently is answered as a duplicate; resolved at build
    /// time (on for background endpoints unless told otherwise).
    pub(crate) dedupe: bool,
    /// How long the handler may run, resolved from the limits at build time.
    pub(crate) timeout: Option<Duration>,
}

impl Route {
    /// A route for an endpoint `#[webhook_endpoint]` registered.
    pub(crate) fn from_endpoint(endpoint: &'static Endpoint) -> Self {
        Route {
            id: RouteId(0),
            route_path: endpoint.route(),
            path: endpoint.path().to_owned(),
            function: endpoint.function().to_owned(),
            doc: endpoint.doc().to_owned(),
            location: endpoint.location(),
            handler: endpoint.handler().into(),
            check: Arc::new(endpoint.check()),
            body: endpoint.body(),
            background: endpoint.delivery() == Delivery::Background,
            dedupe: false,
            timeout: None,
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

/// Every route, sorted by path; a route's [`RouteId`] is its index here.
pub(crate) struct Routes {
    sorted: Vec<Route>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|route| &route.route_path))
            .finish()
    }
}

impl Routes {
    /// Sorts the routes, refuses duplicate paths naming every clash, and numbers them.
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
        for (index, route) in routes.iter_mut().enumerate() {
            route.id = RouteId(index);
        }
        Ok(Routes { sorted: routes })
    }

    /// The route with this id.
    pub(crate) fn get(&self, id: RouteId) -> &Route {
        &self.sorted[id.0]
    }

    /// The route served at `route_path` (`/webhooks/<path>`), exactly.
    pub(crate) fn at(&self, route_path: &str) -> Option<&Route> {
        self.sorted
            .binary_search_by(|route| route.route_path.as_str().cmp(route_path))
            .ok()
            .map(|index| &self.sorted[index])
    }

    /// Every route, sorted by path.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &Route> {
        self.sorted.iter()
    }

    /// How many routes there are.
    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }
}
