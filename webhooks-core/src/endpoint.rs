//! The descriptor `#[webhook_endpoint]` registers at link time, and the handler it points at.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::request::WebhookRequest;
use crate::response::WebhookResponse;

/// The future an async handler returns once type-erased.
pub type BoxFuture = Pin<Box<dyn Future<Output = WebhookResponse> + Send + 'static>>;

/// A handler with its arguments extracted and its return value converted: request in, response out.
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
pub type ArgumentCheck = fn(&WebhookRequest) -> Result<(), WebhookResponse>;

/// When the handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
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
    delivery: Delivery,
    check: ArgumentCheck,
}

inventory::collect!(Endpoint);

/// The prefix every endpoint path is served under.
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
        delivery: Delivery,
        check: ArgumentCheck,
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
        }
    }

    /// Every endpoint registered with `#[webhook_endpoint]` in the crates linked into this binary,
    /// in no particular order.
    pub fn registered() -> impl Iterator<Item = &'static Endpoint> {
        inventory::iter::<Endpoint>.into_iter()
    }

    /// The path under `/webhooks/`, without leading or trailing `/` (`say_hello`, `a/b`).
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The full route: `/webhooks/<path>`.
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
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// What the server runs for a request.
    pub fn handler(&self) -> Handler {
        self.handler
    }

    /// Whether the handler runs while the Hub waits or in the background.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Checks a request's arguments without running the handler.
    pub fn check(&self) -> ArgumentCheck {
        self.check
    }
}
