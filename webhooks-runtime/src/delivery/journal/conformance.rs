//! One suite every store passes (public as [`crate::testing::check_journal`]), with the clock injected (every time is a parameter): claim,
//! fencing of a stale attempt, retries and dead letters, rescue of interrupted deliveries,
//! duplicates within their window, backlog, listing, retention and deletion, and admission by the
//! Hub's `Webhook-Id`.

use bytes::Bytes;

use crate::delivery::journal::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, Journal, JournalError, Lease,
    ListQuery,
};

const T0: i64 = 1_764_000_000_000;
const ROUTE: &str = "/webhooks/evaluate";
/// The repo every delivery of this suite is about, unless it says otherwise.
const REPO: Option<&str> = Some("acme/data");
/// How long claims hold in this suite.
const LEASE_MS: i64 = 60_000;

/// `owner`'s lease on what it claims at `now`.
fn lease(owner: &str, now: i64) -> Lease {
    Lease {
        owner: owner.to_owned(),
        until_ms: now + LEASE_MS,
    }
}

/// Claims as process `a`.
fn claim(journal: &dyn Journal, now: i64, limit: usize) -> Vec<DeliveryRecord> {
    journal
        .claim_due(ROUTE, now, limit, &lease("a", now))
        .unwrap()
}

/// A delivery received at `at_ms` (its id says so too: UUIDv7), queued and due then.
fn received(at_ms: i64, endpoint: &str, body: &'static [u8]) -> DeliveryRecord {
    let seconds = u64::try_from(at_ms / 1000).unwrap();
    let nanos = u32::try_from(at_ms % 1000).unwrap() * 1_000_000;
    let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, nanos));
    DeliveryRecord {
        id: id.to_string(),
        endpoint: endpoint.to_owned(),
        received_at_ms: at_ms,
        status: DeliveryStatus::Queued,
        attempts: 0,
        last_error: None,
        latency_ms: None,
        scope: Some("repo".to_owned()),
        action: Some("create".to_owned()),
        repo: Some("acme/data".to_owned()),
        background: true,
        original_id: None,
        uri: endpoint.to_owned(),
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: Bytes::from_static(body),
        next_attempt_at_ms: at_ms,
        dedupe: true,
        webhook_id: None,
        repeats: 0,
    }
}

/// A delivery to `endpoint` carrying the Hub's `webhook_id`, handled in the background or not.
fn from_hub(at_ms: i64, endpoint: &str, webhook_id: &str, background: bool) -> DeliveryRecord {
    DeliveryRecord {
        webhook_id: Some(webhook_id.to_owned()),
        background,
        dedupe: false,
        ..received(at_ms, endpoint, b"{\"event\":{}}")
    }
}

/// What `enqueue` says a new copy of `body` to `endpoint` about `repo` duplicates, looking back to
/// `since_ms` (the copy is written when it duplicates nothing).
fn duplicate_of(
    journal: &dyn Journal,
    endpoint: &str,
    repo: Option<&str>,
    body: &'static [u8],
    since_ms: i64,
) -> Result<Option<String>, JournalError> {
    let copy = DeliveryRecord {
        repo: repo.map(str::to_owned),
        ..received(T0 + 1_000, endpoint, body)
    };
    Ok(match journal.enqueue(&copy, Some(since_ms), usize::MAX)? {
        Admission::Duplicate { original } => Some(original),
        _ => None,
    })
}

/// Admits as process `owner` at `now`, the backlog unbounded.
fn admit(journal: &dyn Journal, delivery: &DeliveryRecord, owner: &str, now: i64) -> Admission {
    journal
        .admit(delivery, &lease(owner, now), now, usize::MAX)
        .unwrap()
}

