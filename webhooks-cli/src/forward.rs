//! `hf-webhooks forward`: takes a relay's deliveries one at a time (`GET /api/relay/next`, a long
//! poll), posts each to the local server at the same `/webhooks/<path>`, prints a line, and
//! acknowledges it (`DELETE /api/deliveries/{id}`) once the local server answered, whatever it
//! answered. A delivery not acknowledged (the forwarder stopped, the laptop slept) is handed out
//! again by the relay after its lease, so nothing is lost; an acknowledged one is gone, so nothing
//! is repeated.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use clap::Args;
use serde_json::Value;
use webhooks_runtime::deliveries::{DELIVERY_API, RELAY_NEXT};
use webhooks_runtime::headers::{
    DELIVERY_ATTEMPT_HEADER, DELIVERY_ID_HEADER, REPLAY_OF_HEADER, SECRET_HEADER,
};

use crate::error::CliError;
use crate::http::agent;
use crate::output;
use crate::target::seconds;

/// How long the relay holds a poll open when nothing arrives (it answers sooner when something
/// does).
const POLL_WAIT_MS: u64 = 25_000;

/// The first wait after a failure, doubled each time up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// `forward`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    /// The relay's base URL, e.g. `https://you-relay.hf.space`
    #[arg(long)]
    pub(crate) from: String,
    /// The relay's secret
    #[arg(long, env = "RELAY_SECRET", hide_env_values = true)]
    pub(crate) secret: String,
    /// Your local server's base URL; a delivery posted to the relay's /webhooks/PATH goes to `TO/webhooks/PATH`
    #[arg(long, default_value = "http://127.0.0.1:7860")]
    pub(crate) to: String,
    /// Your local server's webhook secret, sent as X-Webhook-Secret
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) local_secret: Option<String>,
    /// One JSON object per delivery instead of a line of text
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds to wait for the local server's answer
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    pub(crate) timeout: Duration,
}

/// Headers that belong to one connection or that the receiving server sets itself: not
/// forwarded.
const NOT_FORWARDED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    SECRET_HEADER,
    DELIVERY_ID_HEADER,
    DELIVERY_ATTEMPT_HEADER,
    REPLAY_OF_HEADER,
];

/// Why a poll of the relay failed.
enum PollError {
    /// Retrying cannot help (a wrong secret, not a relay): said, and the command exits.
    Fatal(String),
    /// The relay or the network may come back.
    Transient(String),
}

/// Exponential backoff between failed attempts.
struct Backoff(Duration);

impl Backoff {
    fn reset(&mut self) {
        self.0 = FIRST_BACKOFF;
    }

    /// Says why, then waits.
    fn wait_after(&mut self, why: &str) {
        eprintln!("{why}; trying again in {} s", self.0.as_secs());
        std::thread::sleep(self.0);
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
    }
}

/// Runs until interrupted; returns only when the relay refuses for good.
pub(crate) fn forward(args: &ForwardArgs) -> Result<ExitCode, CliError> {
    let relay = args.from.trim_end_matches('/');
    let local = args.to.trim_end_matches('/');
    let relay_agent = agent(Duration::from_millis(POLL_WAIT_MS) + Duration::from_secs(15));
    let local_agent = agent(args.timeout);
    let mut backoff = Backoff(FIRST_BACKOFF);
    let mut connected = false;
    eprintln!("forwarding from {relay} to {local}/webhooks/… (Ctrl-C to stop)");
    loop {
        match take_next(&relay_agent, relay, &args.secret) {
            Ok(deliveries) => {
                if !connected {
                    eprintln!("connected to the relay; waiting for deliveries");
                    connected = true;
                }
                backoff.reset();
                for delivery in &deliveries {
                    hand_over(&local_agent, &relay_agent, relay, local, args, delivery);
                }
            }
            Err(PollError::Fatal(message)) => return Err(CliError::Answer(message)),
            Err(PollError::Transient(message)) => {
                connected = false;
                backoff.wait_after(&message);
            }
        }
    }
}

/// The relay's next deliveries (none when the poll ended empty).
fn take_next(agent: &ureq::Agent, relay: &str, secret: &str) -> Result<Vec<Value>, PollError> {
    let url = format!("{relay}{RELAY_NEXT}?wait_ms={POLL_WAIT_MS}");
    let mut response = agent
        .get(&url)
        .header("authorization", &format!("Bearer {secret}"))
        .call()
        .map_err(|error| {
            PollError::Transient(format!("cannot reach the relay at {relay}: {error}"))
        })?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    match status {
        200 => {}
        401 | 403 => {
            return Err(PollError::Fatal(format!(
                "the relay at {relay} refused the secret ({status}): pass the relay's WEBHOOK_SECRET as --secret"
            )));
        }
        404 => {
            return Err(PollError::Fatal(format!(
                "{relay} is not a relay (no {RELAY_NEXT}): start one with `hf-webhooks relay`"
            )));
        }
        _ => {
            return Err(PollError::Transient(format!(
                "the relay answered {status}: {body}"
            )));
        }
    }
    let answer: Value = serde_json::from_str(&body).map_err(|error| {
        PollError::Transient(format!("the relay's answer is not JSON ({error}): {body}"))
    })?;
    Ok(answer["deliveries"].as_array().cloned().unwrap_or_default())
}

