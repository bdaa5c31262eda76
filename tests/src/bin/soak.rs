//! A bounded soak test: sustained good traffic mixed with bad requests, slow clients and handler
//! panics against a release build of the server on loopback, then a graceful shutdown with
//! requests in flight. Prints what was served, what was injected, errors, and the server's memory.
//!
//! Run with `scripts/soak` (or `cargo run --release -p webhooks-tests --bin soak -- --seconds 120`).
//! Exits non-zero if any good request failed, memory grew, or the shutdown dropped a request.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "soak-secret";

#[derive(Default)]
struct Counters {
    good_ok: AtomicU64,
    good_failed: AtomicU64,
    faults: AtomicU64,
    faults_unexpected: AtomicU64,
    slow_clients_cut: AtomicU64,
}

struct Settings {
    seconds: u64,
    connections: usize,
}

fn settings() -> Settings {
    let mut settings = Settings {
        seconds: 120,
        connections: 32,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|value| value.parse().ok());
        match (pair[0].as_str(), value) {
            ("--seconds", Some(value)) => settings.seconds = value,
            ("--connections", Some(value)) => settings.connections = value as usize,
            _ => {
                eprintln!("usage: soak [--seconds N] [--connections N]");
                std::process::exit(2);
            }
        }
    }
    settings
}

fn fixtures() -> Vec<(Bytes, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let body = std::fs::read(&path).expect("fixture");
            let value: webhooks_runtime::serde_json::Value =
                webhooks_runtime::serde_json::from_slice(&body).expect("fixture JSON");
            let expected =
                webhooks_runtime::serde_json::json!({ "scope": value["event"]["scope"] })
                    .to_string();
            bodies.push((Bytes::from(body), expected));
        }
    }
    bodies
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One keep-alive connection posting real Hub bodies until told to stop.
async fn good_client(
    addr: SocketAddr,
    bodies: Arc<Vec<(Bytes, String)>>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) {
    let mut index = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(stream) = TcpStream::connect(addr).await else {
            counters.good_failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let Ok((mut sender, connection)) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
        else {
            counters.good_failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        tokio::spawn(connection);
        while !stop.load(Ordering::Relaxed) {
            let (body, expected) = &bodies[index % bodies.len()];
            index += 1;
            let request = Request::post("/webhooks/hub")
                .header("host", "localhost")
                .header("content-type", "application/json")
                .header("x-webhook-secret", SECRET)
                .body(Full::new(body.clone()))
                .expect("request");
            let ok = match sender.send_request(request).await {
                Ok(response) if response.status() == 200 => {
                    match response.into_body().collect().await {
                        Ok(collected) => collected.to_bytes() == expected.as_bytes(),
                        Err(_) => false,
                    }
                }
                _ => false,
            };
            let counter = if ok {
                &counters.good_ok
            } else {
                &counters.good_failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            if !ok {
                break;
            }
        }
    }
}

/// One raw HTTP/1.1 exchange on a new connection; the status, if any.
async fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    // A server may answer (and close) before reading everything: read the answer regardless.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()
}

fn post(path: &str, secret: Option<&str>, body: &[u8]) -> Vec<u8> {
    let secret = secret
        .map(|secret| format!("X-Webhook-Secret: {secret}\r\n"))
        .unwrap_or_default();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{secret}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Bad requests of every kind, each with the status it must get (`None`: any 4xx or a close).
fn faults() -> Vec<(&'static str, Vec<u8>, Option<u16>)> {
    let invalid = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/invalid/webhook-version-2.json"),
    )
    .expect("fixture");
    vec![
        ("invalid payload", post("/webhooks/hub", Some(SECRET), &invalid), Some(422)),
        ("no secret", post("/webhooks/hub", None, b"{}"), Some(401)),
        ("wrong secret", post("/webhooks/hub", Some("wrong"), b"{}"), Some(403)),
        // Only the head: the server must answer from the declared length, before any body byte.
        (
            "oversize body",
            format!("POST /webhooks/hub HTTP/1.1\r\nHost: x\r\nX-Webhook-Secret: {SECRET}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", 2 * 1024 * 1024).into_bytes(),
            Some(413),
        ),
        ("handler panic", post("/webhooks/panic", Some(SECRET), b"{}"), Some(500)),
        ("handler error", post("/webhooks/fail", Some(SECRET), b"{}"), Some(500)),
        ("unknown path", post("/webhooks/nope", Some(SECRET), b"{}"), Some(404)),
        ("garbage", b"\x16\x03\x01\x02\x00GARBAGE\r\n\r\n".to_vec(), None),
    ]
}

async fn fault_injector(addr: SocketAddr, counters: Arc<Counters>, stop: Arc<AtomicBool>) {
    let faults = faults();
    let mut index = 0;
    while !stop.load(Ordering::Relaxed) {
        let (name, request, expected) = &faults[index % faults.len()];
        index += 1;
        let status = raw_status(addr, request).await;
        let as_expected = match expected {
            Some(code) => status == Some(*code),
            None => status.is_none_or(|code| (400..500).contains(&code)),
        };
        counters.faults.fetch_add(1, Ordering::Relaxed);
        if !as_expected {
            counters.faults_unexpected.fetch_add(1, Ordering::Relaxed);
            eprintln!("fault `{name}` got {status:?}, expected {expected:?}");
        }
    }
}

/// A client that sends its headers one byte at a time, far too slowly, until cut off.
async fn slow_client(addr: SocketAddr, counters: Arc<Counters>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            continue;
        };
        for byte in b"POST /webhooks/hub HTTP/1.1\r\nHost: slow\r\n"
            .iter()
            .cycle()
        {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        counters.slow_clients_cut.fetch_add(1, Ordering::Relaxed);
    }
}

