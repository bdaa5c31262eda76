//! One request in, one response out: routing, the secret, the body, the handler.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use bytes::BytesMut;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Body;
use tracing::{Instrument, Span};
use webhooks_core::response::json_response;
use webhooks_core::{HandlerFailure, WebhookRequest, WebhookResponse};

use crate::admin;
use crate::catch_panic::{CatchPanic, panic_message};
use crate::deliveries::Deliveries;
use crate::handler::ErasedHandler;
use crate::journal::{DeliveryRecord, DeliveryStatus};
use crate::limits::Limits;
use crate::metrics::{self, Metrics, Outcome, RouteMetrics};
use crate::responses::{self, Refusal};
use crate::routes::{Route, RouteTable};
use crate::secret::{SECRET_HEADER, Secret, Secrets, strip_query_secret};
use crate::summary::PayloadSummary;

/// Everything a request needs, shared by all connections.
pub(crate) struct App {
    pub(crate) routes: RouteTable,
    /// Empty when no secret is configured.
    pub(crate) secrets: Secrets,
    /// The landing page, rendered once at start.
    pub(crate) landing: Bytes,
    pub(crate) limits: Limits,
    pub(crate) expose_handler_errors: bool,
    /// The OpenAPI document, rendered once at start.
    pub(crate) openapi: Bytes,
    /// The delivery journal, when enabled.
    pub(crate) deliveries: Option<Deliveries>,
    /// Whether the server listens on loopback only (the delivery API is then open without a
    /// credential when none is configured).
    pub(crate) loopback: bool,
    /// Opens the delivery API, besides the webhook secrets.
    pub(crate) admin_token: Option<Secret>,
    /// Served at `/metrics` when enabled.
    pub(crate) metrics: Option<Metrics>,
}

/// Answers one request. Never fails and never panics: every problem is a status.
pub(crate) async fn handle<B: RequestBody>(app: Arc<App>, request: Request<B>) -> WebhookResponse {
    match app.routes.find(request.uri().path()) {
        Some(route) => {
            let span = tracing::info_span!(
                "webhook",
                method = %request.method(),
                path = %route.route_path,
                endpoint = %route.function,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
                scope = tracing::field::Empty,
                action = tracing::field::Empty,
                repo = tracing::field::Empty,
            );
            let started = Instant::now();
            let in_flight = route.metrics.as_ref().map(RouteMetrics::start);
            let (response, outcome) = handle_webhook(&app, route, request, &span)
                .instrument(span.clone())
                .await;
            let latency = started.elapsed();
            if let Some(metrics) = &route.metrics {
                metrics.record(response.status().as_u16(), outcome, latency.as_secs_f64());
            }
            drop(in_flight);
            span.record("status", response.status().as_u16());
            span.record("latency_ms", latency.as_secs_f64() * 1000.0);
            span.in_scope(|| tracing::info!("answered"));
            response
        }
        None if request.uri().path().starts_with(admin::PREFIX) => {
            let uri = request.uri();
            let response = admin::handle(
                &app,
                request.method(),
                uri.path(),
                uri.query(),
                request.headers(),
            )
            .await;
            tracing::info!(method = %request.method(), path = uri.path(), status = response.status().as_u16(), "delivery API");
            response
        }
        None => {
            let response = handle_other(&app, &request);
            tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
            response
        }
    }
}

fn handle_other<B>(app: &App, request: &Request<B>) -> WebhookResponse {
    let page = match (request.uri().path(), &app.metrics) {
        ("/", _) => responses::html(app.landing.clone()),
        ("/healthz", _) => responses::HEALTHY.into_response(),
        ("/openapi.json", _) => {
            responses::with_content_type(app.openapi.clone(), "application/json")
        }
        ("/metrics", Some(metrics)) => {
            responses::with_content_type(metrics.render().into(), metrics::CONTENT_TYPE)
        }
        _ => return responses::NOT_FOUND.into_response(),
    };
    match *request.method() {
        Method::GET | Method::HEAD => page,
        _ => responses::method_not_allowed("GET, HEAD"),
    }
}

