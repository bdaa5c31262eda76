//! The one router: every path the server answers (webhook routes, fixed pages, the delivery API)
//! in one table, each entry declaring its methods, so that 404, 405 and `Allow` are decided here
//! and nowhere else.

use std::collections::HashMap;

use http::Method;
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::endpoint::route::{RouteId, Routes};

/// The path prefix of the delivery API: `GET` lists, `GET {prefix}/{id}` shows one,
/// `{prefix}/{id}/body` its body, `POST {prefix}/{id}/replay` runs it again.
///
/// ```
/// use webhooks_runtime::deliveries::DELIVERY_API;
///
/// let replay = format!("http://127.0.0.1:7860{DELIVERY_API}/{}/replay", "0190a1b2");
/// assert_eq!(replay, "http://127.0.0.1:7860/api/deliveries/0190a1b2/replay");
/// ```
pub const DELIVERY_API: &str = "/api/deliveries";

/// Where a relay's forwarder takes deliveries from (a long poll; `hf-webhooks forward` reads it).
///
/// ```
/// use webhooks_runtime::deliveries::RELAY_NEXT;
///
/// assert_eq!(format!("https://relay.example{RELAY_NEXT}?wait_ms=25000"), "https://relay.example/api/relay/next?wait_ms=25000");
/// ```
pub const RELAY_NEXT: &str = "/api/relay/next";

/// What a request asks for, once its path and method matched an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// `POST /webhooks/<path>`: the first of the routes served there.
    Webhook(RouteId),
    /// `GET /`.
    Landing,
    /// `GET /healthz`.
    Health,
    /// `GET /openapi.json`.
    OpenApi,
    /// `GET /metrics`.
    Metrics,
    /// Under `/api/deliveries`, which needs its own credential.
    Deliveries(DeliveryOperation<&'a str>),
}

/// An operation of the delivery API, on a delivery id borrowed from the path (`&str`) or owned
/// (`String`, to answer after the request moved on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryOperation<Id> {
    /// `GET /api/deliveries`.
    List,
    /// `GET /api/deliveries/{id}`.
    Show(Id),
    /// `DELETE /api/deliveries/{id}`.
    Delete(Id),
    /// `GET /api/deliveries/{id}/body`.
    Body(Id),
    /// `POST /api/deliveries/{id}/replay`.
    Replay(Id),
    /// `GET /api/relay/next`: a relay's next deliveries, for `hf-webhooks forward`.
    RelayNext(RouteId),
}

impl DeliveryOperation<&str> {
    /// The same operation with its id owned.
    pub(crate) fn into_owned(self) -> DeliveryOperation<String> {
        match self {
            Self::List => DeliveryOperation::List,
            Self::Show(id) => DeliveryOperation::Show(id.to_owned()),
            Self::Delete(id) => DeliveryOperation::Delete(id.to_owned()),
            Self::Body(id) => DeliveryOperation::Body(id.to_owned()),
            Self::Replay(id) => DeliveryOperation::Replay(id.to_owned()),
            Self::RelayNext(route) => DeliveryOperation::RelayNext(route),
        }
    }
}

/// Where a request goes: a target, or the refusal that says why none.
#[derive(Debug)]
pub(crate) enum Routed<'a> {
    /// The path and method match.
    To(Target<'a>),
    /// 404 or 405, with `Allow`.
    Refused(WebhookResponse),
}

/// The methods an entry takes, each with its target.
struct Entry<'a> {
    get: Option<Target<'a>>,
    post: Option<Target<'a>>,
    delete: Option<Target<'a>>,
    /// The `Allow` header's value, for a 405.
    allow: &'static str,
}

impl<'a> Entry<'a> {
    fn get(target: Target<'a>) -> Self {
        Entry {
            get: Some(target),
            post: None,
            delete: None,
            allow: "GET, HEAD",
        }
    }

    fn post(target: Target<'a>) -> Self {
        Entry {
            get: None,
            post: Some(target),
            delete: None,
            allow: "POST",
        }
    }

    /// The target for `method`; `HEAD` goes where `GET` does.
    fn target(&self, method: &Method) -> Option<Target<'a>> {
        match *method {
            Method::GET | Method::HEAD => self.get,
            Method::POST => self.post,
            Method::DELETE => self.delete,
            _ => None,
        }
    }
}

/// The table, built once at start.
#[derive(Debug)]
pub(crate) struct Router {
    /// `/webhooks/<path>` to its route.
    webhooks: HashMap<Box<str>, RouteId>,
    /// Whether `/metrics` is served.
    metrics: bool,
    /// A relay's route, which takes every `/webhooks/<path>` no other route serves.
    relay: Option<RouteId>,
}

impl Router {
    /// The table for these routes; `/metrics` is in it only when `metrics` is on.
    pub(crate) fn new(routes: &Routes, metrics: bool) -> Self {
        // Routes sharing a path sit side by side: the table points at the first of them.
        let mut webhooks = HashMap::new();
        let mut relay = None;
        for route in routes.iter() {
            if route.mode.is_relay() {
                relay = Some(route.id);
                continue;
            }
            webhooks
                .entry(route.route_path.clone().into_boxed_str())
                .or_insert(route.id);
        }
        Router {
            webhooks,
            metrics,
            relay,
        }
    }

