//! Every fixed answer the server itself gives (not the handlers'): a status and a JSON body, each
//! defined once, whichever part of the server gives it.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use webhooks_core::WebhookResponse;
use webhooks_core::response::json_response;

/// A fixed status and JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: &'static str,
}

impl Answer {
    pub(crate) fn into_response(self) -> WebhookResponse {
        json_response(self.status, Bytes::from_static(self.body.as_bytes()))
    }
}

/// No `x-webhook-secret` header while a secret is configured (the Python reference's text).
pub(crate) const MISSING_SECRET: Answer = Answer {
    status: StatusCode::UNAUTHORIZED,
    body: r#"{"error":"x-webhook-secret header not set."}"#,
};

/// A `x-webhook-secret` header that is not the secret (the Python reference's text).
pub(crate) const INVALID_SECRET: Answer = Answer {
    status: StatusCode::FORBIDDEN,
    body: r#"{"error":"Invalid webhook secret."}"#,
};

/// No route at this path.
pub(crate) const NOT_FOUND: Answer = Answer {
    status: StatusCode::NOT_FOUND,
    body: r#"{"error":"Not Found"}"#,
};

/// A body larger than the configured limit.
pub(crate) const PAYLOAD_TOO_LARGE: Answer = Answer {
    status: StatusCode::PAYLOAD_TOO_LARGE,
    body: r#"{"error":"Payload Too Large"}"#,
};

/// A body parsed as JSON whose `Content-Type` is missing or not JSON: a browser page can send
/// `text/plain` or a form cross-site without asking first, but never `application/json`.
pub(crate) const NOT_JSON: Answer = Answer {
    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    body: r#"{"error":"Unsupported Media Type: this endpoint reads JSON; send the body with `Content-Type: application/json`."}"#,
};

/// A replay or delete from a page of another origin.
pub(crate) const CROSS_ORIGIN: Answer = Answer {
    status: StatusCode::FORBIDDEN,
    body: r#"{"error":"Refused: this request comes from a page of another origin. Replay and delete deliveries from this server's own page, the API, or hf-webhooks."}"#,
};

/// No admin token on a delivery API request while one is configured.
pub(crate) const API_TOKEN_MISSING: Answer = Answer {
    status: StatusCode::UNAUTHORIZED,
    body: r#"{"error":"Send the admin token as Authorization: Bearer <token> (WEBHOOKS_ADMIN_TOKEN is set, so the webhook secret does not open the delivery API)."}"#,
};

/// A body that could not be read to its end.
pub(crate) const BODY_NOT_READ: Answer = Answer {
    status: StatusCode::BAD_REQUEST,
    body: r#"{"error":"The request body could not be read."}"#,
};

/// A body not received within the body read timeout.
pub(crate) const BODY_TIMEOUT: Answer = Answer {
    status: StatusCode::REQUEST_TIMEOUT,
    body: r#"{"error":"Request Timeout: the body was not received in time."}"#,
};

/// A handler that did not finish within its timeout.
pub(crate) const HANDLER_TIMEOUT: Answer = Answer {
    status: StatusCode::GATEWAY_TIMEOUT,
    body: r#"{"error":"Gateway Timeout: the handler did not finish in time."}"#,
};

/// A background delivery that could not be written to the journal: the sender should retry.
pub(crate) const NOT_JOURNALED: Answer = Answer {
    status: StatusCode::SERVICE_UNAVAILABLE,
    body: r#"{"error":"The delivery could not be recorded; send it again."}"#,
};

/// A handler that panicked.
pub(crate) const HANDLER_PANICKED: Answer = Answer {
    status: StatusCode::INTERNAL_SERVER_ERROR,
    body: webhooks_core::response::INTERNAL_ERROR_BODY,
};

/// The delivery API on a server whose journal is off.
pub(crate) const JOURNAL_OFF: Answer = Answer {
    status: StatusCode::NOT_FOUND,
    body: r#"{"error":"The delivery journal is turned off."}"#,
};

