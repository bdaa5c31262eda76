//! One request in, one response out: the router decides where it goes, then a webhook runs its
//! handler ([`webhook`](crate::web::webhook)), a fixed page is served, or the delivery API
//! answers.

use std::borrow::Cow;

use http::{HeaderMap, Request};
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::delivery::{api, relay};
use crate::ops::metrics;
use crate::web::app::App;
use crate::web::body::RequestBody;
use crate::web::credentials::authorize_delivery_api;
use crate::web::router::{DeliveryOperation, Routed, Target};
use crate::web::webhook;

/// Answers one request. Never fails and never panics: every problem is a status.
pub(crate) async fn handle<B: RequestBody>(app: &App, request: Request<B>) -> WebhookResponse {
    let Some(path) = decoded_path(request.uri().path()) else {
        return answers::NOT_FOUND.into_response();
    };
    let target = match app.router.route(request.method(), &path) {
        Routed::To(target) => target,
        Routed::Refused(response) => {
            tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
            return response;
        }
    };
    // `/healthz` says nothing an attacker could use, and platform probes may not send our name.
    if let (Some(hosts), false) = (&app.hosts, target == Target::Health)
        && let Err(refusal) = hosts.check(request.headers(), request.uri())
    {
        return refusal;
    }
    let response = match target {
        Target::Webhook(id) => {
            return webhook::handle(app, app.routes.sharing_path(id), request).await;
        }
        Target::Landing => answers::html(app.landing.clone(), &app.landing_policy),
        Target::Health => health(app).await,
        Target::OpenApi => answers::with_content_type(app.openapi_document(), "application/json"),
        Target::Metrics => match &app.metrics {
            Some(metrics) => {
                answers::with_content_type(metrics.render().into(), metrics::CONTENT_TYPE)
            }
            None => answers::NOT_FOUND.into_response(),
        },
        Target::Deliveries(operation) => {
            // Boxed: the webhook path's future stays small (see `webhook::deliver`).
            let response = Box::pin(answer_delivery_api(
                app,
                operation,
                request.headers(),
                request.uri().query(),
            ))
            .await;
            tracing::info!(method = %request.method(), path = request.uri().path(), status = response.status().as_u16(), "delivery API");
            return response;
        }
    };
    tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
    response
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

/// Runs a delivery API operation, once the credential is checked.
async fn answer_delivery_api(
    app: &App,
    operation: DeliveryOperation<'_>,
    headers: &HeaderMap,
    query: Option<&str>,
) -> WebhookResponse {
    // Taking a relay's deliveries claims them: refused across origins like the others.
    let changes_state = matches!(
        operation,
        DeliveryOperation::Delete(_)
            | DeliveryOperation::Replay(_)
            | DeliveryOperation::RelayNext(_)
    );
    if let Err(refusal) = authorize_delivery_api(app, headers, changes_state) {
        return refusal;
    }
    let Some(deliveries) = &app.deliveries else {
        return answers::JOURNAL_OFF.into_response();
    };
    match operation {
        DeliveryOperation::List => api::list(deliveries, query).await,
        DeliveryOperation::Show(id) => api::show(deliveries, id).await,
        DeliveryOperation::Delete(id) => api::delete(deliveries, id).await,
        DeliveryOperation::Body(id) => api::body(deliveries, id).await,
        DeliveryOperation::Replay(id) => {
            api::replay(deliveries, &app.routes, app.expose_handler_errors, id).await
        }
        DeliveryOperation::RelayNext(route) => {
            relay::next(deliveries, app.routes.get(route), query).await
        }
    }
}