fn a_webhook_id_names_one_delivery_of_an_endpoint(journal: &dyn Journal) {
    let first = from_hub(T0, ROUTE, "hub-1", false);
    assert_eq!(admit(journal, &first, "a", T0), Admission::Queued);
    let written = journal.get(&first.id).unwrap().unwrap();
    assert_eq!(
        (
            written.status,
            written.attempts,
            written.webhook_id.as_deref()
        ),
        (DeliveryStatus::Running, 1, Some("hub-1")),
        "an ordinary delivery is written running its first attempt"
    );
    // The Hub retries while the handler runs: nothing is written, it must not run twice.
    let retry = from_hub(T0 + 10, ROUTE, "hub-1", false);
    assert_eq!(
        admit(journal, &retry, "b", T0 + 10),
        Admission::InProgress {
            original: first.id.clone()
        }
    );
    assert!(journal.get(&retry.id).unwrap().is_none(), "not written");
    // The same id to another endpoint (two endpoints on one path) is its own delivery.
    let elsewhere = from_hub(T0 + 11, "/webhooks/evaluate#second", "hub-1", false);
    assert_eq!(admit(journal, &elsewhere, "a", T0 + 11), Admission::Queued);
    // Done: a repeat is answered without running, and counted on the first record.
    let done = AttemptResult::Done { latency_ms: 1.0 };
    assert!(journal.finish(&first.id, 1, &done).unwrap());
    let again = from_hub(T0 + 20, ROUTE, "hub-1", false);
    assert_eq!(
        admit(journal, &again, "b", T0 + 20),
        Admission::Repeat {
            original: first.id.clone(),
            status: DeliveryStatus::Done
        }
    );
    assert_eq!(journal.get(&first.id).unwrap().unwrap().repeats, 1);
    let by_hub_id = ListQuery {
        webhook_id: Some("hub-1".to_owned()),
        ..query(None, None, 10)
    };
    let listed = journal.list(&by_hub_id).unwrap();
    assert_eq!(ids(&listed), [elsewhere.id.as_str(), first.id.as_str()]);
}

fn a_failed_delivery_runs_again_as_its_next_attempt(journal: &dyn Journal) {
    let first = from_hub(T0, ROUTE, "hub-2", false);
    assert_eq!(admit(journal, &first, "a", T0), Admission::Queued);
    let failed = AttemptResult::Failed {
        error: "500 Internal Server Error".to_owned(),
        latency_ms: 3.0,
    };
    assert!(journal.finish(&first.id, 1, &failed).unwrap());
    assert_eq!(
        journal.get(&first.id).unwrap().unwrap().status,
        DeliveryStatus::Failed
    );
    let retry = from_hub(T0 + 1_000, ROUTE, "hub-2", false);
    assert_eq!(
        admit(journal, &retry, "b", T0 + 1_000),
        Admission::Retry {
            original: first.id.clone(),
            attempt: 2
        }
    );
    let running = journal.get(&first.id).unwrap().unwrap();
    assert_eq!(
        (running.status, running.attempts),
        (DeliveryStatus::Running, 2)
    );
    assert!(
        !journal
            .finish(&first.id, 1, &AttemptResult::Done { latency_ms: 1.0 })
            .unwrap(),
        "attempt 1 is over"
    );
    // Its process dies while attempt 2 runs: once its lease lapses, a retry runs it again.
    let lapsed = T0 + 1_001 + LEASE_MS;
    let third = from_hub(lapsed, ROUTE, "hub-2", false);
    assert_eq!(
        admit(journal, &third, "c", lapsed - 2),
        Admission::InProgress {
            original: first.id.clone()
        },
        "the lease holds until it ends"
    );
    assert_eq!(
        admit(journal, &third, "c", lapsed),
        Admission::Retry {
            original: first.id.clone(),
            attempt: 3
        }
    );
    assert!(
        journal
            .finish(&first.id, 3, &AttemptResult::Done { latency_ms: 1.0 })
            .unwrap()
    );
    assert_eq!(
        journal.rescue_expired(i64::MAX).unwrap(),
        0,
        "an ordinary delivery is never queued"
    );
}

fn an_ordinary_delivery_whose_process_stopped_is_failed_once_its_lease_lapses(
    journal: &dyn Journal,
) {
    let first = from_hub(T0, ROUTE, "hub-6", false);
    assert_eq!(admit(journal, &first, "a", T0), Admission::Queued);
    journal.rescue_expired(T0 + LEASE_MS).unwrap();
    assert_eq!(
        journal.get(&first.id).unwrap().unwrap().status,
        DeliveryStatus::Running,
        "its lease holds"
    );
    journal.rescue_expired(T0 + LEASE_MS + 1).unwrap();
    let failed = journal.get(&first.id).unwrap().unwrap();
    assert_eq!(
        failed.status,
        DeliveryStatus::Failed,
        "kept as failed, not queued"
    );
    assert_eq!(journal.backlog(ROUTE).unwrap(), 0);
    assert_eq!(
        admit(
            journal,
            &from_hub(T0 + LEASE_MS + 2, ROUTE, "hub-6", false),
            "b",
            T0 + LEASE_MS + 2
        ),
        Admission::Retry {
            original: first.id,
            attempt: 2
        }
    );
}

