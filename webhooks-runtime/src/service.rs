//! One request in, one response out: routing, the secret, the body, the handler.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use webhooks_core::response::json_response;
use webhooks_core::{HandlerFailure, WebhookRequest, WebhookResponse};

use crate::catch_panic::{CatchPanic, panic_message};
use crate::handler::ErasedHandler;
use crate::log;
use crate::responses::{self, Refusal};
use crate::routes::{Route, RouteTable};
use crate::secret::{self, SECRET_HEADER, Secret};

/// Everything a request needs, shared by all connections.
pub(crate) struct App {
    pub(crate) routes: RouteTable,
    pub(crate) secret: Option<Secret>,
    /// The landing page, rendered once at start.
    pub(crate) landing: Bytes,
    pub(crate) body_limit: usize,
    pub(crate) expose_handler_errors: bool,
}

/// Answers one request. Never fails and never panics: every problem is a status.
pub(crate) async fn handle(app: Arc<App>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let response = match app.routes.find(request.uri().path()) {
        Some(route) => handle_webhook(&app, route, request).await,
        None => handle_other(&app, &request),
    };
    response.map(Full::new)
}

fn handle_other(app: &App, request: &Request<Incoming>) -> WebhookResponse {
    let page = match request.uri().path() {
        "/" => responses::html(app.landing.clone()),
        "/healthz" => responses::HEALTHY.into_response(),
        _ => return responses::NOT_FOUND.into_response(),
    };
    match *request.method() {
        Method::GET | Method::HEAD => page,
        _ => responses::method_not_allowed("GET, HEAD"),
    }
}

async fn handle_webhook(app: &App, route: &Route, request: Request<Incoming>) -> WebhookResponse {
    if request.method() != Method::POST {
        return responses::method_not_allowed("POST");
    }
    // The secret is checked on the headers alone: no byte of an unauthenticated body is read.
    if let Some(secret) = &app.secret {
        if let Err(refusal) = secret::check(secret, request.headers()) {
            return refusal.into_response();
        }
    }
    let (mut parts, body) = request.into_parts();
    let body = match read_body(body, &parts.headers, app.body_limit).await {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    parts.headers.remove(SECRET_HEADER);
    let request = WebhookRequest::new(parts.method, parts.uri, parts.headers, body);
    let response = run(&route.handler, request).await;
    match response {
        Ok(response) => report_failure(response, route, app.expose_handler_errors),
        Err(panic) => {
            log::error(format_args!(
                "handler `{}` ({}) panicked: {}",
                route.function,
                route.route(),
                panic
            ));
            responses::HANDLER_PANICKED.into_response()
        }
    }
}

/// Reads the whole body, refusing one larger than `limit` without reading the rest.
async fn read_body(
    body: Incoming,
    headers: &http::HeaderMap,
    limit: usize,
) -> Result<Bytes, Refusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(responses::PAYLOAD_TOO_LARGE);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(responses::PAYLOAD_TOO_LARGE)
        }
        Err(_) => Err(responses::BODY_NOT_READ),
    }
}

/// Runs the handler where it belongs, with its panic caught and described.
async fn run(handler: &ErasedHandler, request: WebhookRequest) -> Result<WebhookResponse, String> {
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
fn report_failure(response: WebhookResponse, route: &Route, expose: bool) -> WebhookResponse {
    let Some(failure) = response.extensions().get::<HandlerFailure>() else {
        return response;
    };
    log::error(format_args!(
        "handler `{}` ({}) failed: {}",
        route.function,
        route.route(),
        failure.message
    ));
    if expose {
        let body = serde_json::json!({ "error": failure.message }).to_string();
        return json_response(response.status(), Bytes::from(body));
    }
    response
}
