//! Prometheus metrics at `GET /metrics`, per endpoint. Each endpoint's counters are created once at
//! start, so a request only bumps atomics (and takes the histogram's short lock).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::endpoint::invoke::Outcome;
use crate::endpoint::route::{RouteId, Routes};
use crate::ops::failed_answers::{FailedAnswers, current_hour};

type Labels = Vec<(&'static str, String)>;

/// Request latency buckets, in seconds: webhook handlers range from microseconds to the Hub's
/// 30-second delivery timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// Every metric, registered for encoding, and each route's series by [`RouteId`].
pub(crate) struct Metrics {
    registry: Registry,
    routes: Vec<RouteMetrics>,
    /// Each path's answers other than 2xx over the last 24 hours, set at each scrape: under the
    /// path's first route, where they are counted.
    failed_last_24h: Vec<(RouteId, Gauge)>,
}

/// One endpoint's metrics.
#[derive(Clone)]
pub(crate) struct RouteMetrics {
    by_status_class: [Counter; 5],
    auth_failures: Counter,
    parse_failures: Counter,
    handler_errors: Counter,
    handler_panics: Counter,
    handler_timeouts: Counter,
    skipped: Counter,
    latency: Histogram,
    in_flight: Gauge,
}

impl RouteMetrics {
    /// Counts a request as started; the returned guard counts it as finished when dropped.
    pub(crate) fn start(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    pub(crate) fn record(&self, status: u16, outcome: Outcome, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_status_class[class].inc();
        self.latency.observe(seconds);
        match outcome {
            Outcome::Handled | Outcome::Refused => 0,
            Outcome::Rejected => self.parse_failures.inc(),
            Outcome::Unauthorized => self.auth_failures.inc(),
            Outcome::Failed => self.handler_errors.inc(),
            Outcome::Panicked => self.handler_panics.inc(),
            Outcome::TimedOut => self.handler_timeouts.inc(),
            Outcome::Skipped => self.skipped.inc(),
        };
    }
}

/// Decrements the in-flight gauge when the request ends, however it ends.
pub(crate) struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    /// Registers the metric families and creates every route's series; `journal_not_kept` counts
    /// the records of ordinary deliveries the journal shed.
    pub(crate) fn new(routes: &Routes, journal_not_kept: Counter) -> Metrics {
        let mut registry = Registry::with_prefix("webhooks");
        registry.register(
            "journal_records_not_kept",
            "Records of ordinary deliveries not journaled because the journal writer fell behind",
            journal_not_kept,
        );
        let requests = Family::<Labels, Counter>::default();
        let auth_failures = Family::<Labels, Counter>::default();
        let parse_failures = Family::<Labels, Counter>::default();
        let handler_errors = Family::<Labels, Counter>::default();
        let handler_panics = Family::<Labels, Counter>::default();
        let handler_timeouts = Family::<Labels, Counter>::default();
        let skipped = Family::<Labels, Counter>::default();
        let latency =
            Family::<Labels, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        let in_flight = Family::<Labels, Gauge>::default();
        let failed_last_24h = Family::<Labels, Gauge>::default();
        registry.register(
            "non_2xx_answers_last_24h",
            "Webhook answers other than 2xx in the last 24 hours: the Hub retries each and counts it toward suspending the webhook",
            failed_last_24h.clone(),
        );
        registry.register(
            "requests",
            "Webhook requests answered, by endpoint and status class",
            requests.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests refused for a missing or wrong secret",
            auth_failures.clone(),
        );
        registry.register(
            "parse_failures",
            "Requests refused because a handler argument could not be built from them (422)",
            parse_failures.clone(),
        );
        registry.register(
            "handler_errors",
            "Handlers that returned an error",
            handler_errors.clone(),
        );
        registry.register(
            "handler_panics",
            "Handlers that panicked",
            handler_panics.clone(),
        );
        registry.register(
            "handler_timeouts",
            "Handlers stopped by their timeout",
            handler_timeouts.clone(),
        );
        registry.register(
            "skipped",
            "Events no endpoint's filter took: answered 200, not handled",
            skipped.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a webhook request",
            latency.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Webhook requests being answered",
            in_flight.clone(),
        );

        let per_route = routes
            .iter()
            .map(|route| {
                let endpoint = || vec![("endpoint", route.route_path.clone())];
                let class = |class: &str| {
                    let mut labels = endpoint();
                    labels.push(("status_class", class.to_owned()));
                    requests.get_or_create(&labels).clone()
                };
                RouteMetrics {
                    by_status_class: [
                        class("1xx"),
                        class("2xx"),
                        class("3xx"),
                        class("4xx"),
                        class("5xx"),
                    ],
                    auth_failures: auth_failures.get_or_create(&endpoint()).clone(),
                    parse_failures: parse_failures.get_or_create(&endpoint()).clone(),
                    handler_errors: handler_errors.get_or_create(&endpoint()).clone(),
                    handler_panics: handler_panics.get_or_create(&endpoint()).clone(),
                    handler_timeouts: handler_timeouts.get_or_create(&endpoint()).clone(),
                    skipped: skipped.get_or_create(&endpoint()).clone(),
                    latency: latency.get_or_create(&endpoint()).clone(),
                    in_flight: in_flight.get_or_create(&endpoint()).clone(),
                }
            })
            .collect();
        let mut first_of_path: Vec<&crate::endpoint::route::Route> = Vec::new();
        for route in routes.iter() {
            if first_of_path
                .last()
                .is_none_or(|first| first.route_path != route.route_path)
            {
                first_of_path.push(route);
            }
        }
        let failed_last_24h = first_of_path
            .into_iter()
            .map(|route| {
                let labels = vec![("endpoint", route.route_path.clone())];
                (route.id, failed_last_24h.get_or_create(&labels).clone())
            })
            .collect();
        Metrics {
            registry,
            routes: per_route,
            failed_last_24h,
        }
    }

    /// The series of the route `id`.
    pub(crate) fn route(&self, id: RouteId) -> &RouteMetrics {
        &self.routes[id.0]
    }

    /// The OpenMetrics text exposition, which Prometheus scrapes, with `failed`'s counts of the
    /// last 24 hours.
    pub(crate) fn render(&self, failed: &FailedAnswers) -> String {
        let hour = current_hour();
        for (route, gauge) in &self.failed_last_24h {
            let count = failed.last_24h(*route, hour);
            gauge.set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

/// The content type of [`Metrics::render`].
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
