//! Logs with `tracing`: one span per request, and the subscriber `run()` installs when the
//! application has not installed one.
//!
//! Start messages go to stdout (see `banner`); logs go to stderr, so a program reading the start URL
//! from stdout is not disturbed. Never logged: the secret, the query string, request bodies.

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What is logged when `RUST_LOG` is unset or malformed.
const DEFAULT_LEVEL: LevelFilter = LevelFilter::INFO;

/// Installs a subscriber writing to stderr (JSON lines when `WEBHOOKS_LOG_FORMAT=json`), unless the
/// application installed one already.
pub(crate) fn install_default_subscriber() {
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let (filter, malformed) = filter_from(std::env::var("RUST_LOG").ok().as_deref());
    let json = std::env::var("WEBHOOKS_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr);
    // A failure means another subscriber won a race to be installed: that one is used.
    let installed = if json {
        let json = builder.json().with_current_span(true).with_span_list(false);
        json.finish().with(filter).try_init()
    } else {
        let text = builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false);
        text.finish().with(filter).try_init()
    };
    if let (Ok(()), Some(value)) = (installed, malformed) {
        tracing::warn!(
            "RUST_LOG={value:?} is not a filter this server reads (a level, or target=level pairs separated by commas); logging at {DEFAULT_LEVEL}"
        );
    }
}

/// The filter `RUST_LOG` asks for: a level (`warn`), `target=level` pairs, or both, separated by
/// commas, as `tracing_subscriber`'s `Targets` reads them. Span and field directives are not read
/// (they need a regex engine, which would lengthen every user's build for a rare need). Returns the
/// value back when it cannot be read, and the default filter then.
fn filter_from(value: Option<&str>) -> (Targets, Option<String>) {
    let default = Targets::new().with_default(DEFAULT_LEVEL);
    match value.map(str::trim) {
        None | Some("") => (default, None),
        Some(value) => match value.parse::<Targets>() {
            Ok(filter) => (filter, None),
            Err(_) => (default, Some(value.to_owned())),
        },
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn levels_and_targets_are_read() {
        let (filter, malformed) = filter_from(Some("warn,webhooks_runtime=debug"));
        assert_eq!(malformed, None);
        assert!(filter.would_enable("hyper", &Level::WARN));
        assert!(!filter.would_enable("hyper", &Level::INFO));
        assert!(filter.would_enable("webhooks_runtime::web", &Level::DEBUG));
    }

    #[test]
    fn unset_or_malformed_logs_at_info() {
        for value in [
            None,
            Some(""),
            Some("[request{path=x}]=debug"),
            Some("=nope"),
        ] {
            let (filter, malformed) = filter_from(value);
            assert!(filter.would_enable("anything", &Level::INFO), "{value:?}");
            assert!(!filter.would_enable("anything", &Level::DEBUG), "{value:?}");
            assert_eq!(
                malformed.is_some(),
                value.is_some_and(|v| !v.is_empty()),
                "{value:?}"
            );
        }
    }
}
