//! Run as a Hub Job: a webhook can start a Job instead of calling a URL, with the payload in
//! `WEBHOOK_PAYLOAD` and the delivery's id in `WEBHOOK_ID` (HUB-WEBHOOKS.md §1, hub-docs PR #2749).
//! With `WEBHOOK_PAYLOAD` set, [`run`](crate::run) handles that one delivery and exits: every
//! endpoint whose filter takes it (or the one `WEBHOOKS_JOB_ENDPOINT` names), background ones
//! inline, no secret check (the Hub started the Job), and a journal only when one is configured
//! (`WEBHOOKS_DATABASE_URL`, or `WEBHOOKS_DATA_DIR` on a volume that outlives the Job): then a
//! Job started again for the same `WEBHOOK_ID` does not run what succeeded. One JSON line per
//! endpoint on stdout; the exit status says how it went.

use std::io::Write as _;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use serde_json::{Value, json};
use webhooks_core::delivery::{WEBHOOK_ID, is_valid_webhook_id};
use webhooks_core::{FromWebhookRequest, WebhookPayload, WebhookRequest};

use std::sync::Arc;

use crate::delivery::Deliveries;
use crate::delivery::journal::{
    Admission, AttemptResult, DeliveryRecord, DeliveryStatus, new_id, now_ms,
};
use crate::delivery::policy::keyed::heartbeat_while;
use crate::delivery::record::with_delivery;
use crate::endpoint::invoke::invoke;
use crate::endpoint::route::{Route, Routes};
use crate::error::Error;

/// The variable holding the payload of the delivery a Job runs for.
pub(crate) const JOB_PAYLOAD_VARIABLE: &str = "WEBHOOK_PAYLOAD";
/// The variable holding the delivery's `Webhook-Id`.
pub(crate) const JOB_WEBHOOK_ID_VARIABLE: &str = "WEBHOOK_ID";
/// The variable naming the one endpoint to run (its function's name or its path).
pub(crate) const JOB_ENDPOINT_VARIABLE: &str = "WEBHOOKS_JOB_ENDPOINT";

/// Exit statuses: every matching handler succeeded (or none matched), one failed, the payload
/// does not parse.
const SUCCEEDED: u8 = 0;
const FAILED: u8 = 1;
const NOT_A_PAYLOAD: u8 = 2;

/// Whether this process was started as a Hub Job (`WEBHOOK_PAYLOAD` set).
pub(crate) fn requested() -> bool {
    std::env::var_os(JOB_PAYLOAD_VARIABLE).is_some()
}

