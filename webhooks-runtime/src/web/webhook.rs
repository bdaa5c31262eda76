//! A webhook request's path: the method and secret (headers alone), the body within its limits,
//! the payload's summary read once for the log span and the journal, then the handler: run now,
//! answered as a duplicate, or queued for the background. Several endpoints with event filters
//! on one path go through [`dispatch`] first.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, Request, StatusCode, header};
use tracing::instrument::Instrumented;
use tracing::{Instrument, Span};
use webhooks_core::{WebhookRequest, WebhookResponse};

use crate::answers::{self, Answer};
use crate::delivery::journal::new_id;
use crate::delivery::journal::{DeliveryRecord, DeliveryStatus};
use crate::delivery::packed_headers::PackedHeaders;
use crate::delivery::record::{DELIVERY_HEADERS, with_delivery};
use crate::delivery::summary::PayloadSummary;
use crate::delivery::{Deliveries, Enqueued};
use crate::endpoint::invoke::{Outcome, invoke};
use crate::endpoint::route::Route;
use crate::ops::metrics::{InFlight, RouteMetrics};
use crate::web::app::App;
use crate::web::body::{ReadWithin, RequestBody, read_body};
use crate::web::delivering::{Answered, Delivering, Recording};
use crate::web::dispatch;
use crate::web::secret::{SECRET_HEADER_NAME, strip_query_secret};

/// Answers a request to the routes of one path (one, or several with event filters), in a span
/// of its own, and counts it in the path's metrics. The returned future is small, the request's
/// state boxed (see `web/delivering.rs` for why).
pub(crate) fn handle<'a, B: RequestBody + 'a>(
    app: &'a App,
    group: &'a [Route],
    request: Request<B>,
) -> Handling<'a> {
    let route = &group[0];
    let span = tracing::info_span!(
        "webhook",
        method = %request.method(),
        path = %route.route_path,
        endpoint = %Functions(group),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        scope = tracing::field::Empty,
        action = tracing::field::Empty,
        repo = tracing::field::Empty,
    );
    let metrics = app.metrics.as_ref().map(|metrics| metrics.route(route.id));
    let answering: BoxedAnswer<'a> = Box::pin(answer(app, group, request, span.clone()));
    Handling {
        started: Instant::now(),
        in_flight: metrics.map(RouteMetrics::start),
        metrics,
        answering: answering.instrument(span),
    }
}

/// The boxed state of a request to a webhook path.
type BoxedAnswer<'a> = Pin<Box<dyn Future<Output = Answered> + Send + 'a>>;

/// A webhook request under way: see [`handle`].
pub(crate) struct Handling<'a> {
    started: Instant,
    metrics: Option<&'a RouteMetrics>,
    in_flight: Option<InFlight<'a>>,
    /// In the request's span, which is recorded once it is answered.
    answering: Instrumented<BoxedAnswer<'a>>,
}

impl Future for Handling<'_> {
    type Output = WebhookResponse;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WebhookResponse> {
        let this = self.get_mut();
        let (response, outcome) = std::task::ready!(Pin::new(&mut this.answering).poll(cx));
        let latency = this.started.elapsed();
        if let Some(metrics) = this.metrics {
            metrics.record(response.status().as_u16(), outcome, latency.as_secs_f64());
        }
        this.in_flight = None;
        let span = this.answering.span();
        span.record("status", response.status().as_u16());
        span.record("latency_ms", latency.as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::info!("answered"));
        Poll::Ready(response)
    }
}

/// `train` or `train, welcome`: the functions a span is about.
struct Functions<'a>(&'a [Route]);

impl std::fmt::Display for Functions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, route) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&route.function)?;
        }
        Ok(())
    }
}

/// The request's two waits: for its body, then for its handler. What comes before and between
/// them is in plain functions, so this future holds little besides the one it waits for.
async fn answer<B: RequestBody>(
    app: &App,
    group: &[Route],
    request: Request<B>,
    span: Span,
) -> Answered {
    let (parts, reading) = match admit(app, group, request) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let body = match reading.await {
        Some(Ok(body)) => body,
        Some(Err(refusal)) => return (refusal.into_response(), Outcome::Refused),
        None => return (answers::BODY_TIMEOUT.into_response(), Outcome::Refused),
    };
    begin_delivery(app, group, parts, body, &span).await
}

/// Checks what the headers alone tell (the secret, the content type), and starts reading the
/// body within its limits. No byte of an unauthenticated body is read.
fn admit<B: RequestBody>(
    app: &App,
    group: &[Route],
    request: Request<B>,
) -> Result<
    (
        Parts,
        ReadWithin<impl Future<Output = Result<Bytes, Answer>>>,
    ),
    Answered,