    /// Where `method` on `path` goes. A trailing `/` reaches the same entry.
    pub(crate) fn route<'a>(&self, method: &Method, path: &'a str) -> Routed<'a> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        let Some(entry) = self.entry(path) else {
            return Routed::Refused(answers::NOT_FOUND.into_response());
        };
        match entry.target(method) {
            Some(target) => Routed::To(target),
            None => Routed::Refused(answers::method_not_allowed(entry.allow)),
        }
    }

    /// The entry serving `path` (without a trailing `/`), if any.
    fn entry<'a>(&self, path: &'a str) -> Option<Entry<'a>> {
        if let Some(&id) = self.webhooks.get(path) {
            return Some(Entry::post(Target::Webhook(id)));
        }
        match path {
            "/" => Some(Entry::get(Target::Landing)),
            "/healthz" => Some(Entry::get(Target::Health)),
            "/openapi.json" => Some(Entry::get(Target::OpenApi)),
            "/metrics" if self.metrics => Some(Entry::get(Target::Metrics)),
            DELIVERY_API => Some(Entry::get(Target::Deliveries(DeliveryOperation::List))),
            RELAY_NEXT => self
                .relay
                .map(|id| Entry::get(Target::Deliveries(DeliveryOperation::RelayNext(id)))),
            _ if path.starts_with(webhooks_core::endpoint::ROUTE_PREFIX) => {
                let id = self.relay?;
                let rest = &path[webhooks_core::endpoint::ROUTE_PREFIX.len()..];
                (!rest.is_empty()).then_some(Entry::post(Target::Webhook(id)))
            }
            _ => delivery_entry(path.strip_prefix(DELIVERY_API)?.strip_prefix('/')?),
        }
    }
}

/// The entries under `/api/deliveries/`: `{id}`, `{id}/body`, `{id}/replay`.
fn delivery_entry(rest: &str) -> Option<Entry<'_>> {
    let mut segments = rest.split('/');
    let id = segments.next().filter(|id| !id.is_empty())?;
    let entry = match segments.next() {
        None => Entry {
            get: Some(Target::Deliveries(DeliveryOperation::Show(id))),
            post: None,
            delete: Some(Target::Deliveries(DeliveryOperation::Delete(id))),
            allow: "GET, HEAD, DELETE",
        },
        Some("body") => Entry::get(Target::Deliveries(DeliveryOperation::Body(id))),
        Some("replay") => Entry::post(Target::Deliveries(DeliveryOperation::Replay(id))),
        Some(_) => return None,
    };
    segments.next().is_none().then_some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router {
            webhooks: [("/webhooks/a".into(), RouteId(0))].into_iter().collect(),
            metrics: false,
            relay: None,
        }
    }

    fn allow(routed: Routed<'_>) -> Option<String> {
        match routed {
            Routed::Refused(response) if response.status() == 405 => Some(
                response.headers()["allow"]
                    .to_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            _ => None,
        }
    }

    fn status(routed: Routed<'_>) -> u16 {
        match routed {
            Routed::To(_) => 200,
            Routed::Refused(response) => response.status().as_u16(),
        }
    }

    #[test]
    fn every_path_declares_its_methods() {
        let router = router();
        assert!(matches!(
            router.route(&Method::POST, "/webhooks/a/"),
            Routed::To(Target::Webhook(RouteId(0)))
        ));
        assert_eq!(
            allow(router.route(&Method::GET, "/webhooks/a")).as_deref(),
            Some("POST")
        );
        assert_eq!(
            allow(router.route(&Method::POST, "/healthz")).as_deref(),
            Some("GET, HEAD")
        );
        assert!(matches!(
            router.route(&Method::HEAD, "/"),
            Routed::To(Target::Landing)
        ));
        assert_eq!(
            allow(router.route(&Method::PUT, "/api/deliveries/x")).as_deref(),
            Some("GET, HEAD, DELETE")
        );
        assert!(matches!(
            router.route(&Method::POST, "/api/deliveries/x/replay"),
            Routed::To(Target::Deliveries(DeliveryOperation::Replay("x")))
        ));
    }

    #[test]
    fn a_relay_takes_every_webhook_path_the_others_do_not() {
        let router = Router {
            relay: Some(RouteId(1)),
            ..router()
        };
        assert!(matches!(
            router.route(&Method::POST, "/webhooks/a"),
            Routed::To(Target::Webhook(RouteId(0)))
        ));
        for path in ["/webhooks/b", "/webhooks/deep/er/path"] {
            assert!(
                matches!(
                    router.route(&Method::POST, path),
                    Routed::To(Target::Webhook(RouteId(1)))
                ),
                "{path}"
            );
        }
        assert_eq!(status(router.route(&Method::POST, "/webhooks/")), 404);
        assert!(matches!(
            router.route(&Method::GET, "/api/relay/next"),
            Routed::To(Target::Deliveries(DeliveryOperation::RelayNext(RouteId(1))))
        ));
        assert_eq!(
            status(self::router().route(&Method::GET, "/api/relay/next")),
            404
        );
    }

    #[test]
    fn unknown_paths_are_404_including_near_misses() {
        let router = router();
        for path in [
            "/webhooks/b",
            "/metrics",
            "/api/deliveriesX",
            "/api/deliveries/x/y",
            "/api/deliveries/x/body/more",
            "/api/deliveries//body",
        ] {
            assert_eq!(status(router.route(&Method::GET, path)), 404, "{path}");
        }
    }
}