/// Posts one delivery to the local server until it answers (waiting while it is down), prints
/// the line, and acknowledges the delivery to the relay.
fn hand_over(
    local_agent: &ureq::Agent,
    relay_agent: &ureq::Agent,
    relay: &str,
    local: &str,
    args: &ForwardArgs,
    delivery: &Value,
) {
    let id = delivery["id"].as_str().unwrap_or_default();
    let uri = delivery["uri"].as_str().unwrap_or("/webhooks/");
    let body = base64::engine::general_purpose::STANDARD
        .decode(delivery["body_base64"].as_str().unwrap_or_default())
        .unwrap_or_default();
    let mut backoff = Backoff(FIRST_BACKOFF);
    let (status, reason, latency) = loop {
        let mut request = local_agent.post(&format!("{local}{uri}"));
        for pair in delivery["headers"].as_array().into_iter().flatten() {
            let (Some(name), Some(value)) = (pair[0].as_str(), pair[1].as_str()) else {
                continue;
            };
            if !NOT_FORWARDED.contains(&name.to_ascii_lowercase().as_str()) {
                request = request.header(name, value);
            }
        }
        if let Some(secret) = &args.local_secret {
            request = request.header(SECRET_HEADER, secret);
        }
        let started = Instant::now();
        match request.send(&body[..]) {
            Ok(mut response) => {
                let _ = response.body_mut().read_to_string();
                let status = response.status();
                break (
                    Some(status.as_u16()),
                    status.canonical_reason().unwrap_or(""),
                    started.elapsed(),
                );
            }
            // It took the delivery and did not answer in time: shown, not posted again (its
            // handler may still be running).
            Err(ureq::Error::Timeout(_)) => {
                break (None, "no answer within --timeout", started.elapsed());
            }
            Err(error) => backoff.wait_after(&format!(
                "your local server at {local} does not answer ({error}); delivery {id} waits"
            )),
        }
    };
    report(args.json, delivery, uri, status, reason, latency);
    acknowledge(relay_agent, relay, &args.secret, id);
}

/// Deletes the delivery at the relay: handed over. A few tries; one that fails leaves it to be
/// handed out again after its lease (and so posted again).
fn acknowledge(agent: &ureq::Agent, relay: &str, secret: &str, id: &str) {
    let url = format!("{relay}{DELIVERY_API}/{id}");
    for attempt in 1..=3 {
        match agent
            .delete(&url)
            .header("authorization", &format!("Bearer {secret}"))
            .call()
        {
            Ok(response) if response.status().is_success() || response.status() == 404 => return,
            Ok(response) => eprintln!(
                "the relay did not take the acknowledgement of {id} ({})",
                response.status()
            ),
            Err(error) => eprintln!("cannot acknowledge {id} to the relay: {error}"),
        }
        std::thread::sleep(FIRST_BACKOFF * attempt);
    }
    eprintln!("{id} was not acknowledged: the relay will hand it out again after its lease");
}

/// One line per delivery: time, path, event, local status, latency; or one JSON object.
fn report(
    json: bool,
    delivery: &Value,
    uri: &str,
    status: Option<u16>,
    reason: &str,
    latency: Duration,
) {
    let path = uri.split('?').next().unwrap_or(uri);
    let scope = delivery["scope"].as_str().unwrap_or("-");
    let action = delivery["action"].as_str().unwrap_or("-");
    let repo = delivery["repo"].as_str().unwrap_or("-");
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if json {
        output::line(format_args!(
            "{}",
            serde_json::json!({
                "time": now_utc(),
                "id": delivery["id"],
                "path": path,
                "scope": delivery["scope"],
                "action": delivery["action"],
                "repo": delivery["repo"],
                "status": status,
                "error": status.is_none().then_some(reason),
                "latency_ms": latency_ms,
            })
        ));
    } else {
        let answer = match status {
            Some(status) => format!("{status} {reason}"),
            None => reason.to_owned(),
        };
        output::line(format_args!(
            "{}  {path}  {scope}/{action} {repo}  -> {answer}  {latency_ms:.0} ms",
            now_utc()
        ));
    }
}

/// The time of day in UTC, `HH:MM:SS`.
fn now_utc() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
