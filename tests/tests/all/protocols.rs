//! HTTP/1.1 keep-alive and HTTP/2 (cleartext, prior knowledge) reach the same endpoints.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::webhook_endpoint;

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    webhooks_runtime::WebhooksServer::builder().include_registered_in(module_path!())
}

/// Echo the request count a client keeps.
#[webhook_endpoint]
async fn echo(webhooks_runtime::Json(body): webhooks_runtime::Json<Value>) -> Value {
    body
}

fn post(n: u32) -> Request<Full<Bytes>> {
    Request::post("/webhooks/echo")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(json!({ "n": n }).to_string())))
        .unwrap()
}

async fn body_json(response: hyper::Response<hyper::body::Incoming>) -> Value {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    webhooks_runtime::serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn http1_keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::with(builder()).await;
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    for n in 0..3 {
        let response = sender.send_request(post(n)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(body_json(response).await, json!({ "n": n }));
    }
}

#[tokio::test]
async fn http2_prior_knowledge_is_served() {
    let server = TestServer::with(builder()).await;
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(post(7)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    assert_eq!(body_json(response).await, json!({ "n": 7 }));
}
