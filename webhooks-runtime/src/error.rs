//! What can stop the server from starting or running.

use std::fmt;

/// Why the server could not start or stopped with a failure.
///
/// ```
/// use webhooks_runtime::error::{Error, SettingError};
/// use webhooks_runtime::WebhooksServer;
///
/// let error = WebhooksServer::builder()
///     .read_environment(false)
///     .add_webhook("a b", || async {})
///     .build()
///     .unwrap_err();
/// assert!(matches!(&error, Error::Setting(problems) if matches!(problems[0], SettingError::InvalidPath { .. })));
/// assert!(error.to_string().contains("cannot be in a URL path segment"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Two or more endpoints share a path. Each clash names both functions and where they are.
    DuplicatePaths(Vec<DuplicatePath>),

    /// A setting from the environment is malformed.
    Config {
        /// The environment variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        reason: String,
    },

    /// Settings given to the builder are unusable: every problem found, at once.
    Setting(Vec<SettingError>),

    /// The address could not be bound (in use, or not an address of this machine).
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },

    /// `run()` was called from inside an async runtime, where it cannot block.
    InsideAsyncRuntime,

    /// The delivery journal could not be opened.
    Journal(JournalError),

    /// The `healthcheck` probe did not get a 200 from `/healthz`.
    Unhealthy {
        /// The address probed.
        addr: std::net::SocketAddr,
        /// What went wrong: no connection, or the status line it answered.
        reason: String,
    },

    /// The server could not register its webhooks on the Hub (feature `hub`,
    /// `WEBHOOKS_HUB_WATCH` or
    /// [`register_on_hub`](crate::WebhooksServerBuilder::register_on_hub)).
    #[cfg(feature = "hub")]
    HubRegistration {
        /// What it was doing: finding a token, or the URL it was registering.
        during: String,
        /// What the Hub client said.
        source: crate::hub::HubError,
    },

    /// The async runtime could not be started, or the listener failed.
    Io(std::io::Error),
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
/// assert!(clashes[0].second.function.starts_with("closure in "));
/// assert!(clashes[0].to_string().contains("give one of them another path"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DuplicatePath {
    /// The route both claim, `/webhooks/<path>`.
    pub route: String,
    /// The endpoint that sorts first.
    pub first: EndpointSource,
    /// The other one.
    pub second: EndpointSource,
}

/// Where an endpoint comes from: its function and the line it was written on.
///
/// ```
/// use webhooks_runtime::error::EndpointSource;
///
/// fn describe(source: &EndpointSource) -> String {
///     format!("`{}` at {}", source.function, source.location)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointSource {
    /// The function's name (for `add_webhook`, the closure's or function's name).
    pub function: String,
    /// `file:line` where it was written.
    pub location: String,
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
                |((route, function, location), (_, other, other_location))| DuplicatePath {
                    route,
                    first: EndpointSource { function, location },
                    second: EndpointSource {
                        function: other,
                        location: other_location,
                    },
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
            self.route,
            self.first.function,
            self.first.location,
            self.second.function,
            self.second.location
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

/// One unusable builder setting.
///
/// ```
/// use webhooks_runtime::error::{Error, SettingError};
/// use webhooks_runtime::WebhooksServer;
///
/// let error = WebhooksServer::builder()
///     .read_environment(false)
///     .include_registered(false)
///     .webhook_secret("")
///     .dedupe("nowhere", true)
///     .build()
///     .unwrap_err();
/// let Error::Setting(problems) = error else { panic!("expected setting errors") };
/// assert_eq!(problems[0], SettingError::EmptySecret);
/// assert!(matches!(&problems[1], SettingError::UnknownEndpoints { setting: "dedupe", .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingError {
    /// An endpoint path that cannot be served.
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it and what to write instead.
        reason: String,
    },
    /// An empty webhook secret.
    EmptySecret,
    /// `webhook_secrets` was given no secret.
    NoSecret,
    /// A setting that names endpoints by path names some that do not exist.
    UnknownEndpoints {
        /// The builder method: `endpoint_timeout` or `dedupe`.
        setting: &'static str,
        /// The paths no endpoint has, sorted.
        paths: Vec<String>,
    },
    /// `filter` was called before any `add_webhook` (or after one whose path was invalid).
    FilterWithoutEndpoint,
    /// `include_registered_in` names a module in which no `#[webhook_endpoint]` is defined.
    NoEndpointsInModule {
        /// The module path as given.
        module: String,
    },
    /// An endpoint needs the delivery journal, which is turned off.
    NeedsJournal {
        /// The endpoint's route, `/webhooks/<path>`.
        route: String,
    },

    /// A delivery lease shorter than a second: heartbeats (a third of it) would spin, and every
    /// running delivery would look abandoned.
    LeaseTooShort {
        /// The lease given.
        given: std::time::Duration,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DuplicatePaths(clashes) => write!(f, "{}", DuplicateList(clashes)),
            Error::Config {
                variable,
                value,
                reason,
            } => write!(f, "invalid {variable}={value:?}: {reason}"),
            Error::Setting(problems) => {
                write!(f, "invalid server setting: {}", SettingList(problems))
            }
            Error::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Error::InsideAsyncRuntime => f.write_str(
                "webhooks_runtime::run() blocks, so it cannot be called from inside an async runtime (such as #[tokio::main]); there, use `webhooks_runtime::serve().await` or `WebhooksServer::builder().build()?.serve().await`",
            ),
            Error::Journal(error) => fmt::Display::fmt(error, f),
            Error::Unhealthy { addr, reason } => {
                write!(f, "the server at {addr} is not healthy: {reason}")
            }
            #[cfg(feature = "hub")]
            Error::HubRegistration { during, source } => write!(
                f,
                "cannot register this server's webhooks on the Hub ({during}): {source}"
            ),
            Error::Io(error) => write!(f, "server I/O error: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } => Some(source),
            // Transparent: the journal error's own source.
            Error::Journal(error) => std::error::Error::source(error),
            #[cfg(feature = "hub")]
            Error::HubRegistration { source, .. } => Some(source),
            Error::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<JournalError> for Error {
    fn from(error: JournalError) -> Self {
        Error::Journal(error)
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingError::InvalidPath { reason, .. } => f.write_str(reason),
            SettingError::EmptySecret => {
                f.write_str("a webhook secret is empty; leave it unset to run without one")
            }
            SettingError::NoSecret => f.write_str("no webhook secret was given to `webhook_secrets`"),
            SettingError::UnknownEndpoints { setting, paths } => write!(
                f,
                "`{setting}` names endpoints that do not exist: {}",
                paths.join(", ")
            ),
            SettingError::NoEndpointsInModule { module } => write!(
                f,
                "`include_registered_in({module:?})`: no #[webhook_endpoint] is defined in that module or below it; write its path as `module_path!()` gives it, e.g. \"my_bot::public\""
            ),
            SettingError::FilterWithoutEndpoint => f.write_str(
                "`filter` applies to the endpoint added just before it: call it after `add_webhook`",
            ),
            SettingError::NeedsJournal { route } => write!(
                f,
                "{route} needs the delivery journal (background handling or duplicate detection), which is turned off"
            ),
            SettingError::LeaseTooShort { given } => {
                write!(f, "the delivery lease must be at least 1 second, not {given:?}")
            }
        }
    }
}

impl std::error::Error for SettingError {}

struct SettingList<'a>(&'a [SettingError]);

