//! **Receive Hugging Face Hub webhooks: annotate a function, call `run()`.**
//!
//! This is the crate to depend on: it re-exports the `#[webhook_endpoint]` attribute, every
//! payload type, and the server.

mod banner;
mod builder;
mod catch_panic;
mod config;
mod error;
mod first_bytes;
mod handler;
mod healthcheck;
mod html;
mod landing;
mod limits;
mod log;
mod metrics;
mod openapi;
mod registry;
mod responses;
mod routes;
mod run;
mod secret;
mod server;
mod service;
pub mod testing;

pub use builder::WebhooksServerBuilder;
pub use config::DEFAULT_PORT;
pub use error::{DuplicatePath, Error};
pub use handler::{AsyncHandler, BlockingHandler};
pub use healthcheck::healthcheck;
pub use limits::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_SIZE,
    DEFAULT_MAX_HEADERS, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use registry::registered_endpoints;
pub use run::{run, serve};
pub use secret::{SECRET_HEADER, SECRET_QUERY_PARAMETER, Secret};
pub use server::{ServerHandle, WebhooksServer, WebhooksService};
pub use webhooks_core::payload::SUPPORTED_PAYLOAD_VERSION;
pub use webhooks_core::{
    DiscussionStatus, Endpoint, EventAction, FromWebhookRequest, HandlerFailure,
    IntoWebhookResponse, Json, ObjectId, PayloadError, Rejection, RepoType, Scope, WebhookPayload,
    WebhookPayloadComment, WebhookPayloadDiscussion, WebhookPayloadDiscussionChanges,
    WebhookPayloadEvent, WebhookPayloadMovedTo, WebhookPayloadRepo, WebhookPayloadUpdatedConfig,
    WebhookPayloadUpdatedFile, WebhookPayloadUpdatedRef, WebhookPayloadUrl, WebhookPayloadWebhook,
    WebhookRequest, WebhookResponse,
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
