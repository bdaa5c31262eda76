//! `hf-webhooks`: try Hugging Face Hub webhooks from a terminal. It sends realistic events of
//! every kind to a local server, posts saved bodies, reads or replays the delivery journal, and
//! relays real Hub events to a laptop (`relay` where the Hub reaches, `forward` at home), and
//! manages the webhooks on the Hub (`hub`).
//! Every one-shot command prints the HTTP status and the answer, and exits 0 only on a 2xx;
//! `relay` and `forward` run until stopped.

mod body;
mod cli;
mod deliveries;
mod events;
mod forward;
mod http;
mod hub;
mod output;
mod report;
mod table;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use webhooks_core::{RepoType, WebhookPayload};
use webhooks_runtime::headers::SECRET_HEADER;

use crate::cli::{Api, Cli, Command, DeliveriesCommand, PostArgs, SendArgs};
use crate::events::{KINDS, Kind};
use crate::http::{Answer, Request};
use crate::report::Audience;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Events => {
            let width = KINDS
                .iter()
                .map(|kind| kind.name().len())
                .max()
                .unwrap_or(0);
            for kind in KINDS {
                output::line(format_args!(
                    "{:<width$}  {}",
                    kind.name(),
                    kind.description
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Send(args) => send(args),
        Command::Post(args) => post(args),
        Command::Deliveries(command) => deliveries(command),
        Command::Relay(args) => relay(args),
        Command::Forward(args) => forward::forward(&args),
        Command::Hub(args) => hub::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "hf-webhooks",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Serves as a relay until SIGINT or SIGTERM.
fn relay(args: cli::RelayArgs) -> Result<ExitCode, String> {
    let Some(secret) = args.secret.filter(|secret| !secret.is_empty()) else {
        return Err(
            "a relay needs a secret: set WEBHOOK_SECRET (or --secret). The Hub sends it with each delivery, and `hf-webhooks forward --secret` reads with it".to_owned(),
        );
    };
    webhooks_runtime::WebhooksServer::builder()
        .include_registered(false)
        .webhook_secret(secret)
        .relay()
        .build()
        .and_then(webhooks_runtime::WebhooksServer::run)
        .map_err(|error| error.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn send(args: SendArgs) -> Result<ExitCode, String> {
    let kind = Kind::named(&args.kind).ok_or_else(|| {
        let known: Vec<String> = KINDS.iter().map(Kind::name).collect();
        format!(
            "unknown event kind `{}`; the Hub sends: {}",
            args.kind,
            known.join(", ")
        )
    })?;
    let repo_type = RepoType::from(args.repo_type);
    let options = body::EventOptions {
        repo: args.repo,
        repo_type,
        git_ref: args.git_ref,
        pull_request: args.pull_request,
    };
    let payload = body::build(kind, &options, &mut body::Ids::fresh());
    let mut value = serde_json::to_value(&payload).map_err(|error| error.to_string())?;
    for assignment in &args.overrides {
        body::set(&mut value, assignment)?;
    }
    let bytes = serde_json::to_vec(&value).map_err(|error| error.to_string())?;
    if !args.overrides.is_empty()
        && let Err(error) = WebhookPayload::from_slice(&bytes)
    {
        eprintln!("warning: with --set, the body is no longer a valid Hub payload: {error}");
    }
    if args.print {
        output::line(report::pretty(&String::from_utf8_lossy(&bytes)));
        return Ok(ExitCode::SUCCESS);
    }
    let webhook_id = webhook_id_to_send(args.webhook_id.webhook_id)?;
    if let Some((program, arguments)) = args.exec.split_first() {
        return run_as_job(program, arguments, &bytes, &webhook_id);
    }
    let endpoint = args.endpoint;
    let url = endpoint.url.ok_or("--url is required to send")?;
    deliver(&url, endpoint.secret, &webhook_id, bytes, endpoint.timeout)
}

fn post(args: PostArgs) -> Result<ExitCode, String> {
    let bytes = std::fs::read(&args.file)
        .map_err(|error| format!("cannot read {}: {error}", args.file.display()))?;
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        eprintln!(
            "warning: {} is not JSON ({error}); posting it anyway",
            args.file.display()
        );
    }
    let endpoint = args.endpoint;
    let webhook_id = webhook_id_to_send(args.webhook_id.webhook_id)?;
    deliver(
        &endpoint.url,
        endpoint.secret,
        &webhook_id,
        bytes,
        endpoint.timeout,
    )
}

/// Runs `program` as the Hub runs a Job webhook's command: the payload in `WEBHOOK_PAYLOAD`, the
/// delivery's id in `WEBHOOK_ID` (hub-docs PR #2749), the terminal's stdin and stdout; its exit
/// status is the command's.
fn run_as_job(
    program: &str,
    arguments: &[String],
    payload: &[u8],
    webhook_id: &str,
) -> Result<ExitCode, String> {
    let status = std::process::Command::new(program)
        .args(arguments)
        .env("WEBHOOK_PAYLOAD", String::from_utf8_lossy(payload).as_ref())
        .env("WEBHOOK_ID", webhook_id)
        .status()
        .map_err(|error| format!("cannot run {program}: {error}"))?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => {
            eprintln!("{program} was stopped by a signal ({status})");
            ExitCode::FAILURE
        }
    })
}

/// The `Webhook-Id` to send: the one given (checked as the server checks it), or a fresh one.
fn webhook_id_to_send(given: Option<String>) -> Result<String, String> {
    match given {
        Some(id) if webhooks_core::delivery::is_valid_webhook_id(&id) => Ok(id),
        Some(id) => Err(format!(
            "--webhook-id {id:?}: expected 1 to {} visible ASCII characters, as the server takes the Hub's",
            webhooks_core::delivery::MAX_WEBHOOK_ID_LEN
        )),
        None => Ok(body::Ids::fresh().hex(24)),
    }
}

/// Posts a body to a webhook endpoint as the Hub does, and reports the answer.
fn deliver(
    url: &str,
    secret: Option<String>,
    webhook_id: &str,
    body: Vec<u8>,
    timeout: u64,
) -> Result<ExitCode, String> {
    let mut headers: Vec<(&str, String)> = secret
        .into_iter()
        .map(|secret| (SECRET_HEADER, secret))
        .collect();
    headers.push((
        webhooks_core::delivery::WEBHOOK_ID_HEADER,
        webhook_id.to_owned(),
    ));
    let answer = http::send(
        Request {
            method: "POST",
            url,
            headers,
            body: Some(body),
        },
        Duration::from_secs(timeout),
    )?;
    // Said once the server has it, so that it can be sent again as the Hub retries.
    eprintln!(
        "Webhook-Id: {webhook_id} (send it again with --webhook-id {webhook_id}, as a Hub retry does)"
    );
    report::print(&answer, Audience::Webhook);
    Ok(exit_code(&answer))
}

fn deliveries(command: DeliveriesCommand) -> Result<ExitCode, String> {
    match command {
        DeliveriesCommand::List {
            api,
            endpoint,
            status,
            webhook_id,
            limit,
            json,
        } => {
            let mut query = form_query(&[
                ("limit", Some(limit.to_string())),
                ("endpoint", endpoint),
                ("status", status),
                ("webhook_id", webhook_id),
            ]);
            query.insert(0, '?');
            let answer = call_api(&api, "GET", &format!("/api/deliveries{query}"))?;
            if json || !answer.succeeded() {
                report::print(&answer, Audience::DeliveryApi);
            } else {
                let listing: serde_json::Value =
                    serde_json::from_str(&answer.body).map_err(|error| {
                        format!(
                            "the delivery API answered something else than its listing: {error}"
                        )
                    })?;
                output::line(format_args!("{} {}", answer.status, answer.reason));
                output::write(deliveries::table(&listing, now_ms()));
            }
            Ok(exit_code(&answer))
        }
        DeliveriesCommand::Show { id, api } => {
            api_command(&api, "GET", &format!("/api/deliveries/{}", escape(&id)))
        }
        DeliveriesCommand::Body { id, api } => {
            let answer = call_api(
                &api,
                "GET",
                &format!("/api/deliveries/{}/body", escape(&id)),
            )?;
            if answer.succeeded() {
                // The body exactly as saved, ready for `> saved.json`.
                output::write(&answer.body);
            } else {
                report::print(&answer, Audience::DeliveryApi);
            }
            Ok(exit_code(&answer))
        }
        DeliveriesCommand::Replay { id, api } => api_command(
            &api,
            "POST",
            &format!("/api/deliveries/{}/replay", escape(&id)),
        ),
    }
}

fn api_command(api: &Api, method: &str, path: &str) -> Result<ExitCode, String> {
    let answer = call_api(api, method, path)?;
    report::print(&answer, Audience::DeliveryApi);
    Ok(exit_code(&answer))
}

/// One delivery API request with the credential given: the token wins over the secret.
fn call_api(api: &Api, method: &str, path: &str) -> Result<Answer, String> {
    let mut headers = Vec::new();
    if let Some(token) = &api.token {
        headers.push(("authorization", format!("Bearer {token}")));
    } else if let Some(secret) = &api.secret {
        headers.push((SECRET_HEADER, secret.clone()));
    }
    let url = format!("{}{path}", api.url.trim_end_matches('/'));
    http::send(
        Request {
            method,
            url: &url,
            headers,
            body: (method == "POST").then(|| b"{}".to_vec()),
        },
        Duration::from_secs(api.timeout),
    )
}

/// `key=value&…` for the pairs that have a value, percent-encoded.
fn form_query(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(key, value)| {
            value
                .as_ref()
                .map(|value| format!("{key}={}", escape(value)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Everything but unreserved characters and `/` (routes are paths) is percent-encoded.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

fn escape(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ESCAPED).to_string()
}

fn exit_code(answer: &Answer) -> ExitCode {
    if answer.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_only_given_values_escaped() {
        assert_eq!(
            form_query(&[
                ("limit", Some("20".into())),
                ("endpoint", Some("/webhooks/a b".into())),
                ("status", None)
            ]),
            "limit=20&endpoint=/webhooks/a%20b"
        );
        assert_eq!(escape("01a-b_c.d~e"), "01a-b_c.d~e");
        assert_eq!(escape("a?b#c"), "a%3Fb%23c");
    }
}
