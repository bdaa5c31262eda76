//! **The `#[webhook_endpoint]` attribute.** Use it through `webhooks-runtime`.
