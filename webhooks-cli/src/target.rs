//! Where a body goes and how it is sent, shared by `send` and `post`: the endpoint's URL, the
//! secret, how long to wait, and the Hub's `Webhook-Id`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use webhooks_runtime::headers::{SECRET_HEADER, WEBHOOK_ID_HEADER};

use crate::error::CliError;
use crate::http::{self, Answer, Request};
use crate::report::{self, Audience};

/// The secret and the wait of a delivery, beside a `--url` that each command requires its way.
#[derive(Debug, Args)]
pub(crate) struct Sending {
    /// The webhook secret, sent as X-Webhook-Secret
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    pub(crate) timeout: Duration,
    /// The Webhook-Id header to send, to repeat a delivery as a Hub retry does (default: a fresh
    /// one, printed)
    #[arg(long, value_name = "ID")]
    pub(crate) webhook_id: Option<String>,
}

/// A delivery's target, once its URL is known.
pub(crate) struct Target<'a> {
    /// The endpoint's URL.
    pub(crate) url: &'a str,
    /// The secret, when one is sent.
    pub(crate) secret: Option<&'a str>,
    /// How long to wait for the answer.
    pub(crate) timeout: Duration,
}

impl Sending {
    /// The target at `url`.
    pub(crate) fn to<'a>(&'a self, url: &'a str) -> Target<'a> {
        Target {
            url,
            secret: self.secret.as_deref(),
            timeout: self.timeout,
        }
    }

    /// The `Webhook-Id` to send: the one given (checked as the server checks it), or a fresh one.
    pub(crate) fn webhook_id(&self) -> Result<String, CliError> {
        match &self.webhook_id {
            Some(id) if webhooks_core::delivery::is_valid_webhook_id(id) => Ok(id.clone()),
            Some(id) => Err(CliError::Input(format!(
                "--webhook-id {id:?}: expected 1 to {} visible ASCII characters, as the server takes the Hub's",
                webhooks_core::delivery::MAX_WEBHOOK_ID_LEN
            ))),
            None => Ok(crate::body::Ids::fresh().hex(24)),
        }
    }
}

/// A whole number of seconds, as `--timeout` takes it.
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| format!("{text:?} is not a whole number of seconds"))
}

/// Posts a body to a webhook endpoint as the Hub does, and reports the answer.
pub(crate) fn deliver(
    target: &Target<'_>,
    webhook_id: &str,
    body: Vec<u8>,
) -> Result<ExitCode, CliError> {
    let mut headers: Vec<(&str, String)> = target
        .secret
        .into_iter()
        .map(|secret| (SECRET_HEADER, secret.to_owned()))
        .collect();
    headers.push((WEBHOOK_ID_HEADER, webhook_id.to_owned()));
    let answer = http::send(
        Request {
            method: "POST",
            url: target.url,
            headers,
            body: Some(body),
        },
        target.timeout,
    )?;
    // Said once the server has it, so that it can be sent again as the Hub retries.
    eprintln!(
        "Webhook-Id: {webhook_id} (send it again with --webhook-id {webhook_id}, as a Hub retry does)"
    );
    report::print(&answer, Audience::Webhook);
    Ok(exit_code(&answer))
}

/// 0 for a 2xx answer, 1 otherwise.
pub(crate) fn exit_code(answer: &Answer) -> ExitCode {
    if answer.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_is_whole_seconds() {
        assert_eq!(seconds("60"), Ok(Duration::from_secs(60)));
        assert_eq!(
            seconds("1.5").unwrap_err(),
            "\"1.5\" is not a whole number of seconds"
        );
    }
}
