//! The descriptor `#[webhook_endpoint]` registers at link time, and the handler it points at.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::extract::BodyUse;
use crate::filter::EventFilter;
use crate::request::WebhookRequest;
use crate::response::WebhookResponse;

/// The future an async handler returns once type-erased.
///
/// ```
/// use webhooks_core::{BoxFuture, Handler, WebhookRequest, WebhookResponse};
///
/// fn handle(request: WebhookRequest) -> BoxFuture {
///     Box::pin(async move {
///         let mut response = WebhookResponse::default();
///         *response.body_mut() = request.body().clone();
///         response
///     })
/// }
/// let handler = Handler::Async(handle);
/// ```
pub type BoxFuture = Pin<Box<dyn Future<Output = WebhookResponse> + Send + 'static>>;

/// A handler with its arguments extracted and its return value converted: request in, response out.
///
/// ```
/// use webhooks_core::{Handler, WebhookRequest, WebhookResponse};
///
/// fn acknowledge(_request: WebhookRequest) -> WebhookResponse {
///     WebhookResponse::default()
/// }
/// let handler = Handler::Blocking(acknowledge);
/// assert_eq!(format!("{handler:?}"), "Handler::Blocking");
/// ```
#[derive(Clone, Copy)]
pub enum Handler {
    /// An `async fn`: polled on the server's async workers.
    Async(fn(WebhookRequest) -> BoxFuture),
    /// A plain `fn`: run on a blocking thread so it cannot stall the async workers.
    Blocking(fn(WebhookRequest) -> WebhookResponse),
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Handler::Async(_) => "Handler::Async",
            Handler::Blocking(_) => "Handler::Blocking",
        })
    }
}

/// Checks that a request gives every handler argument (a 422 or other refusal otherwise), without
/// running the handler: what background endpoints do before they accept a delivery.
///
/// ```
/// use webhooks_core::{ArgumentCheck, FromWebhookRequest, Rejection, WebhookPayload};
///
/// // What a handler taking a `WebhookPayload` checks before it is queued in the background.
/// let check: ArgumentCheck = |request| {
///     WebhookPayload::from_webhook_request(request)
///         .map(drop)
///         .map_err(Rejection::into_response)
/// };
/// let request = webhooks_core::WebhookRequest::new(
///     http::Method::POST,
///     "/webhooks/evaluate".parse().unwrap(),
///     http::HeaderMap::new(),
///     "{}".into(),
/// );
/// assert_eq!(check(&request).unwrap_err().status(), 422);
/// ```
pub type ArgumentCheck = fn(&WebhookRequest) -> Result<(), WebhookResponse>;

/// When the handler runs.
///
/// ```
/// use webhooks_core::{DeliveryMode, Endpoint};
///
/// let background = Endpoint::registered().filter(|e| e.delivery_mode() == DeliveryMode::Background).count();
/// println!("{background} background endpoints");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    /// While the Hub waits: the handler's answer is the response.
    Immediate,
    /// After the delivery is journaled and answered 202: retried on failure, resumed after a
    /// restart (`#[webhook_endpoint(background)]`).
    Background,
}

/// One webhook endpoint: where it is served, what it runs, and where it was written.
///
/// `#[webhook_endpoint]` registers one per annotated function with `inventory`; the server
/// collects them all with [`Endpoint::registered`].
///
/// ```
/// for endpoint in webhooks_core::Endpoint::registered() {
///     println!("{} -> {} at {}", endpoint.route(), endpoint.function(), endpoint.location());
/// }
/// ```
#[derive(Debug)]
pub struct Endpoint {
    path: &'static str,
    function: &'static str,
    doc: &'static str,
    module_path: &'static str,
    file: &'static str,
    line: u32,
    handler: Handler,
    delivery: DeliveryMode,
    check: ArgumentCheck,
    body: BodyUse,
    filter: EventFilter,
}

inventory::collect!(Endpoint);

/// The prefix every endpoint path is served under.
///
/// ```
/// use webhooks_core::endpoint::ROUTE_PREFIX;
///
/// assert_eq!(format!("{ROUTE_PREFIX}say_hello"), "/webhooks/say_hello");
/// ```
pub const ROUTE_PREFIX: &str = "/webhooks/";

