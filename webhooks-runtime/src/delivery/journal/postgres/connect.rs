//! From `WEBHOOKS_DATABASE_URL` to a pool of connections: the URL read without ever printing its
//! password, TLS with rustls, and the pool's bounds.

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::JournalError;

/// Connections kept open to the database by one process: background workers, the journal
/// writer and the delivery API share them.
const POOL_SIZE: usize = 8;

/// The longest wait for a connection: to open one, or for one to be free.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database URL, read.
pub(crate) struct Target {
    pub(crate) config: tokio_postgres::Config,
    /// `user@host:port/database`: what messages and the banner name, never the password.
    pub(crate) described: String,
    /// A PEM file of authorities to trust besides the public ones (`sslrootcert=` in the URL, or
    /// `PGSSLROOTCERT`).
    root_certificates: Option<String>,
}

impl Target {
    /// Reads `url` (`postgres://user:password@host:port/database?sslmode=require`, or the
    /// key=value form libpq accepts).
    pub(crate) fn parse(url: &str) -> Result<Self, JournalError> {
        let (url, root_certificates) = take_parameter(url, "sslrootcert");
        // libpq's verify-ca and verify-full, which managed databases' guides give, are what
        // `require` does here: rustls always checks the certificate.
        let (url, mode) = take_parameter(&url, "sslmode");
        let url = match mode.as_deref() {
            None => url,
            Some("verify-ca" | "verify-full") => with_parameter(&url, "sslmode", "require"),
            Some(mode) => with_parameter(&url, "sslmode", mode),
        };
        let mut config = tokio_postgres::Config::from_str(&url).map_err(|e| {
            JournalError::new("WEBHOOKS_DATABASE_URL is not a PostgreSQL connection URL (postgres://user:password@host:port/database)").with_source(e)
        })?;
        if config.get_application_name().is_none() {
            config.application_name("webhooks-runtime");
        }
        config.connect_timeout(CONNECT_TIMEOUT);
        let described = describe(&config);
        let root_certificates = root_certificates.or_else(|| {
            std::env::var("PGSSLROOTCERT")
                .ok()
                .filter(|path| !path.is_empty())
        });
        Ok(Target {
            config,
            described,
            root_certificates,
        })
    }

    /// The TLS client: the public authorities (webpki-roots), plus the PEM file given. Used
    /// when the URL's `sslmode` asks for TLS (`prefer`, the default, tries it first).
    pub(crate) fn tls(&self) -> Result<MakeRustlsConnect, JournalError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &self.root_certificates {
            let unreadable = |e: rustls::pki_types::pem::Error| {
                JournalError::new(format!("cannot read the certificates in {path}")).with_source(e)
            };
            for certificate in CertificateDer::pem_file_iter(path).map_err(unreadable)? {
                roots.add(certificate.map_err(unreadable)?).map_err(|e| {
                    JournalError::new(format!("cannot trust the certificate in {path}"))
                        .with_source(e)
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| JournalError::new("cannot set up TLS").with_source(e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    /// A pool of connections, opened as they are needed.
    pub(crate) fn pool(&self, tls: MakeRustlsConnect) -> Result<Pool, JournalError> {
        let manager = Manager::from_config(
            self.config.clone(),
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| JournalError::new("cannot set up the connection pool").with_source(e))
    }
}

/// `url` without its `name=value` query parameter, and that value: libpq's parameters that
/// tokio-postgres does not know would make it refuse the URL.
fn take_parameter(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, found)) if key == name => {
                value = Some(
                    percent_encoding::percent_decode_str(found)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
                false
            }
            _ => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, value)
}

/// `url` with `name=value` added to its query.
fn with_parameter(url: &str, name: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{name}={value}")
}

/// `user@host:port/database`, for messages.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("?");
    let database = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{database}")
}

#[cfg(test)]
mod tests {
    use super::{Target, take_parameter};

    #[test]
    fn the_password_never_shows_and_sslrootcert_is_taken_out() {
        let target =
            Target::parse("postgres://bot:s3cret@db.internal:6543/hub?sslmode=require&sslrootcert=%2Fetc%2Fca.pem")
                .unwrap();
        assert_eq!(target.described, "bot@db.internal:6543/hub");
        assert_eq!(
            target.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        let verified = Target::parse("postgres://bot@db/hub?sslmode=verify-full").unwrap();
        assert_eq!(
            verified.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require,
            "verify-full is accepted, and verifies"
        );
        assert_eq!(target.root_certificates.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(
            take_parameter("postgres://h/db?sslrootcert=a", "sslrootcert"),
            ("postgres://h/db".to_owned(), Some("a".to_owned()))
        );
        let error = Target::parse("mysql://bot:s3cret@db/hub")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("not a PostgreSQL connection URL"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }
}