fn a_background_delivery_is_queued_once(journal: &dyn Journal) {
    let first = from_hub(T0, ROUTE, "hub-3", true);
    assert_eq!(admit(journal, &first, "a", T0), Admission::Queued);
    assert_eq!(
        journal.get(&first.id).unwrap().unwrap().status,
        DeliveryStatus::Queued
    );
    let queued = Admission::Repeat {
        original: first.id.clone(),
        status: DeliveryStatus::Queued,
    };
    assert_eq!(
        admit(
            journal,
            &from_hub(T0 + 1, ROUTE, "hub-3", true),
            "b",
            T0 + 1
        ),
        queued
    );
    assert_eq!(journal.backlog(ROUTE).unwrap(), 1);
    let claimed = claim(journal, T0 + 2, 10);
    assert_eq!(ids(&claimed), [first.id.as_str()]);
    assert_eq!(
        admit(
            journal,
            &from_hub(T0 + 3, ROUTE, "hub-3", true),
            "b",
            T0 + 3
        ),
        Admission::Repeat {
            original: first.id.clone(),
            status: DeliveryStatus::Running
        },
        "a running background delivery is not run twice, whatever its lease"
    );
    let dead = AttemptResult::Dead {
        error: "gave up".to_owned(),
        latency_ms: 1.0,
    };
    assert!(journal.finish(&first.id, 1, &dead).unwrap());
    // Replayed from the Hub's Activity tab after every attempt failed: queued again, due now.
    assert_eq!(
        admit(
            journal,
            &from_hub(T0 + 50, ROUTE, "hub-3", true),
            "b",
            T0 + 50
        ),
        Admission::Retry {
            original: first.id,
            attempt: 2
        }
    );
    assert_eq!(journal.next_due(ROUTE).unwrap(), Some(T0 + 50));
    assert_eq!(claim(journal, T0 + 50, 10)[0].attempts, 2);
    // A full backlog refuses a new id, not a repeat.
    let other = from_hub(T0 + 60, ROUTE, "hub-4", true);
    assert_eq!(
        journal
            .admit(&other, &lease("a", T0 + 60), T0 + 60, 1)
            .unwrap(),
        Admission::BacklogFull { waiting: 1 }
    );
    assert!(journal.get(&other.id).unwrap().is_none(), "not written");
}

fn copies_admitted_at_once_run_once(journal: &dyn Journal) {
    let admissions: Vec<Admission> = std::thread::scope(|scope| {
        let copies: Vec<_> = (0..8)
            .map(|n| {
                scope.spawn(move || {
                    let copy = from_hub(T0 + n, ROUTE, "hub-5", false);
                    admit(journal, &copy, &format!("process-{n}"), T0 + 100)
                })
            })
            .collect();
        copies
            .into_iter()
            .map(|copy| copy.join().unwrap())
            .collect()
    });
    let runs = admissions
        .iter()
        .filter(|admission| **admission == Admission::Queued)
        .count();
    assert_eq!(runs, 1, "{admissions:?}");
    assert!(
        admissions
            .iter()
            .all(|admission| matches!(admission, Admission::Queued | Admission::InProgress { .. })),
        "{admissions:?}"
    );
    let by_hub_id = ListQuery {
        webhook_id: Some("hub-5".to_owned()),
        ..query(None, None, 10)
    };
    assert_eq!(journal.list(&by_hub_id).unwrap().len(), 1);
}

fn with_status(mut delivery: DeliveryRecord, status: DeliveryStatus) -> DeliveryRecord {
    delivery.status = status;
    delivery
}

fn ids(deliveries: &[DeliveryRecord]) -> Vec<&str> {
    deliveries.iter().map(|d| d.id.as_str()).collect()
}

fn query(endpoint: Option<&str>, status: Option<DeliveryStatus>, limit: usize) -> ListQuery {
    ListQuery {
        endpoint: endpoint.map(str::to_owned),
        status,
        before: None,
        webhook_id: None,
        limit,
    }
}

