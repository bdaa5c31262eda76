//! `examples/embed_in_axum.rs`, served as a user would run it: the webhooks mounted under `/hub`
//! in an axum application, background workers included.

use crate::common;

use std::path::Path;

use common::process::{ServerProcess, request};

const READY: &str = "Serving the Hub webhooks at http://";

fn start() -> (ServerProcess, std::net::SocketAddr) {
    let server = ServerProcess::start_binary_until(
        Path::new(env!("CARGO_BIN_EXE_embed_in_axum")),
        &[],
        |line| line.starts_with(READY),
    );
    let line = server.banner.last().expect("the ready line");
    let rest = &line[READY.len()..];
    let addr = rest[..rest.find('/').expect("a path")]
        .parse()
        .expect("an address");
    (server, addr)
}

#[test]
fn background_deliveries_run_inside_axum() {
    let (server, addr) = start();
    let body = common::fixture("07-repo-create-model.json");
    let json = [("content-type", "application/json")];
    let (status, answer) = request(addr, "POST", "/hub/webhooks/evaluate", &json, &body);
    assert_eq!(status, 202, "{answer}");
    assert!(answer.contains(r#""status":"queued""#), "{answer}");
    // The worker ran the handler: it prints the repo's name.
    assert!(server.next_line().starts_with("evaluating "));
}

#[test]
fn the_applications_own_routes_and_the_hubs_sit_side_by_side() {
    let (_server, addr) = start();
    assert_eq!(
        request(addr, "GET", "/", &[], b""),
        (200, "My application".to_owned())
    );
    assert_eq!(
        request(addr, "GET", "/hub/healthz", &[], b""),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
    let (status, _) = request(addr, "GET", "/hub/webhooks/evaluate", &[], b"");
    assert_eq!(status, 405, "the webhook router's answer, through axum");
}
