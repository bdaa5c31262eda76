//! One HTTP request, its answer, and the one-line explanation of a request that got no answer.

use std::time::Duration;

use crate::error::CliError;

/// What the server answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// `OK`, `Unauthorized`…
    pub(crate) reason: &'static str,
    pub(crate) body: String,
}

impl Answer {
    /// Whether the status is 2xx.
    pub(crate) fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request to make.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) url: &'a str,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Sent as `application/json` when present.
    pub(crate) body: Option<Vec<u8>>,
}

/// An HTTP client for this tool: any status is an answer, not an error; no request takes longer
/// than `timeout`.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!("hf-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Sends `request`; any status is an answer, only a request that got none is an error, said in
/// one line with what to do.
pub(crate) fn send(request: Request<'_>, timeout: Duration) -> Result<Answer, CliError> {
    let agent = agent(timeout);
    let url = request.url;
    let result = match request.method {
        "POST" => {
            let mut builder = agent.post(url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            let body = request.body.unwrap_or_default();
            builder
                .header("content-type", "application/json")
                .send(&body[..])
        }
        "DELETE" => with_headers(agent.delete(url), &request.headers).call(),
        _ => with_headers(agent.get(url), &request.headers).call(),
    };
    let mut response = result.map_err(|error| CliError::NoAnswer(explain(url, &error)))?;
    let status = response.status();
    let body = response.body_mut().read_to_string().map_err(|error| {
        CliError::NoAnswer(format!(
            "{url} answered {status}, but its body could not be read: {error}"
        ))
    })?;
    Ok(Answer {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or(""),
        body,
    })
}

fn with_headers<B>(
    mut builder: ureq::RequestBuilder<B>,
    headers: &[(&'static str, String)],
) -> ureq::RequestBuilder<B> {
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder
}

/// Why `url` got no answer, and what to do about it.
fn explain(url: &str, error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => format!(
            "nothing is listening at {url} (connection refused): start your server (e.g. `cargo run --example quickstart`) or check --url"
        ),
        ureq::Error::ConnectionFailed => format!(
            "cannot connect to {url}: start your server (e.g. `cargo run --example quickstart`) or check --url"
        ),
        ureq::Error::HostNotFound => {
            format!("the host of {url} is not found: check the name in --url")
        }
        ureq::Error::Timeout(_) => format!(
            "{url} did not answer in time: is the handler stuck? (--timeout sets how long to wait)"
        ),
        ureq::Error::BadUri(reason) => {
            format!("{url} is not a URL ({reason}): use e.g. http://127.0.0.1:7860/webhooks/name")
        }
        other => format!("the request to {url} failed: {other}"),
    }
}
