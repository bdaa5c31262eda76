//! The Hub's webhook payload, version 3, field by field.
//!
//! Strict where the Python model is lax (no `"yes"` for `true`, no `"19"` for `19`, a duplicate key
//! is an error, `webhook.version` must be 3) and lenient where the Hub grows (unknown keys are
//! ignored; unknown actions, repo types and statuses are kept in an `Other` variant).

mod changes;
mod discussion;
mod event;
mod object_only;
mod open_enum;
pub mod parse;
mod repo;
mod webhook;
mod whole_number;

use serde::{Deserialize, Serialize};

use object_only::object_only;

pub use changes::{
    WebhookPayloadUpdatedConfig, WebhookPayloadUpdatedFile, WebhookPayloadUpdatedRef,
};
pub use discussion::{
    WebhookPayloadComment, WebhookPayloadDiscussion, WebhookPayloadDiscussionChanges,
};
pub use event::{Scope, WebhookPayloadEvent};
pub use open_enum::{DiscussionStatus, EventAction, RepoType};
pub use parse::PayloadError;
pub use repo::{ObjectId, WebhookPayloadMovedTo, WebhookPayloadRepo, WebhookPayloadUrl};
pub use webhook::{SUPPORTED_PAYLOAD_VERSION, WebhookPayloadWebhook};

/// One webhook delivery from the Hugging Face Hub: the whole JSON body.
///
/// Parse it with [`WebhookPayload::from_slice`] (errors name the field path), or take it as a
/// handler argument and let the server answer 422 when the body does not fit. Serializing gives back
/// the Hub's wire format, minus keys this crate does not know.
///
/// ```
/// use webhooks_core::{WebhookPayload, RepoType};
///
/// let body = br#"{
///   "event": {"action": "update", "scope": "repo.content"},
///   "repo": {"type": "dataset", "name": "acme/tickets", "id": "66b1f0c2e8a4d21f9c3b7a10",
///            "private": false, "url": {"web": "https://huggingface.co/datasets/acme/tickets"},
///            "owner": {"id": "65f0a1b2c3d4e5f60718293a"}, "headSha": "575db8b7"},
///   "webhook": {"id": "6390e855e30d9209411de93b", "version": 3}
/// }"#;
/// let payload = WebhookPayload::from_slice(body)?;
/// assert_eq!(payload.repo.repo_type, RepoType::Dataset);
/// assert_eq!(payload.repo.head_sha.as_deref(), Some("575db8b7"));
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "a Hub webhook payload (a JSON object)"
)]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "One webhook delivery from the Hugging Face Hub (payload version 3).")
)]
pub struct WebhookPayload {
    /// What happened, and on which scope.
    pub event: WebhookPayloadEvent,
    /// The repository concerned: always present.
    pub repo: WebhookPayloadRepo,
    /// The discussion or pull request, on `discussion*` scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discussion: Option<WebhookPayloadDiscussion>,
    /// The comment, on `discussion.comment` scopes and when a discussion opens with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<WebhookPayloadComment>,
    /// The webhook that sent this.
    pub webhook: WebhookPayloadWebhook,
    /// Where the repo went, on `repo` / `move` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<WebhookPayloadMovedTo>,
    /// The refs that moved, on `repo.content` events of git repos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_refs: Option<Vec<WebhookPayloadUpdatedRef>>,
    /// The settings that changed, on `repo.config` events (dropped by the Python model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_config: Option<WebhookPayloadUpdatedConfig>,
    /// The files that changed, on `repo.content` events of buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_files: Option<Vec<WebhookPayloadUpdatedFile>>,
    /// Whether `updated_files` was cut short (the Hub lists at most about 10,000 files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_files_truncated: Option<bool>,
}

impl WebhookPayload {
    /// Whether the event concerns a pull request: a PR discussion or comment, or a push to a
    /// `refs/pr/N` ref (which is also how the Hub reports that a PR was opened).
    ///
    /// ```
    /// use webhooks_core::WebhookPayload;
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/18-docs-discussion-comment-create-on-pr.json"
    /// )))?;
    /// assert!(payload.is_pull_request());
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn is_pull_request(&self) -> bool {
        self.discussion.as_ref().is_some_and(|d| d.is_pull_request) || self.pr_num().is_some()
    }

    /// The pull request's number, when [`Self::is_pull_request`]: the discussion's, or that of the
    /// first `refs/pr/N` ref updated.
    ///
    /// ```
    /// use webhooks_core::WebhookPayload;
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/14-discussion-update-pr-merged.json"
    /// )))?;
    /// assert_eq!(payload.pr_num(), Some(3));
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn pr_num(&self) -> Option<u64> {
        if let Some(discussion) = &self.discussion {
            return discussion.is_pull_request.then_some(discussion.num);
        }
        self.updated_refs
            .iter()
            .flatten()
            .find_map(WebhookPayloadUpdatedRef::pr_num)
    }
}

object_only!(
    WebhookPayload,
    WebhookPayloadEvent,
    WebhookPayloadRepo,
    WebhookPayloadUrl,
    ObjectId,
    WebhookPayloadMovedTo,
    WebhookPayloadDiscussion,
    WebhookPayloadDiscussionChanges,
    WebhookPayloadComment,
    WebhookPayloadWebhook,
    WebhookPayloadUpdatedRef,
    WebhookPayloadUpdatedConfig,
    WebhookPayloadUpdatedFile,
);
