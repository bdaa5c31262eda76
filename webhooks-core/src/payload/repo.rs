//! `repo` and the small objects it shares with the rest of the payload.

use serde::{Deserialize, Serialize};

use super::RepoType;

/// An object that only carries the id of a Hub entity (a user, an org): `{"id": "…"}`.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/09-repo-move-space-movedto.json"
/// )))?;
/// let moved_to = payload.moved_to.unwrap();
/// let changed_owner = moved_to.owner != payload.repo.owner;
/// assert!(changed_owner);
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", expecting = "an object with an `id` string")]
pub struct ObjectId {
    /// The entity's id, a 24-digit hexadecimal string.
    pub id: String,
}

/// Links to an entity: on the website, and (for repos and discussions) in the API.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/18-docs-discussion-comment-create-on-pr.json"
/// )))?;
/// assert_eq!(payload.repo.url.web, "https://huggingface.co/some-user/some-repo");
/// assert_eq!(payload.repo.url.api.as_deref(), Some("https://huggingface.co/api/models/some-user/some-repo"));
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", expecting = "a `url` object with a `web` string")]
pub struct WebhookPayloadUrl {
    /// The page on huggingface.co.
    pub web: String,
    /// The API endpoint, when the Hub sends one (not for comments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
}

/// The repository the event is about: always present in payload version 3.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/05-docs-repo-content-branch-updated-and-tag-created.json"
/// )))?;
/// let repo = &payload.repo;
/// assert_eq!((repo.name.as_str(), repo.private), ("some-user/some-repo", false));
/// assert_eq!(repo.head_sha.as_deref(), Some("575db8b7a51b6f85eb06eee540738584589f131c"));
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "a `repo` object"
)]
pub struct WebhookPayloadRepo {
    /// The repo's id, a 24-digit hexadecimal string.
    pub id: String,
    /// Model, dataset, space, bucket, or a type the Hub adds later.
    #[serde(rename = "type")]
    pub repo_type: RepoType,
    /// `namespace/name`, or a bare name for old repos such as `gpt2`.
    pub name: String,
    /// Whether the repo is private.
    pub private: bool,
    /// Links to the repo.
    pub url: WebhookPayloadUrl,
    /// The user or org that owns the repo.
    pub owner: ObjectId,
    /// The commit at the head of `main`, on `repo*` scopes of git repos (`headSha` on the wire,
    /// which the Python model never reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
    /// The Space's subdomain (`user-name` in `https://user-name.hf.space`), for Spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
    /// The repo's tags, when the Hub sends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl WebhookPayloadRepo {
    /// The namespace (user or org) part of the name, `None` for an un-namespaced legacy name.
    ///
    /// ```
    /// # let repo = webhooks_core::__doc_support::repo("space", "Wauplin/leaderboard");
    /// assert_eq!(repo.namespace(), Some("Wauplin"));
    /// ```
    pub fn namespace(&self) -> Option<&str> {
        self.name.split_once('/').map(|(namespace, _)| namespace)
    }

    /// The repo as the Hub spells it in URLs and in `hf://` paths: the name prefixed with the
    /// plural of its type, except for models which have no prefix.
    ///
    /// ```
    /// # use webhooks_core::__doc_support::repo;
    /// assert_eq!(repo("dataset", "acme/tickets").full_id(), "datasets/acme/tickets");
    /// assert_eq!(repo("space", "acme/demo").full_id(), "spaces/acme/demo");
    /// assert_eq!(repo("model", "gpt2").full_id(), "gpt2");
    /// ```
    pub fn full_id(&self) -> String {
        match &self.repo_type {
            RepoType::Model => self.name.clone(),
            other => format!("{}s/{}", other.as_str(), self.name),
        }
    }
}

/// Where a moved repo went: `movedTo` on `repo` / `move` events.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/09-repo-move-space-movedto.json"
/// )))?;
/// let moved_to = payload.moved_to.unwrap();
/// println!("{} is now {}", payload.repo.name, moved_to.name);
/// assert_eq!(moved_to.name, "acme-ml/chat-demo");
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    expecting = "a `movedTo` object with `name` and `owner`"
)]
pub struct WebhookPayloadMovedTo {
    /// The repo's new `namespace/name`.
    pub name: String,
    /// The repo's new owner.
    pub owner: ObjectId,
}
