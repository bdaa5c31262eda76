//! A server running in the background, and how to stop it.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running in the background, from [`WebhooksServer::spawn`](crate::WebhooksServer::spawn).
///
/// Dropping the handle stops the server too, gracefully, without waiting for it.
///
/// ```
/// use webhooks_runtime::WebhooksServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), webhooks_runtime::Error> {
/// let handle = WebhooksServer::builder()
///     .read_environment(false)
///     .include_registered(false)
///     .journal(false)
///     .print_start_messages(false)
///     .addr(([127, 0, 0, 1], 0).into())
///     .build()?
///     .spawn()
///     .await?;
/// assert_ne!(handle.local_addr().port(), 0);
/// assert!(handle.base_url().starts_with("http://127.0.0.1:"));
/// handle.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ServerHandle {
    pub(crate) addr: SocketAddr,
    pub(crate) base_url: String,
    pub(crate) stop: Option<oneshot::Sender<()>>,
    pub(crate) task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server is bound to, with the real port when `0` was asked for.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// assert_ne!(handle.local_addr().port(), 0);
    /// # handle.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL the start messages print (`http://127.0.0.1:PORT`, or the public URL).
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// assert_eq!(handle.base_url(), format!("http://127.0.0.1:{}", handle.local_addr().port()));
    /// # handle.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops accepting connections, lets requests in flight finish (up to the shutdown timeout),
    /// and returns once the server has stopped.
    ///
    /// ```
    /// # use webhooks_runtime::WebhooksServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), webhooks_runtime::Error> {
    /// # let handle = WebhooksServer::builder()
    /// #     .read_environment(false)
    /// #     .print_start_messages(false)
    /// #     .journal(false)
    /// #     .port(0)
    /// #     .build()?
    /// #     .spawn()
    /// #     .await?;
    /// // `handle` is what `WebhooksServer::spawn` returned.
    /// let addr = handle.local_addr();
    /// handle.shutdown().await;
    /// assert!(std::net::TcpStream::connect(addr).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
