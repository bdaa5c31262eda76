//! **Receive Hugging Face Hub webhooks: annotate a function, call `run()`.**
//!
//! This is the crate to depend on: it re-exports the [`webhook_endpoint`] attribute, every payload
//! type ([`WebhookPayload`] and its parts), and the server.
//!
//! ```no_run,standalone_crate
//! use webhooks_runtime::serde_json::{Value, json};
//! use webhooks_runtime::{WebhookPayload, webhook_endpoint};
//!
//! /// Retrain when a dataset changes.
//! #[webhook_endpoint] // POST /webhooks/trigger_training
//! async fn trigger_training(payload: WebhookPayload) -> Value {
//!     json!({ "scope": payload.event.scope })
//! }
//!
//! fn main() -> Result<(), webhooks_runtime::Error> {
//!     webhooks_runtime::run() // blocks until SIGINT or SIGTERM
//! }
//! ```
//!
//! What the server does with each request, in order: route by exact path (404, 405), check the
//! secret from the headers alone (401, 403), read the body within its limits (413, 408), build the
//! handler's arguments (422 naming the field), run the handler (500 on `Err` or panic, 504 past its
//! timeout), and answer. It also serves a landing page at `/`, `/healthz`, `/metrics` and
//! `/openapi.json`.
//!
//! - Configure it with [`WebhooksServer::builder`]; settings not given there come from the
//!   environment (`WEBHOOK_SECRET`, `WEBHOOKS_HOST`, `WEBHOOKS_PORT`, ...; see
//!   [`guide::configuration`]).
//! - Test endpoints over a real socket with [`testing::TestServer`], or without one with
//!   [`WebhooksServer::into_service`].
//! - Logs go through `tracing`; [`run`] installs a subscriber (`RUST_LOG`, and JSON lines with
//!   `WEBHOOKS_LOG_FORMAT=json`) unless the application installed one.

// A refusal is a full response, returned at once to the client, never stored or passed along.
#![allow(
    clippy::result_large_err,
    reason = "refusals are responses, returned at once"
)]

mod answers;
mod delivery;
mod endpoint;
pub mod error;
#[cfg(feature = "hub")]
pub mod hub;
pub mod limits;
mod ops;
pub mod server;
mod tasks;
pub mod testing;
mod web;

/// The reference, one page per subject: what the README points to for everything past the first
/// steps. The pages are the Markdown files of `webhooks-runtime/docs/`, and their examples compile
/// as this crate's doctests.
///
/// - [`guide::endpoints`]: paths, handler arguments and return types, servers built by hand.
/// - [`guide::filters`]: which events an endpoint takes; endpoints sharing a path.
/// - [`guide::answers`]: every status the server answers, and the differences from Python.
/// - [`guide::security`]: what is checked, in which order, and what is never kept or shown.
/// - [`guide::configuration`]: every setting, as a builder method and an environment variable.
/// - [`guide::deliveries`]: the journal, the Hub's `Webhook-Id`, background endpoints, replay.
/// - [`guide::replicas`]: several processes on one PostgreSQL journal.
/// - [`guide::hub`]: creating the webhook on the Hub: by hand, `hf-webhooks hub`, or at start.
/// - [`guide::space`]: deploying to a Space, and running as a Hub Job.
/// - [`guide::debugging`]: real Hub events on your laptop (`hf-webhooks relay` and `forward`).
/// - [`guide::operations`]: logs, metrics, OpenAPI, caching.
/// - [`guide::testing`]: testing endpoints over a real socket.
/// - [`guide::payload`]: `WebhookPayload`, field by field.
pub mod guide {
    #[doc = include_str!("../docs/endpoints.md")]
    pub mod endpoints {}
    #[doc = include_str!("../docs/filters.md")]
    pub mod filters {}
    #[doc = include_str!("../docs/answers.md")]
    pub mod answers {}
    #[doc = include_str!("../docs/security.md")]
    pub mod security {}
    #[doc = include_str!("../docs/configuration.md")]
    pub mod configuration {}
    #[doc = include_str!("../docs/deliveries.md")]
    pub mod deliveries {}
    #[doc = include_str!("../docs/replicas.md")]
    pub mod replicas {}
    #[doc = include_str!("../docs/hub.md")]
    pub mod hub {}
    #[doc = include_str!("../docs/space.md")]
    pub mod space {}
    #[doc = include_str!("../docs/debugging.md")]
    pub mod debugging {}
    #[doc = include_str!("../docs/operations.md")]
    pub mod operations {}
    #[doc = include_str!("../docs/testing.md")]
    pub mod testing {}
    #[doc = include_str!("../docs/payload.md")]
    pub mod payload {}
}

/// The delivery journal's records and the trait a store implements; what the delivery API
/// (`/api/deliveries`) serves.
pub mod deliveries {
    #[cfg(feature = "postgres")]
    pub use crate::delivery::journal::PostgresJournal;
    pub use crate::delivery::journal::{
        Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, Lease, ListQuery,
        MemoryJournal,
    };
    pub use crate::error::{JournalError, JournalErrorKind};
    pub use crate::web::router::{DELIVERY_API, RELAY_NEXT};
}

/// Functions and closures as handlers, for
/// [`WebhooksServerBuilder::add_webhook`](crate::WebhooksServerBuilder::add_webhook) and its
/// siblings.
pub mod handler {
    pub use crate::endpoint::handler::{AsyncHandler, BlockingHandler, HandlerArguments};
    pub use webhooks_core::{BodyUse, HandlerFailure};
}

/// The Hub's webhook payload, part by part: [`WebhookPayload`] is at the
/// crate's root, its fields' types are here.
pub mod payload {
    pub use webhooks_core::payload::{
        DiscussionStatus, EventAction, ObjectId, PayloadError, RepoType, SUPPORTED_PAYLOAD_VERSION,
        Scope, WebhookPayload, WebhookPayloadComment, WebhookPayloadDiscussion,
        WebhookPayloadDiscussionChanges, WebhookPayloadEvent, WebhookPayloadMovedTo,
        WebhookPayloadRepo, WebhookPayloadUpdatedConfig, WebhookPayloadUpdatedFile,
        WebhookPayloadUpdatedRef, WebhookPayloadUrl, WebhookPayloadWebhook,
    };
}

/// Event filters: [`EventFilter`] (also at the crate's root), what it reads of
/// a raw body, and why an event does not match.
pub mod filter {
    pub use webhooks_core::filter::{EventFields, EventFilter, FilterFn, Mismatch};
}

/// The HTTP headers of the wire: the one the Hub sends, the secret's, and those the server adds to
/// a delivery it runs again.
pub mod headers {
    pub use crate::web::secret::SECRET_HEADER;
    pub use webhooks_core::delivery::{
        DELIVERY_ATTEMPT_HEADER, DELIVERY_ID_HEADER, REPLAY_OF_HEADER, WEBHOOK_ID_HEADER,
    };
}

pub use error::Error;
pub use server::run::{run, serve};
pub use server::{WebhooksServer, WebhooksServerBuilder};
pub use webhooks_core::{
    Delivery, EventFilter, FromWebhookRequest, IntoWebhookResponse, Json, Rejection,
    WebhookPayload, WebhookRequest, WebhookResponse,
};
pub use webhooks_macros::webhook_endpoint;

/// The `bytes` crate, for raw bodies.
pub use bytes;
/// The `http` crate, for status codes, headers and responses in handlers.
pub use http;
/// The `serde_json` crate, for `json!` and `Value` in handlers.
pub use serde_json;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
