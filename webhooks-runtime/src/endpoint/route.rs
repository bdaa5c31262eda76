//! The webhook endpoints one server serves: gathered once at start, sorted, each with an id that
//! everything else (metrics, workers, the router) indexes by.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use webhooks_core::endpoint::ROUTE_PREFIX;
use webhooks_core::{BodyUse, DeliveryMode, Endpoint, EventFilter};

use crate::endpoint::handler::{Check, Erased, ErasedHandler, erase_async};
use crate::error::{DuplicatePath, Error};
use crate::limits::Limits;

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
    /// The handler, erased to one type.
    pub(crate) handler: ErasedHandler,
    /// Builds the handler's arguments without running it.
    pub(crate) check: Check,
    /// What the handler's arguments read of the body.
    pub(crate) body: BodyUse,
    /// How its deliveries are handled; dedupe resolved at build time.
    pub(crate) mode: RouteMode,
    /// How long the handler may run, resolved from the limits at build time.
    pub(crate) timeout: Option<Duration>,
}

/// How a route's deliveries are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteMode {
    /// Run at once and answered with the handler's response; `dedupe`: a body already accepted
    /// recently is answered as a duplicate (off unless asked).
    Answered {
        /// Whether a repeated body is answered as a duplicate.
        dedupe: bool,
    },
    /// Journaled, answered 202 and run by the background workers, with retries; `dedupe` is on
    /// unless turned off.
    Background {
        /// Whether a repeated body is answered as a duplicate.
        dedupe: bool,
    },
    /// A relay's catch-all route (`/webhooks/<any path>`): its deliveries are journaled, answered
    /// 202 and wait for `hf-webhooks forward` to take them (`GET /api/relay/next`); no worker
    /// runs them here, and copies are handed on as they came (the server they reach dedupes).
    Relay,
}

impl RouteMode {
    /// Whether deliveries are journaled and answered 202 before anything runs them.
    pub(crate) fn is_background(self) -> bool {
        !matches!(self, RouteMode::Answered { .. })
    }

    /// Whether this server's background workers run the deliveries.
    pub(crate) fn has_workers(self) -> bool {
        matches!(self, RouteMode::Background { .. })
    }

    /// Whether a body already accepted recently is answered as a duplicate.
    pub(crate) fn dedupes(self) -> bool {
        match self {
            RouteMode::Answered { dedupe } | RouteMode::Background { dedupe } => dedupe,
            RouteMode::Relay => false,
        }
    }

    /// Whether this is a relay's catch-all route.
    pub(crate) fn is_relay(self) -> bool {
        self == RouteMode::Relay
    }

    /// The mode with dedupe as the builder asked (`None`: the mode's default).
    fn with_dedupe(self, asked: Option<bool>) -> Self {
        match self {
            RouteMode::Answered { .. } => RouteMode::Answered {
                dedupe: asked.unwrap_or(false),
            },
            RouteMode::Background { .. } => RouteMode::Background {
                dedupe: asked.unwrap_or(true),
            },
            RouteMode::Relay => RouteMode::Relay,
        }
    }
}

/// Where a route was written, as `file:line`.
fn location_of(location: &Location<'_>) -> String {
    format!("{}:{}", location.file(), location.line())
}

impl Route {
    /// A route at `path` (normalized, under `/webhooks/`); its id, journal key, timeout and dedupe
    /// are settled when the server is built ([`Route::resolve`], [`Routes::new`]).
    pub(crate) fn new(
        path: String,
        function: String,
        doc: String,
        location: String,
        Erased {
            handler,
            check,
            body,
        }: Erased,
        mode: RouteMode,
    ) -> Self {
        Route {
            id: RouteId(0),
            route_path: format!("{ROUTE_PREFIX}{path}"),
            journal_key: String::new(),
            filter: EventFilter::new(),
            path,
            function,
            doc,
            location,
            handler,
            check,
            body,
            mode,
            timeout: None,
        }
    }

    /// A route added by the builder (`add_webhook` and its kin), written at `location`.
    pub(crate) fn added(
        path: String,
        function: String,
        location: &Location<'_>,
        erased: Erased,
        background: bool,
    ) -> Self {
        let mode = if background {
            RouteMode::Background { dedupe: true }
        } else {
            RouteMode::Answered { dedupe: false }
        };
        Route::new(
            path,
            function,
            String::new(),
            location_of(location),
            erased,
            mode,
        )
    }

    /// A route for an endpoint `#[webhook_endpoint]` registered.
    pub(crate) fn from_endpoint(endpoint: &'static Endpoint) -> Self {
        let erased = Erased {
            handler: endpoint.handler().into(),
            check: Arc::new(endpoint.check()),
            body: endpoint.body(),
        };
        let mode = match endpoint.delivery_mode() {
            DeliveryMode::Background => RouteMode::Background { dedupe: true },
            DeliveryMode::Immediate => RouteMode::Answered { dedupe: false },
        };
        let mut route = Route::new(
            endpoint.path().to_owned(),
            endpoint.function().to_owned(),
            endpoint.doc().to_owned(),
            endpoint.location(),
            erased,
            mode,
        );
        route.filter = endpoint.filter();
        route
    }

    /// A relay's catch-all route, written at `location` (see [`RouteMode::Relay`]): it takes any
    /// JSON body and holds it for `hf-webhooks forward`.
    pub(crate) fn relay(location: &Location<'_>) -> Self {
        Route::new(
            "*".to_owned(),
            "relay".to_owned(),
            "Every path, held for `hf-webhooks forward`.".to_owned(),
            location_of(location),
            erase_async(|_: webhooks_core::Json<serde_json::Value>| async {}),
            RouteMode::Relay,
        )
    }

    /// Settles what the server's settings decide per route: how long its handler may run, and
    /// whether it drops repeated bodies (`dedupe`: the builder's per-path choice, else the mode's
    /// default).
    pub(crate) fn resolve(&mut self, limits: &Limits, dedupe: &HashMap<String, bool>) {
        self.timeout = limits.handler_timeout_for(&self.path, self.mode.is_background());
        self.mode = self.mode.with_dedupe(dedupe.get(&self.path).copied());
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