> {
    if !app.secrets.is_empty()
        && let Err(refusal) = app.secrets.check(request.headers(), request.uri())
    {
        tracing::warn!(
            status = refusal.status.as_u16(),
            "refused: webhook secret missing or wrong"
        );
        return Err((refusal.into_response(), Outcome::Unauthorized));
    }
    if group.iter().any(|route| route.body.parses_json()) && !declares_json(request.headers()) {
        tracing::info!("refused: the body is not declared JSON");
        return Err((answers::NOT_JSON.into_response(), Outcome::Refused));
    }
    let (parts, body) = request.into_parts();
    let limits = &app.limits;
    let reading = ReadWithin::new(read_body(body, limits.body), limits.body_read_timeout);
    Ok((parts, reading))
}

/// Makes the handlers' request of what was received, and starts the delivery to the routes of
/// `group` whose filters take it.
fn begin_delivery<'a>(
    app: &'a App,
    group: &'a [Route],
    mut parts: Parts,
    body: Bytes,
    span: &Span,
) -> Delivering<'a> {
    // Read once, for the span and the journal record alike; with the span filtered out, the
    // journal writer reads it instead, off the response path.
    let summary = if span.is_disabled() {
        None
    } else {
        PayloadSummary::read(&body)
    };
    if let Some(summary) = &summary {
        span.record("scope", summary.scope.as_str());
        span.record("action", summary.action.as_str());
        span.record("repo", summary.repo.as_str());
    }
    let summarized = !span.is_disabled();
    // Whatever handlers do with the request, the secret is not in it; and the delivery id is the
    // server's to give, not the client's.
    parts.headers.remove(&SECRET_HEADER_NAME);
    // A client's copies of the server's delivery headers are rare: looked for in one pass over
    // the names, removed only when there.
    if parts
        .headers
        .keys()
        .any(|name| DELIVERY_HEADERS.contains(&name.as_str()))
    {
        for name in DELIVERY_HEADERS {
            parts.headers.remove(name);
        }
    }
    let uri = strip_query_secret(parts.uri);
    let request = WebhookRequest::new(parts.method, uri, parts.headers, body);
    match group {
        [route] if route.filter.is_empty() => deliver(app, route, request, summary, summarized),
        _ => dispatch::filtered(app, group, request, summary, summarized),
    }
}

/// Hands a request to one route: run now, answered as a duplicate, or queued for the background,
/// and recorded in the journal. The handler starts here; the returned future waits for it.
pub(crate) fn deliver<'a>(
    app: &'a App,
    route: &'a Route,
    request: WebhookRequest,
    summary: Option<PayloadSummary>,
    summarized: bool,
) -> Delivering<'a> {
    let Some(deliveries) = &app.deliveries else {
        return run_now(app, route, request);
    };
    let mut received = Received {
        route,
        request,
        summary,
        summarized,
    };
    // Duplicates are looked for in the same journal call that records the delivery: two copies
    // posted at once are one delivery.
    if route.dedupe && !route.background {
        return Delivering::boxed(run_once(app, deliveries, received));
    }
    if route.background {
        return Delivering::boxed(accept_in_background(deliveries, received));
    }
    if !deliveries.keeps_records() {
        // The journal is behind (a flood): answering comes first.
        deliveries.not_keeping();
        return run_now(app, route, received.request);
    }
    // The record is made before the handler runs (its id is the `Delivery` argument's); its
    // headers are copied into one buffer, which the writer splits.
    let (record, headers, summarized) = received.record_for_later(DeliveryStatus::Done);
    let started = Instant::now();
    let request = with_delivery(received.request, &record.id, 1, None);
    Delivering::Running {
        invoking: invoke(route, request, app.expose_handler_errors),
        recording: Some(Recording {
            deliveries,
            record,
            headers,
            summarized,
            started,
        }),
    }
}

/// Whether the `Content-Type` is JSON: `application/json` or any `type/subtype+json`, with or
/// without parameters, in any case.
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    !kind.is_empty()
        && !kind.contains(char::is_whitespace)
        && (kind.eq_ignore_ascii_case("application") && subtype == "json"
            || subtype.ends_with("+json"))
}

/// A request as received, before it is recorded.
struct Received<'a> {
    route: &'a Route,
    request: WebhookRequest,
    summary: Option<PayloadSummary>,
    /// Whether `summary` was read (it is `None` for a body that is not a Hub payload, too).
    summarized: bool,
}

impl Received<'_> {
    /// The journal's record of it, and whether its summary was read.
    fn record(&mut self, status: DeliveryStatus) -> (DeliveryRecord, bool) {
        let summary = self.summary.take();
        let record = DeliveryRecord::received(self.route, &self.request, summary, status);
        (record, self.summarized)
    }

    /// [`Self::record`] for the journal's writer: the headers packed, for it to unpack.
    fn record_for_later(
        &mut self,
        status: DeliveryStatus,
    ) -> (DeliveryRecord, PackedHeaders, bool) {
        let summary = self.summary.take();
        let (record, headers) =
            DeliveryRecord::received_for_later(self.route, &self.request, summary, status);
        (record, headers, self.summarized)
    }
}

