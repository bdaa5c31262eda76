//! Run with `cargo run --example embed_in_axum --features axum`: an axum application that
//! serves its own pages and, under `/hub`, the Hub webhooks (secret, limits, journal and
//! background workers included).
//!
//! `WEBHOOKS_HOST` and `WEBHOOKS_PORT` choose the address, as for `run()`.

use axum::Router;
use axum::routing::get;
use webhooks_runtime::{WebhookPayload, WebhooksServer, webhook_endpoint};

/// Evaluate a pushed model, in the background: the Hub gets its 202 at once.
#[webhook_endpoint(background)]
async fn evaluate(payload: WebhookPayload) {
    println!("evaluating {}", payload.repo.name);
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = WebhooksServer::builder().build()?;
    let addr = server.addr();
    // Inside the runtime, so the background workers start now.
    let hub = server.into_service()?;
    let app = Router::new()
        .route("/", get(|| async { "My application" }))
        .nest_service("/hub", hub);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "Serving the Hub webhooks at http://{}/hub/webhooks/evaluate",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
