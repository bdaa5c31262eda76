//! A delivery as the journal keeps it: made from a request, and made back into one to run again.

use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use webhooks_core::WebhookRequest;

use crate::delivery::journal::{DeliveryRecord, DeliveryStatus, new_id, now_ms};
use crate::delivery::packed_headers::{PackedHeaders, stored_headers};
use crate::delivery::summary::PayloadSummary;
use crate::endpoint::invoke::Invocation;
use crate::endpoint::route::Route;

pub(crate) use webhooks_core::delivery::{
    DELIVERY_ATTEMPT_HEADER, DELIVERY_ID_HEADER, REPLAY_OF_HEADER,
};

use webhooks_core::delivery::{DELIVERY_ATTEMPT, DELIVERY_ID, REPLAY_OF, webhook_id};

/// The headers a handler's `Delivery` argument reads; the server's alone, so a client's copies
/// are removed when a request arrives.
pub(crate) const DELIVERY_HEADERS: [&str; 3] = [
    DELIVERY_ID_HEADER,
    DELIVERY_ATTEMPT_HEADER,
    REPLAY_OF_HEADER,
];

/// `request` with the delivery's headers set: what a handler's `Delivery` argument reads.
pub(crate) fn with_delivery(
    mut request: WebhookRequest,
    id: &str,
    attempt: u32,
    replay_of: Option<&str>,
) -> WebhookRequest {
    // In place: a payload the event filters parsed stays with the request.
    let headers = request.__headers_mut();
    if let Ok(id) = HeaderValue::try_from(id.to_owned()) {
        headers.insert(DELIVERY_ID.clone(), id);
    }
    // The first attempt, by far the most common, without formatting a number.
    let attempt = match attempt {
        1 => HeaderValue::from_static("1"),
        n => HeaderValue::from(n),
    };
    headers.insert(DELIVERY_ATTEMPT.clone(), attempt);
    if let Some(Ok(original)) = replay_of.map(|id| HeaderValue::try_from(id.to_owned())) {
        headers.insert(REPLAY_OF.clone(), original);
    }
    request
}

impl DeliveryRecord {
    /// Records how a handler run that began at `started` ended: its latency, done or failed,
    /// and why it failed (no error when it did not).
    pub(crate) fn settle(&mut self, invocation: &Invocation, started: Instant) {
        self.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        self.status = if invocation.succeeded() {
            DeliveryStatus::Done
        } else {
            DeliveryStatus::Failed
        };
        self.last_error.clone_from(&invocation.error);
    }

    /// A new delivery to `route`, as received (the secret already removed from `headers` and
    /// `uri`), with the payload's scope, action and repo when the body is a Hub payload.
    pub(crate) fn received(
        route: &Route,
        request: &WebhookRequest,
        summary: Option<PayloadSummary>,
        status: DeliveryStatus,
    ) -> Self {
        let headers = stored_headers(request.headers());
        Self::received_with(route, request, summary, status, headers)
    }

    /// [`Self::received`] for the journal's writer: the record without its headers, which are
    /// packed into one buffer for the writer to split off the response path.
    pub(crate) fn received_for_later(
        route: &Route,
        request: &WebhookRequest,
        summary: Option<PayloadSummary>,
        status: DeliveryStatus,
    ) -> (Self, PackedHeaders) {
        let record = Self::received_with(route, request, summary, status, Vec::new());
        (record, PackedHeaders::pack(request.headers()))
    }

    fn received_with(
        route: &Route,
        request: &WebhookRequest,
        summary: Option<PayloadSummary>,
        status: DeliveryStatus,
        headers: Vec<(String, String)>,
    ) -> Self {
        let (scope, action, repo) = match summary {
            Some(summary) => (
                Some(summary.scope),
                Some(summary.action),
                Some(summary.repo),
            ),
            None => (None, None, None),
        };
        DeliveryRecord {
            id: new_id(),
            endpoint: route.journal_key.clone(),
            received_at_ms: now_ms(),
            status,
            attempts: 0,
            last_error: None,
            latency_ms: None,
            scope,
            action,
            repo,
            background: route.mode.is_background(),
            original_id: None,
            uri: request.uri().to_string(),
            headers,
            // A copy of exactly the body's size: a slice of the request would keep the whole
            // connection read buffer it came in alive until the record is written.
            body: Bytes::copy_from_slice(request.body()),
            next_attempt_at_ms: 0,
            dedupe: route.mode.dedupes(),
            webhook_id: webhook_id(request.headers()).map(str::to_owned),
            repeats: 0,
        }
    }

    /// Fills in the payload's scope, action and repo from the body, for a record made without
    /// them (the request path reads them only when its log span wants them too).
    pub(crate) fn summarize(&mut self) {
        if let Some(summary) = PayloadSummary::read(&self.body) {
            self.scope = Some(summary.scope);
            self.action = Some(summary.action);
            self.repo = Some(summary.repo);
        }
    }

    /// A new delivery that runs this one's request again, linked to it.
    pub(crate) fn replay_of(original: DeliveryRecord, route: &Route) -> Self {
        DeliveryRecord {
            id: new_id(),
            received_at_ms: now_ms(),
            attempts: 0,
            last_error: None,
            latency_ms: None,
            original_id: Some(original.id.clone()),
            next_attempt_at_ms: 0,
            background: route.mode.is_background(),
            dedupe: route.mode.dedupes(),
            status: DeliveryStatus::Queued,
            // The Hub's id stays, to say which Hub delivery it replays; the replay is not keyed
            // on it (it is run because it was asked for).
            repeats: 0,
            ..original
        }
    }

    /// The request to give the handler again, with the delivery's id, attempt and the delivery
    /// it replays in the headers its `Delivery` argument reads.
    pub(crate) fn to_request(&self) -> WebhookRequest {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                headers.append(name, value);
            }
        }
        let uri = self.uri.parse().unwrap_or_else(|_| Uri::from_static("/"));
        let request = WebhookRequest::new(Method::POST, uri, headers, self.body.clone());
        with_delivery(
            request,
            &self.id,
            self.attempts.max(1),
            self.original_id.as_deref(),
        )
    }
}
