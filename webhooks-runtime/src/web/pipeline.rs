//! One request in, one response out: the router decides where it goes, then a webhook runs its
//! handler ([`webhook`](crate::web::webhook)), a fixed page is served, or the delivery API
//! answers.

use http::{HeaderMap, Request};
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::delivery::api;
use crate::ops::metrics;
use crate::web::app::App;
use crate::web::body::RequestBody;
use crate::web::credentials::authorize_delivery_api;
use crate::web::router::{DeliveryOperation, Routed, Target};
use crate::web::webhook;

/// Answers one request. Never fails and never panics: every problem is a status.
pub(crate) async fn handle<B: RequestBody>(app: &App, request: Request<B>) -> WebhookResponse {
    let target = match app.router.route(request.method(), request.uri().path()) {
        Routed::To(target) => target,
        Routed::Refused(response) => {
            tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
            return response;
        }
    };
    let response = match target {
        Target::Webhook(id) => return webhook::handle(app, app.routes.get(id), request).await,
        Target::Landing => answers::html(app.landing.clone()),
        Target::Health => answers::HEALTHY.into_response(),
        Target::OpenApi => answers::with_content_type(app.openapi.clone(), "application/json"),
        Target::Metrics => match &app.metrics {
            Some(metrics) => {
                answers::with_content_type(metrics.render().into(), metrics::CONTENT_TYPE)
            }
            None => answers::NOT_FOUND.into_response(),
        },
        Target::Deliveries(operation) => {
            let response =
                answer_delivery_api(app, operation, request.headers(), request.uri().query()).await;
            tracing::info!(method = %request.method(), path = request.uri().path(), status = response.status().as_u16(), "delivery API");
            return response;
        }
    };
    tracing::debug!(method = %request.method(), status = response.status().as_u16(), "answered");
    response
}

/// Runs a delivery API operation, once the credential is checked.
async fn answer_delivery_api(
    app: &App,
    operation: DeliveryOperation<'_>,
    headers: &HeaderMap,
    query: Option<&str>,
) -> WebhookResponse {
    if let Err(refusal) = authorize_delivery_api(app, headers) {
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
    }
}