/// Builds the server the environment configures and handles the Job's delivery with its
/// endpoints; the exit status.
pub(crate) fn run(server: crate::server::WebhooksServer) -> Result<u8, Error> {
    let read =
        |name: &str| std::env::var_os(name).map(|value| value.to_string_lossy().into_owned());
    let payload = read(JOB_PAYLOAD_VARIABLE).unwrap_or_default();
    let webhook_id = read(JOB_WEBHOOK_ID_VARIABLE).filter(|id| !id.is_empty());
    if let Some(id) = &webhook_id
        && !is_valid_webhook_id(id)
    {
        tracing::warn!(
            "{JOB_WEBHOOK_ID_VARIABLE} is not 1 to 128 visible ASCII characters: ignored"
        );
    }
    let endpoint = read(JOB_ENDPOINT_VARIABLE).filter(|name| !name.is_empty());
    // A Job's container goes away with it: the default journal folder would be lost, so a journal
    // is opened only where one is asked for.
    let configured = server.resolved.database_url.is_some()
        || read("WEBHOOKS_DATA_DIR").is_some_and(|dir| !dir.is_empty());
    let deliveries = if configured && server.deliveries.journal {
        let not_kept = std::sync::Arc::default();
        server.journal_opening(&not_kept).open()?
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let routes = std::sync::Arc::clone(&server.routes);
    let expose = server.expose_handler_errors;
    let valid_id = webhook_id.filter(|id| is_valid_webhook_id(id));
    let code = runtime.block_on(handle(
        &routes,
        deliveries.as_ref(),
        payload,
        valid_id,
        endpoint,
        expose,
    ));
    // A plain `fn` still running (it timed out) keeps its thread: do not wait for it.
    runtime.shutdown_background();
    code
}

/// Handles the Job's delivery with the routes of `routes`, printing one line per endpoint; the
/// exit status. `endpoint` picks one route by function name or path.
pub(crate) async fn handle(
    routes: &Routes,
    deliveries: Option<&Arc<Deliveries>>,
    payload: String,
    webhook_id: Option<String>,
    endpoint: Option<String>,
    expose_errors: bool,
) -> Result<u8, Error> {
    let candidates: Vec<&Route> = match &endpoint {
        Some(name) => {
            let named: Vec<&Route> = routes
                .iter()
                .filter(|route| {
                    !route.mode.is_relay()
                        && (route.function == *name
                            || route.path == *name
                            || route.route_path == *name)
                })
                .collect();
            if named.is_empty() {
                let known: Vec<&str> = routes.iter().map(|route| route.function.as_str()).collect();
                return Err(Error::Config {
                    variable: JOB_ENDPOINT_VARIABLE,
                    value: name.clone(),
                    reason: format!(
                        "no endpoint has this name or path; there are: {}",
                        known.join(", ")
                    ),
                });
            }
            named
        }
        None => routes
            .iter()
            .filter(|route| !route.mode.is_relay())
            .collect(),
    };
    let request = job_request(payload, webhook_id.as_deref());
    let parsed = match WebhookPayload::from_webhook_request(&request) {
        Ok(parsed) => parsed,
        Err(rejection) => {
            print_line(&json!({
                "outcome": "rejected",
                "error": rejection.reason(),
                "field": rejection.field(),
            }));
            return Ok(NOT_A_PAYLOAD);
        }
    };
    let mut failed = false;
    let mut ran = 0;
    for route in candidates {
        if let Err(mismatch) = route.filter.check(&parsed) {
            print_line(&json!({
                "endpoint": route.function,
                "path": route.route_path,
                "outcome": "skipped",
                "reason": mismatch.to_string(),
            }));
            continue;
        }
        ran += 1;
        let (id, attempt) = match admit(deliveries, route, &request).await {
            Admitted::Run { id, attempt } => (id, attempt),
            Admitted::Not { id, outcome } => {
                failed |= outcome == "running";
                print_line(&json!({
                    "endpoint": route.function,
                    "path": route.route_path,
                    "delivery_id": id,
                    "webhook_id": webhook_id,
                    "outcome": outcome,
                }));
                continue;
            }
        };
        let as_run = with_delivery(request.clone(), &id, attempt, None);
        let started = std::time::Instant::now();
        // Its lease extended while it runs: a Job started again meanwhile finds it running.
        let invocation = match deliveries {
            Some(deliveries) => {
                let invoking = invoke(route, as_run, expose_errors);
                heartbeat_while(invoking, deliveries, true, &id).await
            }
            None => invoke(route, as_run, expose_errors).await,
        };
        if let Some(deliveries) = deliveries {
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let result = match &invocation.error {
                None => AttemptResult::Done { latency_ms },
                Some(error) => AttemptResult::Failed {
                    error: error.clone(),
                    latency_ms,
                },
            };
            deliveries.save_result(id.clone(), attempt, result).await;
        }
        let status = invocation.response.status().as_u16();
        let answer =
            serde_json::from_slice::<Value>(invocation.response.body()).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(invocation.response.body()).into_owned())
            });
        let mut line = json!({
            "endpoint": route.function,
            "path": route.route_path,
            "delivery_id": id,
            "attempt": attempt,
            "webhook_id": webhook_id,
            "outcome": if invocation.succeeded() { "done" } else { "failed" },
            "status": status,
            "answer": answer,
        });
        if let Some(error) = &invocation.error {
            line["error"] = Value::String(error.clone());
            failed = true;
        }
        print_line(&line);
    }
    if ran == 0 {
        print_line(
            &json!({ "outcome": "skipped", "reason": "no endpoint's filter takes this event" }),
        );
    }
    Ok(if failed { FAILED } else { SUCCEEDED })
}

/// Whether a matching endpoint runs, with the journal's word when there is one.
enum Admitted {
    /// Run it, as this attempt of this delivery.
    Run { id: String, attempt: u32 },
    /// Not run: it succeeded already (`duplicate`), or runs elsewhere now (`running`).
    Not { id: String, outcome: &'static str },
}

/// Journals the Job's delivery to `route` (as running, by its `Webhook-Id` when it has one; run
/// inline even for a background endpoint) and says whether to run it.
async fn admit(
    deliveries: Option<&Arc<Deliveries>>,
    route: &Route,
    request: &WebhookRequest,
) -> Admitted {
    let Some(deliveries) = deliveries else {
        return Admitted::Run {
            id: new_id(),
            attempt: 1,
        };
    };
    let mut record = DeliveryRecord::received(route, request, None, DeliveryStatus::Running);
    record.summarize();
    record.background = false;
    record.attempts = 1;
    let id = record.id.clone();
    let admission = if record.webhook_id.is_some() {
        let lease_until = deliveries.lease_until(now_ms());
        deliveries.admit(route.id, record, lease_until).await
    } else {
        deliveries
            .run(move |journal| journal.insert(std::slice::from_ref(&record)))
            .await
            .map(|()| Admission::Queued)
    };
    match admission {
        Ok(Admission::Retry { original, attempt }) => Admitted::Run {
            id: original,
            attempt,
        },
        Ok(Admission::Repeat { original, .. } | Admission::Duplicate { original }) => {
            Admitted::Not {
                id: original,
                outcome: "duplicate",
            }
        }
        Ok(Admission::InProgress { original }) => Admitted::Not {
            id: original,
            outcome: "running",
        },
        Ok(_) => Admitted::Run { id, attempt: 1 },
        Err(error) => {
            tracing::error!(%error, "the Job's delivery could not be journaled; handling it");
            Admitted::Run { id, attempt: 1 }
        }
    }
}

/// The delivery as a webhook request: what a handler's arguments read.
fn job_request(payload: String, webhook_id: Option<&str>) -> WebhookRequest {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(Ok(value)) = webhook_id
        .filter(|id| is_valid_webhook_id(id))
        .map(HeaderValue::from_str)
    {
        headers.insert(WEBHOOK_ID.clone(), value);
    }
    WebhookRequest::new(
        Method::POST,
        http::Uri::from_static("/webhooks/job"),
        headers,
        Bytes::from(payload),
    )
}

/// One line of the Job's report on stdout.
fn print_line(line: &Value) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
