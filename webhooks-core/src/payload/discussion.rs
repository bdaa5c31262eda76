//! `discussion` and `comment`: community events, pull requests included.

use serde::{Deserialize, Serialize};

use super::{DiscussionStatus, ObjectId, WebhookPayloadUrl};

/// A discussion or pull request, on `discussion*` scopes.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/14-discussion-update-pr-merged.json"
/// )))?;
/// let discussion = payload.discussion.unwrap();
/// assert_eq!((discussion.num, discussion.is_pull_request), (3, true));
/// assert_eq!(discussion.title, "Add safetensors weights");
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "a `discussion` object"
)]
pub struct WebhookPayloadDiscussion {
    /// The discussion's id.
    pub id: String,
    /// Its number in the repo (`/discussions/19`).
    #[serde(deserialize_with = "super::whole_number::required")]
    #[cfg_attr(feature = "schemars", schemars(extend("maximum" = u64::MAX)))]
    pub num: u64,
    /// Who opened it.
    pub author: ObjectId,
    /// Links to it.
    pub url: WebhookPayloadUrl,
    /// Its title.
    pub title: String,
    /// Whether it is a pull request rather than a plain discussion.
    pub is_pull_request: bool,
    /// Open, closed, draft, merged, or a status the Hub adds later.
    pub status: DiscussionStatus,
    /// What a pull request changes, for pull requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<WebhookPayloadDiscussionChanges>,
    /// Whether it is pinned, when the Hub says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// What a pull request changes.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/14-discussion-update-pr-merged.json"
/// )))?;
/// let changes = payload.discussion.and_then(|d| d.changes).unwrap();
/// assert_eq!(changes.base, "refs/heads/main");
/// assert!(changes.merge_commit_id.is_some());
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "a `changes` object with a `base` string"
)]
pub struct WebhookPayloadDiscussionChanges {
    /// The ref the pull request targets, e.g. `refs/heads/main`.
    pub base: String,
    /// The merge commit, once merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_commit_id: Option<String>,
}

/// A comment, on `discussion.comment` events and on the opening of a discussion.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/19-discussion-comment-update-hidden-no-content.json"
/// )))?;
/// let comment = payload.comment.unwrap();
/// assert!(comment.hidden);
/// assert_eq!(comment.content, None);
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", expecting = "a `comment` object")]
pub struct WebhookPayloadComment {
    /// The comment's id.
    pub id: String,
    /// Who wrote it.
    pub author: ObjectId,
    /// Whether it was hidden by a moderator.
    pub hidden: bool,
    /// Its text: `None` when the comment is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Links to it.
    pub url: WebhookPayloadUrl,
}
