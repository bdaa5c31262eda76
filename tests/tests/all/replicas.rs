//! Three replica processes on one PostgreSQL journal, as a team runs them behind a load balancer:
//! every 202 runs, on one of them, once, unless the process running it dies; a body posted to two
//! replicas at once runs once; every replica's delivery API shows every delivery.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::postgres::Cluster;
use common::process::{ServerProcess, request};
use webhooks_runtime::serde_json::{self, Value};
use webhooks_tests::eventually::poll_blocking;

const REPLICA: &str = env!("CARGO_BIN_EXE_replica-server");

/// How many distinct deliveries are posted round-robin.
const POSTED: usize = 30;

/// Every delivery listed by the replica at `addr`, as `(id, status)`.
fn listed(addr: std::net::SocketAddr) -> Vec<(String, String)> {
    let (status, text) = request(
        addr,
        "GET",
        "/api/deliveries?endpoint=/webhooks/work&limit=200",
        &[],
        b"",
    );
    assert_eq!(status, 200, "{text}");
    let listing: Value = serde_json::from_str(&text).unwrap();
    listing["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn delivery_id(answer: &str) -> String {
    let answer: Value = serde_json::from_str(answer).unwrap();
    answer["delivery_id"].as_str().unwrap().to_owned()
}

/// For each delivery id, the pids of the processes that started it and of those that ended it.
fn runs(path: &Path) -> BTreeMap<String, (Vec<u32>, Vec<u32>)> {
    let mut runs: BTreeMap<String, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let mut words = line.split(' ');
        let (Some(what), Some(id), Some(pid)) = (words.next(), words.next(), words.next()) else {
            panic!("a torn line in the runs file: {line:?}");
        };
        let pid: u32 = pid.parse().unwrap();
        let entry = runs.entry(id.to_owned()).or_default();
        match what {
            "start" => entry.0.push(pid),
            "end" => entry.1.push(pid),
            other => panic!("{other}"),
        }
    }
    runs
}

#[test]
fn three_replicas_share_one_journal_and_a_killed_one_loses_nothing() {
    let Some(cluster) = Cluster::start("three_replicas_share_one_journal") else {
        return;
    };
    let url = cluster.new_database();
    let runs_file = cluster.dir().join("runs.txt");
    let env = [
        ("WEBHOOKS_DATABASE_URL", url.as_str()),
        ("RUNS_FILE", runs_file.to_str().unwrap()),
        ("WORK_MS", "400"),
        // A killed replica's deliveries run elsewhere two seconds after its last heartbeat.
        ("WEBHOOKS_DELIVERY_LEASE", "2"),
    ];

    // Three started at once on an empty database: all migrate (one after the other) and start.
    let mut replicas: Vec<ServerProcess> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| ServerProcess::start_binary(Path::new(REPLICA), &env)))
            .collect();
        starting.into_iter().map(|s| s.join().unwrap()).collect()
    });

    let mut accepted = BTreeSet::new();
    for n in 0..POSTED {
        let addr = replicas[n % 3].addr();
        let body = format!(r#"{{"event": {{"scope": "repo", "action": "update"}}, "n": {n}}}"#);
        let (status, answer) = request(addr, "POST", "/webhooks/work", &[], body.as_bytes());
        assert_eq!(status, 202, "{answer}");
        accepted.insert(delivery_id(&answer));
    }

    // Replica 1 dies (SIGKILL) while it runs a handler; it is started again.
    let killed_pid = replicas[1].pid();
    loop {
        if replicas[1].next_line().starts_with("started ") {
            break;
        }
    }
    replicas[1].kill();
    replicas[1] = ServerProcess::start_binary(Path::new(REPLICA), &env);

    // The same body posted to two replicas at once: one is queued, the other is its duplicate.
    let same = br#"{"event": {"scope": "repo", "action": "update"}, "same": true}"#;
    let (first, second) = (replicas[0].addr(), replicas[2].addr());
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let a = scope.spawn(|| request(first, "POST", "/webhooks/work", &[], same));
        let b = scope.spawn(|| request(second, "POST", "/webhooks/work", &[], same));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 202], "{answers:?}");
    let (_, queued) = answers.iter().find(|(status, _)| *status == 202).unwrap();
    let same_id = delivery_id(queued);
    accepted.insert(same_id.clone());

    // Every 202 is done, as each replica's API shows (bounded wait, polled).
    let views_now =
        || -> Vec<Vec<(String, String)>> { replicas.iter().map(|r| listed(r.addr())).collect() };
    let views = poll_blocking(Duration::from_secs(90), || {
        let views = views_now();
        let all_done = views.iter().all(|view| {
            let done: BTreeSet<String> = view
                .iter()
                .filter(|(_, status)| status == "done")
                .map(|(id, _)| id.clone())
                .collect();
            done == accepted
        });
        all_done.then_some(views)
    })
    .unwrap_or_else(|| {
        panic!(
            "not every accepted delivery was done within 90 s: {:?}",
            views_now()[0]
        )
    });
    for view in &views {
        let duplicates = view.iter().filter(|(_, s)| s == "duplicate").count();
        assert_eq!(duplicates, 1, "the second copy, recorded: {view:?}");
        assert_eq!(view.len(), accepted.len() + 1, "{view:?}");
    }

    let runs = runs(&runs_file);
    assert_eq!(
        runs.keys().cloned().collect::<BTreeSet<_>>(),
        accepted,
        "every accepted delivery ran, and nothing else"
    );
    let mut held_by_the_killed_one = 0;
    for (id, (started, ended)) in &runs {
        assert!(!ended.is_empty(), "{id} never finished: {started:?}");
        if started.contains(&killed_pid) && !ended.contains(&killed_pid) {
            held_by_the_killed_one += 1;
        }
        // A delivery runs twice only when the process running it died (its result may not have
        // been recorded, even if its handler finished).
        assert!(
            started.len() == 1 || (started.len() == 2 && started.contains(&killed_pid)),
            "{id} ran more than once though no process died running it: started on {started:?}, killed {killed_pid}"
        );
    }
    assert!(
        held_by_the_killed_one >= 1,
        "the killed replica was running a handler"
    );
    assert_eq!(runs[&same_id].0.len(), 1, "the body posted twice ran once");
}