/// Runs the handler while the client waits, without a journal record: the delivery's id is made
/// up for its `Delivery` argument.
fn run_now<'a>(app: &App, route: &Route, request: WebhookRequest) -> Delivering<'a> {
    let request = with_delivery(request, &new_id(), 1, None);
    Delivering::Running {
        invoking: invoke(route, request, app.expose_handler_errors),
        recording: None,
    }
}

/// An ordinary endpoint that drops duplicates: the delivery is written as running, in the one
/// journal call that looks for a copy, before its handler runs; its outcome replaces that record
/// once the handler returns.
async fn run_once(
    app: &App,
    deliveries: &Arc<Deliveries>,
    mut received: Received<'_>,
) -> (WebhookResponse, Outcome) {
    let route = received.route;
    let (mut record, summarized) = received.record(DeliveryStatus::Running);
    record.attempts = 1;
    if !summarized {
        record.summarize();
    }
    match deliveries.enqueue(route.id, record.clone(), true).await {
        Ok(Enqueued::Duplicate { original, record }) => {
            return record_duplicate(deliveries, *record, true, original);
        }
        Ok(Enqueued::Queued | Enqueued::BacklogFull(_)) => {}
        Err(error) => {
            tracing::error!(%error, "cannot look for a duplicate; handling the delivery");
        }
    }
    let started = Instant::now();
    let request = with_delivery(received.request, &record.id, 1, None);
    let invocation = invoke(route, request, app.expose_handler_errors).await;
    record.settle(&invocation, started);
    // Written whatever the writer's load: the running record must not stay running.
    let deliveries = Arc::clone(deliveries);
    tokio::spawn(async move {
        if let Err(error) = deliveries
            .run(move |journal| journal.insert(std::slice::from_ref(&record)))
            .await
        {
            tracing::error!(%error, "cannot record how a delivery ended");
        }
    });
    (invocation.response, invocation.outcome)
}

/// Records `record` as a duplicate of `original` and answers 200 with the original's id.
fn record_duplicate(
    deliveries: &Deliveries,
    mut record: DeliveryRecord,
    summarized: bool,
    original: String,
) -> (WebhookResponse, Outcome) {
    tracing::info!(original = %original, "duplicate of an accepted delivery: not handled again");
    record.status = DeliveryStatus::Duplicate;
    record.original_id = Some(original.clone());
    deliveries.record_later(record, summarized);
    let body = serde_json::json!({ "delivery_id": original, "status": "duplicate" });
    (answers::json(StatusCode::OK, &body), Outcome::Handled)
}

/// Checks the arguments, journals the delivery durably, and answers 202: workers run it.
async fn accept_in_background(
    deliveries: &Deliveries,
    mut received: Received<'_>,
) -> (WebhookResponse, Outcome) {
    let route = received.route;
    let (mut record, summarized) = received.record(DeliveryStatus::Queued);
    // Checked as the handler will get it, its `Delivery` argument included.
    let as_run = with_delivery(received.request, &record.id, 1, None);
    if let Err(refusal) = (route.check)(&as_run) {
        return (refusal, Outcome::Rejected);
    }
    if !summarized {
        record.summarize();
    }
    let id = record.id.clone();
    match deliveries.enqueue(route.id, record, route.dedupe).await {
        Ok(Enqueued::Duplicate { original, record }) => {
            record_duplicate(deliveries, *record, summarized, original)
        }
        Ok(Enqueued::Queued) => {
            tracing::info!(id = %id, "queued for background handling");
            let body = serde_json::json!({ "delivery_id": id, "status": "queued" });
            (answers::json(StatusCode::ACCEPTED, &body), Outcome::Handled)
        }
        Ok(Enqueued::BacklogFull(waiting)) => {
            tracing::warn!(waiting, "refused: the endpoint's backlog is full");
            (
                answers::backlog_full(&route.route_path, waiting),
                Outcome::Refused,
            )
        }
        Err(error) => {
            tracing::error!(%error, "a background delivery could not be journaled");
            (answers::NOT_JOURNALED.into_response(), Outcome::Refused)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::declares_json;
    use http::{HeaderMap, HeaderValue, header};

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_types_with_parameters_and_suffixes_are_json() {
        for value in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.hf.webhook+json",
            "text/x.custom+JSON;v=1",
        ] {
            assert!(declares_json(&with_type(value)), "{value}");
        }
    }

    #[test]
    fn what_a_browser_sends_without_asking_is_not_json() {
        for value in [
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonp",
            "json",
            "/json",
            "",
        ] {
            assert!(!declares_json(&with_type(value)), "{value}");
        }
        assert!(!declares_json(&HeaderMap::new()), "missing");
    }
}
