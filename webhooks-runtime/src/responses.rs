//! Every answer the server itself gives (not the handlers'), each defined once.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use webhooks_core::WebhookResponse;
use webhooks_core::response::json_response;

/// A refusal with a fixed status and JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) body: &'static str,
}

impl Refusal {
    pub(crate) fn into_response(self) -> WebhookResponse {
        json_response(self.status, Bytes::from_static(self.body.as_bytes()))
    }
}

/// No `x-webhook-secret` header while a secret is configured (the Python reference's text).
pub(crate) const MISSING_SECRET: Refusal = Refusal {
    status: StatusCode::UNAUTHORIZED,
    body: r#"{"error":"x-webhook-secret header not set."}"#,
};

/// A `x-webhook-secret` header that is not the secret (the Python reference's text).
pub(crate) const INVALID_SECRET: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    body: r#"{"error":"Invalid webhook secret."}"#,
};

/// No route at this path.
pub(crate) const NOT_FOUND: Refusal = Refusal {
    status: StatusCode::NOT_FOUND,
    body: r#"{"error":"Not Found"}"#,
};

/// A body larger than the configured limit.
pub(crate) const PAYLOAD_TOO_LARGE: Refusal = Refusal {
    status: StatusCode::PAYLOAD_TOO_LARGE,
    body: r#"{"error":"Payload Too Large"}"#,
};

/// A body that could not be read to its end.
pub(crate) const BODY_NOT_READ: Refusal = Refusal {
    status: StatusCode::BAD_REQUEST,
    body: r#"{"error":"The request body could not be read."}"#,
};

/// A body not received within the body read timeout.
pub(crate) const BODY_TIMEOUT: Refusal = Refusal {
    status: StatusCode::REQUEST_TIMEOUT,
    body: r#"{"error":"Request Timeout: the body was not received in time."}"#,
};

/// A handler that did not finish within its timeout.
pub(crate) const HANDLER_TIMEOUT: Refusal = Refusal {
    status: StatusCode::GATEWAY_TIMEOUT,
    body: r#"{"error":"Gateway Timeout: the handler did not finish in time."}"#,
};

/// A background delivery that could not be written to the journal: the sender should retry.
pub(crate) const NOT_JOURNALED: Refusal = Refusal {
    status: StatusCode::SERVICE_UNAVAILABLE,
    body: r#"{"error":"The delivery could not be recorded; send it again."}"#,
};

/// A handler that panicked.
pub(crate) const HANDLER_PANICKED: Refusal = Refusal {
    status: StatusCode::INTERNAL_SERVER_ERROR,
    body: webhooks_core::response::INTERNAL_ERROR_BODY,
};

/// The health check's answer.
pub(crate) const HEALTHY: Refusal = Refusal {
    status: StatusCode::OK,
    body: r#"{"status":"ok"}"#,
};

/// A method the route does not take: 405 with the `Allow` header listing those it does.
pub(crate) fn method_not_allowed(allow: &'static str) -> WebhookResponse {
    let body = format!(
        r#"{{"error":"Method Not Allowed: use {}"}}"#,
        allow.replace(", ", " or ")
    );
    let mut response = json_response(StatusCode::METHOD_NOT_ALLOWED, Bytes::from(body));
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// An HTML page.
pub(crate) fn html(page: Bytes) -> WebhookResponse {
    with_content_type(page, "text/html; charset=utf-8")
}

/// A 200 with this body and content type.
pub(crate) fn with_content_type(body: Bytes, content_type: &'static str) -> WebhookResponse {
    let mut response = WebhookResponse::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
