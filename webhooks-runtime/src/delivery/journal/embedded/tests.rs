use super::{EmbeddedJournal, FILE_NAME, INFO, SCHEMA_KEY, SCHEMA_VERSION};
use crate::delivery::journal::{
    AttemptResult, DeliveryRecord, DeliveryStatus, Journal, Lease, new_id,
};
use crate::error::JournalErrorKind;

fn fresh_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("webhooks-{name}-{}", new_id()))
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
        headers: vec![("x-test".to_owned(), "1".to_owned())],
        body: bytes::Bytes::from_static(b"{}"),
        next_attempt_at_ms: 0,
        dedupe: false,
        webhook_id: None,
        repeats: 0,
    }
}

#[test]
fn a_file_that_is_not_a_database_is_a_corrupt_journal() {
    let dir = fresh_dir("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(FILE_NAME), vec![b'x'; 8192]).unwrap();
    let error = EmbeddedJournal::open(&dir).err().unwrap();
    assert_eq!(error.kind(), JournalErrorKind::Corrupt, "{error}");
    assert!(error.to_string().contains("the file is damaged"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_record_and_its_body_survive_a_reopen() {
    let dir = fresh_dir("reopen");
    let delivery = DeliveryRecord {
        status: DeliveryStatus::Done,
        repo: Some("acme/data".to_owned()),
        latency_ms: Some(1.5),
        ..queued()
    };
    // An ordinary delivery's record is committed without a sync at once: closing syncs it.
    let ordinary = DeliveryRecord {
        background: false,
        ..queued()
    };
    drop({
        let journal = EmbeddedJournal::open(&dir).unwrap();
        journal.insert(std::slice::from_ref(&delivery)).unwrap();
        journal.insert(std::slice::from_ref(&ordinary)).unwrap();
        journal
    });
    let journal = EmbeddedJournal::open(&dir).unwrap();
    assert!(journal.get(&ordinary.id).unwrap().is_some());
    let read = journal.get(&delivery.id).unwrap().unwrap();
    assert_eq!(read.body, delivery.body);
    assert_eq!(read.headers, delivery.headers);
    assert_eq!(read.repo.as_deref(), Some("acme/data"));
    assert_eq!(read.latency_ms, Some(1.5));
    assert_eq!(read.status, DeliveryStatus::Done);
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The size cap looks at the bytes the bodies take before reading records: a journal whose
/// bodies fit under the cap keeps everything; over it, the oldest finished ones go.
#[test]
fn the_size_cap_keeps_what_fits_and_prunes_bodies_over_it() {
    let dir = fresh_dir("size-cap");
    let journal = EmbeddedJournal::open(&dir).unwrap();
    let records: Vec<DeliveryRecord> = (0..3)
        .map(|_| DeliveryRecord {
            status: DeliveryStatus::Done,
            body: bytes::Bytes::from(vec![b' '; 10_000]),
            ..queued()
        })
        .collect();
    journal.insert(&records).unwrap();
    assert_eq!(journal.prune_to_size(40_000).unwrap(), 0);
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

/// The size check skips its walk while the bodies counted since the last one fit: bodies written
/// after a check that found room are counted, so the next check over the cap prunes.
#[test]
fn the_size_cap_counts_bodies_written_after_a_check() {
    let dir = fresh_dir("size-cap-after");
    let journal = EmbeddedJournal::open(&dir).unwrap();
    let done = || DeliveryRecord {
        status: DeliveryStatus::Done,
        body: bytes::Bytes::from(vec![b' '; 10_000]),
        ..queued()
    };
    let first: Vec<DeliveryRecord> = (0..3).map(|_| done()).collect();
    journal.insert(&first).unwrap();
    assert_eq!(journal.prune_to_size(45_000).unwrap(), 0, "30 kB fit");
    assert_eq!(journal.prune_to_size(45_000).unwrap(), 0, "still");
    let second: Vec<DeliveryRecord> = (0..2).map(|_| done()).collect();
    journal.insert(&second).unwrap();
    assert_eq!(journal.prune_to_size(45_000).unwrap(), 1, "50 kB do not");
    assert!(
        journal.get(&first[0].id).unwrap().is_none(),
        "the oldest goes"
    );
    assert_eq!(journal.prune_to_size(45_000).unwrap(), 0, "40 kB fit again");
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_journal_from_a_newer_version_is_refused() {
    let dir = fresh_dir("schema");
    drop(EmbeddedJournal::open(&dir).unwrap());
    {
        let database = redb::Database::create(dir.join(FILE_NAME)).unwrap();
        let transaction = database.begin_write().unwrap();
        transaction
            .open_table(INFO)
            .unwrap()
            .insert(SCHEMA_KEY, (SCHEMA_VERSION + 6).to_be_bytes().as_slice())
            .unwrap();
        transaction.commit().unwrap();
    }
    let error = EmbeddedJournal::open(&dir).err().unwrap();
    assert_eq!(error.kind(), JournalErrorKind::SchemaTooNew);
    let error = error.to_string();
    assert!(
        error.contains("written by a newer version of webhooks-runtime (journal schema 7"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_data_dir_with_an_earlier_sqlite_journal_is_refused_naming_it() {
    let dir = fresh_dir("sqlite-before");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deliveries.sqlite3"), b"SQLite format 3\0").unwrap();
    let error = EmbeddedJournal::open(&dir).err().unwrap().to_string();
    assert!(
        error.contains("deliveries.sqlite3 is a delivery journal written by an earlier version")
            && error.contains("`sqlite` feature"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stale_attempt_cannot_overwrite_a_newer_one() {
    let dir = fresh_dir("fencing");
    let journal = EmbeddedJournal::open(&dir).unwrap();
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
    assert_eq!(claimed[0].body.as_ref(), b"{}");
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
    assert_eq!(journal.backlog("/webhooks/evaluate").unwrap(), 0);
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}
