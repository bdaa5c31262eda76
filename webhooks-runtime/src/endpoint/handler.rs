//! Closures and functions as handlers, for `add_webhook` (no macro, no global registry).

use std::future::Future;
use std::sync::Arc;

use webhooks_core::{
    BoxFuture, FromWebhookRequest, Handler, IntoWebhookResponse, WebhookRequest, WebhookResponse,
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

/// An `async` function or closure usable as a webhook handler: its arguments implement
/// [`FromWebhookRequest`] and its output [`IntoWebhookResponse`], as with `#[webhook_endpoint]`.
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
    /// Extracts the arguments and starts the handler.
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
    fn call(&self, request: WebhookRequest) -> BoxFuture;

    /// Extracts the arguments without starting the handler.
    ///
    /// # Errors
    ///
    /// The response refusing the request, when an argument cannot be built from it.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::handler::AsyncHandler;
    /// use webhooks_runtime::{WebhookPayload, WebhookRequest, http};
    ///
    /// async fn on_event(_payload: WebhookPayload) {}
    ///
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/echo".parse().unwrap(),
    ///     http::HeaderMap::new(),
    ///     "hi".into(),
    /// );
    /// /// The status refusing `request` before `handler` would run, if any.
    /// fn refusal<Args, H: AsyncHandler<Args>>(_handler: &H, request: &WebhookRequest) -> Option<u16> {
    ///     H::check(request).err().map(|response| response.status().as_u16())
    /// }
    /// // "hi" is not a Hub payload.
    /// assert_eq!(refusal(&on_event, &request), Some(422));
    /// ```
    fn check(request: &WebhookRequest) -> Result<(), WebhookResponse>;
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
    /// Extracts the arguments and runs the handler.
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
    fn call(&self, request: WebhookRequest) -> WebhookResponse;

    /// Extracts the arguments without running the handler.
    ///
    /// # Errors
    ///
    /// The response refusing the request, when an argument cannot be built from it.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_runtime::handler::BlockingHandler;
    /// use webhooks_runtime::{WebhookPayload, WebhookRequest, http};
    ///
    /// fn on_event(_payload: WebhookPayload) {}
    ///
    /// let request = WebhookRequest::new(
    ///     http::Method::POST,
    ///     "/webhooks/echo".parse().unwrap(),
    ///     http::HeaderMap::new(),
    ///     "hi".into(),
    /// );
    /// let refusal = <fn(WebhookPayload) as BlockingHandler<(WebhookPayload,)>>::check(&request).unwrap_err();
    /// # let _ = on_event;
    /// assert_eq!(refusal.status(), 422);
    /// ```
    fn check(request: &WebhookRequest) -> Result<(), WebhookResponse>;
}

macro_rules! impl_handlers {
    ($($arg:ident),*) => {
        impl<F, Fut, Out, $($arg,)*> AsyncHandler<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Out> + Send + 'static,
            Out: IntoWebhookResponse,
            $($arg: FromWebhookRequest,)*
        {
            #[allow(non_snake_case, unused_variables, reason = "argument names are the type parameters")]
            fn call(&self, request: WebhookRequest) -> BoxFuture {
                $(
                    let $arg = match $arg::from_webhook_request(&request) {
                        Ok(value) => value,
                        Err(rejection) => {
                            let response = rejection.into_response();
                            return Box::pin(async move { response });
                        }
                    };
                )*
                let future = self($($arg),*);
                Box::pin(async move { future.await.into_webhook_response() })
            }

            #[allow(unused_variables, reason = "a handler without arguments checks nothing")]
            fn check(request: &WebhookRequest) -> Result<(), WebhookResponse> {
                $( $arg::from_webhook_request(request).map_err(webhooks_core::Rejection::into_response)?; )*
                Ok(())
            }
        }

        impl<F, Out, $($arg,)*> BlockingHandler<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Out + Send + Sync + 'static,
            Out: IntoWebhookResponse,
            $($arg: FromWebhookRequest,)*
        {
            #[allow(non_snake_case, unused_variables, reason = "argument names are the type parameters")]
            fn call(&self, request: WebhookRequest) -> WebhookResponse {
                $(
                    let $arg = match $arg::from_webhook_request(&request) {
                        Ok(value) => value,
                        Err(rejection) => return rejection.into_response(),
                    };
                )*
                self($($arg),*).into_webhook_response()
            }

            #[allow(unused_variables, reason = "a handler without arguments checks nothing")]
            fn check(request: &WebhookRequest) -> Result<(), WebhookResponse> {
                $( $arg::from_webhook_request(request).map_err(webhooks_core::Rejection::into_response)?; )*
                Ok(())
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

pub(crate) fn erase_async<Args, H: AsyncHandler<Args>>(handler: H) -> (ErasedHandler, Check) {
    let check: Check = Arc::new(|request| H::check(request));
    (
        ErasedHandler::Async(Arc::new(move |request| handler.call(request))),
        check,
    )
}

pub(crate) fn erase_blocking<Args, H: BlockingHandler<Args>>(handler: H) -> (ErasedHandler, Check) {
    let check: Check = Arc::new(|request| H::check(request));
    (
        ErasedHandler::Blocking(Arc::new(move |request| handler.call(request))),
        check,
    )
}
