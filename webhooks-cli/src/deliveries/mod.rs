//! `hf-webhooks deliveries`: the server's delivery API in a terminal (list, show, body, replay).

mod listing;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use webhooks_runtime::deliveries::{DELIVERY_API, DeliveryStatus};
use webhooks_runtime::headers::SECRET_HEADER;

use crate::error::CliError;
use crate::http::{self, Answer, Request};
use crate::output;
use crate::report::{self, Audience};
use crate::target::{exit_code, seconds};

/// The `deliveries` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum DeliveriesCommand {
    /// The most recent deliveries, newest first, as a table
    #[command(after_help = "\
Examples:
  hf-webhooks deliveries list --url http://127.0.0.1:7860
  hf-webhooks deliveries list --status dead --endpoint /webhooks/evaluate --url https://acme-bot.hf.space --token $WEBHOOKS_ADMIN_TOKEN")]
    List {
        #[command(flatten)]
        api: Api,
        /// Only deliveries to this route, e.g. /webhooks/evaluate
        #[arg(long)]
        endpoint: Option<String>,
        /// Only deliveries with this status
        #[arg(long, value_parser = statuses())]
        status: Option<String>,
        /// Only deliveries with this Hub Webhook-Id
        #[arg(long, value_name = "ID")]
        webhook_id: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print the API's JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// One delivery, as JSON
    Show {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
    /// The body a delivery was posted with, as saved (to replay it with `post`)
    Body {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
    /// Run a delivery's handler again, as a new delivery linked to it
    Replay {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
}

/// The server and the delivery API's credential.
#[derive(Debug, Args)]
pub(crate) struct Api {
    /// The server's base URL, e.g. http://127.0.0.1:7860
    #[arg(long)]
    pub(crate) url: String,
    /// The admin token, sent as Authorization: Bearer
    #[arg(long, env = "WEBHOOKS_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// The webhook secret, sent as X-Webhook-Secret (when the server has no admin token)
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    pub(crate) timeout: Duration,
}

/// The statuses `deliveries list --status` takes: the runtime's, as the delivery API spells them.
fn statuses() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(DeliveryStatus::ALL.map(DeliveryStatus::as_str))
}

/// Calls the delivery API and prints its answer (a table for `list`, the raw body for `body`).
pub(crate) fn run(command: DeliveriesCommand) -> Result<ExitCode, CliError> {
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
            let answer = call_api(&api, "GET", &format!("{DELIVERY_API}{query}"))?;
            if json || !answer.succeeded() {
                report::print(&answer, Audience::DeliveryApi);
            } else {
                let listing: serde_json::Value =
                    serde_json::from_str(&answer.body).map_err(|error| {
                        CliError::Answer(format!(
                            "the delivery API answered something else than its listing: {error}"
                        ))
                    })?;
                output::line(format_args!("{} {}", answer.status, answer.reason));
                output::write(listing::table(&listing, now_ms()));
            }
            Ok(exit_code(&answer))
        }
        DeliveriesCommand::Show { id, api } => {
            api_command(&api, "GET", &format!("{DELIVERY_API}/{}", escape(&id)))
        }
        DeliveriesCommand::Body { id, api } => {
            let answer = call_api(&api, "GET", &format!("{DELIVERY_API}/{}/body", escape(&id)))?;
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
            &format!("{DELIVERY_API}/{}/replay", escape(&id)),
        ),
    }
}

/// One delivery API request, its answer printed.
fn api_command(api: &Api, method: &str, path: &str) -> Result<ExitCode, CliError> {
    let answer = call_api(api, method, path)?;
    report::print(&answer, Audience::DeliveryApi);
    Ok(exit_code(&answer))
}

/// One delivery API request with the credential given: the token wins over the secret.
fn call_api(api: &Api, method: &str, path: &str) -> Result<Answer, CliError> {
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
        api.timeout,
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

/// `text` percent-encoded for a path segment or a query value.
fn escape(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ESCAPED).to_string()
}

/// Now, in milliseconds since the epoch (for the listing's ages).
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
    use crate::cli::Cli;
    use clap::Parser;

    #[test]
    fn statuses_are_the_delivery_apis_and_others_are_refused() {
        let list = |status: &str| {
            Cli::try_parse_from([
                "hf-webhooks",
                "deliveries",
                "list",
                "--url",
                "http://x",
                "--status",
                status,
            ])
        };
        for status in DeliveryStatus::ALL {
            assert!(list(status.as_str()).is_ok(), "{status}");
        }
        let refused = list("finished").unwrap_err().to_string();
        assert!(refused.contains("skipped"), "{refused}");
    }

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
