//! Whatever arrives, the real server answers with a well-formed response, never a 5xx from
//! itself, and keeps answering afterwards.

use crate::common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use proptest::prelude::*;
use webhooks_runtime::serde_json::{Map, Number, Value};
use webhooks_runtime::testing::{TestResponse, TestServer};
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

const SECRET: &str = "hostile-test-secret";

/// Answer with what the payload says.
#[webhook_endpoint]
async fn parse(payload: WebhookPayload) -> Value {
    webhooks_runtime::serde_json::json!({ "scope": payload.event.scope })
}

/// A runtime and a server shared by every case of a property.
struct Harness {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(TestServer::with(
            builder()
                .webhook_secret(SECRET)
                .header_read_timeout(Duration::from_secs(2)),
        ));
        Harness { runtime, server }
    }

    fn post(&self, body: Vec<u8>) -> TestResponse {
        self.runtime.block_on(
            self.server
                .post("/webhooks/parse")
                .body(body)
                .secret(SECRET)
                .send(),
        )
    }

    fn healthy(&self) -> bool {
        self.runtime
            .block_on(self.server.get("/healthz").send())
            .status()
            == 200
    }
}

/// A 2xx or 4xx with a JSON body: what every answer to a body must be.
fn well_formed(response: &TestResponse) -> Result<(), TestCaseError> {
    let status = response.status().as_u16();
    prop_assert!(
        (200..300).contains(&status) || (400..500).contains(&status),
        "status {status}"
    );
    prop_assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    prop_assert!(
        webhooks_runtime::serde_json::from_slice::<Value>(response.body()).is_ok(),
        "not JSON: {:?}",
        response.body()
    );
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        "event|repo|webhook|scope|action|type|name|id|version"
                            .prop_map(String::from),
                        ".{0,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn fixtures() -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(common::fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "json") {
            bodies.push(std::fs::read(path).unwrap());
        }
    }
    bodies
}

#[test]
fn arbitrary_bodies_get_well_formed_answers() {
    let harness = Harness::new();
    proptest!(ProptestConfig::with_cases(300), |(body in prop::collection::vec(any::<u8>(), 0..2048))| {
        well_formed(&harness.post(body))?;
    });
    assert!(harness.healthy());
}

#[test]
fn arbitrary_json_gets_well_formed_answers() {
    let harness = Harness::new();
    proptest!(ProptestConfig::with_cases(300), |(value in json_value())| {
        let response = harness.post(webhooks_runtime::serde_json::to_vec(&value).unwrap());
        well_formed(&response)?;
        prop_assert_eq!(response.status(), 422, "only a real payload is accepted");
    });
    assert!(harness.healthy());
}

#[test]
fn mutated_fixtures_get_well_formed_answers() {
    let harness = Harness::new();
    let bodies = fixtures();
    let mutation = (any::<prop::sample::Index>(), any::<u8>(), 0..3u8);
    proptest!(ProptestConfig::with_cases(400), |(which in any::<prop::sample::Index>(), mutations in prop::collection::vec(mutation, 1..6))| {
        let mut body = which.get(&bodies).clone();
        for (at, byte, kind) in mutations {
            if body.is_empty() { break; }
            let at = at.index(body.len());
            match kind {
                0 => body[at] = byte,
                1 => body.insert(at, byte),
                _ => { body.remove(at); }
            }
        }
        well_formed(&harness.post(body))?;
    });
    assert!(harness.healthy());
}

/// Sends raw bytes as a whole request and reads what comes back, if anything.
fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

#[test]
fn arbitrary_request_bytes_never_break_the_server() {
    let harness = Harness::new();
    let addr = harness.server.addr();
    let prefixes = prop_oneof![
        Just(Vec::new()),
        Just(b"POST /webhooks/parse HTTP/1.1\r\n".to_vec()),
        Just(
            format!("POST /webhooks/parse HTTP/1.1\r\nHost: x\r\nX-Webhook-Secret: {SECRET}\r\n")
                .into_bytes()
        ),
        Just(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()),
    ];
    proptest!(ProptestConfig::with_cases(200), |(prefix in prefixes, tail in prop::collection::vec(any::<u8>(), 0..512))| {
        let mut request = prefix;
        request.extend(tail);
        let answer = raw_exchange(addr, &request);
        if !answer.is_empty() && !answer.starts_with(&[0, 0]) {
            // HTTP/1 answers; HTTP/2 frames (starting with a length) are left to the h2 crate.
            let text = String::from_utf8_lossy(&answer);
            prop_assert!(text.starts_with("HTTP/1.1 "), "{text}");
            let status: u16 = text[9..12].parse().unwrap();
            prop_assert!(status < 500, "{text}");
        }
    });
    assert!(harness.healthy());
}
