//! The one way a handler is run, whoever asks (a request, a background worker, a replay): under
//! its timeout, with its panic caught, its result turned into an answer and an [`Outcome`] that
//! the journal, the metrics and the logs all read.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::task::JoinHandle;
use webhooks_core::response::json_response;
use webhooks_core::{HandlerFailure, Rejection, WebhookRequest, WebhookResponse};

use crate::answers;
use crate::endpoint::catch_panic::{CatchPanic, panic_message};
use crate::endpoint::deadline::Deadline;
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
///
/// The handler starts here (its arguments extracted, a plain `fn` sent to the blocking pool),
/// its timeout counting from before that; the returned future, a few words, waits for it (see
/// `web/delivering.rs` for why not an `async fn`).
pub(crate) fn invoke(route: &Route, request: WebhookRequest, expose_errors: bool) -> Invoking {
    let deadline = route.timeout.map(Deadline::started);
    Invoking {
        running: start_handler(&route.handler, request),
        deadline,
        expose_errors,
    }
}

/// A handler run under way: see [`invoke`].
pub(crate) struct Invoking {
    running: Running,
    /// The route's timeout, when it has one.
    deadline: Option<Deadline>,
    expose_errors: bool,
}

/// A started handler: its future, its blocking task, or how starting it failed.
enum Running {
    Async(CatchPanic),
    Blocking(JoinHandle<WebhookResponse>),
    /// It panicked before returning a future: the panic's message.
    PanickedAtStart(String),
    /// Finished or timed out: the handler's future is dropped as soon as it is.
    Over,
}

impl Future for Invoking {
    type Output = Invocation;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Invocation> {
        let this = self.get_mut();
        // Polled before the timer, as `tokio::time::timeout` does: a handler that finishes in
        // the poll where its time runs out has finished.
        let finished = match &mut this.running {
            Running::Async(future) => match Pin::new(future).poll(cx) {
                Poll::Ready(result) => {
                    Some(result.map_err(|panic| panic_message(&*panic).to_owned()))
                }
                Poll::Pending => None,
            },
            Running::Blocking(task) => match Pin::new(task).poll(cx) {
                Poll::Ready(Ok(response)) => Some(Ok(response)),
                Poll::Ready(Err(error)) if error.is_panic() => {
                    Some(Err(panic_message(&*error.into_panic()).to_owned()))
                }
                Poll::Ready(Err(error)) => Some(Err(error.to_string())),
                Poll::Pending => None,
            },
            Running::PanickedAtStart(message) => Some(Err(std::mem::take(message))),
            Running::Over => panic!("a handler run is polled after it ended"),
        };
        if finished.is_none()
            && !this
                .deadline
                .as_mut()
                .is_some_and(|deadline| deadline.poll_expired(cx))
        {
            return Poll::Pending;
        }
        // Dropped before anything is logged or recorded, as when it finished.
        this.running = Running::Over;
        Poll::Ready(match finished {
            Some(Ok(response)) => interpret(response, this.expose_errors),
            Some(Err(panic)) => {
                tracing::error!(panic = %panic, "the handler panicked");
                Invocation {
                    response: answers::HANDLER_PANICKED.into_response(),
                    outcome: Outcome::Panicked,
                    error: Some(format!("the handler panicked: {panic}")),
                }
            }
            None => {
                let timeout = this.deadline.as_ref().map(Deadline::timeout);
                tracing::error!(timeout = ?timeout, "the handler did not finish in time");
                Invocation {
                    response: answers::HANDLER_TIMEOUT.into_response(),
                    outcome: Outcome::TimedOut,
                    error: Some("the handler did not finish in time".to_owned()),
                }
            }
        })
    }
}

/// The reason a rejection's answer gives, the field named.
pub(crate) fn rejection_reason(response: &WebhookResponse) -> String {
    match Rejection::of(response) {
        Some(rejection) => match rejection.field() {
            Some(field) if !rejection.reason().contains(field) => {
                format!("{} (at {field})", rejection.reason())
            }
            _ => rejection.reason().to_owned(),
        },
        None => format!("refused with {}", response.status()),
    }
}

/// Reads what the handler returned: an argument refused, an `Err`, or an answer.
fn interpret(response: WebhookResponse, expose_errors: bool) -> Invocation {
    if Rejection::is_rejection(&response) {
        let error = format!(
            "an argument could not be built ({}): {}",
            response.status(),
            rejection_reason(&response)
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

/// Starts the handler where it belongs (a plain `fn` on the blocking pool), a panic while
/// starting it caught and described.
fn start_handler(handler: &ErasedHandler, request: WebhookRequest) -> Running {
    match handler {
        ErasedHandler::Async(call) => {
            // Extraction runs inside `call` too, so a panicking extractor is caught as well.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(request))) {
                Ok(future) => Running::Async(CatchPanic(future)),
                Err(panic) => Running::PanickedAtStart(panic_message(&*panic).to_owned()),
            }
        }
        ErasedHandler::Blocking(call) => {
            let call = Arc::clone(call);
            Running::Blocking(crate::tasks::spawn_blocking(move || call(request)))
        }
    }
}