async fn handle_webhook<B: RequestBody>(
    app: &App,
    route: &Route,
    request: Request<B>,
    span: &Span,
) -> (WebhookResponse, Outcome) {
    if request.method() != Method::POST {
        return (responses::method_not_allowed("POST"), Outcome::Refused);
    }
    // The secret is checked on the headers alone: no byte of an unauthenticated body is read.
    if !app.secrets.is_empty() {
        if let Err(refusal) = app.secrets.check(request.headers(), request.uri()) {
            tracing::warn!(
                status = refusal.status.as_u16(),
                "refused: webhook secret missing or wrong"
            );
            return (refusal.into_response(), Outcome::AuthFailure);
        }
    }
    let (mut parts, body) = request.into_parts();
    let limits = &app.limits;
    let body =
        match tokio::time::timeout(limits.body_read_timeout, read_body(body, limits.body)).await {
            Ok(Ok(body)) => body,
            Ok(Err(refusal)) => return (refusal.into_response(), Outcome::Refused),
            Err(_elapsed) => return (responses::BODY_TIMEOUT.into_response(), Outcome::Refused),
        };
    if !span.is_disabled() {
        record_payload_summary(span, &body);
    }
    // Whatever handlers do with the request, the secret is not in it.
    parts.headers.remove(SECRET_HEADER);
    let uri = strip_query_secret(parts.uri);
    let request = WebhookRequest::new(parts.method, uri, parts.headers, body);
    let Some(deliveries) = &app.deliveries else {
        return run_now(app, route, request).await;
    };
    if route.dedupe {
        match deliveries.find_duplicate(route, request.body()).await {
            Ok(Some(original)) => return answer_duplicate(deliveries, route, &request, original),
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "cannot look for a duplicate; handling the delivery")
            }
        }
    }
    if route.background {
        return accept_in_background(deliveries, route, request).await;
    }
    if !deliveries.keeps_records() {
        // The journal is behind (a flood): answering comes first.
        deliveries.not_keeping();
        return run_now(app, route, request).await;
    }
    let mut record = DeliveryRecord::received(
        route,
        request.uri(),
        request.headers(),
        request.body(),
        DeliveryStatus::Done,
    );
    let started = Instant::now();
    let (response, outcome) = run_now(app, route, request).await;
    record.attempts = 1;
    record.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    if outcome != Outcome::Handled || !response.status().is_success() {
        record.status = DeliveryStatus::Failed;
        record.last_error = Some(format!("answered {}", response.status()));
    }
    deliveries.record_later(record);
    (response, outcome)
}

/// Runs the handler while the client waits.
pub(crate) async fn run_now(
    app: &App,
    route: &Route,
    request: WebhookRequest,
) -> (WebhookResponse, Outcome) {
    let outcome = match route.timeout {
        Some(timeout) => tokio::time::timeout(timeout, run(&route.handler, request))
            .await
            .ok(),
        None => Some(run(&route.handler, request).await),
    };
    match outcome {
        Some(Ok(response)) => report_failure(response, app.expose_handler_errors),
        Some(Err(panic)) => {
            tracing::error!(panic = %panic, "the handler panicked");
            (
                responses::HANDLER_PANICKED.into_response(),
                Outcome::HandlerPanic,
            )
        }
        None => {
            tracing::error!(timeout = ?route.timeout, "the handler did not finish in time");
            (
                responses::HANDLER_TIMEOUT.into_response(),
                Outcome::HandlerTimeout,
            )
        }
    }
}

/// A body this endpoint already accepted: recorded, answered 200 with the original's id, not
/// handled again.
fn answer_duplicate(
    deliveries: &Deliveries,
    route: &Route,
    request: &WebhookRequest,
    original: String,
) -> (WebhookResponse, Outcome) {
    tracing::info!(original = %original, "duplicate of an accepted delivery: not handled again");
    let mut record = DeliveryRecord::received(
        route,
        request.uri(),
        request.headers(),
        request.body(),
        DeliveryStatus::Duplicate,
    );
    record.original_id = Some(original.clone());
    deliveries.record_later(record);
    let body = serde_json::json!({ "delivery_id": original, "status": "duplicate" });
    (
        json_response(StatusCode::OK, Bytes::from(body.to_string())),
        Outcome::Handled,
    )
}

