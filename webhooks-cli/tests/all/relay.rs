//! `hf-webhooks relay` and `hf-webhooks forward` on loopback, as a user runs them: the relay
//! process, the forwarder process, and a local server. A delivery posted to the relay reaches the
//! local handler; deliveries posted while the forwarder is stopped all arrive once it is back,
//! once each; the wrong secret is refused on both sides.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use webhooks_runtime::WebhooksServer;
use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::serde_json::{self, Value};
use webhooks_runtime::testing::TestServer;
use webhooks_tests::eventually::eventually_within;

const RELAY_SECRET: &str = "relay-secret";
const LOCAL_SECRET: &str = "local-secret";
/// How long a test waits for something that should happen, polling; a bound, not a delay.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `hf-webhooks` process, its stdout read line by line.
struct Process {
    child: Child,
    lines: Receiver<String>,
}

impl Process {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hf-webhooks"))
            .args(args)
            .env_remove("WEBHOOK_SECRET")
            .env_remove("RELAY_SECRET")
            .env_remove("WEBHOOKS_ADMIN_TOKEN")
            .env_remove("WEBHOOKS_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hf-webhooks starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Process { child, lines }
    }

    /// The next line on stdout.
    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("a line on stdout within the patience")
    }

    /// Waits for the process to end on its own; its exit code and stderr.
    fn finished(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + PATIENCE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the process did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        (status.code(), stderr)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A relay on a free loopback port with its own journal folder; its base URL.
fn start_relay(data_dir: &std::path::Path) -> (Process, String) {
    let relay = Process::start(
        &["relay"],
        &[
            ("WEBHOOK_SECRET", RELAY_SECRET),
            ("WEBHOOKS_HOST", "127.0.0.1"),
            ("WEBHOOKS_PORT", "0"),
            ("WEBHOOKS_DATA_DIR", data_dir.to_str().unwrap()),
            // A delivery handed to a forwarder that died is handed out again after 2 s.
            ("WEBHOOKS_DELIVERY_LEASE", "2"),
        ],
    );
    loop {
        let line = relay.next_line();
        if let Some(rest) = line.strip_prefix("  - POST ") {
            let base = rest.split("/webhooks/").next().unwrap().to_owned();
            assert!(
                line.contains("/webhooks/<any path>: held for `hf-webhooks forward --from"),
                "{line}"
            );
            return (relay, base);
        }
    }
}

fn start_forward(relay: &str, local: &str, secret: &str) -> Process {
    start_forward_with(relay, local, secret, &[])
}

fn start_forward_with(relay: &str, local: &str, secret: &str, extra: &[&str]) -> Process {
    let args: Vec<&str> = [
        "forward",
        "--from",
        relay,
        "--secret",
        secret,
        "--to",
        local,
        "--local-secret",
        LOCAL_SECRET,
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .collect();
    Process::start(&args, &[])
}

/// A local server whose `/webhooks/hook` keeps every body it is given.
async fn local_server() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = Arc::clone(&received);
    let server = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .webhook_secret(LOCAL_SECRET)
            .add_webhook("hook", move |body: Bytes| {
                let kept = Arc::clone(&kept);
                async move {
                    kept.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&body).into_owned());
                }
            }),
    )
    .await;
    (server, received)
}

/// Posts `body` to `url` with `secret`; the status.
async fn post(url: String, secret: Option<&'static str>, body: String) -> u16 {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.post(&url).header("content-type", "application/json");
        if let Some(secret) = secret {
            request = request.header("x-webhook-secret", secret);
        }
        request.send(body.as_bytes()).unwrap().status().as_u16()
    })
    .await
    .unwrap()
}

/// `GET url` with the relay's secret as a bearer token, or none; status and body.
async fn get(url: String, secret: Option<&'static str>) -> (u16, String) {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.get(&url);
        if let Some(secret) = secret {
            request = request.header("authorization", &format!("Bearer {secret}"));
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    })
    .await
    .unwrap()
}

/// Posts event `n` to the relay's `/webhooks/hook`; the status.
async fn post_event(relay_url: &str, secret: Option<&'static str>, n: usize) -> u16 {
    post(format!("{relay_url}/webhooks/hook"), secret, event(n)).await
}

fn event(n: usize) -> String {
    format!(
        r#"{{"event": {{"scope": "repo.content", "action": "update"}}, "repo": {{"name": "acme/data-{n}"}}, "n": {n}}}"#
    )
}

/// Waits until the local server holds `count` bodies.
async fn wait_for(received: &Mutex<Vec<String>>, count: usize) -> Vec<String> {
    eventually_within(
        PATIENCE,
        &format!("{count} deliveries at the local server"),
        async || {
            let now = received.lock().unwrap().clone();
            (now.len() >= count).then_some(now)
        },
    )
    .await
}

