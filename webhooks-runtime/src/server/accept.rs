//! Accepting connections within the limits, serving each with the protocol its first bytes
//! announce, and draining them at a stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::server::conn::http1;
#[cfg(feature = "http2")]
use hyper::server::conn::http2;
use hyper::service::service_fn;
#[cfg(feature = "http2")]
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::limits::Limits;
use crate::server::protocol::{Protocol, protocol_within};
use crate::web::service::WebhooksService;

/// A bound server, not yet accepting.
pub(crate) struct Started {
    pub(crate) listener: TcpListener,
    pub(crate) addr: SocketAddr,
    pub(crate) base_url: String,
    /// The same service users embed: its workers started with it, and stop with the server.
    pub(crate) service: WebhooksService,
}

impl Started {
    /// Accepts connections until `stop` completes, then drains them gracefully.
    pub(crate) async fn accept_until(self, stop: impl Future<Output = ()>) {
        let limits = &self.service.app().limits;
        let protocols = Arc::new(Protocols::new(limits));
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(limits.max_connections));
        tokio::pin!(stop);
        loop {
            // At the connection limit, wait for one to close before accepting: new clients wait
            // in the listen queue instead of taking memory here.
            let permit = tokio::select! {
                permit = Arc::clone(&connections).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_closed) => break,
                },
                () = &mut stop => break,
            };
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: wait a little rather than spin.
                        tracing::error!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let _ = stream.set_nodelay(true);
            let header_read_timeout = limits.header_read_timeout;
            let for_connection = self.service.clone();
            let service = service_fn(move |request| {
                let service = for_connection.clone();
                async move {
                    let response = service.respond(request).await;
                    Ok::<_, std::convert::Infallible>(response.map(Full::new))
                }
            });
            let protocols = Arc::clone(&protocols);
            let watcher = graceful.watcher();
            crate::tasks::spawn(async move {
                // A client that goes away mid-request is not the server's problem, hence `let _`.
                match protocol_within(&stream, header_read_timeout).await {
                    Some(Protocol::Http1) => {
                        let connection = protocols
                            .http1
                            .serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    }
                    #[cfg(feature = "http2")]
                    Some(Protocol::Http2) => {
                        let connection = protocols
                            .http2
                            .serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    }
                    None => {}
                }
                drop(permit);
            });
        }
        // New connections are refused from here on; requests in flight finish.
        drop(self.listener);
        let deadline = limits.shutdown_timeout;
        let started = std::time::Instant::now();
        if tokio::time::timeout(deadline, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                ?deadline,
                "shutdown: requests still running after the deadline were abandoned"
            );
        }
        // Background handlers get what is left of the deadline; what they do not finish stays
        // queued for the next start.
        self.service
            .stop_workers(deadline.saturating_sub(started.elapsed()))
            .await;
    }
}

/// The HTTP/1.1 and HTTP/2 connection settings, with the limits applied.
struct Protocols {
    http1: http1::Builder,
    #[cfg(feature = "http2")]
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(limits: &Limits) -> Self {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            // The read buffer bounds the request head: a head that does not fit gets 431.
            .max_buf_size(limits.max_header_size)
            .max_headers(limits.max_headers);
        #[cfg(feature = "http2")]
        let http2 = {
            let mut http2 = http2::Builder::new(TokioExecutor::new());
            http2
                .timer(TokioTimer::new())
                .max_concurrent_streams(limits.max_concurrent_streams)
                .max_header_list_size(u32::try_from(limits.max_header_size).unwrap_or(u32::MAX))
                .keep_alive_interval(limits.header_read_timeout)
                .keep_alive_timeout(limits.header_read_timeout);
            http2
        };
        Protocols {
            http1,
            #[cfg(feature = "http2")]
            http2,
        }
    }
}
