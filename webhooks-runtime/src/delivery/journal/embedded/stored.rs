//! A delivery's record as the embedded journal writes it: JSON, without the body (kept apart),
//! with what only the store needs (the lease, whether its `Webhook-Id` is keyed, its body's size
//! and hash).

use serde::{Deserialize, Serialize};

use crate::delivery::journal::{DeliveryRecord, DeliveryStatus};

/// A delivery, as kept.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    /// The record, its body empty.
    pub(super) record: DeliveryRecord,
    pub(super) body_len: u64,
    /// The body's SHA-256, where duplicates are looked for.
    pub(super) body_hash: Option<Vec<u8>>,
    /// Whether this delivery was admitted by its `Webhook-Id` (the one its endpoint's retries
    /// of that id find).
    pub(super) keyed: bool,
    pub(super) owner: Option<String>,
    pub(super) lease_until_ms: Option<i64>,
}

/// The written form. Field names are short: every record carries them.
#[derive(Serialize, Deserialize)]
struct Written {
    id: String,
    endpoint: String,
    received: i64,
    status: String,
    attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latency: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repo: Option<String>,
    background: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    original: Option<String>,
    uri: String,
    headers: Vec<(String, String)>,
    next: i64,
    dedupe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook_id: Option<String>,
    repeats: u32,
    body_len: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_hash: Option<Vec<u8>>,
    keyed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
}

impl Stored {
    /// The bytes written for this delivery.
    pub(super) fn encode(&self) -> Vec<u8> {
        let r = &self.record;
        let written = Written {
            id: r.id.clone(),
            endpoint: r.endpoint.clone(),
            received: r.received_at_ms,
            status: r.status.as_str().to_owned(),
            attempts: r.attempts,
            error: r.last_error.clone(),
            latency: r.latency_ms,
            scope: r.scope.clone(),
            action: r.action.clone(),
            repo: r.repo.clone(),
            background: r.background,
            original: r.original_id.clone(),
            uri: r.uri.clone(),
            headers: r.headers.clone(),
            next: r.next_attempt_at_ms,
            dedupe: r.dedupe,
            webhook_id: r.webhook_id.clone(),
            repeats: r.repeats,
            body_len: self.body_len,
            body_hash: self.body_hash.clone(),
            keyed: self.keyed,
            owner: self.owner.clone(),
            lease_until: self.lease_until_ms,
        };
        // A struct of strings, numbers and booleans always serializes.
        serde_json::to_vec(&written).unwrap_or_default()
    }

    /// The delivery `bytes` hold, or `None` when they are not one this code wrote.
    pub(super) fn decode(bytes: &[u8]) -> Option<Stored> {
        let w: Written = serde_json::from_slice(bytes).ok()?;
        Some(Stored {
            record: DeliveryRecord {
                id: w.id,
                endpoint: w.endpoint,
                received_at_ms: w.received,
                status: DeliveryStatus::parse(&w.status).unwrap_or(DeliveryStatus::Failed),
                attempts: w.attempts,
                last_error: w.error,
                latency_ms: w.latency,
                scope: w.scope,
                action: w.action,
                repo: w.repo,
                background: w.background,
                original_id: w.original,
                uri: w.uri,
                headers: w.headers,
                body: bytes::Bytes::new(),
                next_attempt_at_ms: w.next,
                dedupe: w.dedupe,
                webhook_id: w.webhook_id,
                repeats: w.repeats,
            },
            body_len: w.body_len,
            body_hash: w.body_hash,
            keyed: w.keyed,
            owner: w.owner,
            lease_until_ms: w.lease_until,
        })
    }
}
