//! The builder's settings of what the server is to the outside: its secrets, address, public
//! URL, allowed hosts, landing page, metrics and Hub registration.

use std::net::{IpAddr, SocketAddr};

use crate::error::SettingError;
use crate::web::secret::Secret;

use super::WebhooksServerBuilder;

impl WebhooksServerBuilder {
    /// Requires every webhook request to carry this secret in `X-Webhook-Secret` (overrides
    /// `WEBHOOK_SECRET`). Set the same secret on the Hub.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .webhook_secret("my_secret")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn webhook_secret(self, secret: impl Into<String>) -> Self {
        self.webhook_secrets([secret])
    }

    /// Accepts any of these secrets (overrides `WEBHOOK_SECRET` and `WEBHOOK_SECRET_PREVIOUS`),
    /// to change the secret on the Hub without downtime: deploy with the new and the old one,
    /// change it on the Hub, then deploy with the new one alone.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     // While the Hub is switched to the new secret, both are accepted.
    ///     .webhook_secrets(["new_secret", "old_secret"])
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn webhook_secrets<S: Into<String>>(
        mut self,
        secrets: impl IntoIterator<Item = S>,
    ) -> Self {
        let secrets: Vec<Secret> = secrets
            .into_iter()
            .map(Into::into)
            .filter_map(|secret: String| {
                if secret.is_empty() {
                    self.errors.push(SettingError::EmptySecret);
                    None
                } else {
                    Some(Secret::new(secret))
                }
            })
            .collect();
        if secrets.is_empty() && self.errors.is_empty() {
            self.errors.push(SettingError::NoSecret);
        }
        self.requested.secrets = Some(secrets);
        self
    }

    /// The interface to listen on (overrides `WEBHOOKS_HOST`): `127.0.0.1` for this machine only,
    /// `0.0.0.0` for every interface.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .host(std::net::Ipv4Addr::UNSPECIFIED.into())
    ///     .port(8000)
    ///     .build()?;
    /// assert_eq!(server.addr().to_string(), "0.0.0.0:8000");
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn host(mut self, host: IpAddr) -> Self {
        self.requested.host = Some(host);
        self
    }

    /// The port to listen on (overrides `WEBHOOKS_PORT`); `0` takes a free port.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .port(8000)
    ///     .build()?;
    /// assert_eq!(server.addr().port(), 8000);
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.requested.port = Some(port);
        self
    }

    /// The address and port to listen on at once.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .addr(([127, 0, 0, 1], 8000).into())
    ///     .build()?;
    /// assert_eq!(server.addr().to_string(), "127.0.0.1:8000");
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn addr(self, addr: SocketAddr) -> Self {
        self.host(addr.ip()).port(addr.port())
    }

    /// The base URL printed at start and shown on the landing page, for a server reached through
    /// a proxy or tunnel (overrides the `https://$SPACE_HOST` of a Space).
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .public_url("https://my-bot.example.com")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.requested.public_url = Some(url.into());
        self
    }

    /// Host names (or addresses) answered while no webhook secret is set, besides loopback ones,
    /// the host of the public URL and `SPACE_HOST`; `"*"` answers any host (overrides
    /// `WEBHOOKS_ALLOWED_HOSTS`). Without a secret, any other `Host` gets 403: a web page whose
    /// name was rebound to this machine cannot reach the server.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// // Reached as http://devbox.lan:7860 from other machines of a trusted network.
    /// let server = WebhooksServer::builder()
    ///     .host("0.0.0.0".parse().unwrap())
    ///     .allowed_hosts(["devbox.lan"])
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.requested.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Serves this HTML at `GET /` instead of the default landing page.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .landing_page("<!doctype html><title>My bot</title><p>Nothing to see here.")
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn landing_page(mut self, html: impl Into<String>) -> Self {
        self.landing_page = Some(html.into());
        self
    }

    /// Whether to serve Prometheus metrics at `GET /metrics` (overrides `WEBHOOKS_METRICS`). By
    /// default they are served locally and not on a Space, where they would be public.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// let server = WebhooksServer::builder()
    ///     .metrics(false)
    ///     .build()?;
    /// # Ok::<(), webhooks_runtime::Error>(())
    /// ```
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.requested.metrics = Some(enabled);
        self
    }

    /// Registers one webhook per endpoint path on the Hub when the server starts, before it
    /// says it is ready (overrides `WEBHOOKS_HUB_WATCH`): each targets the public URL
    /// (`WEBHOOKS_PUBLIC_URL`, or a Space's `SPACE_HOST`) with the path, watches `watched`, carries
    /// the webhook secret, and takes the domains its endpoints' filters need. A webhook that
    /// already matches is left as it is; see [`HubClient::apply_webhook`](crate::hub::HubClient::apply_webhook).
    /// The token is the environment's ([`Token::from_environment`](crate::hub::Token::from_environment))
    /// unless [`Self::hub_client`] gives a client. `run`, `serve` and `spawn` register;
    /// [`WebhooksServer::into_service`](crate::WebhooksServer::into_service) does not (the
    /// server it is nested in has its own URL): call `HubClient::apply_webhook` there.
    ///
    /// ```no_run
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// WebhooksServer::builder()
    ///     .public_url("https://acme-bot.hf.space")
    ///     .register_on_hub(webhooks_runtime::hub::parse_watched_list("dataset:acme/data,user:acme")?)
    ///     .build()?
    ///     .run()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "hub")]
    pub fn register_on_hub(
        mut self,
        watched: impl IntoIterator<Item = crate::hub::WatchedItem>,
    ) -> Self {
        self.requested.hub_watch = Some(watched.into_iter().collect());
        self
    }

    /// The client [`Self::register_on_hub`] (or `WEBHOOKS_HUB_WATCH`) registers with, instead of
    /// one with the environment's token and `HF_ENDPOINT`.
    ///
    /// ```
    /// use webhooks_runtime::WebhooksServer;
    /// use webhooks_runtime::hub::{HubClient, Token};
    ///
    /// let builder = WebhooksServer::builder().hub_client(HubClient::new(Token::new("hf_xxx")));
    /// ```
    #[cfg(feature = "hub")]
    pub fn hub_client(mut self, client: crate::hub::HubClient) -> Self {
        self.requested.hub_client = Some(client);
        self
    }
}