fn claims_run_due_deliveries_in_order_and_count_attempts(journal: &dyn Journal) {
    let late = received(T0 + 20, ROUTE, b"late");
    let early = received(T0 + 10, ROUTE, b"early");
    let other = received(T0, "/webhooks/other", b"other");
    journal.insert(&[late, early.clone(), other]).unwrap();
    assert!(claim(journal, T0 + 5, 10).is_empty(), "none due yet");
    assert_eq!(journal.next_due(ROUTE).unwrap(), Some(T0 + 10));
    let claimed = claim(journal, T0 + 30, 1);
    assert_eq!(
        ids(&claimed),
        [early.id.as_str()],
        "the earliest due, within the limit"
    );
    assert_eq!(claimed[0].status, DeliveryStatus::Running);
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(
        journal.backlog(ROUTE).unwrap(),
        2,
        "queued and running both wait"
    );
    assert_eq!(journal.next_due(ROUTE).unwrap(), Some(T0 + 20));
}

fn results_apply_to_the_running_attempt_only(journal: &dyn Journal) {
    let delivery = received(T0, ROUTE, b"x");
    let id = delivery.id.clone();
    journal.insert(&[delivery]).unwrap();
    claim(journal, T0, 10);
    let retry = AttemptResult::Retry {
        error: "busy".to_owned(),
        latency_ms: 2.0,
        next_attempt_at_ms: T0 + 1_000,
    };
    assert!(!journal.finish(&id, 2, &retry).unwrap(), "not attempt 2");
    assert!(journal.finish(&id, 1, &retry).unwrap());
    let requeued = journal.get(&id).unwrap().unwrap();
    assert_eq!(
        (requeued.status, requeued.last_error.as_deref()),
        (DeliveryStatus::Queued, Some("busy"))
    );
    assert!(claim(journal, T0 + 999, 10).is_empty(), "backing off");
    assert_eq!(claim(journal, T0 + 1_000, 10)[0].attempts, 2);
    // Its process stops beating: once the lease lapses, another process runs it as attempt 3.
    assert_eq!(
        journal.rescue_expired(T0 + 1_000 + LEASE_MS).unwrap(),
        0,
        "not yet"
    );
    assert_eq!(journal.rescue_expired(T0 + 1_001 + LEASE_MS).unwrap(), 1);
    let later = T0 + 2_000 + LEASE_MS;
    let again = journal
        .claim_due(ROUTE, later, 10, &lease("b", later))
        .unwrap();
    assert_eq!(again[0].attempts, 3);
    let dead = AttemptResult::Dead {
        error: "gave up".to_owned(),
        latency_ms: 1.0,
    };
    assert!(
        !journal.finish(&id, 2, &dead).unwrap(),
        "a stale attempt is fenced off"
    );
    assert!(journal.finish(&id, 3, &dead).unwrap());
    assert!(
        !journal
            .finish(&id, 3, &AttemptResult::Done { latency_ms: 1.0 })
            .unwrap(),
        "finished already"
    );
    let dead_letter = journal.get(&id).unwrap().unwrap();
    assert_eq!(dead_letter.status, DeliveryStatus::Dead);
    assert_eq!(dead_letter.attempts, 3);
    assert_eq!(journal.backlog(ROUTE).unwrap(), 0);
}

fn heartbeats_keep_a_lease_and_only_its_owner_can_extend_it(journal: &dyn Journal) {
    let delivery = received(T0, ROUTE, b"long job");
    let id = delivery.id.clone();
    journal.insert(&[delivery]).unwrap();
    claim(journal, T0, 10);
    let ids = vec![id.clone()];
    assert_eq!(
        journal.extend_lease("b", &ids, T0 + 10 * LEASE_MS).unwrap(),
        0,
        "not b's"
    );
    assert_eq!(
        journal.extend_lease("a", &ids, T0 + 2 * LEASE_MS).unwrap(),
        1
    );
    assert_eq!(
        journal.rescue_expired(T0 + LEASE_MS + 1).unwrap(),
        0,
        "extended"
    );
    assert_eq!(journal.rescue_expired(T0 + 2 * LEASE_MS + 1).unwrap(), 1);
    assert_eq!(
        journal.extend_lease("a", &ids, T0 + 3 * LEASE_MS).unwrap(),
        0,
        "no longer running: nothing to extend"
    );
    assert_eq!(
        journal.get(&id).unwrap().unwrap().status,
        DeliveryStatus::Queued
    );
}