/// Checks the arguments, journals the delivery durably, and answers 202: workers run it.
async fn accept_in_background(
    deliveries: &Deliveries,
    route: &Route,
    request: WebhookRequest,
) -> (WebhookResponse, Outcome) {
    if let Err(refusal) = (route.check)(&request) {
        return (refusal, Outcome::Handled);
    }
    let record = DeliveryRecord::received(
        route,
        request.uri(),
        request.headers(),
        request.body(),
        DeliveryStatus::Queued,
    );
    let id = record.id.clone();
    match deliveries.enqueue(record).await {
        Ok(()) => {
            tracing::info!(id = %id, "queued for background handling");
            let body = serde_json::json!({ "delivery_id": id, "status": "queued" });
            (
                json_response(StatusCode::ACCEPTED, Bytes::from(body.to_string())),
                Outcome::Handled,
            )
        }
        Err(error) => {
            tracing::error!(%error, "a background delivery could not be journaled");
            (responses::NOT_JOURNALED.into_response(), Outcome::Refused)
        }
    }
}

fn record_payload_summary(span: &Span, body: &[u8]) {
    if let Some(summary) = PayloadSummary::read(body) {
        span.record("scope", summary.scope.as_str());
        span.record("action", summary.action.as_str());
        span.record("repo", summary.repo.as_str());
    }
}

/// A request body the server can read: hyper's, or any other for tests and benchmarks.
pub(crate) trait RequestBody: Body<Data = Bytes, Error: Into<BoxError>> + Send {}

impl<B: Body<Data = Bytes, Error: Into<BoxError>> + Send> RequestBody for B {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the whole body, refusing one larger than `limit` without reading the rest. A body that
/// comes in one piece (the usual case) is kept as it is, without a copy.
async fn read_body<B: RequestBody>(body: B, limit: usize) -> Result<Bytes, Refusal> {
    // hyper's body announces the declared `Content-Length` as its lower bound.
    if body.size_hint().lower() > limit as u64 {
        return Err(responses::PAYLOAD_TOO_LARGE);
    }
    let mut body = std::pin::pin!(body);
    let mut first = None;
    let mut joined: Option<BytesMut> = None;
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| responses::BODY_NOT_READ)?.into_data() else {
            continue; // Trailers carry nothing a webhook needs.
        };
        total += data.len();
        if total > limit {
            return Err(responses::PAYLOAD_TOO_LARGE);
        }
        match (&first, &mut joined) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut buffer = BytesMut::with_capacity(head.len() + data.len());
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&data);
                joined = Some(buffer);
            }
            (Some(_), Some(buffer)) => buffer.extend_from_slice(&data),
        }
    }
    Ok(match (joined, first) {
        (Some(buffer), _) => buffer.freeze(),
        (None, Some(data)) => data,
        (None, None) => Bytes::new(),
    })
}

/// Runs the handler where it belongs, with its panic caught and described.
pub(crate) async fn run(
    handler: &ErasedHandler,
    request: WebhookRequest,
) -> Result<WebhookResponse, String> {
    match handler {
        ErasedHandler::Async(call) => {
            // Extraction runs inside `call` too, so a panicking extractor is caught as well.
            let call = call.clone();
            let started =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || call(request)));
            match started {
                Ok(future) => CatchPanic(future)
                    .await
                    .map_err(|panic| panic_message(&*panic).to_owned()),
                Err(panic) => Err(panic_message(&*panic).to_owned()),
            }
        }
        ErasedHandler::Blocking(call) => {
            let call = call.clone();
            match tokio::task::spawn_blocking(move || call(request)).await {
                Ok(response) => Ok(response),
                Err(error) if error.is_panic() => {
                    Err(panic_message(&*error.into_panic()).to_owned())
                }
                Err(error) => Err(error.to_string()),
            }
        }
    }
}

/// Logs a handler's `Err` and decides what the client sees of it.
fn report_failure(response: WebhookResponse, expose: bool) -> (WebhookResponse, Outcome) {
    let Some(failure) = response.extensions().get::<HandlerFailure>() else {
        return (response, Outcome::Handled);
    };
    tracing::error!(error = %failure.message, "the handler failed");
    if expose {
        let body = serde_json::json!({ "error": failure.message }).to_string();
        return (
            json_response(response.status(), Bytes::from(body)),
            Outcome::HandlerError,
        );
    }
    (response, Outcome::HandlerError)
}
