//! A webhook request's admission: the secret and the content type (headers alone), the body
//! within its limits, the payload's summary read once for the log span and the journal, the
//! headers handlers must not see removed; then the delivery's policy
//! ([`Policy::deliver`](crate::delivery::policy::Policy::deliver)) decides its fate.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, Request, header};
use tracing::instrument::Instrumented;
use tracing::{Instrument, Span};
use webhooks_core::delivery::{MAX_WEBHOOK_ID_LEN, WEBHOOK_ID, webhook_id};
use webhooks_core::{WebhookRequest, WebhookResponse};

use crate::answers::{self, Answer};
use crate::delivery::policy::{Answered, Delivering};
use crate::delivery::record::DELIVERY_HEADERS;
use crate::delivery::summary::PayloadSummary;
use crate::endpoint::invoke::Outcome;
use crate::endpoint::route::{Route, RouteId};
use crate::ops::failed_answers::{FailedAnswers, current_hour};
use crate::ops::metrics::{InFlight, RouteMetrics};
use crate::web::app::App;
use crate::web::body::{ReadWithin, RequestBody, read_body};
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
        webhook_id = tracing::field::Empty,
    );
    let metrics = app.metrics.as_ref().map(|metrics| metrics.route(route.id));
    let answering: BoxedAnswer<'a> = Box::pin(answer(app, group, request, span.clone()));
    Handling {
        failed: &app.failed_answers,
        route: route.id,
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
    /// Where an answer other than 2xx is counted, under the path's first route.
    failed: &'a FailedAnswers,
    route: RouteId,
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
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            this.failed.record(this.route, status, current_hour());
        }
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
    read_webhook_id(&parts.headers, span);
    let uri = strip_query_secret(parts.uri);
    let request = WebhookRequest::new(parts.method, uri, parts.headers, body);
    app.policy.deliver(group, request, summary)
}

/// Puts the Hub's `Webhook-Id` in the span; one that is not 1 to 128 visible ASCII characters is
/// ignored (the delivery gets the server's own id), with a warning, and never refused.
fn read_webhook_id(headers: &HeaderMap, span: &Span) {
    match (webhook_id(headers), headers.get(&WEBHOOK_ID)) {
        (Some(id), _) => {
            span.record("webhook_id", id);
        }
        (None, Some(value)) => tracing::warn!(
            length = value.len(),
            "the Webhook-Id header is not 1 to {MAX_WEBHOOK_ID_LEN} visible ASCII characters: ignored, the delivery gets an id of its own"
        ),
        (None, None) => {}
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
