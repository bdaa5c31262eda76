//! Prometheus metrics at `GET /metrics`, per endpoint, in the OpenMetrics text format. Each
//! endpoint's series are created once at start, so a request only bumps atomics.
//!
//! Written here rather than with `prometheus-client`: the few counters, gauges and one histogram
//! this server has take about 150 lines, and that crate brings a derive macro and a second major
//! version of `syn` into every user's build.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::endpoint::invoke::Outcome;
use crate::endpoint::route::{RouteId, Routes};
use crate::ops::failed_answers::{FailedAnswers, current_hour};

/// Request latency buckets, in seconds: webhook handlers range from microseconds to the Hub's
/// 30-second delivery timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The prefix of every metric's name.
const PREFIX: &str = "webhooks";

/// A counter shared by its owner and the exposition.
pub(crate) type Counter = Arc<AtomicU64>;

/// A request latency histogram: a count per bucket (not cumulative), the sum of the observed
/// seconds (an `f64` in its bits) and their count.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    sum_bits: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, seconds: f64) {
        if let Some(bucket) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: a scrape may see the sum of one more or one fewer observation than the count.
        let _ = self
            .sum_bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + seconds).to_bits())
            });
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every metric, and each route's series by [`RouteId`].
pub(crate) struct Metrics {
    routes: Vec<RouteMetrics>,
    journal_not_kept: Counter,
    /// Each path's answers other than 2xx over the last 24 hours, read at each scrape: under the
    /// path's first route, where they are counted, with the path.
    first_of_path: Vec<(RouteId, String)>,
}

/// One endpoint's metrics.
pub(crate) struct RouteMetrics {
    endpoint: String,
    by_status_class: [AtomicU64; 5],
    auth_failures: AtomicU64,
    parse_failures: AtomicU64,
    handler_errors: AtomicU64,
    handler_panics: AtomicU64,
    handler_timeouts: AtomicU64,
    skipped: AtomicU64,
    latency: Histogram,
    in_flight: AtomicI64,
}

impl RouteMetrics {
    fn new(endpoint: String) -> Self {
        RouteMetrics {
            endpoint,
            by_status_class: Default::default(),
            auth_failures: AtomicU64::new(0),
            parse_failures: AtomicU64::new(0),
            handler_errors: AtomicU64::new(0),
            handler_panics: AtomicU64::new(0),
            handler_timeouts: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            latency: Histogram::default(),
            in_flight: AtomicI64::new(0),
        }
    }

    /// Counts a request as started; the returned guard counts it as finished when dropped.
    pub(crate) fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    pub(crate) fn record(&self, status: u16, outcome: Outcome, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_status_class[class].fetch_add(1, Ordering::Relaxed);
        self.latency.observe(seconds);
        let counter = match outcome {
            Outcome::Handled | Outcome::Refused => return,
            Outcome::Rejected => &self.parse_failures,
            Outcome::Unauthorized => &self.auth_failures,
            Outcome::Failed => &self.handler_errors,
            Outcome::Panicked => &self.handler_panics,
            Outcome::TimedOut => &self.handler_timeouts,
            Outcome::Skipped => &self.skipped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Decrements the in-flight gauge when the request ends, however it ends.
pub(crate) struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The text of one metric family as it is written: its header, then its samples.
struct Family<'a> {
    text: &'a mut String,
    name: &'static str,
}

impl<'a> Family<'a> {
    fn start(text: &'a mut String, name: &'static str, kind: &str, help: &str) -> Self {
        // Writing into a String cannot fail.
        let _ = writeln!(text, "# HELP {PREFIX}_{name} {help}.");
        let _ = writeln!(text, "# TYPE {PREFIX}_{name} {kind}");
        Family { text, name }
    }

    /// One sample: `suffix` (`_total`, `_bucket`…) after the name, then the labels, then the value.
    fn sample(&mut self, suffix: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let _ = write!(self.text, "{PREFIX}_{}{suffix}", self.name);
        for (index, (key, label)) in labels.iter().enumerate() {
            let open = if index == 0 { "{" } else { "," };
            let _ = write!(self.text, "{open}{key}=\"{}\"", escaped(label));
        }
        let close = if labels.is_empty() { "" } else { "}" };
        let _ = writeln!(self.text, "{close} {value}");
    }
}

/// A label value with `\`, `"` and line feeds escaped, as the format requires.
fn escaped(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return value.into();
    }
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .into()
}

/// A float as OpenMetrics writes it: always with a fraction or an exponent (`1.0`, not `1`).
struct Float(f64);

impl std::fmt::Display for Float {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl Metrics {
    /// Creates every route's series; `journal_not_kept` counts the records of ordinary deliveries
    /// the journal shed.
    pub(crate) fn new(routes: &Routes, journal_not_kept: Counter) -> Metrics {
        let per_route = routes
            .iter()
            .map(|route| RouteMetrics::new(route.route_path.clone()))
            .collect();
        let mut first_of_path: Vec<(RouteId, String)> = Vec::new();
        for route in routes.iter() {
            if first_of_path
                .last()
                .is_none_or(|(_, path)| *path != route.route_path)
            {
                first_of_path.push((route.id, route.route_path.clone()));
            }
        }
        Metrics {
            routes: per_route,
            journal_not_kept,
            first_of_path,
        }
    }

