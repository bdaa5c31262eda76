//! The `Delivery` argument: a handler learns which delivery it runs for and which attempt, the
//! same id on every retry, so it can make its side effects idempotent.

use std::sync::Mutex;
use std::time::Duration;

use webhooks_runtime::http::StatusCode;
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{Delivery, WebhookPayload, WebhooksServer, webhook_endpoint};
use webhooks_tests::eventually::eventually;

/// A server of this module's `#[webhook_endpoint]`s only: the test binary links every module's.
fn builder() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder().include_registered_in(module_path!())
}

const BODY: &str = include_str!("../../../fixtures/07-repo-create-model.json");

/// Every (id, attempt, replay of) the background handler saw.
static SEEN: Mutex<Vec<(String, u32, Option<String>)>> = Mutex::new(Vec::new());

/// Fails its first attempt of each delivery.
#[webhook_endpoint(background)]
async fn flaky(_payload: WebhookPayload, delivery: Delivery) -> Result<(), String> {
    SEEN.lock().unwrap().push((
        delivery.id().to_owned(),
        delivery.attempt(),
        delivery.replay_of().map(str::to_owned),
    ));
    if delivery.attempt() == 1 {
        Err("first attempts fail".to_owned())
    } else {
        Ok(())
    }
}

/// Answers with what it was told.
#[webhook_endpoint]
fn tell(delivery: Delivery) -> Value {
    json!({ "id": delivery.id(), "attempt": delivery.attempt(), "replay": delivery.is_replay() })
}

async fn server() -> TestServer {
    TestServer::with(builder().retry_backoff(Duration::from_millis(10))).await
}

#[tokio::test]
async fn a_retry_has_the_same_id_and_the_next_attempt_and_a_replay_its_own_id() {
    let server = server().await;
    let accepted = server
        .post("/webhooks/flaky")
        .header("x-webhook-delivery-attempt", "7")
        .body(BODY)
        .send()
        .await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let id = accepted.json::<Value>()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let runs = |id: &str| -> Vec<(u32, Option<String>)> {
        SEEN.lock()
            .unwrap()
            .iter()
            .filter(|(seen, _, _)| seen == id)
            .map(|(_, attempt, replay)| (*attempt, replay.clone()))
            .collect()
    };
    eventually("the retry ran", async || {
        (runs(&id).len() == 2).then_some(())
    })
    .await;
    assert_eq!(
        runs(&id),
        [(1, None), (2, None)],
        "a client's attempt header is ignored"
    );

    let replay = server
        .post(&format!("/api/deliveries/{id}/replay"))
        .send()
        .await;
    assert_eq!(replay.status(), StatusCode::ACCEPTED, "{}", replay.text());
    let replay_id = replay.json::<Value>()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(replay_id, id);
    eventually("the replay ran", async || {
        (!runs(&replay_id).is_empty()).then_some(())
    })
    .await;
    assert_eq!(runs(&replay_id)[0], (1, Some(id.clone())));
}

#[tokio::test]
async fn an_ordinary_endpoint_gets_the_journals_id() {
    let server = server().await;
    let response = server
        .post("/webhooks/tell")
        .header("x-webhook-delivery-id", "forged")
        .body(BODY)
        .send()
        .await;
    let told: Value = response.json();
    assert_eq!(told["attempt"], 1);
    assert_eq!(told["replay"], false);
    let id = told["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "forged");
    let record = eventually(&format!("the delivery {id} journaled"), async || {
        let record = server.get(&format!("/api/deliveries/{id}")).send().await;
        (record.status() == StatusCode::OK).then(|| record.json::<Value>())
    })
    .await;
    assert_eq!(record["endpoint"], "/webhooks/tell");
    // Without the journal, an id is made up all the same.
    let unjournaled = TestServer::with(
        builder()
            .include_registered(false)
            .journal(false)
            .add_blocking_webhook("tell", tell),
    )
    .await;
    let told: Value = unjournaled
        .post("/webhooks/tell")
        .body(BODY)
        .send()
        .await
        .json();
    assert_eq!(told["id"].as_str().unwrap().len(), 36, "{told}");
}