fn duplicates_are_found_within_their_window_only(journal: &dyn Journal) {
    let first = received(T0, ROUTE, b"same");
    journal.insert(std::slice::from_ref(&first)).unwrap();
    assert_eq!(
        duplicate_of(journal, ROUTE, REPO, b"same", T0).unwrap(),
        Some(first.id)
    );
    assert_eq!(
        duplicate_of(journal, ROUTE, REPO, b"same", T0 + 1).unwrap(),
        None,
        "out of window"
    );
    assert_eq!(
        duplicate_of(journal, ROUTE, REPO, b"other", T0).unwrap(),
        None
    );
    assert_eq!(
        duplicate_of(journal, "/webhooks/x", REPO, b"same", T0).unwrap(),
        None
    );
    let failed = with_status(
        received(T0 + 5, "/webhooks/f", b"again"),
        DeliveryStatus::Dead,
    );
    journal.insert(&[failed]).unwrap();
    assert_eq!(
        duplicate_of(journal, "/webhooks/f", REPO, b"again", T0).unwrap(),
        None,
        "a dead delivery does not make a new copy a duplicate"
    );
}

fn only_the_latest_event_about_a_repo_is_repeated(journal: &dyn Journal) {
    let about = |at: i64, repo: &str, body: &'static [u8]| {
        let mut delivery = received(at, ROUTE, body);
        delivery.repo = Some(repo.to_owned());
        delivery
    };
    let public = about(T0, "acme/data", br#"{"private": false}"#);
    assert_eq!(
        journal.enqueue(&public, Some(T0), 100).unwrap(),
        Admission::Queued
    );
    // An event about another repo in between: a copy of the first is still a duplicate.
    let other = about(T0 + 1, "acme/other", br#"{"private": true}"#);
    assert_eq!(
        journal.enqueue(&other, Some(T0), 100).unwrap(),
        Admission::Queued
    );
    let copy = about(T0 + 2, "acme/data", br#"{"private": false}"#);
    assert_eq!(
        journal.enqueue(&copy, Some(T0), 100).unwrap(),
        Admission::Duplicate {
            original: public.id
        }
    );
    // Made private, then public again: the third body is the first one's, and a new event.
    let private = about(T0 + 3, "acme/data", br#"{"private": true}"#);
    assert_eq!(
        journal.enqueue(&private, Some(T0), 100).unwrap(),
        Admission::Queued
    );
    let public_again = about(T0 + 4, "acme/data", br#"{"private": false}"#);
    assert_eq!(
        journal.enqueue(&public_again, Some(T0), 100).unwrap(),
        Admission::Queued,
        "public, private, public: three events"
    );
    assert_eq!(
        duplicate_of(
            journal,
            ROUTE,
            Some("acme/data"),
            br#"{"private": false}"#,
            T0
        )
        .unwrap(),
        Some(public_again.id)
    );
}

fn retention_removes_more_than_one_batch(journal: &dyn Journal) {
    let many: Vec<DeliveryRecord> = (0..1_234)
        .map(|n| with_status(received(T0 + n, ROUTE, b"x"), DeliveryStatus::Done))
        .collect();
    journal.insert(&many).unwrap();
    assert_eq!(journal.prune(100, T0).unwrap(), 1_134);
    assert_eq!(journal.list(&query(None, None, 2_000)).unwrap().len(), 100);
    // One byte each: 34 fit in 34 bytes.
    assert_eq!(journal.prune_to_size(34).unwrap(), 66);
    let left = journal.list(&query(None, None, 2_000)).unwrap();
    assert_eq!(ids(&left)[0], many[1_233].id, "the newest stay");
    assert_eq!(left.len(), 34);
}

fn an_ordinary_delivery_running_is_never_queued(journal: &dyn Journal) {
    let mut ordinary = with_status(received(T0, ROUTE, b"now"), DeliveryStatus::Running);
    ordinary.background = false;
    assert_eq!(
        journal.enqueue(&ordinary, Some(T0), usize::MAX).unwrap(),
        Admission::Queued
    );
    assert_eq!(
        journal.rescue_expired(i64::MAX).unwrap(),
        0,
        "it has no worker"
    );
    assert_eq!(
        journal.get(&ordinary.id).unwrap().unwrap().status,
        DeliveryStatus::Running
    );
    let copy = with_status(received(T0 + 1, ROUTE, b"now"), DeliveryStatus::Running);
    assert_eq!(
        journal.enqueue(&copy, Some(T0), usize::MAX).unwrap(),
        Admission::Duplicate {
            original: ordinary.id
        },
        "a copy posted while it runs"
    );
}

fn listings_are_newest_first_and_filtered(journal: &dyn Journal) {
    let a = with_status(received(T0, ROUTE, b"a"), DeliveryStatus::Done);
    let b = with_status(
        received(T0 + 1, "/webhooks/hub#retrain", b"b"),
        DeliveryStatus::Done,
    );
    let c = with_status(
        received(T0 + 2, "/webhooks/hub#welcome", b"c"),
        DeliveryStatus::Failed,
    );
    let d = with_status(
        received(T0 + 3, "/webhooks/hubx", b"d"),
        DeliveryStatus::Done,
    );
    journal
        .insert(&[a.clone(), b.clone(), c.clone(), d.clone()])
        .unwrap();
    let all = journal.list(&query(None, None, 10)).unwrap();
    assert_eq!(ids(&all), [&d.id, &c.id, &b.id, &a.id].map(String::as_str));
    let hub = journal
        .list(&query(Some("/webhooks/hub"), None, 10))
        .unwrap();
    assert_eq!(
        ids(&hub),
        [&c.id, &b.id].map(String::as_str),
        "every endpoint of the path"
    );
    let one = journal
        .list(&query(Some("/webhooks/hub#retrain"), None, 10))
        .unwrap();
    assert_eq!(ids(&one), [b.id.as_str()]);
    let failed = journal
        .list(&query(None, Some(DeliveryStatus::Failed), 10))
        .unwrap();
    assert_eq!(ids(&failed), [c.id.as_str()]);
    let page = journal
        .list(&ListQuery {
            before: Some(c.id),
            ..query(None, None, 1)
        })
        .unwrap();
    assert_eq!(ids(&page), [b.id.as_str()], "the next page, one at a time");
    assert!(journal.delete(&a.id).unwrap());
    assert!(!journal.delete(&a.id).unwrap());
    assert!(journal.get(&a.id).unwrap().is_none());
}

fn retention_removes_finished_deliveries_only(journal: &dyn Journal) {
    let old_done = with_status(received(T0, ROUTE, b"0123456789"), DeliveryStatus::Done);
    let old_queued = received(T0 + 1, ROUTE, b"0123456789");
    let newer: Vec<DeliveryRecord> = (2..6)
        .map(|offset| {
            with_status(
                received(T0 + offset, ROUTE, b"0123456789"),
                DeliveryStatus::Done,
            )
        })
        .collect();
    journal
        .insert(&[old_done.clone(), old_queued.clone()])
        .unwrap();
    journal.insert(&newer).unwrap();
    // Older than T0 + 1: the first one goes, the queued one stays whatever its age.
    assert_eq!(journal.prune(100, T0 + 1).unwrap(), 1);
    assert!(journal.get(&old_done.id).unwrap().is_none());
    assert!(journal.get(&old_queued.id).unwrap().is_some());
    // The 3 newest are kept; of the older ones, the finished go.
    assert_eq!(journal.prune(3, T0).unwrap(), 1);
    assert!(journal.get(&newer[0].id).unwrap().is_none());
    assert!(journal.get(&old_queued.id).unwrap().is_some());
    // Bodies of 10 bytes within 25: the two newest finished ones stay.
    let removed = journal.prune_to_size(25).unwrap();
    let left = journal.list(&query(None, None, 100)).unwrap();
    assert_eq!(removed, 1, "{left:?}");
    assert_eq!(
        ids(&left),
        [&newer[3].id, &newer[2].id, &old_queued.id].map(String::as_str)
    );
}

fn copies_offered_at_once_are_queued_once(journal: &dyn Journal) {
    let copies: Vec<DeliveryRecord> = (0..8)
        .map(|n| received(T0 + n, ROUTE, b"the same event"))
        .collect();
    let admissions: Vec<Admission> = std::thread::scope(|scope| {
        let offers: Vec<_> = copies
            .iter()
            .map(|copy| scope.spawn(move || journal.enqueue(copy, Some(T0), 100).unwrap()))
            .collect();
        offers
            .into_iter()
            .map(|offer| offer.join().unwrap())
            .collect()
    });
    let queued = admissions
        .iter()
        .filter(|admission| **admission == Admission::Queued)
        .count();
    assert_eq!(queued, 1, "{admissions:?}");
    let originals: Vec<&Admission> = admissions
        .iter()
        .filter(|admission| matches!(admission, Admission::Duplicate { .. }))
        .collect();
    assert_eq!(originals.len(), 7, "{admissions:?}");
    assert_eq!(journal.backlog(ROUTE).unwrap(), 1);
    // Without dedupe the same body is queued again; past the backlog's limit, nothing is.
    let again = received(T0 + 10, ROUTE, b"the same event");
    assert_eq!(journal.enqueue(&again, None, 2).unwrap(), Admission::Queued);
    let over = received(T0 + 11, ROUTE, b"another event");
    assert_eq!(
        journal.enqueue(&over, None, 2).unwrap(),
        Admission::BacklogFull { waiting: 2 }
    );
    assert!(journal.get(&over.id).unwrap().is_none(), "not written");
    // Outside the window, a copy is new again.
    let later = received(T0 + 20, ROUTE, b"the same event");
    assert_eq!(
        journal.enqueue(&later, Some(T0 + 15), 100).unwrap(),
        Admission::Queued
    );
}

/// Runs every check of the journal's contract, each on a fresh store from `open`; panics naming
/// the first broken promise. Every store the project ships passes it: run it on your own
/// [`Journal`] before handing it to
/// [`WebhooksServerBuilder::journal_store`](crate::WebhooksServerBuilder::journal_store). Times
/// are passed in (the deliveries are dated late 2025), so nothing sleeps.
///
/// ```
/// use webhooks_runtime::deliveries::MemoryJournal;
///
/// webhooks_runtime::testing::check_journal(|| Box::new(MemoryJournal::new()));
/// ```
pub fn check_journal(open: impl Fn() -> Box<dyn Journal>) {
    let suite = open;
    claims_run_due_deliveries_in_order_and_count_attempts(&*suite());
    results_apply_to_the_running_attempt_only(&*suite());
    heartbeats_keep_a_lease_and_only_its_owner_can_extend_it(&*suite());
    duplicates_are_found_within_their_window_only(&*suite());
    listings_are_newest_first_and_filtered(&*suite());
    retention_removes_finished_deliveries_only(&*suite());
    copies_offered_at_once_are_queued_once(&*suite());
    only_the_latest_event_about_a_repo_is_repeated(&*suite());
    retention_removes_more_than_one_batch(&*suite());
    an_ordinary_delivery_running_is_never_queued(&*suite());
    a_webhook_id_names_one_delivery_of_an_endpoint(&*suite());
    a_failed_delivery_runs_again_as_its_next_attempt(&*suite());
    a_background_delivery_is_queued_once(&*suite());
    an_ordinary_delivery_whose_process_stopped_is_failed_once_its_lease_lapses(&*suite());
    copies_admitted_at_once_run_once(&*suite());
}

#[cfg(test)]
#[test]
fn the_memory_journal_conforms() {
    check_journal(|| Box::new(crate::delivery::journal::MemoryJournal::new()));
}

#[cfg(test)]
#[test]
fn the_embedded_journal_conforms() {
    use crate::delivery::journal::embedded::EmbeddedJournal;
    let root = std::env::temp_dir().join(format!("webhooks-conformance-{}", uuid::Uuid::now_v7()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    check_journal(|| {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::new(EmbeddedJournal::open(&root.join(n.to_string())).unwrap())
    });
    std::fs::remove_dir_all(&root).unwrap();
}

#[cfg(all(test, feature = "sqlite"))]
#[test]
fn the_sqlite_journal_conforms() {
    use crate::delivery::journal::sqlite::SqliteJournal;
    let root = std::env::temp_dir().join(format!("webhooks-conformance-{}", uuid::Uuid::now_v7()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    check_journal(|| {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::new(SqliteJournal::open(&root.join(n.to_string())).unwrap())
    });
    std::fs::remove_dir_all(&root).unwrap();
}
