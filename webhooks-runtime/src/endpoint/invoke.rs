//! The one way a handler is run, whoever asks (a request, a background worker, a replay): under
//! its timeout, with its panic caught, its result turned into an answer and an [`Outcome`] that
//! the journal, the metrics and the logs all read.

use bytes::Bytes;
use webhooks_core::response::json_response;
use webhooks_core::{HandlerFailure, Rejection, WebhookRequest, WebhookResponse};

use crate::answers;
use crate::endpoint::catch_panic::{CatchPanic, panic_message};
use crate::endpoint::handler::ErasedHandler;
use crate::endpoint::route::Route;

/// How a webhook request ended: before its handler, or how its handler run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Refused for a missing or wrong secret.
    Unauthorized,
    /// Refused before the handler for another reason: method, body size or read timeout, a
    /// journal that could not record it.
    Refused,
    /// The handler ran and returned a response, whatever its status (its own 422 included).
    Handled,
    /// An argument could not be built from the request: the handler did not run.
    Rejected,
    /// The handler returned `Err`.
    Failed,
    /// The handler panicked.
    Panicked,
    /// The handler ran past its timeout.
    TimedOut,
    /// No endpoint's event filter took the event: answered 200, nothing ran.
    Skipped,
}

/// A handler run: the answer for the client, and how it went.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub(crate) response: WebhookResponse,
    pub(crate) outcome: Outcome,
    /// Why it did not succeed, for logs and the journal; `None` when it did.
    pub(crate) error: Option<String>,
}

impl Invocation {
    /// Whether the handler ran and answered 2xx: what counts as done for the journal.
    pub(crate) fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// Runs `route`'s handler on `request` under the route's timeout. `expose_errors` puts a
/// handler's `Err` message in the 500 body instead of the generic one.
pub(crate) async fn invoke(
    route: &Route,
    request: WebhookRequest,
    expose_errors: bool,
) -> Invocation {
    let finished = match route.timeout {
        Some(timeout) => tokio::time::timeout(timeout, run(&route.handler, request))
            .await
            .ok(),
        None => Some(run(&route.handler, request).await),
    };
    match finished {
        Some(Ok(response)) => interpret(response, expose_errors),
        Some(Err(panic)) => {
            tracing::error!(panic = %panic, "the handler panicked");
            Invocation {
                response: answers::HANDLER_PANICKED.into_response(),
                outcome: Outcome::Panicked,
                error: Some(format!("the handler panicked: {panic}")),
            }
        }
        None => {
            tracing::error!(timeout = ?route.timeout, "the handler did not finish in time");
            Invocation {
                response: answers::HANDLER_TIMEOUT.into_response(),
                outcome: Outcome::TimedOut,
                error: Some("the handler did not finish in time".to_owned()),
            }
        }
    }
}

/// Reads what the handler returned: an argument refused, an `Err`, or an answer.
fn interpret(response: WebhookResponse, expose_errors: bool) -> Invocation {
    if Rejection::is_rejection(&response) {
        let error = format!(
            "an argument could not be built: answered {}",
            response.status()
        );
        return Invocation {
            response,
            outcome: Outcome::Rejected,
            error: Some(error),
        };
    }
    if let Some(failure) = response.extensions().get::<HandlerFailure>() {
        tracing::error!(error = %failure.message, "the handler failed");
        let error = failure.message.clone();
        let response = if expose_errors {
            let body = serde_json::json!({ "error": failure.message }).to_string();
            json_response(response.status(), Bytes::from(body))
        } else {
            response
        };
        return Invocation {
            response,
            outcome: Outcome::Failed,
            error: Some(error),
        };
    }
    let error = (!response.status().is_success())
        .then(|| format!("the handler answered {}", response.status()));
    Invocation {
        response,
        outcome: Outcome::Handled,
        error,
    }
}

/// Runs the handler where it belongs (a plain `fn` on the blocking pool), with its panic caught
/// and described.
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
