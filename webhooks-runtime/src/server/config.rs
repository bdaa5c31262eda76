//! Where each setting comes from: the builder, then the environment, then the defaults.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::limits::{DEFAULT_DELIVERY_LEASE, DEFAULT_SHUTDOWN_TIMEOUT};
use crate::server::env::Env;
use crate::web::hosts::{AllowedHosts, url_host};
use crate::web::secret::{Secret, Secrets};

/// The port the Python reference (Gradio) and Docker Spaces use.
///
/// ```
/// use webhooks_runtime::server::{DEFAULT_PORT, WebhooksServer};
///
/// let server = WebhooksServer::builder().read_environment(false).build()?;
/// assert_eq!(server.addr().port(), DEFAULT_PORT);
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub const DEFAULT_PORT: u16 = 7860;

/// What the builder was told; `None` means "ask the environment, then use the default".
#[derive(Debug, Clone, Default)]
pub(crate) struct Requested {
    /// Every secret accepted; `None` means "ask the environment".
    pub(crate) secrets: Option<Vec<Secret>>,
    pub(crate) host: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) public_url: Option<String>,
    pub(crate) metrics: Option<bool>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) admin_token: Option<Secret>,
    /// Hosts answered without a secret, besides loopback; `None` means "ask the environment".
    pub(crate) allowed_hosts: Option<Vec<String>>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) delivery_lease: Option<Duration>,
    /// The PostgreSQL journal's URL; `None` means "ask the environment".
    pub(crate) database_url: Option<Secret>,
    pub(crate) acknowledge_rejected: Option<bool>,
    /// What to register on the Hub; `None` means "ask the environment".
    #[cfg(feature = "hub")]
    pub(crate) hub_watch: Option<Vec<crate::hub::WatchedItem>>,
    /// The client to register with; `None` means "the token and endpoint of the environment".
    #[cfg(feature = "hub")]
    pub(crate) hub_client: Option<crate::hub::HubClient>,
}

/// The settings the server runs with.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Empty when no secret is configured: the endpoints are open.
    pub(crate) secrets: Secrets,
    pub(crate) addr: SocketAddr,
    /// `https://$SPACE_HOST` on a Space: the URL to print instead of the bound address.
    pub(crate) public_url: Option<String>,
    /// Whether `SPACE_ID` says the server runs on a Hugging Face Space.
    pub(crate) on_space: bool,
    /// Whether `/metrics` is served.
    pub(crate) metrics: bool,
    /// Where the delivery journal lives.
    pub(crate) data_dir: PathBuf,
    /// Opens the delivery API besides the webhook secret.
    pub(crate) admin_token: Option<Secret>,
    /// The hosts answered while no secret is configured.
    pub(crate) allowed_hosts: AllowedHosts,
    /// How long a graceful shutdown waits for requests and background handlers in flight.
    pub(crate) shutdown_timeout: Duration,
    /// How long a claim on a running background delivery holds without a heartbeat.
    pub(crate) delivery_lease: Duration,
    /// The PostgreSQL database holding the journal, instead of the file journal in the data dir.
    pub(crate) database_url: Option<Secret>,
    /// Whether a body the handlers cannot read is answered 200 `processed: false` instead of 422.
    pub(crate) acknowledge_rejected: bool,
    /// Warnings to print at start (never containing the secret).
    pub(crate) warnings: Vec<String>,
    /// The webhooks to register on the Hub before saying the server is ready.
    #[cfg(feature = "hub")]
    pub(crate) hub: Option<crate::server::register::HubRegistration>,
}

/// The first of `names` that is set to a non-empty value, with its name. Empty counts as unset,
/// as `${VAR}` expansions of unset variables in container configurations produce.
fn first_set(env: Env<'_>, names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|name| {
        env(name)
            .filter(|value| !value.is_empty())
            .map(|value| (*name, value))
    })
}

