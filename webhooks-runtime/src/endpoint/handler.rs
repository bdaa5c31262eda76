//! Closures and functions as handlers, for `add_webhook` (no macro, no global registry).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use webhooks_core::{
    BodyUse, BoxFuture, FromWebhookRequest, Handler, IntoWebhookResponse, Rejection,
    WebhookRequest, WebhookResponse,
};

/// Builds a handler's arguments without running it: what a background endpoint checks before it
/// accepts a delivery.
pub(crate) type Check = Arc<dyn Fn(&WebhookRequest) -> Result<(), WebhookResponse> + Send + Sync>;

/// A handler with its arguments and return value erased, shared between requests.
#[derive(Clone)]
pub(crate) enum ErasedHandler {
    /// Polled on the async workers.
    Async(Arc<dyn Fn(WebhookRequest) -> BoxFuture + Send + Sync>),
    /// Run on the blocking pool.
    Blocking(Arc<dyn Fn(WebhookRequest) -> WebhookResponse + Send + Sync>),
}

impl From<Handler> for ErasedHandler {
    fn from(handler: Handler) -> Self {
        match handler {
            Handler::Async(function) => ErasedHandler::Async(Arc::new(function)),
            Handler::Blocking(function) => ErasedHandler::Blocking(Arc::new(function)),
        }
    }
}

/// A handler's arguments, built from the request in order: a tuple of [`FromWebhookRequest`]
/// types. `#[webhook_endpoint]` and `add_webhook` both build them with this trait.
///
/// ```
/// use webhooks_runtime::handler::HandlerArguments;
/// use webhooks_runtime::{WebhookPayload, WebhookRequest, http};
///
/// let request = WebhookRequest::new(
///     http::Method::POST,
///     "/webhooks/echo".parse().unwrap(),
///     http::HeaderMap::new(),
///     "hi".into(),
/// );
/// // "hi" is not a Hub payload: the first argument refuses it.
/// let refusal = <(WebhookPayload,)>::extract(&request).unwrap_err();
/// assert_eq!(refusal.status(), 422);
/// ```
pub trait HandlerArguments: Sized {
    /// Builds every argument, or the response refusing the request at the first one that fails.
    ///
    /// # Errors
    ///
    /// The response refusing the request, when an argument cannot be built from it.
    #[allow(
        clippy::result_large_err,
        reason = "the response is answered at once, never stored or passed along"
    )]
    fn extract(request: &WebhookRequest) -> Result<Self, WebhookResponse>;

    /// What the arguments read of the body, all together.
    const BODY: BodyUse;
}

/// An `async` function or closure usable as a webhook handler: its arguments implement
/// [`FromWebhookRequest`] and its output [`IntoWebhookResponse`], as with `#[webhook_endpoint]`,
/// whose generated code calls this trait too.
///
/// `Args` is the tuple of argument types; you never name it.
///
/// ```
/// use webhooks_runtime::{WebhookPayload, WebhookRequest, WebhooksServer};
///
/// async fn with_two_arguments(payload: WebhookPayload, request: WebhookRequest) -> String {
///     format!("{} ({} bytes)", payload.event.scope, request.body().len())
/// }
///
/// let server = WebhooksServer::builder()
///     .read_environment(false)
///     .add_webhook("two", with_two_arguments)
///     .add_webhook("closure", |payload: WebhookPayload| async move { payload.repo.name });
/// # drop(server);
/// ```
pub trait AsyncHandler<Args>: Send + Sync + 'static {
    /// Starts the handler with its arguments already built; the future converts its output.
    fn invoke(&self, args: Args) -> BoxFuture;

    /// Builds the arguments and starts the handler.
    ///
    /// ```
    /// use webhooks_runtime::bytes::Bytes;
    /// use webhooks_runtime::handler::AsyncHandler;
    /// use webhooks_runtime::{WebhookRequest, http};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let echo = |body: Bytes| async move { String::from_utf8_lossy(&body).into_owned() };
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/echo".parse().unwrap(),
    ///     http::HeaderMap::new(),
    ///     "hi".into(),
    /// );
    /// let response = echo.call(request).await;
    /// assert_eq!(response.body().as_ref(), b"hi");
    /// # }
    /// ```
    fn call(&self, request: WebhookRequest) -> BoxFuture
    where
        Args: HandlerArguments,
    {
        start_async(self, Args::extract(&request))
    }
}

/// A plain function or closure usable as a webhook handler, run on a blocking thread.
///
/// `Args` is the tuple of argument types; you never name it.
///
/// ```
/// use webhooks_runtime::{WebhookPayload, WebhooksServer};
///
/// fn slow_io(payload: WebhookPayload) -> String {
///     std::thread::sleep(std::time::Duration::from_millis(1)); // blocking is fine here
///     payload.repo.name
/// }
///
/// let server = WebhooksServer::builder().read_environment(false).add_blocking_webhook("slow", slow_io);
/// # drop(server);
/// ```
pub trait BlockingHandler<Args>: Send + Sync + 'static {
    /// Runs the handler with its arguments already built and converts its output.
    fn invoke(&self, args: Args) -> WebhookResponse;

    /// Builds the arguments and runs the handler.
    ///
    /// ```
    /// use webhooks_runtime::bytes::Bytes;
    /// use webhooks_runtime::handler::BlockingHandler;
    /// use webhooks_runtime::{WebhookRequest, http};
    ///
    /// let length = |body: Bytes| body.len().to_string();
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/echo".parse().unwrap(),
    ///     http::HeaderMap::new(),
    ///     "hi".into(),
    /// );
    /// let response = length.call(request);
    /// assert_eq!(response.body().as_ref(), b"2");
    /// ```
    fn call(&self, request: WebhookRequest) -> WebhookResponse
    where
        Args: HandlerArguments,
    {
        run_blocking(self, Args::extract(&request))
    }
}

