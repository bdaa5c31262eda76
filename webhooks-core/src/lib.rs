//! **The vocabulary of Hugging Face Hub webhooks: payload types, and the pieces a webhook server
//! is built from.**
//!
//! Users depend on `webhooks-runtime`, which re-exports everything here. This crate does no I/O.
//!
//! ```
//! use webhooks_core::{WebhookPayload, Scope};
//!
//! let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/11-docs-repo-config-update-private.json"))?;
//! let payload = WebhookPayload::from_slice(&body)?;
//! assert_eq!(payload.event.known_scope(), Some(Scope::RepoConfig));
//! assert_eq!(payload.updated_config.and_then(|c| c.private), Some(false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod delivery;
pub mod endpoint;
pub mod extract;
pub mod filter;
mod json;
/// Turning what the user wrote into the endpoint path, and refusing what cannot be in a URL.
pub use webhooks_rules::path;
pub mod payload;
mod rejection;
mod request;
pub mod response;

pub use delivery::Delivery;
pub use endpoint::{ArgumentCheck, BoxFuture, DeliveryMode, Endpoint, Handler};
pub use extract::{BodyUse, FromWebhookRequest};
pub use filter::{EventFields, EventFilter};
pub use json::Json;
pub use rejection::Rejection;
pub use request::WebhookRequest;
pub use response::{HandlerFailure, IntoWebhookResponse, WebhookResponse};

pub use payload::{
    DiscussionStatus, EventAction, ObjectId, PayloadError, RepoType, Scope, WebhookPayload,
    WebhookPayloadComment, WebhookPayloadDiscussion, WebhookPayloadDiscussionChanges,
    WebhookPayloadEvent, WebhookPayloadMovedTo, WebhookPayloadRepo, WebhookPayloadUpdatedConfig,
    WebhookPayloadUpdatedFile, WebhookPayloadUpdatedRef, WebhookPayloadUrl, WebhookPayloadWebhook,
};

// Not public API. Builders that keep the doc examples short.
#[doc(hidden)]
pub mod __doc_support {
    use crate::payload::{ObjectId, RepoType, WebhookPayloadRepo, WebhookPayloadUrl};

    /// A repo of the given type and name, with placeholder ids and links.
    pub fn repo(repo_type: &str, name: &str) -> WebhookPayloadRepo {
        WebhookPayloadRepo {
            id: "000000000000000000000000".to_owned(),
            repo_type: RepoType::from(repo_type),
            name: name.to_owned(),
            private: false,
            url: WebhookPayloadUrl {
                web: format!("https://huggingface.co/{name}"),
                api: None,
            },
            owner: ObjectId {
                id: "000000000000000000000000".to_owned(),
            },
            head_sha: None,
            subdomain: None,
            tags: None,
        }
    }
}
