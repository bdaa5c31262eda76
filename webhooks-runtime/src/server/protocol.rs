//! Telling which HTTP version a connection speaks, within a time limit.
//!
//! This waits, without consuming anything, until the first bytes decide between HTTP/1 and the
//! HTTP/2 preface, for at most the header read timeout: a client that connects and sends nothing
//! must not hold its connection (and a slot of the connection limit) forever, and hyper's own
//! header read timeout only starts once a protocol serves the connection. Peeking also spares
//! every request the detection wrapper hyper-util's automatic builder puts around the socket.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long to wait before looking again at bytes that could still be an HTTP/2 preface.
const RECHECK: Duration = Duration::from_millis(10);

/// The HTTP version a connection opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http1,
    /// Without the `http2` feature, a connection that opens with the HTTP/2 preface is handed to
    /// HTTP/1, which closes it.
    #[cfg(feature = "http2")]
    Http2,
}

/// The version the client's first bytes announce, or `None` when it did not send enough to tell
/// within `timeout`. A connection closed or failed early is handed to HTTP/1, which ends it.
pub(crate) async fn protocol_within(stream: &TcpStream, timeout: Duration) -> Option<Protocol> {
    let deadline = Instant::now() + timeout;
    let mut buffer = [0; H2_PREFACE.len()];
    loop {
        let peeked = match tokio::time::timeout_at(deadline, stream.peek(&mut buffer)).await {
            Ok(Ok(peeked)) => peeked,
            // An error or EOF: let hyper see it and close the connection.
            Ok(Err(_)) => return Some(Protocol::Http1),
            Err(_elapsed) => return None,
        };
        if peeked == H2_PREFACE.len() && buffer == *H2_PREFACE {
            #[cfg(feature = "http2")]
            return Some(Protocol::Http2);
            #[cfg(not(feature = "http2"))]
            return Some(Protocol::Http1);
        }
        if peeked == 0 || buffer[..peeked] != H2_PREFACE[..peeked] {
            return Some(Protocol::Http1);
        }
        // Part of the HTTP/2 preface so far: `peek` would return the same bytes at once, so wait
        // a little before looking again.
        if Instant::now() + RECHECK > deadline {
            return None;
        }
        tokio::time::sleep(RECHECK).await;
    }
}