/// A delivery id the journal does not have.
pub(crate) const NO_SUCH_DELIVERY: Answer = Answer {
    status: StatusCode::NOT_FOUND,
    body: r#"{"error":"No delivery has this id."}"#,
};

/// A replay of a delivery whose endpoint this server no longer has.
pub(crate) const ENDPOINT_GONE: Answer = Answer {
    status: StatusCode::CONFLICT,
    body: r#"{"error":"The endpoint of this delivery is no longer served."}"#,
};

/// The delivery API without a credential on a server reachable from other machines.
pub(crate) const API_OFF_WITHOUT_CREDENTIAL: Answer = Answer {
    status: StatusCode::FORBIDDEN,
    body: r#"{"error":"The delivery API is off: this server is reachable from other machines and has no credential. Set WEBHOOKS_ADMIN_TOKEN (or a webhook secret) to use it."}"#,
};

/// The delivery API without a credential.
pub(crate) const API_CREDENTIAL_MISSING: Answer = Answer {
    status: StatusCode::UNAUTHORIZED,
    body: r#"{"error":"Send the webhook secret in X-Webhook-Secret, or the admin token as Authorization: Bearer <token>."}"#,
};

/// The delivery API with a wrong credential.
pub(crate) const API_CREDENTIAL_INVALID: Answer = Answer {
    status: StatusCode::FORBIDDEN,
    body: r#"{"error":"Invalid credential."}"#,
};

/// A delivery list filtered by a status that does not exist.
pub(crate) const UNKNOWN_STATUS: Answer = Answer {
    status: StatusCode::BAD_REQUEST,
    body: r#"{"error":"Unknown status: use queued, running, done, failed, dead or duplicate."}"#,
};

/// A delivery list `limit` that is not a number.
pub(crate) const BAD_LIMIT: Answer = Answer {
    status: StatusCode::BAD_REQUEST,
    body: r#"{"error":"`limit` is a number of deliveries."}"#,
};

/// The health check's answer.
pub(crate) const HEALTHY: Answer = Answer {
    status: StatusCode::OK,
    body: r#"{"status":"ok"}"#,
};

/// A method the route does not take: 405 with the `Allow` header listing those it does
/// (`allow` is their comma-separated list, as the header wants it).
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

/// A JSON `{"error": message}` answer for messages only known at run time.
pub(crate) fn error(status: StatusCode, message: &str) -> WebhookResponse {
    json(status, &serde_json::json!({ "error": message }))
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> WebhookResponse {
    json_response(status, Bytes::from(value.to_string()))
}

/// A background delivery refused because its endpoint holds `waiting` accepted deliveries, its
/// limit: a stuck or slow handler's queue must not grow without bound.
pub(crate) fn backlog_full(route: &str, waiting: usize) -> WebhookResponse {
    let body = serde_json::json!({
        "error": format!(
            "Service Unavailable: {route} has {waiting} deliveries waiting, its limit; send it again later"
        ),
    });
    json(StatusCode::SERVICE_UNAVAILABLE, &body)
}

/// An HTML page, with the headers that keep it from being framed or sniffed.
pub(crate) fn html(page: Bytes, content_security_policy: &HeaderValue) -> WebhookResponse {
    let mut response = with_content_type(page, "text/html; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        content_security_policy.clone(),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// A 200 with this body and content type.
/// How long a client or a proxy may keep what the server's own pages answer.
pub(crate) mod cache {
    /// The landing page: revalidated at each view, as it carries the last day's failed answers.
    pub(crate) const LANDING: &str = "no-cache";
    /// `/healthz` and `/metrics`: the state now, never kept.
    pub(crate) const LIVE: &str = "no-store";
    /// `/openapi.json`: fixed while the process runs; five minutes, so a redeploy shows soon.
    pub(crate) const OPENAPI: &str = "public, max-age=300";
}

/// `response` with `Cache-Control: policy`.
pub(crate) fn cached(mut response: WebhookResponse, policy: &'static str) -> WebhookResponse {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

pub(crate) fn with_content_type(body: Bytes, content_type: &'static str) -> WebhookResponse {
    let mut response = WebhookResponse::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
