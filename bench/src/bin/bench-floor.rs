//! The floor: a bare hyper server that reads the body and returns a fixed JSON, with no routing,
//! no secret check and no parsing. Nothing can be cheaper and still answer the request.
//!
//! With `BENCH_PARSE=payload` it also parses the body as a typed `WebhookPayload` and answers
//! `{"scope": …}` from it: the floor of any server that reads the payload it is sent.

use std::convert::Infallible;
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use webhooks_runtime::WebhookPayload;

/// Whether `BENCH_PARSE=payload` was set.
static PARSE: OnceLock<bool> = OnceLock::new();

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let answer = if PARSE.get().copied().unwrap_or_default() {
        match serde_json::from_slice::<WebhookPayload>(&body) {
            Ok(payload) => Bytes::from(
                serde_json::to_vec(&serde_json::json!({ "scope": payload.event.scope }))
                    .unwrap_or_default(),
            ),
            Err(_) => Bytes::from_static(br#"{"error":"not a payload"}"#),
        }
    } else {
        Bytes::from_static(br#"{"scope":"discussion"}"#)
    };
    let mut response = Response::new(Full::new(answer));
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    PARSE.get_or_init(|| std::env::var("BENCH_PARSE").is_ok_and(|value| value == "payload"));
    let listener = TcpListener::bind(webhooks_bench::addr()).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
