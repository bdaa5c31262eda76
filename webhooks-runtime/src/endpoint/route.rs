//! The webhook endpoints one server serves: gathered once at start, sorted, each with an id that
//! everything else (metrics, workers, the router) indexes by.

use std::time::Duration;

use std::sync::Arc;

use webhooks_core::{BodyUse, DeliveryMode, Endpoint, EventFilter};

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
    /// What the journal files its deliveries under: the route path, followed by `#<function>`
    /// when several endpoints share the path (set when the table is built).
    pub(crate) journal_key: String,
    /// The events it handles.
    pub(crate) filter: EventFilter,
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
    /// A relay's catch-all route (`/webhooks/<any path>`): its deliveries wait in the journal for
    /// `hf-webhooks forward` to take them (`GET /api/relay/next`); no worker runs them here.
    pub(crate) relay: bool,
}

impl Route {
    /// A route for an endpoint `#[webhook_endpoint]` registered.
    pub(crate) fn from_endpoint(endpoint: &'static Endpoint) -> Self {
        Route {
            id: RouteId(0),
            route_path: endpoint.route(),
            journal_key: String::new(),
            filter: endpoint.filter(),
            path: endpoint.path().to_owned(),
            function: endpoint.function().to_owned(),
            doc: endpoint.doc().to_owned(),
            location: endpoint.location(),
            handler: endpoint.handler().into(),
            check: Arc::new(endpoint.check()),
            body: endpoint.body(),
            background: endpoint.delivery_mode() == DeliveryMode::Background,
            dedupe: false,
            timeout: None,
            relay: false,
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

/// What two endpoints must not share: a route and an event filter, as a clash names them
/// (`/webhooks/hub`, or `/webhooks/hub for scope = "repo"`).
pub(crate) fn clash_key(route_path: &str, filter: &EventFilter) -> String {
    if filter.is_empty() {
        route_path.to_owned()
    } else {
        format!("{route_path} for {filter}")
    }
}

/// Every route, sorted by path; a route's [`RouteId`] is its index here.
pub(crate) struct Routes {
    sorted: Vec<Route>,
    /// For each route, the index past the last route of its path.
    group_end: Vec<usize>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|route| &route.route_path))
            .finish()
    }
}

impl Routes {
    /// Sorts the routes (by path, then function), refuses two on one path with the same filter,
    /// naming every clash, and numbers them. Routes sharing a path end up side by side.
    pub(crate) fn new(mut routes: Vec<Route>) -> Result<Self, Error> {
        routes.sort_by(|a, b| {
            (&a.path, &a.function, &a.location).cmp(&(&b.path, &b.function, &b.location))
        });
        let mut by_clash: Vec<&Route> = routes.iter().collect();
        by_clash.sort_by_cached_key(|route| {
            (
                clash_key(&route.route_path, &route.filter),
                route.location.clone(),
            )
        });
        let duplicates = DuplicatePath::find(&by_clash, |route| {
            (
                clash_key(&route.route_path, &route.filter),
                route.function.clone(),
                route.location.clone(),
            )
        });
        if !duplicates.is_empty() {
            return Err(Error::DuplicatePaths(duplicates));
        }
        // The routes of one path sit side by side: where each path's group ends is found once
        // here, so that a request finds its group without looking.
        let mut group_end = Vec::with_capacity(routes.len());
        let mut keys = Vec::with_capacity(routes.len());
        for group in routes.chunk_by(|a, b| a.route_path == b.route_path) {
            let end = group_end.len() + group.len();
            for (offset, route) in group.iter().enumerate() {
                group_end.push(end);
                // Within a shared path, the function's name tells endpoints apart; two closures
                // from one function get a number after the first.
                let namesakes_before = group[..offset]
                    .iter()
                    .filter(|other| other.function == route.function)
                    .count();
                keys.push(match (group.len() > 1, namesakes_before) {
                    (false, _) => route.route_path.clone(),
                    (true, 0) => format!("{}#{}", route.route_path, route.function),
                    (true, n) => format!("{}#{}-{}", route.route_path, route.function, n + 1),
                });
            }
        }
        for ((index, route), key) in routes.iter_mut().enumerate().zip(keys) {
            route.id = RouteId(index);
            route.journal_key = key;
        }
        Ok(Routes {
            sorted: routes,
            group_end,
        })
    }

    /// The routes served at the path of the route `id`, `id` first: one, or several with
    /// different filters.
    pub(crate) fn sharing_path(&self, id: RouteId) -> &[Route] {
        &self.sorted[id.0..self.group_end[id.0]]
    }

    /// The route whose deliveries the journal files under `key` (see [`Route::journal_key`]);
    /// a path alone names the first route on it, as journals written before paths were shared do.
    pub(crate) fn by_journal_key(&self, key: &str) -> Option<&Route> {
        self.sorted
            .iter()
            .find(|route| route.journal_key == key)
            .or_else(|| self.at(key))
    }

    /// The route with this id.
    pub(crate) fn get(&self, id: RouteId) -> &Route {
        &self.sorted[id.0]
    }

    /// The first route served at `route_path` (`/webhooks/<path>`), exactly.
    pub(crate) fn at(&self, route_path: &str) -> Option<&Route> {
        self.sorted
            .iter()
            .find(|route| route.route_path == route_path)
    }

    /// The routes of each path, one slice per path, sorted by path.
    pub(crate) fn by_path(&self) -> impl Iterator<Item = &[Route]> {
        self.sorted.chunk_by(|a, b| a.route_path == b.route_path)
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
