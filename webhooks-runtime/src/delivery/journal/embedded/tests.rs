use super::{EmbeddedJournal, FILE_NAME, SCHEMA_VERSION, log};
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
        // A newer version's header, in place of this one's.
        let mut header = Vec::new();
        log::header(SCHEMA_VERSION + 6, &mut header);
        std::fs::write(dir.join(FILE_NAME), &header).unwrap();
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

/// Why the journal refuses to open a data dir holding `file` (with `contents`) from an earlier
/// build.
fn refusal_beside(file: &str, contents: &[u8]) -> String {
    let dir = fresh_dir(file);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(file), contents).unwrap();
    let error = EmbeddedJournal::open(&dir).err().unwrap().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    error
}

#[test]
fn a_data_dir_with_an_earlier_sqlite_journal_is_refused_naming_it() {
    let error = refusal_beside("deliveries.sqlite3", b"SQLite format 3\0");
    assert!(
        error.contains("deliveries.sqlite3 is a delivery journal written by an earlier version")
            && error.contains("`sqlite` feature"),
        "{error}"
    );
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

#[test]
fn a_data_dir_with_an_earlier_redb_journal_is_refused_naming_it() {
    let error = refusal_beside("deliveries.redb", b"redb\x1a\x0a\xa9\x0d\x0a");
    assert!(
        error.contains("deliveries.redb is a delivery journal written by an earlier build")
            && error.contains("move it aside"),
        "{error}"
    );
}

/// A crash mid-write leaves half a frame at the end: the journal opens with everything before
/// it, cuts it off, and what it writes next survives another reopen.
#[test]
fn a_torn_last_entry_is_cut_off_and_the_rest_kept() {
    let dir = fresh_dir("torn");
    let kept = DeliveryRecord {
        status: DeliveryStatus::Done,
        ..queued()
    };
    drop({
        let journal = EmbeddedJournal::open(&dir).unwrap();
        journal.insert(std::slice::from_ref(&kept)).unwrap();
        journal
    });
    let path = dir.join(FILE_NAME);
    let whole = std::fs::metadata(&path).unwrap().len();
    let mut torn = Vec::new();
    log::put(
        br#"{"id":"torn"}"#,
        Some(b"never finished"),
        whole,
        &mut torn,
    );
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&torn[..torn.len() - 3]);
    std::fs::write(&path, &bytes).unwrap();

    let after = queued();
    drop({
        let journal = EmbeddedJournal::open(&dir).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole, "cut off");
        assert_eq!(journal.get(&kept.id).unwrap().unwrap().body, kept.body);
        journal.insert(std::slice::from_ref(&after)).unwrap();
        journal
    });
    let journal = EmbeddedJournal::open(&dir).unwrap();
    assert!(journal.get(&kept.id).unwrap().is_some());
    assert_eq!(
        journal.get(&after.id).unwrap().unwrap().headers,
        after.headers
    );
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Once most of the log is deliveries the retention removed, it is rewritten without them: the
/// file shrinks, and what is kept (bodies included) reads the same, before and after a reopen.
#[test]
fn the_retention_rewrites_a_log_mostly_removed() {
    let dir = fresh_dir("rewrite");
    let path = dir.join(FILE_NAME);
    let journal = EmbeddedJournal::open(&dir).unwrap();
    let many: Vec<DeliveryRecord> = (0..40u8)
        .map(|n| DeliveryRecord {
            status: DeliveryStatus::Done,
            body: bytes::Bytes::from(vec![b'a' + n % 26; 200_000]),
            ..queued()
        })
        .collect();
    journal.insert(&many).unwrap();
    let before = std::fs::metadata(&path).unwrap().len();
    assert!(before > 8_000_000, "{before}");
    assert_eq!(journal.prune(2, 0).unwrap(), 38);
    assert_eq!(journal.prune_to_size(u64::MAX).unwrap(), 0);
    let after = std::fs::metadata(&path).unwrap().len();
    assert!(after < 500_000, "rewritten: {before} bytes, then {after}");
    for kept in &many[38..] {
        assert_eq!(journal.get(&kept.id).unwrap().unwrap().body, kept.body);
    }
    journal.insert(std::slice::from_ref(&queued())).unwrap();
    drop(journal);
    let journal = EmbeddedJournal::open(&dir).unwrap();
    for kept in &many[38..] {
        assert_eq!(journal.get(&kept.id).unwrap().unwrap().body, kept.body);
    }
    assert!(journal.get(&many[0].id).unwrap().is_none());
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A write the file refuses (a full disk, say) changes nothing: the tables are as before it.
#[test]
fn a_write_the_file_refuses_leaves_the_journal_as_it_was() {
    let dir = fresh_dir("refused");
    let journal = EmbeddedJournal::open(&dir).unwrap();
    let first = queued();
    journal.insert(std::slice::from_ref(&first)).unwrap();
    // The same file, opened for reading only: every write to it fails.
    let read_only = std::fs::File::open(dir.join(FILE_NAME)).unwrap();
    let writable = std::mem::replace(&mut journal.lock().file, read_only);
    let refused = queued();
    assert!(journal.insert(std::slice::from_ref(&refused)).is_err());
    assert!(journal.delete(&first.id).is_err());
    assert!(journal.get(&refused.id).unwrap().is_none());
    assert!(journal.get(&first.id).unwrap().is_some());
    assert_eq!(journal.backlog(&first.endpoint).unwrap(), 1);
    journal.lock().file = writable;
    journal.insert(std::slice::from_ref(&refused)).unwrap();
    drop(journal);
    let journal = EmbeddedJournal::open(&dir).unwrap();
    assert!(journal.get(&refused.id).unwrap().is_some());
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}
