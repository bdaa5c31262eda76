//! `webhook`: which webhook sent the event, and the payload version this crate reads.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// The only payload version this crate reads. The Hub changes it only for breaking changes.
pub const SUPPORTED_PAYLOAD_VERSION: u32 = 3;

/// The webhook that sent the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    remote = "Self",
    expecting = "a `webhook` object with `id` and `version`"
)]
pub struct WebhookPayloadWebhook {
    /// The webhook's id, as listed in the Hub's webhook settings.
    pub id: String,
    /// The payload format version: always [`SUPPORTED_PAYLOAD_VERSION`] once parsed.
    #[serde(deserialize_with = "supported_version")]
    #[schemars(extend("const" = 3))]
    pub version: u32,
}

fn supported_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(deserializer)?;
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