pub(crate) fn resolve(requested: Requested, env: Env<'_>) -> Result<Resolved, Error> {
    let mut warnings = Vec::new();
    let on_space = env("SPACE_ID").is_some_and(|id| !id.is_empty());

    let secrets = match requested.secrets {
        Some(secrets) => secrets,
        None => secrets_from_env(env, &mut warnings),
    };
    if secrets.iter().any(Secret::has_surrounding_whitespace) {
        warnings.push(
            "A webhook secret starts or ends with whitespace: the Hub sends the secret exactly as typed in its settings, so check for a copy-paste mistake."
                .to_owned(),
        );
    }

    let host = match requested.host {
        Some(host) => host,
        None => match first_set(env, &["WEBHOOKS_HOST", "GRADIO_SERVER_NAME"]) {
            Some((variable, value)) => parse_host(variable, &value)?,
            None if on_space => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        },
    };
    let port = match requested.port {
        Some(port) => port,
        None => match first_set(env, &["WEBHOOKS_PORT", "GRADIO_SERVER_PORT"]) {
            Some((variable, value)) => parse_port(variable, &value)?,
            None => DEFAULT_PORT,
        },
    };
    let public_url = match requested.public_url {
        Some(url) => Some(url),
        None => match first_set(env, &["WEBHOOKS_PUBLIC_URL"]) {
            Some((_, url)) => Some(url),
            None => first_set(env, &["SPACE_HOST"])
                .map(|(_, host)| format!("https://{}", host.trim_matches('/'))),
        },
    };
    let metrics = match requested.metrics {
        Some(enabled) => enabled,
        None => match first_set(env, &["WEBHOOKS_METRICS"]) {
            Some((variable, value)) => parse_switch(variable, &value)?,
            // Metrics would be public on a Space: there, they are opt-in.
            None => !on_space,
        },
    };
    let data_dir = match requested.data_dir {
        Some(dir) => dir,
        None => match first_set(env, &["WEBHOOKS_DATA_DIR"]) {
            Some((_, dir)) => PathBuf::from(dir),
            None if on_space => space_data_dir(&mut warnings),
            None => PathBuf::from("webhooks-data"),
        },
    };
    let admin_token = requested
        .admin_token
        .or_else(|| first_set(env, &["WEBHOOKS_ADMIN_TOKEN"]).map(|(_, token)| Secret::new(token)));
    let listed = requested.allowed_hosts.unwrap_or_else(|| {
        first_set(env, &["WEBHOOKS_ALLOWED_HOSTS"])
            .map(|(_, hosts)| hosts.split(',').map(str::to_owned).collect())
            .unwrap_or_default()
    });
    // The server's own names: where the public URL points, the Space's host, and the address it
    // is bound to when that is one address rather than all of them.
    let own = [
        public_url.as_deref().and_then(url_host).map(str::to_owned),
        first_set(env, &["SPACE_HOST"]).map(|(_, host)| host),
        (!host.is_unspecified()).then(|| host.to_string()),
    ];
    let allowed_hosts = AllowedHosts::new(listed.into_iter().chain(own.into_iter().flatten()));
    let shutdown_timeout = match requested.shutdown_timeout {
        Some(timeout) => timeout,
        None => match first_set(env, &["WEBHOOKS_SHUTDOWN_TIMEOUT"]) {
            Some((variable, value)) => parse_seconds(variable, &value)?,
            None => DEFAULT_SHUTDOWN_TIMEOUT,
        },
    };
    let delivery_lease = match requested.delivery_lease {
        Some(lease) => lease,
        None => match first_set(env, &["WEBHOOKS_DELIVERY_LEASE"]) {
            Some((variable, value)) => {
                let lease = parse_seconds(variable, &value)?;
                if lease < crate::limits::MIN_DELIVERY_LEASE {
                    return Err(Error::Config {
                        variable,
                        value,
                        reason:
                            "expected at least 1 second: workers renew the lease every third of it"
                                .to_owned(),
                    });
                }
                lease
            }
            None => DEFAULT_DELIVERY_LEASE,
        },
    };
    let acknowledge_rejected = match requested.acknowledge_rejected {
        Some(acknowledge) => acknowledge,
        None => match first_set(env, &["WEBHOOKS_ACK_REJECTED"]) {
            Some((variable, value)) => parse_switch(variable, &value)?,
            None => false,
        },
    };
    let database_url = requested
        .database_url
        .or_else(|| first_set(env, &["WEBHOOKS_DATABASE_URL"]).map(|(_, url)| Secret::new(url)));
    #[cfg(not(feature = "postgres"))]
    if database_url.is_some() {
        return Err(Error::Config {
            variable: "WEBHOOKS_DATABASE_URL",
            value: "(not shown: it may hold a password)".to_owned(),
            reason: "this program's webhooks-runtime was built without its `postgres` feature: add `features = [\"postgres\"]` to its dependency in Cargo.toml, or unset the variable to keep the journal in a file in WEBHOOKS_DATA_DIR".to_owned(),
        });
    }
    #[cfg(not(feature = "hub"))]
    if let Some((variable, value)) = first_set(env, &["WEBHOOKS_HUB_WATCH"]) {
        return Err(Error::Config {
            variable,
            value,
            reason: "this program's webhooks-runtime was built without its `hub` feature, which registers the webhooks on the Hub: add `features = [\"hub\"]` to its dependency in Cargo.toml, or unset the variable and set the webhook up with `hf-webhooks hub apply` or on https://huggingface.co/settings/webhooks".to_owned(),
        });
    }
    #[cfg(feature = "hub")]
    let hub = crate::server::register::resolve(
        requested.hub_watch,
        requested.hub_client,
        public_url.as_deref(),
        env,
    )?;
    Ok(Resolved {
        #[cfg(feature = "hub")]
        hub,
        acknowledge_rejected,
        database_url,
        shutdown_timeout,
        delivery_lease,
        allowed_hosts,
        data_dir,
        admin_token,
        metrics,
        secrets: Secrets::new(secrets),
        addr: SocketAddr::new(host, port),
        public_url,
        on_space,
        warnings,
    })
}