    /// The series of the route `id`.
    pub(crate) fn route(&self, id: RouteId) -> &RouteMetrics {
        &self.routes[id.0]
    }

    /// The OpenMetrics text exposition, which Prometheus scrapes, with `failed`'s counts of the
    /// last 24 hours.
    pub(crate) fn render(&self, failed: &FailedAnswers) -> String {
        let mut text = String::with_capacity(1024 + 2048 * self.routes.len());
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);

        let mut family = Family::start(
            &mut text,
            "journal_records_not_kept",
            "counter",
            "Records of ordinary deliveries not journaled because the journal writer fell behind",
        );
        family.sample("_total", &[], load(&self.journal_not_kept));

        let hour = current_hour();
        let mut family = Family::start(
            &mut text,
            "non_2xx_answers_last_24h",
            "gauge",
            "Webhook answers other than 2xx in the last 24 hours: the Hub retries each and counts it toward suspending the webhook",
        );
        for (route, path) in &self.first_of_path {
            family.sample("", &[("endpoint", path)], failed.last_24h(*route, hour));
        }

        let mut family = Family::start(
            &mut text,
            "requests",
            "counter",
            "Webhook requests answered, by endpoint and status class",
        );
        for route in &self.routes {
            for (class, count) in ["1xx", "2xx", "3xx", "4xx", "5xx"]
                .into_iter()
                .zip(&route.by_status_class)
            {
                let labels = [
                    ("endpoint", route.endpoint.as_str()),
                    ("status_class", class),
                ];
                family.sample("_total", &labels, load(count));
            }
        }

        type Field = fn(&RouteMetrics) -> &AtomicU64;
        let counters: [(&str, &str, Field); 6] = [
            (
                "auth_failures",
                "Requests refused for a missing or wrong secret",
                |r| &r.auth_failures,
            ),
            (
                "parse_failures",
                "Requests refused because a handler argument could not be built from them (422)",
                |r| &r.parse_failures,
            ),
            ("handler_errors", "Handlers that returned an error", |r| {
                &r.handler_errors
            }),
            ("handler_panics", "Handlers that panicked", |r| {
                &r.handler_panics
            }),
            (
                "handler_timeouts",
                "Handlers stopped by their timeout",
                |r| &r.handler_timeouts,
            ),
            (
                "skipped",
                "Events no endpoint's filter took: answered 200, not handled",
                |r| &r.skipped,
            ),
        ];
        for (name, help, field) in counters {
            let mut family = Family::start(&mut text, name, "counter", help);
            for route in &self.routes {
                family.sample(
                    "_total",
                    &[("endpoint", &route.endpoint)],
                    load(field(route)),
                );
            }
        }

        let mut family = Family::start(
            &mut text,
            "request_duration_seconds",
            "histogram",
            "Time to answer a webhook request",
        );
        for route in &self.routes {
            let endpoint = [("endpoint", route.endpoint.as_str())];
            let latency = &route.latency;
            let sum = f64::from_bits(latency.sum_bits.load(Ordering::Relaxed));
            family.sample("_sum", &endpoint, Float(sum));
            family.sample("_count", &endpoint, load(&latency.count));
            let mut cumulative = 0;
            for (bound, count) in LATENCY_BUCKETS.iter().zip(&latency.buckets) {
                cumulative += load(count);
                let le = format!("{:?}", bound);
                family.sample("_bucket", &[("le", &le), endpoint[0]], cumulative);
            }
            // The count is bumped after the bucket: never show fewer in `+Inf` than below it.
            let all = load(&latency.count).max(cumulative);
            family.sample("_bucket", &[("le", "+Inf"), endpoint[0]], all);
        }

        let mut family = Family::start(
            &mut text,
            "requests_in_flight",
            "gauge",
            "Webhook requests being answered",
        );
        for route in &self.routes {
            let in_flight = route.in_flight.load(Ordering::Relaxed);
            family.sample("", &[("endpoint", &route.endpoint)], in_flight);
        }
        text.push_str("# EOF\n");
        text
    }
}

/// The content type of [`Metrics::render`].
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
