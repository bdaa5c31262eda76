//! What changed: refs on `repo.content`, settings on `repo.config`, files in buckets.

use schemars::JsonSchema;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    pub fn is_created(&self) -> bool {
        self.old_sha.is_none() && self.new_sha.is_some()
    }

    /// Whether the event deleted this ref.
    pub fn is_deleted(&self) -> bool {
        self.new_sha.is_none()
    }

    /// The pull request number when the ref is `refs/pr/N`.
    pub fn pr_num(&self) -> Option<u64> {
        self.ref_name.strip_prefix("refs/pr/")?.parse().ok()
    }
}

/// The settings a `repo.config` event changed (`updatedConfig`). Only `private` is documented;
/// other keys are kept in [`Self::other`], and it is `{}` when the Hub does not say what changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Every other key the Hub sent, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
