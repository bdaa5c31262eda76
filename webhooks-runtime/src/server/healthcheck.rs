//! The `healthcheck` mode: `my-server healthcheck` exits 0 when the server configured by the same
//! environment answers `GET /healthz`, for a Dockerfile's `HEALTHCHECK`.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use crate::error::Error;
use crate::server::config::{self, Requested};
use crate::server::env;

/// How long the probe waits for the server, in all.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the process was started as `<binary> healthcheck`.
pub(crate) fn requested() -> bool {
    std::env::args_os()
        .nth(1)
        .is_some_and(|argument| argument == "healthcheck")
}

/// Asks the local server, at the address the environment configures, for `/healthz`.
/// [`run`](crate::run()) calls it when the binary is started as `<binary> healthcheck`; call it
/// yourself if your `main` does not use `run()`:
///
/// ```no_run
/// fn main() -> Result<(), webhooks_runtime::Error> {
///     if std::env::args().nth(1).as_deref() == Some("healthcheck") {
///         return webhooks_runtime::server::healthcheck();
///     }
///     webhooks_runtime::WebhooksServer::builder().build()?.run()
/// }
/// ```
///
/// # Errors
///
/// [`Error::Unhealthy`] when the server cannot be reached or does not answer 200, and
/// [`Error::Config`] for a malformed environment variable.
pub fn healthcheck() -> Result<(), Error> {
    let resolved = config::resolve(Requested::default(), &env::process_env)?;
    // A server listening on every interface is reached through loopback.
    let ip = match resolved.addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(ip, resolved.addr.port());
    probe(addr).map_err(|reason| Error::Unhealthy { addr, reason })
}

fn probe(addr: SocketAddr) -> Result<(), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).map_err(|error| error.to_string())?;
    stream
        .set_read_timeout(Some(PROBE_TIMEOUT))
        .map_err(|error| error.to_string())?;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|error| error.to_string())?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|error| error.to_string())?;
    let status_line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if status_line.starts_with("HTTP/1.1 200 ") {
        Ok(())
    } else {
        Err(format!("answered `{status_line}`"))
    }
}