#[test]
fn two_replicas_sent_the_same_webhook_id_at_once_run_it_once() {
    let Some(cluster) = Cluster::start("two_replicas_sent_the_same_webhook_id") else {
        return;
    };
    let url = cluster.new_database();
    let runs_file = cluster.dir().join("runs.txt");
    let env = [
        ("WEBHOOKS_DATABASE_URL", url.as_str()),
        ("RUNS_FILE", runs_file.to_str().unwrap()),
        ("WORK_MS", "400"),
    ];
    let replicas: Vec<ServerProcess> = (0..2)
        .map(|_| ServerProcess::start_binary(Path::new(REPLICA), &env))
        .collect();
    let (first, second) = (replicas[0].addr(), replicas[1].addr());
    for (path, webhook_id) in [("/webhooks/now", "hub-now"), ("/webhooks/work", "hub-work")] {
        // Different bodies: only the Hub's id says they are the same delivery.
        let headers = [("webhook-id", webhook_id)];
        let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
            let a = scope.spawn(|| request(first, "POST", path, &headers, br#"{"copy": 1}"#));
            let b = scope.spawn(|| request(second, "POST", path, &headers, br#"{"copy": 2}"#));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        let expected = if path == "/webhooks/now" { 200 } else { 202 };
        for (status, _) in &answers {
            assert_eq!(*status, expected, "{path}: {answers:?}");
        }
        if expected == 202 {
            assert_eq!(
                delivery_id(&answers[0].1),
                delivery_id(&answers[1].1),
                "one delivery: {answers:?}"
            );
        }
    }
    // Both ran once (the background one once done, polled).
    let runs = poll_blocking(Duration::from_secs(30), || {
        let runs = runs(&runs_file);
        let finished = runs.values().filter(|(_, ended)| !ended.is_empty()).count();
        (finished == 2).then_some(runs)
    })
    .unwrap_or_else(|| panic!("{:?}", runs(&runs_file)));
    for (id, (started, _)) in &runs {
        assert_eq!(started.len(), 1, "{id} ran on {started:?}");
    }
    assert_eq!(runs.len(), 2, "{runs:?}");
}

#[test]
fn healthz_answers_503_when_the_database_is_gone() {
    let Some(cluster) = Cluster::start("healthz_answers_503_when_the_database_is_gone") else {
        return;
    };
    let url = cluster.new_database();
    let runs_file = cluster.dir().join("runs.txt");
    let replica = ServerProcess::start_binary(
        Path::new(REPLICA),
        &[
            ("WEBHOOKS_DATABASE_URL", url.as_str()),
            ("RUNS_FILE", runs_file.to_str().unwrap()),
        ],
    );
    let (status, text) = request(replica.addr(), "GET", "/healthz", &[], b"");
    assert_eq!(status, 200, "{text}");
    drop(cluster);
    let (status, text) = request(replica.addr(), "GET", "/healthz", &[], b"");
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("PostgreSQL"), "{text}");
    // A background delivery cannot be made durable: 503, not a 202 nobody keeps.
    let (status, text) = request(replica.addr(), "POST", "/webhooks/work", &[], b"{}");
    assert_eq!(status, 503, "{text}");
}