/// `WEBHOOK_SECRET`, and `WEBHOOK_SECRET_PREVIOUS` while rotating; empty values count as unset.
fn secrets_from_env(env: Env<'_>, warnings: &mut Vec<String>) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for variable in ["WEBHOOK_SECRET", "WEBHOOK_SECRET_PREVIOUS"] {
        match env(variable) {
            Some(value) if value.is_empty() => {
                warnings.push(format!("{variable} is set but empty, so it is ignored."));
            }
            Some(value) => secrets.push(Secret::new(value)),
            None => {}
        }
    }
    if secrets.len() == 1 && env("WEBHOOK_SECRET").is_none_or(|value| value.is_empty()) {
        warnings.push(
            "WEBHOOK_SECRET_PREVIOUS is set without WEBHOOK_SECRET: it is the only secret accepted.".to_owned(),
        );
    }
    secrets
}

fn parse_host(variable: &'static str, value: &str) -> Result<IpAddr, Error> {
    if value.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    value.trim().parse().map_err(|_| Error::Config {
        variable,
        value: value.to_owned(),
        reason: "expected an IP address such as 127.0.0.1 or 0.0.0.0, or `localhost`".to_owned(),
    })
}

/// A Space's persistent storage is mounted at `/data`; without it, files are lost at restart.
fn space_data_dir(warnings: &mut Vec<String>) -> PathBuf {
    let persistent = Path::new("/data");
    if persistent.is_dir() {
        return persistent.join("webhooks");
    }
    warnings.push(
        "This Space has no persistent storage (/data): the delivery history, and background deliveries still queued, will not survive a restart."
            .to_owned(),
    );
    std::env::temp_dir().join("webhooks-data")
}

fn parse_switch(variable: &'static str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::Config {
            variable,
            value: value.to_owned(),
            reason: "expected true or false (also 1/0, yes/no, on/off)".to_owned(),
        }),
    }
}

fn parse_seconds(variable: &'static str, value: &str) -> Result<Duration, Error> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| Error::Config {
            variable,
            value: value.to_owned(),
            reason: "expected a number of seconds, e.g. 30 or 2.5".to_owned(),
        })
}

