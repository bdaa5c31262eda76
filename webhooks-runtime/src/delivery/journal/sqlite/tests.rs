//! The SQLite store's own tests (the conformance suite runs on it from `journal/conformance.rs`).

use super::SqliteJournal;
use crate::delivery::journal::smallest_id_at;
use crate::delivery::journal::{
    AttemptResult, DeliveryRecord, DeliveryStatus, Journal, Lease, new_id,
};
use crate::error::JournalErrorKind;

#[test]
fn a_file_that_is_not_a_database_is_a_corrupt_journal() {
    let dir = std::env::temp_dir().join(format!("webhooks-corrupt-{}", new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deliveries.sqlite3"), vec![b'x'; 8192]).unwrap();
    let error = SqliteJournal::open(&dir).err().unwrap();
    assert_eq!(error.kind(), JournalErrorKind::Corrupt);
    assert!(error.to_string().contains("the file is damaged"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn queued() -> DeliveryRecord {
    DeliveryRecord {
        id: new_id(),
        endpoint: "/webhooks/evaluate".to_owned(),
        received_at_ms: 0,
        status: DeliveryStatus::Queued,
        attempts: 0,
        last_error: None,
        latency_ms: None,
        scope: None,
        action: None,
        repo: None,
        background: true,
        original_id: None,
        uri: "/webhooks/evaluate".to_owned(),
        headers: Vec::new(),
        body: bytes::Bytes::from_static(b"{}"),
        next_attempt_at_ms: 0,
        dedupe: false,
        webhook_id: None,
        repeats: 0,
    }
}

/// The size cap looks at the pages in use before reading rows: a journal whose pages in use
/// fit under the cap keeps everything; bodies over the cap are pruned even though the page
/// count alone is far under it.
#[test]
fn the_size_cap_keeps_what_fits_and_prunes_bodies_over_it() {
    let dir = std::env::temp_dir().join(format!("webhooks-size-cap-{}", new_id()));
    let journal = SqliteJournal::open(&dir).unwrap();
    let records: Vec<DeliveryRecord> = (0..3)
        .map(|_| DeliveryRecord {
            status: DeliveryStatus::Done,
            body: bytes::Bytes::from(vec![b' '; 10_000]),
            ..queued()
        })
        .collect();
    journal.insert(&records).unwrap();
    let used_bytes: u64 = journal
        .with(|connection| {
            connection.query_row(
                "SELECT (page_count - freelist_count) * page_size \
                 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()",
                [],
                |row| row.get(0),
            )
        })
        .unwrap();
    assert!(used_bytes > 30_000, "{used_bytes}");
    assert_eq!(journal.prune_to_size(used_bytes).unwrap(), 0);
    assert_eq!(journal.prune_to_size(25_000).unwrap(), 1);
    assert!(
        journal.get(&records[0].id).unwrap().is_none(),
        "the oldest goes"
    );
    assert!(
        journal.get(&records[2].id).unwrap().is_some(),
        "the newest stays"
    );
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_journal_from_a_newer_version_is_refused_and_an_old_one_upgraded() {
    let dir = std::env::temp_dir().join(format!("webhooks-schema-{}", new_id()));
    drop(SqliteJournal::open(&dir).unwrap());
    let file = dir.join("deliveries.sqlite3");
    let version = |value: Option<i64>| {
        let connection = rusqlite::Connection::open(&file).unwrap();
        if let Some(value) = value {
            connection
                .execute_batch(&format!("PRAGMA user_version = {value}"))
                .unwrap();
        }
        connection
            .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(version(None), 3);
    // A journal of version 1: the table without the lease's and the Webhook-Id's columns.
    std::fs::remove_file(&file).unwrap();
    let old = rusqlite::Connection::open(&file).unwrap();
    let version_1 = super::schema::SCHEMA.replace(
        "next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,\n    owner TEXT,\n    lease_until_ms INTEGER,\n    webhook_id TEXT,\n    keyed INTEGER NOT NULL DEFAULT 0,\n    repeats INTEGER NOT NULL DEFAULT 0",
        "next_attempt_at_ms INTEGER NOT NULL DEFAULT 0",
    );
    assert!(!version_1.contains("owner"), "{version_1}");
    assert!(!version_1.contains("webhook_id"), "{version_1}");
    old.execute_batch(&version_1).unwrap();
    old.execute_batch("PRAGMA user_version = 1").unwrap();
    drop(old);
    let upgraded = SqliteJournal::open(&dir).unwrap();
    let lease = Lease {
        owner: "a".to_owned(),
        until_ms: 10,
    };
    assert!(
        upgraded
            .claim_due("/webhooks/x", 0, 1, &lease)
            .unwrap()
            .is_empty()
    );
    drop(upgraded);
    assert_eq!(version(None), 3, "a journal of version 1 is upgraded");
    version(Some(7));
    let error = SqliteJournal::open(&dir).err().unwrap();
    assert_eq!(error.kind(), JournalErrorKind::SchemaTooNew);
    let error = error.to_string();
    assert!(
        error.contains("written by a newer version of webhooks-runtime (journal schema 7"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stale_attempt_cannot_overwrite_a_newer_one() {
    let dir = std::env::temp_dir().join(format!("webhooks-fencing-{}", new_id()));
    let journal = SqliteJournal::open(&dir).unwrap();
    let delivery = queued();
    let id = delivery.id.clone();
    journal.insert(&[delivery]).unwrap();
    let lease = Lease {
        owner: "a".to_owned(),
        until_ms: 10,
    };
    let claimed = journal
        .claim_due("/webhooks/evaluate", 1, 10, &lease)
        .unwrap();
    assert_eq!(claimed[0].attempts, 1);
    // The process running attempt 1 stops beating: the delivery is rescued, claimed again.
    assert_eq!(journal.rescue_expired(11).unwrap(), 1);
    let again = journal
        .claim_due("/webhooks/evaluate", 11, 10, &lease)
        .unwrap();
    assert_eq!(again[0].attempts, 2);
    let dead = AttemptResult::Dead {
        error: "stale".to_owned(),
        latency_ms: 1.0,
    };
    assert!(
        !journal.finish(&id, 1, &dead).unwrap(),
        "attempt 1 is fenced off"
    );
    let done = AttemptResult::Done { latency_ms: 1.0 };
    assert!(journal.finish(&id, 2, &done).unwrap());
    assert!(!journal.finish(&id, 2, &dead).unwrap(), "no longer running");
    let record = journal.get(&id).unwrap().unwrap();
    assert_eq!(record.status, DeliveryStatus::Done);
    assert_eq!(record.last_error, None);
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_cut_off_id_sorts_between_the_ids_of_neighbouring_milliseconds() {
    let before = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        1_764_000_000,
        998_000_000,
    ))
    .to_string();
    let cut_off = smallest_id_at(1_764_000_000_999);
    let after = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        1_764_000_000,
        999_000_000,
    ))
    .to_string();
    assert!(
        before < cut_off && cut_off <= after,
        "{before} {cut_off} {after}"
    );
}