/// Waits until the relay holds no delivery: every one was acknowledged.
async fn wait_until_relay_is_empty(relay: &str) {
    eventually_within(
        PATIENCE,
        "every delivery acknowledged at the relay",
        async || {
            let (status, text) = get(format!("{relay}/api/deliveries"), Some(RELAY_SECRET)).await;
            assert_eq!(status, 200, "{text}");
            let listing: Value = serde_json::from_str(&text).unwrap();
            listing["deliveries"]
                .as_array()
                .unwrap()
                .is_empty()
                .then_some(())
        },
    )
    .await;
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hf-webhooks-{name}-{}", std::process::id()))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_posted_to_the_relay_reaches_the_local_handler() {
    let dir = temp_dir("relay-one");
    let (_relay, relay_url) = start_relay(&dir);
    let (local, received) = local_server().await;
    let forward = start_forward(&relay_url, &local.url(""), RELAY_SECRET);

    let status = post_event(&relay_url, Some(RELAY_SECRET), 1).await;
    assert_eq!(status, 202, "the relay keeps it and answers at once");
    let arrived = wait_for(&received, 1).await;
    assert_eq!(arrived, [event(1)], "the same bytes, at the same path");
    // The forwarder is handed back: dropping it would kill it before it acknowledges.
    let (_forward, line) = tokio::task::spawn_blocking(move || {
        let line = forward.next_line();
        (forward, line)
    })
    .await
    .unwrap();
    assert!(
        line.contains("  /webhooks/hook  repo.content/update acme/data-1  -> 200 OK  "),
        "{line}"
    );
    wait_until_relay_is_empty(&relay_url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Posts event 7 to the relay with the Hub's `Webhook-Id`; status and answer.
async fn post_from_hub(relay_url: &str, webhook_id: &'static str) -> (u16, Value) {
    let url = format!("{relay_url}/webhooks/hook");
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(&url)
            .header("content-type", "application/json")
            .header("x-webhook-secret", RELAY_SECRET)
            .header("webhook-id", webhook_id)
            .send(event(7).as_bytes())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_retry_is_held_once_and_forwarded_with_its_webhook_id() {
    let dir = temp_dir("relay-webhook-id");
    let (_relay, relay_url) = start_relay(&dir);
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let kept = Arc::clone(&seen);
    let local = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .webhook_secret(LOCAL_SECRET)
            .add_webhook("hook", move |delivery: webhooks_runtime::Delivery| {
                let kept = Arc::clone(&kept);
                async move {
                    kept.lock()
                        .unwrap()
                        .push(delivery.webhook_id().map(str::to_owned));
                }
            }),
    )
    .await;
    // The Hub sends it, then again (it did not get the answer in time): no forwarder yet.
    let (first, queued) = post_from_hub(&relay_url, "hub-7").await;
    let (again, repeated) = post_from_hub(&relay_url, "hub-7").await;
    assert_eq!((first, again), (202, 202));
    assert_eq!(
        queued["delivery_id"], repeated["delivery_id"],
        "one delivery held"
    );
    let _forward = start_forward(&relay_url, &local.url(""), RELAY_SECRET);
    wait_until_relay_is_empty(&relay_url).await;
    eventually_within(PATIENCE, "the delivery forwarded", async || {
        (!seen.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    assert_eq!(*seen.lock().unwrap(), [Some("hub-7".to_owned())]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_posted_while_the_forwarder_is_stopped_arrive_once_each_when_it_is_back() {
    let dir = temp_dir("relay-resume");
    let (_relay, relay_url) = start_relay(&dir);
    let (local, received) = local_server().await;
    let forward = start_forward(&relay_url, &local.url(""), RELAY_SECRET);
    assert_eq!(post_event(&relay_url, Some(RELAY_SECRET), 0).await, 202);
    wait_for(&received, 1).await;
    wait_until_relay_is_empty(&relay_url).await;
    // The laptop sleeps: the forwarder is gone (killed, as a lost connection would leave it).
    drop(forward);
    for n in 1..=3 {
        assert_eq!(post_event(&relay_url, Some(RELAY_SECRET), n).await, 202);
    }
    let _forward = start_forward(&relay_url, &local.url(""), RELAY_SECRET);
    wait_for(&received, 4).await;
    wait_until_relay_is_empty(&relay_url).await;
    let mut arrived = received.lock().unwrap().clone();
    arrived.sort();
    let mut expected: Vec<String> = (0..=3).map(event).collect();
    expected.sort();
    assert_eq!(arrived, expected, "every delivery, once");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wrong_secret_is_refused_by_the_relay_and_its_stream() {
    let dir = temp_dir("relay-secret");
    let (_relay, relay_url) = start_relay(&dir);
    assert_eq!(post_event(&relay_url, Some("guess"), 1).await, 403);
    assert_eq!(post_event(&relay_url, None, 1).await, 401);
    let (status, _) = get(format!("{relay_url}/api/relay/next?wait_ms=0"), None).await;
    assert_eq!(status, 401, "the stream needs the credential");
    let (status, text) = get(
        format!("{relay_url}/api/relay/next?wait_ms=0"),
        Some(RELAY_SECRET),
    )
    .await;
    assert_eq!((status, text.as_str()), (200, r#"{"deliveries":[]}"#));

    let forward = start_forward(&relay_url, "http://127.0.0.1:9", "guess");
    let (code, stderr) = tokio::task::spawn_blocking(move || forward.finished())
        .await
        .unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("refused the secret (403): pass the relay's WEBHOOK_SECRET as --secret"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_without_a_secret_does_not_start() {
    let relay = Process::start(&["relay"], &[("WEBHOOKS_PORT", "0")]);
    let (code, stderr) = tokio::task::spawn_blocking(move || relay.finished())
        .await
        .unwrap();
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("error: a relay needs a secret: set WEBHOOK_SECRET"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_space_the_relay_prints_the_url_to_paste_into_the_hub() {
    let dir = temp_dir("relay-space");
    let relay = Process::start(
        &["relay"],
        &[
            ("WEBHOOK_SECRET", RELAY_SECRET),
            ("WEBHOOKS_HOST", "127.0.0.1"),
            ("WEBHOOKS_PORT", "0"),
            ("WEBHOOKS_DATA_DIR", dir.to_str().unwrap()),
            ("SPACE_ID", "you/relay"),
            ("SPACE_HOST", "you-relay.hf.space"),
        ],
    );
    let banner: Vec<String> = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        loop {
            let line = relay.next_line();
            let last = line.starts_with("Go to https://huggingface.co/settings/webhooks");
            lines.push(line);
            if last {
                return lines;
            }
        }
    })
    .await
    .unwrap();
    assert!(
        banner.contains(
            &"  - POST https://you-relay.hf.space/webhooks/<any path>: held for `hf-webhooks forward --from https://you-relay.hf.space`"
                .to_owned()
        ),
        "{banner:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_taken_by_a_forwarder_that_vanished_is_handed_out_again_after_its_lease() {
    let dir = temp_dir("relay-lease");
    let (_relay, relay_url) = start_relay(&dir);
    assert_eq!(post_event(&relay_url, Some(RELAY_SECRET), 7).await, 202);
    // A forwarder takes it and is never heard of again (its connection dropped with the answer).
    let (status, taken) = get(
        format!("{relay_url}/api/relay/next?wait_ms=0"),
        Some(RELAY_SECRET),
    )
    .await;
    assert_eq!(status, 200);
    let taken: Value = serde_json::from_str(&taken).unwrap();
    assert_eq!(taken["deliveries"].as_array().unwrap().len(), 1, "{taken}");
    // The next forwarder gets it once the 2 s lease has lapsed.
    let (local, received) = local_server().await;
    let _forward = start_forward(&relay_url, &local.url(""), RELAY_SECRET);
    assert_eq!(wait_for(&received, 1).await, [event(7)]);
    wait_until_relay_is_empty(&relay_url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_handler_slower_than_the_timeout_is_shown_and_not_posted_again() {
    let dir = temp_dir("relay-slow");
    let (_relay, relay_url) = start_relay(&dir);
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let local = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .webhook_secret(LOCAL_SECRET)
            .add_webhook("hook", move || {
                let counted = Arc::clone(&counted);
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
            }),
    )
    .await;
    let forward = start_forward_with(
        &relay_url,
        &local.url(""),
        RELAY_SECRET,
        &["--timeout", "1"],
    );
    assert_eq!(post_event(&relay_url, Some(RELAY_SECRET), 1).await, 202);
    // The forwarder is handed back: dropping it would kill it before it acknowledges.
    let (_forward, line) = tokio::task::spawn_blocking(move || {
        let line = forward.next_line();
        (forward, line)
    })
    .await
    .unwrap();
    assert!(
        line.contains(
            "/webhooks/hook  repo.content/update acme/data-1  -> no answer within --timeout  "
        ),
        "{line}"
    );
    wait_until_relay_is_empty(&relay_url).await;
    assert_eq!(
        runs.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "posted once"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_each_delivery_is_one_json_object() {
    let dir = temp_dir("relay-json");
    let (_relay, relay_url) = start_relay(&dir);
    let (local, received) = local_server().await;
    let forward = start_forward_with(&relay_url, &local.url(""), RELAY_SECRET, &["--json"]);
    assert_eq!(post_event(&relay_url, Some(RELAY_SECRET), 2).await, 202);
    wait_for(&received, 1).await;
    let (_forward, line) = tokio::task::spawn_blocking(move || {
        let line = forward.next_line();
        (forward, line)
    })
    .await
    .unwrap();
    let reported: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(reported["path"], "/webhooks/hook", "{reported}");
    assert_eq!(reported["status"], 200);
    assert_eq!(reported["scope"], "repo.content");
    assert_eq!(reported["action"], "update");
    assert_eq!(reported["repo"], "acme/data-2");
    assert!(reported["error"].is_null(), "{reported}");
    assert!(reported["latency_ms"].as_f64().unwrap() >= 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}
