//! Bounding the time before a connection says which HTTP version it speaks.
//!
//! hyper-util's automatic HTTP/1-or-2 detection reads the first bytes with no time limit, and
//! hyper's header read timeout only starts after it. A client that connects and sends nothing
//! would hold its connection (and a slot of the connection limit) forever. This waits, without
//! consuming anything, until the bytes received decide the version, for at most the header read
//! timeout.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long to wait before looking again at bytes that could still be an HTTP/2 preface.
const RECHECK: Duration = Duration::from_millis(10);

/// Whether the client sent, within `timeout`, enough to tell its HTTP version (or closed).
pub(crate) async fn version_decided_in_time(stream: &TcpStream, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut buffer = [0; H2_PREFACE.len()];
    loop {
        let peeked = match tokio::time::timeout_at(deadline, stream.peek(&mut buffer)).await {
            Ok(Ok(peeked)) => peeked,
            // An error or EOF: let hyper see it and close the connection.
            Ok(Err(_)) => return true,
            Err(_elapsed) => return false,
        };
        if peeked == 0 || peeked == H2_PREFACE.len() || buffer[..peeked] != H2_PREFACE[..peeked] {
            return true;
        }
        // Part of the HTTP/2 preface so far: `peek` would return the same bytes at once, so wait
        // a little before looking again.
        if Instant::now() + RECHECK > deadline {
            return false;
        }
        tokio::time::sleep(RECHECK).await;
    }
}
