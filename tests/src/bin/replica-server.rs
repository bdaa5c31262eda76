//! One replica of a user's program, for the tests that run several on one PostgreSQL journal
//! (`WEBHOOKS_DATABASE_URL`): a background endpoint that writes each run it starts and ends to
//! `RUNS_FILE`, so a test can count how many times every delivery ran, and where.

use std::io::Write as _;

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{Delivery, webhook_endpoint};

/// Appends one line to `RUNS_FILE` (one `write` of a short line: lines of several processes do
/// not interleave).
fn note(line: &str) {
    let path = std::env::var_os("RUNS_FILE").expect("RUNS_FILE");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open RUNS_FILE");
    file.write_all(format!("{line}\n").as_bytes())
        .expect("write RUNS_FILE");
}

/// A job that takes `WORK_MS` milliseconds; says on stdout when it starts, so a test can kill the
/// replica mid-run.
#[webhook_endpoint(background)]
fn work(delivery: Delivery) -> Value {
    let pid = std::process::id();
    note(&format!("start {} {pid}", delivery.id()));
    println!("started {}", delivery.id());
    let work_ms = std::env::var("WORK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(200);
    std::thread::sleep(std::time::Duration::from_millis(work_ms));
    note(&format!("end {} {pid}", delivery.id()));
    json!({ "ran_on": pid })
}

/// The same job, answered when done: what the Hub waits for.
#[webhook_endpoint]
fn now(delivery: Delivery) -> Value {
    work(delivery)
}

fn main() {
    if let Err(error) = webhooks_runtime::run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
