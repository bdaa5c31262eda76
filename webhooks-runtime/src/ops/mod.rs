//! What an operator reads: Prometheus metrics, the OpenAPI document, the landing page.

pub(crate) mod failed_answers;
pub(crate) mod html;
pub(crate) mod landing;
pub(crate) mod metrics;
pub(crate) mod openapi;
pub(crate) mod prose;