macro_rules! impl_handlers {
    ($($arg:ident),*) => {
        impl<$($arg: FromWebhookRequest,)*> HandlerArguments for ($($arg,)*) {
            const BODY: BodyUse = BodyUse::Ignored$(.and($arg::BODY))*;

            #[allow(unused_variables, reason = "a handler without arguments reads nothing")]
            fn extract(request: &WebhookRequest) -> Result<Self, WebhookResponse> {
                Ok(($($arg::from_webhook_request(request).map_err(Rejection::into_response)?,)*))
            }
        }

        impl<F, Fut, Out, $($arg,)*> AsyncHandler<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Out> + Send + 'static,
            Out: IntoWebhookResponse,
        {
            #[allow(non_snake_case, reason = "argument names are the type parameters")]
            fn invoke(&self, ($($arg,)*): ($($arg,)*)) -> BoxFuture {
                Box::pin(Answering { future: self($($arg),*) })
            }
        }

        impl<F, Out, $($arg,)*> BlockingHandler<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Out + Send + Sync + 'static,
            Out: IntoWebhookResponse,
        {
            #[allow(non_snake_case, reason = "argument names are the type parameters")]
            fn invoke(&self, ($($arg,)*): ($($arg,)*)) -> WebhookResponse {
                self($($arg),*).into_webhook_response()
            }
        }
    };
}

impl_handlers!();
impl_handlers!(A1);
impl_handlers!(A1, A2);
impl_handlers!(A1, A2, A3);
impl_handlers!(A1, A2, A3, A4);
impl_handlers!(A1, A2, A3, A4, A5);
impl_handlers!(A1, A2, A3, A4, A5, A6);
impl_handlers!(A1, A2, A3, A4, A5, A6, A7);
impl_handlers!(A1, A2, A3, A4, A5, A6, A7, A8);

pin_project_lite::pin_project! {
    /// A handler's future with its output turned into a response. An `async` block doing the
    /// same keeps the handler's future twice (captured, then awaited): for a handler taking the
    /// payload that is over 1 KiB more to allocate and copy on every request.
    struct Answering<F> {
        #[pin]
        future: F,
    }
}

impl<F> Future for Answering<F>
where
    F: Future,
    F::Output: IntoWebhookResponse,
{
    type Output = WebhookResponse;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WebhookResponse> {
        self.project()
            .future
            .poll(cx)
            .map(IntoWebhookResponse::into_webhook_response)
    }
}

/// Starts an async handler with its arguments, or answers the refusal that building them gave.
/// Not public API: `AsyncHandler::call` and the code `#[webhook_endpoint]` generates use it.
#[doc(hidden)]
pub fn start_async<Args, H: AsyncHandler<Args> + ?Sized>(
    handler: &H,
    args: Result<Args, WebhookResponse>,
) -> BoxFuture {
    match args {
        Ok(args) => handler.invoke(args),
        Err(response) => Box::pin(std::future::ready(response)),
    }
}

/// Runs a plain handler with its arguments, or answers the refusal that building them gave.
/// Not public API: `BlockingHandler::call` and the code `#[webhook_endpoint]` generates use it.
#[doc(hidden)]
pub fn run_blocking<Args, H: BlockingHandler<Args> + ?Sized>(
    handler: &H,
    args: Result<Args, WebhookResponse>,
) -> WebhookResponse {
    match args {
        Ok(args) => handler.invoke(args),
        Err(response) => response,
    }
}

/// Builds the arguments without running the handler: what a background endpoint checks before it
/// accepts a delivery.
#[allow(
    clippy::result_large_err,
    reason = "the response is answered at once, never stored or passed along"
)]
pub(crate) fn check_arguments<Args: HandlerArguments>(
    request: &WebhookRequest,
) -> Result<(), WebhookResponse> {
    Args::extract(request).map(drop)
}

pub(crate) fn erase_async<Args: HandlerArguments + 'static, H: AsyncHandler<Args>>(
    handler: H,
) -> Erased {
    Erased {
        handler: ErasedHandler::Async(Arc::new(move |request| handler.call(request))),
        check: Arc::new(check_arguments::<Args>),
        body: Args::BODY,
    }
}

pub(crate) fn erase_blocking<Args: HandlerArguments + 'static, H: BlockingHandler<Args>>(
    handler: H,
) -> Erased {
    Erased {
        handler: ErasedHandler::Blocking(Arc::new(move |request| handler.call(request))),
        check: Arc::new(check_arguments::<Args>),
        body: Args::BODY,
    }
}

/// A handler added with `add_webhook`, its types erased.
pub(crate) struct Erased {
    pub(crate) handler: ErasedHandler,
    pub(crate) check: Check,
    pub(crate) body: BodyUse,
}

/// A readable name for a handler: the function's name, or `closure in <module>` for a closure.
pub(crate) fn handler_name<H>() -> String {
    let full = std::any::type_name::<H>();
    match full.strip_suffix("::{{closure}}") {
        Some(scope) => format!("closure in {scope}"),
        None => full.rsplit("::").next().unwrap_or(full).to_owned(),
    }
}
