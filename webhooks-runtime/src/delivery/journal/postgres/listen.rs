//! `LISTEN` on a connection of its own: another process's queued delivery wakes this one's worker
//! at once rather than at its next poll. Only a hint: a notification lost while reconnecting
//! costs at most one poll interval.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::CHANNEL;

/// Listens for as long as the journal's runtime runs, reconnecting after a lost connection (1 s,
/// doubling up to 30 s).
pub(crate) async fn listen(
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    wake: Arc<dyn Fn(&str) + Send + Sync>,
) {
    let mut wait = Duration::from_secs(1);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let (notified, mut notifications) = tokio::sync::mpsc::unbounded_channel();
                // The connection's messages, notifications among them, come from polling it.
                let driver = tokio::spawn(async move {
                    while let Some(message) =
                        std::future::poll_fn(|cx| connection.poll_message(cx)).await
                    {
                        match message {
                            Ok(AsyncMessage::Notification(notification)) => {
                                let _ = notified.send(notification.payload().to_owned());
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        wait = Duration::from_secs(1);
                        while let Some(endpoint) = notifications.recv().await {
                            wake(&endpoint);
                        }
                    }
                    Err(error) => tracing::debug!(%error, "cannot LISTEN for new deliveries"),
                }
                driver.abort();
            }
            Err(error) => {
                tracing::debug!(%error, "cannot open a connection to LISTEN for new deliveries");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}
