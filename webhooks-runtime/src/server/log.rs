//! Logs with `tracing`: one span per request, and the subscriber `run()` installs when the
//! application has not installed one.
//!
//! Start messages go to stdout (see `banner`); logs go to stderr, so a program reading the start URL
//! from stdout is not disturbed. Never logged: the secret, the query string, request bodies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// `RUST_LOG` filters; `info` when it is unset or malformed.
const DEFAULT_FILTER: &str = "info";

/// Installs a subscriber writing to stderr (JSON lines when `WEBHOOKS_LOG_FORMAT=json`), unless the
/// application installed one already.
pub(crate) fn install_default_subscriber() {
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = std::env::var("WEBHOOKS_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A failure means another subscriber won a race to be installed: that one is used.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .try_init()
    };
}
