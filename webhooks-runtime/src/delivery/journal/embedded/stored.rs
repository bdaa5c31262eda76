//! A delivery's record as the embedded journal writes it: JSON, without the body (kept apart),
//! with what only the store needs (the lease, whether its `Webhook-Id` is keyed, its body's size
//! and hash).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::delivery::journal::{DeliveryRecord, DeliveryStatus};

/// A delivery, as kept: its record borrowed where one is being written, owned where one was read.
#[derive(Debug, Clone)]
pub(super) struct Stored<'a> {
    /// The record (its body is never written: bodies are kept apart).
    pub(super) record: Cow<'a, DeliveryRecord>,
    pub(super) body_len: u64,
    /// The body's SHA-256, where duplicates are looked for.
    pub(super) body_hash: Option<Vec<u8>>,
    /// Whether this delivery was admitted by its `Webhook-Id` (the one its endpoint's retries
    /// of that id find).
    pub(super) keyed: bool,
    pub(super) owner: Option<String>,
    pub(super) lease_until_ms: Option<i64>,
}

/// The written form. Field names are short: every record carries them. Written from borrowed
/// text, read into owned.
#[derive(Serialize, Deserialize)]
struct Written<'a> {
    id: Cow<'a, str>,
    endpoint: Cow<'a, str>,
    received: i64,
    status: Cow<'a, str>,
    attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latency: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repo: Option<Cow<'a, str>>,
    background: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    original: Option<Cow<'a, str>>,
    uri: Cow<'a, str>,
    headers: Cow<'a, [(String, String)]>,
    next: i64,
    dedupe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook_id: Option<Cow<'a, str>>,
    repeats: u32,
    body_len: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_hash: Option<Cow<'a, [u8]>>,
    keyed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
}

/// Borrows an optional string.
fn text(value: &Option<String>) -> Option<Cow<'_, str>> {
    value.as_deref().map(Cow::Borrowed)
}

/// Takes an optional text as owned.
fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.map(Cow::into_owned)
}

impl Stored<'_> {
    /// The bytes written for this delivery.
    pub(super) fn encode(&self) -> Vec<u8> {
        let r = &*self.record;
        let written = Written {
            id: Cow::Borrowed(&r.id),
            endpoint: Cow::Borrowed(&r.endpoint),
            received: r.received_at_ms,
            status: Cow::Borrowed(r.status.as_str()),
            attempts: r.attempts,
            error: text(&r.last_error),
            latency: r.latency_ms,
            scope: text(&r.scope),
            action: text(&r.action),
            repo: text(&r.repo),
            background: r.background,
            original: text(&r.original_id),
            uri: Cow::Borrowed(&r.uri),
            headers: Cow::Borrowed(&r.headers),
            next: r.next_attempt_at_ms,
            dedupe: r.dedupe,
            webhook_id: text(&r.webhook_id),
            repeats: r.repeats,
            body_len: self.body_len,
            body_hash: self.body_hash.as_deref().map(Cow::Borrowed),
            keyed: self.keyed,
            owner: text(&self.owner),
            lease_until: self.lease_until_ms,
        };
        // A struct of strings, numbers and booleans always serializes.
        serde_json::to_vec(&written).unwrap_or_default()
    }

    /// The delivery `bytes` hold, or `None` when they are not one this code wrote.
    pub(super) fn decode(bytes: &[u8]) -> Option<Stored<'static>> {
        let w: Written<'_> = serde_json::from_slice(bytes).ok()?;
        Some(Stored {
            record: Cow::Owned(DeliveryRecord {
                id: w.id.into_owned(),
                endpoint: w.endpoint.into_owned(),
                received_at_ms: w.received,
                status: DeliveryStatus::parse(&w.status).unwrap_or(DeliveryStatus::Failed),
                attempts: w.attempts,
                last_error: owned(w.error),
                latency_ms: w.latency,
                scope: owned(w.scope),
                action: owned(w.action),
                repo: owned(w.repo),
                background: w.background,
                original_id: owned(w.original),
                uri: w.uri.into_owned(),
                headers: w.headers.into_owned(),
                body: bytes::Bytes::new(),
                next_attempt_at_ms: w.next,
                dedupe: w.dedupe,
                webhook_id: owned(w.webhook_id),
                repeats: w.repeats,
            }),
            body_len: w.body_len,
            body_hash: w.body_hash.map(Cow::into_owned),
            keyed: w.keyed,
            owner: owned(w.owner),
            lease_until_ms: w.lease_until,
        })
    }
}
