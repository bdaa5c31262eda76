//! Routing by path, as a property: however a client escapes a route's characters, the request
//! reaches that route; any other path does not.

use proptest::prelude::*;
use webhooks_runtime::WebhooksServer;
use webhooks_runtime::bytes::Bytes;
use webhooks_runtime::http::Request;
use webhooks_runtime::server::WebhooksService;

/// A path segment of the characters routes are written with.
fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.-]{1,12}".prop_filter("not a dot segment", |s| s != "." && s != "..")
}

/// `path` with each byte kept or written `%XX`, in upper or lower case.
fn escaped(path: &str, choices: &[u8]) -> String {
    path.bytes()
        .zip(choices.iter().cycle())
        .map(|(byte, choice)| match (byte, choice % 3) {
            (b'/', _) | (_, 0) => char::from(byte).to_string(),
            (_, 1) => format!("%{byte:02X}"),
            _ => format!("%{byte:02x}"),
        })
        .collect()
}

fn service(path: &str) -> WebhooksService {
    WebhooksServer::builder()
        .read_environment(false)
        .include_registered(false)
        .journal(false)
        .add_blocking_webhook(path, || "reached")
        .build()
        .unwrap()
        .into_service()
        .unwrap()
}

fn post(service: &WebhooksService, path: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let request = Request::post(path)
        .header("host", "127.0.0.1")
        .body(Bytes::new())
        .unwrap();
    runtime.block_on(service.handle(request)).status().as_u16()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_escaped_path_reaches_its_route(
        segments in proptest::collection::vec(segment(), 1..4),
        choices in proptest::collection::vec(any::<u8>(), 1..32),
    ) {
        let path = segments.join("/");
        let service = service(&path);
        let route = format!("/webhooks/{path}");
        prop_assert_eq!(post(&service, &escaped(&route, &choices)), 200);
        prop_assert_eq!(post(&service, &format!("{route}x")), 404);
    }
}
