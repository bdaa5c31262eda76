//! What can stop the server from starting or running.

use std::fmt;

/// Why the server could not start or stopped with a failure.
///
/// ```
/// use webhooks_runtime::{Error, WebhooksServer};
///
/// let error = WebhooksServer::builder()
///     .read_environment(false)
///     .add_webhook("a b", || async {})
///     .build()
///     .unwrap_err();
/// assert!(matches!(error, Error::Setting(_)));
/// assert!(error.to_string().contains("cannot be in a URL path segment"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two or more endpoints share a path. Each clash names both functions and where they are.
    #[error("{}", DuplicateList(.0))]
    DuplicatePaths(Vec<DuplicatePath>),

    /// A setting from the environment is malformed.
    #[error("invalid {variable}={value:?}: {reason}")]
    Config {
        /// The environment variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        reason: String,
    },

    /// A setting given to the builder is unusable.
    #[error("invalid server setting: {0}")]
    Setting(String),

    /// The address could not be bound (in use, or not an address of this machine).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },

    /// `run()` was called from inside an async runtime, where it cannot block.
    #[error(
        "webhooks_runtime::run() blocks, so it cannot be called from inside an async runtime (such as #[tokio::main]); there, use `webhooks_runtime::serve().await` or `WebhooksServer::builder().build()?.serve().await`"
    )]
    InsideAsyncRuntime,

    /// The delivery journal could not be opened.
    #[error("{0}")]
    Journal(crate::journal::JournalError),

    /// The `healthcheck` probe did not get a 200 from `/healthz`.
    #[error("the server is not healthy: {0}")]
    Unhealthy(String),

    /// The async runtime could not be started, or the listener failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Two endpoints registered at the same route.
///
/// ```
/// use webhooks_runtime::{Error, WebhooksServer};
///
/// let error = WebhooksServer::builder()
///     .read_environment(false)
///     .include_registered(false)
///     .add_webhook("retrain", || async {})
///     .add_webhook("retrain", || async {})
///     .build()
///     .unwrap_err();
/// let Error::DuplicatePaths(clashes) = error else { panic!("expected a clash") };
/// assert_eq!(clashes[0].route, "/webhooks/retrain");
/// assert!(clashes[0].to_string().contains("give one of them another path"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatePath {
    /// The route both claim, `/webhooks/<path>`.
    pub route: String,
    /// The first endpoint: its function name and `file:line`.
    pub first: (String, String),
    /// The second endpoint: its function name and `file:line`.
    pub second: (String, String),
}

impl DuplicatePath {
    /// Every pair of neighbours in `sorted` (sorted by route) that share a route;
    /// `describe` gives an item's route, function name and location.
    pub(crate) fn find<T>(
        sorted: &[T],
        describe: impl Fn(&T) -> (String, String, String),
    ) -> Vec<DuplicatePath> {
        sorted
            .windows(2)
            .map(|pair| (describe(&pair[0]), describe(&pair[1])))
            .filter(|(first, second)| first.0 == second.0)
            .map(
                |(
                    (route, first_function, first_location),
                    (_, second_function, second_location),
                )| DuplicatePath {
                    route,
                    first: (first_function, first_location),
                    second: (second_function, second_location),
                },
            )
            .collect()
    }
}

impl fmt::Display for DuplicatePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "two webhook endpoints are registered at {}: `{}` ({}) and `{}` ({}); give one of them another path with #[webhook_endpoint(\"other_name\")]",
            self.route, self.first.0, self.first.1, self.second.0, self.second.1
        )
    }
}

struct DuplicateList<'a>(&'a [DuplicatePath]);

impl fmt::Display for DuplicateList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, duplicate) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{duplicate}")?;
        }
        Ok(())
    }
}