impl fmt::Display for SettingList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// A journal failure: the store could not be opened, read or written.
///
/// ```
/// use webhooks_runtime::error::JournalError;
///
/// let error = JournalError::new("cannot write a delivery")
///     .with_source(std::io::Error::other("disk I/O error"));
/// assert_eq!(error.to_string(), "delivery journal: cannot write a delivery: disk I/O error");
/// assert!(std::error::Error::source(&error).is_some());
/// ```
#[derive(Debug)]
pub struct JournalError {
    context: String,
    kind: JournalErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What kind of journal failure, for a program to act on: retry later, move a file aside, or
/// run a newer version.
///
/// ```
/// use webhooks_runtime::error::{JournalError, JournalErrorKind};
///
/// fn worth_retrying(error: &JournalError) -> bool {
///     error.kind() == JournalErrorKind::Unavailable
/// }
/// assert!(!worth_retrying(&JournalError::new("cannot write a delivery")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalErrorKind {
    /// The store cannot be reached now: PostgreSQL refused, went away, did not answer in time,
    /// or the journal was closed.
    Unavailable,
    /// The store's data is damaged (the file journal: not a database, or a corrupt file).
    Corrupt,
    /// The store was written by a newer version of webhooks-runtime, with a schema this one does
    /// not know.
    SchemaTooNew,
    /// Anything else: a file that cannot be created, a write refused, a query that failed.
    Other,
}

impl JournalError {
    /// A failure described by `context` (what was being done).
    ///
    /// ```
    /// use webhooks_runtime::error::JournalError;
    ///
    /// let error = JournalError::new("the journal is read-only");
    /// assert_eq!(error.to_string(), "delivery journal: the journal is read-only");
    /// ```
    pub fn new(context: impl Into<String>) -> Self {
        JournalError {
            context: context.into(),
            kind: JournalErrorKind::Other,
            source: None,
        }
    }

    /// The same failure, of `kind` (the default is [`JournalErrorKind::Other`]).
    ///
    /// ```
    /// use webhooks_runtime::error::{JournalError, JournalErrorKind};
    ///
    /// let error = JournalError::new("the store went away").with_kind(JournalErrorKind::Unavailable);
    /// assert_eq!(error.kind(), JournalErrorKind::Unavailable);
    /// ```
    #[must_use]
    pub fn with_kind(mut self, kind: JournalErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> JournalErrorKind {
        self.kind
    }

    /// The same failure, caused by `source` (what the store said).
    ///
    /// ```
    /// use webhooks_runtime::error::JournalError;
    ///
    /// let read = std::fs::read("/nonexistent/deliveries.log")
    ///     .map_err(|error| JournalError::new("cannot read the journal").with_source(error));
    /// assert!(read.unwrap_err().to_string().starts_with("delivery journal: cannot read the journal: "));
    /// ```
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What was being done.
    pub fn context(&self) -> &str {
        &self.context
    }
}

impl fmt::Display for JournalError {
    /// The context and, after a colon, the cause: journal errors end up in one log line or one
    /// start-up error, where the cause is what the reader needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "delivery journal: {}", self.context)?;
        match &self.source {
            Some(source) => write!(f, ": {source}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
