//! One request in, one response out: the router decides where it goes, then a webhook runs its
//! handler ([`webhook`]), a fixed page is served, or the delivery API
//! answers.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Request;
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::endpoint::route::RouteId;
use crate::ops::{landing, metrics};
use crate::web::app::App;
use crate::web::body::RequestBody;
use crate::web::delivery_api;
use crate::web::router::{DeliveryOperation, Routed, Target};
use crate::web::webhook::{self, Handling};

/// Answers one request. Never fails and never panics: every problem is a status.
///
/// Routing and fixed answers happen here; the returned future waits for the rest. It is small, a
/// webhook request's state boxed (see `web/delivering.rs` for why).
pub(crate) fn handle<'a, B: RequestBody + 'a>(app: &'a App, request: Request<B>) -> Responding<'a> {
    match decide(app, &request) {
        Decision::Now(response) => {
            tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
            Responding::Ready(std::future::ready(response))
        }
        Decision::Webhook(id) => {
            Responding::Webhook(webhook::handle(app, app.routes.sharing_path(id), request))
        }
        Decision::Health => Responding::Boxed(Box::pin(async move {
            let response = answers::cached(health(app).await, answers::cache::LIVE);
            tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
            response
        })),
        Decision::DeliveryApi(operation) => {
            Responding::Boxed(Box::pin(delivery_api::answer(app, operation, request)))
        }
    }
}

/// Where a request goes, decided on its method, path and headers alone.
enum Decision {
    /// Answered now: a fixed page, or a refusal.
    Now(WebhookResponse),
    /// To the webhook path of this route (and of the others sharing it).
    Webhook(RouteId),
    /// `GET /healthz`, which reads the journal.
    Health,
    /// The delivery API, which checks its credential and reads the journal.
    DeliveryApi(DeliveryOperation<String>),
}

fn decide<B>(app: &App, request: &Request<B>) -> Decision {
    let Some(path) = decoded_path(request.uri().path()) else {
        return Decision::Now(answers::NOT_FOUND.into_response());
    };
    let target = match app.router.route(request.method(), &path) {
        Routed::To(target) => target,
        Routed::Refused(response) => return Decision::Now(response),
    };
    // `/healthz` says nothing an attacker could use, and platform probes may not send our name.
    if let (Some(hosts), false) = (&app.hosts, target == Target::Health)
        && let Err(refusal) = hosts.check(request.headers(), request.uri())
    {
        return Decision::Now(refusal);
    }
    Decision::Now(match target {
        Target::Webhook(id) => return Decision::Webhook(id),
        Target::Health => return Decision::Health,
        Target::Deliveries(operation) => return Decision::DeliveryApi(operation.into_owned()),
        Target::Landing => answers::cached(
            answers::html(
                landing::with_failed_answers(
                    &app.landing,
                    app.landing_warning_at,
                    &app.routes,
                    &app.failed_answers,
                ),
                &app.landing_policy,
            ),
            answers::cache::LANDING,
        ),
        Target::OpenApi => answers::cached(
            answers::with_content_type(app.openapi_document(), "application/json"),
            answers::cache::OPENAPI,
        ),
        Target::Metrics => match &app.metrics {
            Some(metrics) => answers::cached(
                answers::with_content_type(
                    metrics.render(&app.failed_answers).into(),
                    metrics::CONTENT_TYPE,
                ),
                answers::cache::LIVE,
            ),
            None => answers::NOT_FOUND.into_response(),
        },
    })
}

/// A request's answer under way: see [`handle`].
pub(crate) enum Responding<'a> {
    /// To a webhook path.
    Webhook(Handling<'a>),
    /// The health check or the delivery API, which read the journal.
    Boxed(Pin<Box<dyn Future<Output = WebhookResponse> + Send + 'a>>),
    /// Answered already.
    Ready(std::future::Ready<WebhookResponse>),
}

impl Future for Responding<'_> {
    type Output = WebhookResponse;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WebhookResponse> {
        match self.get_mut() {
            Responding::Webhook(handling) => Pin::new(handling).poll(cx),
            Responding::Boxed(future) => future.as_mut().poll(cx),
            Responding::Ready(response) => Pin::new(response).poll(cx),
        }
    }
}

/// `{"status":"ok"}`, with the background backlog when there is one: deliveries accepted and
/// not finished, which a monitor can watch grow.
async fn health(app: &App) -> WebhookResponse {
    let Some(deliveries) = &app.deliveries else {
        return answers::HEALTHY.into_response();
    };
    match deliveries.backlog(&app.routes).await {
        Ok(0) => answers::HEALTHY.into_response(),
        Ok(backlog) => answers::json(
            http::StatusCode::OK,
            &serde_json::json!({ "status": "ok", "backlog": backlog }),
        ),
        Err(error) => {
            tracing::error!(%error, "the health check cannot read the journal");
            answers::json(
                http::StatusCode::SERVICE_UNAVAILABLE,
                &serde_json::json!({ "status": "journal unreadable", "error": error.to_string() }),
            )
        }
    }
}

/// The path with its `%XX` escapes decoded, as routes are written (`/webhooks/test%5Fwebhook` is
/// `/webhooks/test_webhook`); `None` when the escapes do not decode to UTF-8.
fn decoded_path(path: &str) -> Option<Cow<'_, str>> {
    if !path.contains('%') {
        return Some(Cow::Borrowed(path));
    }
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()
}
