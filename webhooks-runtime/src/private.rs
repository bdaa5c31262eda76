//! Not public API. Used by the code `#[webhook_endpoint]` generates, which names everything it
//! needs through here so that users depend on `webhooks-runtime` alone.

pub use inventory;
pub use webhooks_core::{BoxFuture, Delivery, Endpoint, Handler, WebhookRequest, WebhookResponse};

use webhooks_core::{FromWebhookRequest, IntoWebhookResponse};

/// Builds one handler argument, or the response that refuses the request.
#[allow(
    clippy::result_large_err,
    reason = "the response is returned at once, never stored or passed along"
)]
#[inline]
pub fn extract<T: FromWebhookRequest>(request: &WebhookRequest) -> Result<T, WebhookResponse> {
    T::from_webhook_request(request).map_err(webhooks_core::Rejection::into_response)
}

/// Turns the handler's return value into the response.
#[inline]
pub fn respond<T: IntoWebhookResponse>(value: T) -> WebhookResponse {
    value.into_webhook_response()
}
