//! Not public API. Used by the code `#[webhook_endpoint]` generates, which names everything it
//! needs through here so that users depend on `webhooks-runtime` alone.

pub use inventory;
pub use webhooks_core::{
    BoxFuture, DeliveryMode, Endpoint, EventFilter, Handler, WebhookRequest, WebhookResponse,
};

pub use crate::endpoint::handler::{HandlerArguments, run_blocking, start_async};