/// The soak server's journal folder, removed once it has exited.
fn soak_data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("webhooks-soak-{}", std::process::id()))
}

fn start_server() -> (std::process::Child, SocketAddr) {
    let binary = std::env::current_exe()
        .expect("own path")
        .with_file_name("soak-server");
    let mut child = Command::new(&binary)
        .env("WEBHOOK_SECRET", SECRET)
        .env("WEBHOOKS_HOST", "127.0.0.1")
        .env("WEBHOOKS_PORT", "0")
        .env("WEBHOOKS_DATA_DIR", soak_data_dir())
        .env_remove("SPACE_ID")
        .env_remove("SPACE_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "start {}: {error} (build it with --bin soak-server)",
                binary.display()
            )
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server prints its URL")
            .expect("a line");
        if let Some(rest) = line.strip_prefix("  - POST http://") {
            break rest[..rest.find('/').expect("a path")]
                .parse()
                .expect("an address");
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

#[tokio::main]
async fn main() {
    let settings = settings();
    let (mut server, addr) = start_server();
    let pid = server.id();
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let bodies = Arc::new(fixtures());
    let started = Instant::now();
    let rss_idle = rss_kib(pid);

    let mut tasks = Vec::new();
    for _ in 0..settings.connections {
        tasks.push(tokio::spawn(good_client(
            addr,
            Arc::clone(&bodies),
            Arc::clone(&counters),
            Arc::clone(&stop),
        )));
    }
    for _ in 0..4 {
        tasks.push(tokio::spawn(fault_injector(
            addr,
            Arc::clone(&counters),
            Arc::clone(&stop),
        )));
    }
    for _ in 0..8 {
        tasks.push(tokio::spawn(slow_client(
            addr,
            Arc::clone(&counters),
            Arc::clone(&stop),
        )));
    }

    // Memory once warmed up (a tenth of the run), then every second until the end.
    let total = Duration::from_secs(settings.seconds);
    tokio::time::sleep(total / 10).await;
    let rss_warm = rss_kib(pid);
    let mut rss_peak = rss_warm;
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_peak = rss_peak.max(rss_kib(pid));
    }
    let rss_end = rss_kib(pid);
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }

    // Graceful shutdown with requests in flight: every one of them must be answered.
    let in_flight: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn(async move {
                raw_status(addr, &post("/webhooks/slow", Some(SECRET), b"{}")).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let mut shutdown_ok = 0;
    for request in in_flight {
        if request.await.ok().flatten() == Some(200) {
            shutdown_ok += 1;
        }
    }
    let exit = server.wait().expect("the server exits");
    let _ = std::fs::remove_dir_all(soak_data_dir());

    let elapsed = started.elapsed().as_secs_f64();
    let good_ok = counters.good_ok.load(Ordering::Relaxed);
    let good_failed = counters.good_failed.load(Ordering::Relaxed);
    let faults = counters.faults.load(Ordering::Relaxed);
    let unexpected = counters.faults_unexpected.load(Ordering::Relaxed);
    let growth = rss_end as f64 / rss_warm.max(1) as f64;
    println!(
        "soak: {:.0} s, {} keep-alive clients, 4 fault injectors, 8 slow clients",
        elapsed, settings.connections
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| good requests served | {good_ok} ({:.0}/s) |",
        good_ok as f64 / elapsed
    );
    println!("| good requests failed | {good_failed} |");
    println!(
        "| faults injected (bad body, no or wrong secret, oversize, panic, error, 404, garbage) | {faults} |"
    );
    println!("| faults answered other than expected | {unexpected} |");
    println!(
        "| slow clients cut off | {} |",
        counters.slow_clients_cut.load(Ordering::Relaxed)
    );
    println!(
        "| server RSS idle / warm / peak / end (KiB) | {rss_idle} / {rss_warm} / {rss_peak} / {rss_end} |"
    );
    println!("| RSS end / warm | {growth:.2} |");
    println!("| requests in flight at SIGTERM answered 200 | {shutdown_ok} / 16 |");
    println!("| server exit | {exit} |");
    let flat = rss_end <= rss_warm + rss_warm / 5 + 1024;
    let passed = good_failed == 0 && unexpected == 0 && shutdown_ok == 16 && exit.success() && flat;
    println!("result: {}", if passed { "PASS" } else { "FAIL" });
    if !passed {
        std::process::exit(1);
    }
}