impl Endpoint {
    // Not public API. Called by the code `#[webhook_endpoint]` generates, which has already
    // normalized and checked `path`.
    #[doc(hidden)]
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field, written by the macro"
    )]
    pub const fn __new(
        path: &'static str,
        function: &'static str,
        doc: &'static str,
        module_path: &'static str,
        file: &'static str,
        line: u32,
        handler: Handler,
        delivery: DeliveryMode,
        check: ArgumentCheck,
        body: BodyUse,
        filter: EventFilter,
    ) -> Self {
        Self {
            path,
            function,
            doc,
            module_path,
            file,
            line,
            handler,
            delivery,
            check,
            body,
            filter,
        }
    }

    /// Every endpoint registered with `#[webhook_endpoint]` in the crates linked into this binary,
    /// in no particular order.
    ///
    /// ```
    /// let mut routes: Vec<String> = webhooks_core::Endpoint::registered().map(|e| e.route()).collect();
    /// routes.sort();
    /// println!("serving {routes:?}");
    /// ```
    pub fn registered() -> impl Iterator<Item = &'static Endpoint> {
        inventory::iter::<Endpoint>.into_iter()
    }

    /// The path under `/webhooks/`, without leading or trailing `/` (`say_hello`, `a/b`).
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The full route: `/webhooks/<path>`.
    ///
    /// ```
    /// # use webhooks_core::{BodyUse, DeliveryMode, Endpoint, EventFilter, Handler, WebhookRequest, WebhookResponse};
    /// # fn say_hello(_: WebhookRequest) -> WebhookResponse { WebhookResponse::default() }
    /// # static SAY_HELLO: Endpoint = Endpoint::__new("say_hello", "say_hello", "Says hello to new discussions.",
    /// #     "my_bot::handlers", "src/handlers.rs", 12, Handler::Blocking(say_hello), DeliveryMode::Immediate, |_| Ok(()), BodyUse::Raw,
    /// #     EventFilter::new());
    /// // An endpoint as `#[webhook_endpoint] fn say_hello(..)` in src/handlers.rs registers it.
    /// # let endpoint = &SAY_HELLO;
    /// assert_eq!(endpoint.route(), "/webhooks/say_hello");
    /// ```
    pub fn route(&self) -> String {
        format!("{ROUTE_PREFIX}{}", self.path)
    }

    /// The annotated function's name.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// The first paragraph of the function's doc comment, on one line (empty when undocumented).
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// The module the function is defined in (`my_bot::handlers`).
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// The source file the function is defined in.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the function's name in [`Self::file`].
    pub fn line(&self) -> u32 {
        self.line
    }

    /// `file:line`, for messages.
    ///
    /// ```
    /// # use webhooks_core::{BodyUse, DeliveryMode, Endpoint, EventFilter, Handler, WebhookRequest, WebhookResponse};
    /// # fn say_hello(_: WebhookRequest) -> WebhookResponse { WebhookResponse::default() }
    /// # static SAY_HELLO: Endpoint = Endpoint::__new("say_hello", "say_hello", "Says hello to new discussions.",
    /// #     "my_bot::handlers", "src/handlers.rs", 12, Handler::Blocking(say_hello), DeliveryMode::Immediate, |_| Ok(()), BodyUse::Raw,
    /// #     EventFilter::new());
    /// // An endpoint as `#[webhook_endpoint] fn say_hello(..)` in src/handlers.rs registers it.
    /// # let endpoint = &SAY_HELLO;
    /// assert_eq!(endpoint.location(), "src/handlers.rs:12");
    /// ```
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// What the server runs for a request.
    pub fn handler(&self) -> Handler {
        self.handler
    }

    /// Whether the handler runs while the Hub waits or in the background.
    pub fn delivery_mode(&self) -> DeliveryMode {
        self.delivery
    }

    /// Checks a request's arguments without running the handler.
    ///
    /// ```
    /// # use webhooks_core::{BodyUse, DeliveryMode, Endpoint, EventFilter, Handler, WebhookRequest, WebhookResponse};
    /// # fn say_hello(_: WebhookRequest) -> WebhookResponse { WebhookResponse::default() }
    /// # static SAY_HELLO: Endpoint = Endpoint::__new("say_hello", "say_hello", "Says hello to new discussions.",
    /// #     "my_bot::handlers", "src/handlers.rs", 12, Handler::Blocking(say_hello), DeliveryMode::Immediate, |_| Ok(()), BodyUse::Raw,
    /// #     EventFilter::new());
    /// // An endpoint as `#[webhook_endpoint] fn say_hello(..)` in src/handlers.rs registers it.
    /// # let endpoint = &SAY_HELLO;
    /// let request = WebhookRequest::new(http::Method::POST, "/webhooks/say_hello".parse().unwrap(),
    ///     http::HeaderMap::new(), "{}".into());
    /// assert!((endpoint.check())(&request).is_ok());
    /// ```
    pub fn check(&self) -> ArgumentCheck {
        self.check
    }

    /// What the handler's arguments read of the body, all arguments together.
    pub fn body(&self) -> BodyUse {
        self.body
    }

    /// The events the endpoint handles (`scope = …`, `action = …` in the attribute).
    pub fn filter(&self) -> EventFilter {
        self.filter
    }
}