fn parse_port(variable: &'static str, value: &str) -> Result<u16, Error> {
    value.trim().parse().map_err(|_| Error::Config {
        variable,
        value: value.to_owned(),
        reason: "expected a port number from 0 to 65535 (0 takes a free port)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_with(requested: Requested, vars: &[(&str, &str)]) -> Result<Resolved, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        resolve(requested, &env)
    }

    #[test]
    fn a_delivery_lease_under_a_second_is_refused_naming_the_variable() {
        let error = resolve_with(Requested::default(), &[("WEBHOOKS_DELIVERY_LEASE", "0")])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            error,
            "invalid WEBHOOKS_DELIVERY_LEASE=\"0\": expected at least 1 second: workers renew the lease every third of it"
        );
        let resolved =
            resolve_with(Requested::default(), &[("WEBHOOKS_DELIVERY_LEASE", "1.5")]).unwrap();
        assert_eq!(resolved.delivery_lease, Duration::from_millis(1500));
    }

    /// Run by `.ci/run` with `cargo test -p webhooks-runtime --lib`, which builds the runtime
    /// without its features (the workspace's `cargo test` unifies them on).
    #[cfg(not(feature = "hub"))]
    #[test]
    fn without_the_hub_feature_a_watch_list_stops_the_start_naming_the_feature() {
        let error = resolve_with(
            Requested::default(),
            &[("WEBHOOKS_HUB_WATCH", "model:acme/m")],
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.starts_with("invalid WEBHOOKS_HUB_WATCH=\"model:acme/m\": this program's webhooks-runtime was built without its `hub` feature"),
            "{error}"
        );
        assert!(error.contains("features = [\"hub\"]"), "{error}");
    }

    #[cfg(feature = "hub")]
    #[test]
    fn with_the_hub_feature_a_watch_list_needs_a_public_url_and_a_token() {
        let watch = ("WEBHOOKS_HUB_WATCH", "model:acme/m");
        let error = resolve_with(Requested::default(), &[watch]).err().unwrap();
        assert!(
            error.to_string().contains("set WEBHOOKS_PUBLIC_URL"),
            "{error}"
        );
        let resolved = resolve_with(
            Requested::default(),
            &[
                watch,
                ("SPACE_HOST", "acme-bot.hf.space"),
                ("HF_TOKEN", "hf_x"),
            ],
        )
        .unwrap();
        let registration = resolved.hub.unwrap();
        assert_eq!(registration.public_url, "https://acme-bot.hf.space");
        assert_eq!(registration.client.endpoint(), "https://huggingface.co");
        // Started as a Hub Job, it serves nothing: no registration, and nothing it needs asked.
        let job = resolve_with(Requested::default(), &[watch, ("WEBHOOK_PAYLOAD", "{}")]).unwrap();
        assert!(job.hub.is_none());
    }

    #[test]
    fn defaults_are_loopback_7860_without_secret() {
        let resolved = resolve_with(Requested::default(), &[]).unwrap();
        assert_eq!(resolved.addr, "127.0.0.1:7860".parse().unwrap());
        assert!(resolved.secrets.is_empty());
        assert!(!resolved.on_space);
        assert_eq!(resolved.public_url, None);
    }

    #[test]
    fn on_a_space_binds_every_interface_and_prints_the_space_url() {
        let resolved = resolve_with(
            Requested::default(),
            &[
                ("SPACE_ID", "acme/bot"),
                ("SPACE_HOST", "acme-bot.hf.space"),
            ],
        )
        .unwrap();
        assert_eq!(resolved.addr, "0.0.0.0:7860".parse().unwrap());
        assert_eq!(
            resolved.public_url.as_deref(),
            Some("https://acme-bot.hf.space")
        );
        assert!(resolved.on_space);
    }

    #[test]
    fn public_url_variable_wins_over_the_space_host() {
        let resolved = resolve_with(
            Requested::default(),
            &[
                ("SPACE_HOST", "a.hf.space"),
                ("WEBHOOKS_PUBLIC_URL", "https://tunnel.example"),
            ],
        )
        .unwrap();
        assert_eq!(
            resolved.public_url.as_deref(),
            Some("https://tunnel.example")
        );
    }

    #[test]
    fn allowed_hosts_gather_the_list_the_public_url_and_the_space_host() {
        let resolved = resolve_with(
            Requested::default(),
            &[
                ("WEBHOOKS_ALLOWED_HOSTS", " bot.example , 10.0.0.5"),
                ("WEBHOOKS_PUBLIC_URL", "https://tunnel.example:8443/hooks"),
                ("SPACE_HOST", "acme-bot.hf.space"),
                ("WEBHOOKS_HOST", "192.168.1.5"),
            ],
        )
        .unwrap();
        assert_eq!(
            resolved.allowed_hosts,
            AllowedHosts::new(
                [
                    "bot.example",
                    "10.0.0.5",
                    "tunnel.example",
                    "acme-bot.hf.space",
                    "192.168.1.5"
                ]
                .map(str::to_owned)
            )
        );
    }

    #[test]
    fn webhooks_variables_win_over_gradio_ones() {
        let resolved = resolve_with(
            Requested::default(),
            &[
                ("WEBHOOKS_PORT", "8080"),
                ("GRADIO_SERVER_PORT", "9090"),
                ("GRADIO_SERVER_NAME", "0.0.0.0"),
            ],
        )
        .unwrap();
        assert_eq!(resolved.addr, "0.0.0.0:8080".parse().unwrap());
    }

    #[test]
    fn builder_wins_over_environment() {
        let requested = Requested {
            secrets: Some(vec![Secret::new("from-builder")]),
            host: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: Some(0),
            public_url: None,
            allowed_hosts: None,
            shutdown_timeout: None,
            delivery_lease: None,
            database_url: None,
            metrics: None,
            data_dir: None,
            admin_token: None,
            acknowledge_rejected: Some(false),
            #[cfg(feature = "hub")]
            hub_watch: None,
            #[cfg(feature = "hub")]
            hub_client: None,
        };
        let resolved = resolve_with(
            requested,
            &[
                ("WEBHOOK_SECRET", "from-env"),
                ("WEBHOOKS_PORT", "abc"),
                ("WEBHOOKS_HOST", "x"),
            ],
        )
        .unwrap();
        assert_eq!(resolved.addr.port(), 0);
        assert_eq!(
            resolved.secrets,
            Secrets::new(vec![Secret::new("from-builder")])
        );
    }

    #[test]
    fn malformed_port_names_the_variable() {
        let err = resolve_with(Requested::default(), &[("WEBHOOKS_PORT", "abc")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid WEBHOOKS_PORT=\"abc\": expected a port number from 0 to 65535 (0 takes a free port)"
        );
        let err =
            resolve_with(Requested::default(), &[("GRADIO_SERVER_PORT", "70000")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid GRADIO_SERVER_PORT=\"70000\""),
            "{err}"
        );
    }

    #[test]
    fn previous_secret_is_accepted_beside_the_current_one() {
        let resolved = resolve_with(
            Requested::default(),
            &[
                ("WEBHOOK_SECRET", "new"),
                ("WEBHOOK_SECRET_PREVIOUS", "old"),
            ],
        )
        .unwrap();
        assert_eq!(
            resolved.secrets,
            Secrets::new(vec![Secret::new("new"), Secret::new("old")])
        );
        assert!(resolved.warnings.is_empty());
    }

    #[test]
    fn metrics_are_on_locally_off_on_a_space_and_switchable() {
        assert!(resolve_with(Requested::default(), &[]).unwrap().metrics);
        assert!(
            !resolve_with(Requested::default(), &[("SPACE_ID", "a/b")])
                .unwrap()
                .metrics
        );
        let on_space = [("SPACE_ID", "a/b"), ("WEBHOOKS_METRICS", "true")];
        assert!(
            resolve_with(Requested::default(), &on_space)
                .unwrap()
                .metrics
        );
        let err = resolve_with(Requested::default(), &[("WEBHOOKS_METRICS", "maybe")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid WEBHOOKS_METRICS=\"maybe\""),
            "{err}"
        );
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let resolved = resolve_with(
            Requested::default(),
            &[("WEBHOOKS_PORT", ""), ("GRADIO_SERVER_PORT", "9000")],
        )
        .unwrap();
        assert_eq!(resolved.addr.port(), 9000);
    }

    #[test]
    fn malformed_host_names_the_variable() {
        let err = resolve_with(Requested::default(), &[("WEBHOOKS_HOST", "my host")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid WEBHOOKS_HOST=\"my host\""),
            "{err}"
        );
    }

    #[test]
    fn empty_secret_variable_is_no_secret_with_a_warning() {
        let resolved = resolve_with(Requested::default(), &[("WEBHOOK_SECRET", "")]).unwrap();
        assert!(resolved.secrets.is_empty());
        assert_eq!(
            resolved.warnings,
            ["WEBHOOK_SECRET is set but empty, so it is ignored."]
        );
    }

    #[test]
    fn secret_with_whitespace_is_kept_with_a_warning_that_does_not_show_it() {
        let resolved = resolve_with(Requested::default(), &[("WEBHOOK_SECRET", "abc \n")]).unwrap();
        assert_eq!(resolved.secrets, Secrets::new(vec![Secret::new("abc \n")]));
        assert!(resolved.warnings[0].contains("whitespace"));
        assert!(!resolved.warnings[0].contains("abc"));
    }
}
