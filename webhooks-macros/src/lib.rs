//! **The `#[webhook_endpoint]` attribute.** Use it through `webhooks-runtime`, which documents it
//! and re-exports it; this crate only turns tokens into tokens.

mod args;
mod doc;
mod errors;
mod expand;
mod validate;

use proc_macro::TokenStream;

/// Registers a function as a Hugging Face Hub webhook endpoint, served at `POST /webhooks/<path>`.
///
/// ```
/// use webhooks_runtime::serde_json::{Value, json};
/// use webhooks_runtime::{WebhookPayload, webhook_endpoint};
///
/// /// Retrain when a dataset changes.
/// #[webhook_endpoint]                       // POST /webhooks/trigger_training
/// async fn trigger_training(payload: WebhookPayload) -> Value {
///     json!({ "scope": payload.event.scope })
/// }
///
/// #[webhook_endpoint("/say_hello")]         // POST /webhooks/say_hello
/// fn say_hello() -> Value {
///     json!({ "message": "hello" })
/// }
/// # let paths: Vec<_> = webhooks_runtime::server::registered_endpoints()?.iter().map(|e| e.path()).collect();
/// # assert_eq!(paths, ["say_hello", "trigger_training"]);
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
///
/// The function stays as written and callable from your own code and tests. The server finds every
/// annotated function linked into the binary: there is no list to keep by hand. Endpoints in a
/// library crate are found when the binary links it, which Rust does only when the binary uses
/// something from it: write `use my_handlers as _;` if it uses nothing else.
///
/// # Grammar
///
/// ```text
/// #[webhook_endpoint]                          the path is the function's name
/// #[webhook_endpoint("path")]                  leading and trailing `/` are stripped; `a/b` nests
/// #[webhook_endpoint(path = "path")]           the same, named
/// #[webhook_endpoint(background)]             journal the delivery, answer 202, run the handler
///                                              afterwards with retries
/// #[webhook_endpoint(crate = "renamed")]       the name `webhooks-runtime` has in your Cargo.toml,
///                                              when you renamed the dependency
/// #[webhook_endpoint("path", background)]      the forms combine, separated by commas, each once
/// ```
///
/// A path may hold letters, digits and `-._~!$&'()*+,;=:@`, in `/`-separated segments.
///
/// # Arguments and return values
///
/// `async fn` handlers run on the server's async workers; a plain `fn` runs on a blocking thread,
/// so it may block without stalling other requests. Arguments, in any order, are built from the
/// request by `FromWebhookRequest`: `WebhookPayload` (a 422 naming the field when the body does
/// not fit), `WebhookRequest` (method, URI, headers, body), `Json<T>` for your own types,
/// `http::HeaderMap`, `bytes::Bytes`, `Option<T>` of those, or your own extractor.
///
/// The return value becomes the response through `IntoWebhookResponse`: `()` answers 200 `null`;
/// `serde_json::Value` and `Json<T>` answer JSON; `String` and `&'static str` answer text; a
/// `StatusCode`, `(StatusCode, T)`, a full `http::Response`, or a `Result` of those whose `Err`
/// becomes a 500 JSON body (the error is logged, never a crash).
///
/// # Expansion
///
/// The function, unchanged, then, inside a `const _: () = { … };`, a wrapper that extracts each
/// argument, calls the function and converts its return value (`Handler::Async` for an `async fn`,
/// `Handler::Blocking` for a plain one), a check that builds the arguments without calling the
/// function (what a background endpoint runs before it answers 202), and an `inventory::submit!`
/// of an `Endpoint` that records the path, the function's name, the first paragraph of its doc
/// comment, its module, file and line, the wrapper, `DeliveryMode::Immediate` or `DeliveryMode::Background`,
/// and the check. Every runtime item is named through `webhooks_runtime::__private`.
///
/// # Compile errors
///
/// Misuse is refused where it is written, saying what to write instead: anything but a free
/// function, `self`, generics or `impl Trait`, `const`/`unsafe`/`extern` functions, a path that is
/// not a string or cannot be in a URL, unknown arguments, an argument taken twice, and argument or
/// return types the traits do not cover.
///
/// ```compile_fail
/// use webhooks_runtime::webhook_endpoint;
///
/// #[webhook_endpoint("say hello")] // error: a space cannot be in a URL path segment
/// fn say_hello() {}
/// ```
#[proc_macro_attribute]
pub fn webhook_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::webhook_endpoint(args.into(), item.into()).into()
}
