//! `webhook`: which webhook sent the event, and the payload version this crate reads.

use serde::{Deserialize, Deserializer, Serialize};

/// The only payload version this crate reads. The Hub changes it only for breaking changes.
///
/// ```
/// use webhooks_core::WebhookPayload;
/// use webhooks_core::payload::SUPPORTED_PAYLOAD_VERSION;
///
/// let body = br#"{"event": {"action": "create", "scope": "repo"},
///   "repo": {"type": "model", "name": "gpt2", "id": "621ffdc036468d709f174338", "private": false,
///            "url": {"web": "https://huggingface.co/gpt2"}, "owner": {"id": "621ffdc036468d709f174338"}},
///   "webhook": {"id": "6390e855e30d9209411de93b", "version": 4}}"#;
/// let error = WebhookPayload::from_slice(body).unwrap_err();
/// assert_eq!(error.path(), Some("webhook.version"));
/// assert_eq!(SUPPORTED_PAYLOAD_VERSION, 3);
/// ```
pub const SUPPORTED_PAYLOAD_VERSION: u32 = 3;

/// The webhook that sent the event.
///
/// ```
/// use webhooks_core::WebhookPayload;
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/14-discussion-update-pr-merged.json"
/// )))?;
/// // Several webhooks can point at one server: the id tells them apart.
/// assert_eq!(payload.webhook.id, "66b1f3aa0c9e8d7f6a5b4c3d");
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    expecting = "a `webhook` object with `id` and `version`"
)]
pub struct WebhookPayloadWebhook {
    /// The webhook's id, as listed in the Hub's webhook settings.
    pub id: String,
    /// The payload format version: always [`SUPPORTED_PAYLOAD_VERSION`] once parsed.
    #[serde(deserialize_with = "supported_version")]
    #[cfg_attr(feature = "schemars", schemars(extend("const" = 3)))]
    pub version: u32,
}

fn supported_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version: u32 = super::whole_number::required(deserializer)?;
    if version == SUPPORTED_PAYLOAD_VERSION {
        Ok(version)
    } else {
        Err(serde::de::Error::custom(format_args!(
            "unsupported payload version {version}: this server reads version \
             {SUPPORTED_PAYLOAD_VERSION} of the Hub's webhook payload, and the Hub changes the \
             version only for breaking changes"
        )))
    }
}
