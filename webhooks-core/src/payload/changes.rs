//! What changed: refs on `repo.content`, settings on `repo.config`, files in buckets.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A git ref that a `repo.content` event moved, created or deleted.
///
/// ```
/// let opened: webhooks_core::WebhookPayloadUpdatedRef =
///     serde_json::from_str(r#"{"ref": "refs/pr/5", "oldSha": null, "newSha": "227c7834"}"#)?;
/// assert!(opened.is_created());
/// assert_eq!(opened.pr_num(), Some(5));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "an `updatedRefs` entry with a `ref` string"
)]
pub struct WebhookPayloadUpdatedRef {
    /// The ref: `refs/heads/main`, `refs/tags/v1`, `refs/pr/5`, `refs/convert/parquet`…
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// The commit before: `None` when the ref was created. Written back as `null`, as the Hub does.
    #[serde(default)]
    pub old_sha: Option<String>,
    /// The commit after: `None` when the ref was deleted. Written back as `null`, as the Hub does.
    #[serde(default)]
    pub new_sha: Option<String>,
}

impl WebhookPayloadUpdatedRef {
    /// Whether the event created this ref.
    ///
    /// ```
    /// use webhooks_core::WebhookPayload;
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/05-docs-repo-content-branch-updated-and-tag-created.json"
    /// )))?;
    /// let refs = payload.updated_refs.unwrap_or_default();
    /// let created: Vec<&str> = refs.iter().filter(|r| r.is_created()).map(|r| r.ref_name.as_str()).collect();
    /// assert_eq!(created, ["refs/tags/test"]);
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn is_created(&self) -> bool {
        self.old_sha.is_none() && self.new_sha.is_some()
    }

    /// Whether the event deleted this ref.
    ///
    /// ```
    /// use webhooks_core::WebhookPayload;
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/05-docs-repo-content-branch-updated-and-tag-created.json"
    /// )))?;
    /// let refs = payload.updated_refs.unwrap_or_default();
    /// assert!(refs.iter().all(|r| !r.is_deleted()));
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn is_deleted(&self) -> bool {
        self.new_sha.is_none()
    }

    /// The pull request number when the ref is `refs/pr/N`.
    ///
    /// ```
    /// let pushed: webhooks_core::WebhookPayloadUpdatedRef =
    ///     serde_json::from_str(r#"{"ref": "refs/pr/12", "oldSha": "ce9a4674", "newSha": "575db8b7"}"#)?;
    /// assert_eq!(pushed.pr_num(), Some(12));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn pr_num(&self) -> Option<u64> {
        self.ref_name.strip_prefix("refs/pr/")?.parse().ok()
    }
}

/// The settings a `repo.config` event changed (`updatedConfig`). Only `private` is documented;
/// other keys are kept in [`Self::other`], and it is `{}` when the Hub does not say what changed.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/11-docs-repo-config-update-private.json"
/// )))?;
/// let config = payload.updated_config.unwrap_or_default();
/// if config.private == Some(false) {
///     println!("{} is public now", payload.repo.name);
/// }
/// assert!(config.other.is_empty());
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", expecting = "an `updatedConfig` object")]
pub struct WebhookPayloadUpdatedConfig {
    /// The new visibility, when that is what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// Every other key the Hub sent, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A file that a bucket `repo.content` event added, overwrote or removed (`updatedFiles`).
///
/// The Hub's exact keys for these entries are not documented yet: the ones below are typed when
/// present, and every key is kept in [`Self::other`] otherwise, so nothing the Hub sends is lost.
///
/// ```
/// let file: webhooks_core::WebhookPayloadUpdatedFile =
///     serde_json::from_str(r#"{"path": "ckpt/step-100.safetensors", "size": 1024, "op": "add"}"#)?;
/// assert_eq!(file.path.as_deref(), Some("ckpt/step-100.safetensors"));
/// assert_eq!(file.other["op"], "add"); // a key not typed yet, kept
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    expecting = "an `updatedFiles` entry object"
)]
pub struct WebhookPayloadUpdatedFile {
    /// The file's path in the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The file's Xet content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xet_hash: Option<String>,
    /// The file's size in bytes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::whole_number::optional"
    )]
    #[cfg_attr(feature = "schemars", schemars(extend("maximum" = u64::MAX)))]
    pub size: Option<u64>,
    /// Every other key the Hub sent, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
