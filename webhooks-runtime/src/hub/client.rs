//! The calls of the Hub's webhook API (HUB-WEBHOOKS.md §11), over `ureq` on a thread of their
//! own, so that they can be awaited on any async runtime and cannot stall its workers.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::hub::error::HubError;
use crate::hub::token::Token;
use crate::hub::token_source::TokenSource;
use crate::hub::types::{NewWebhook, WebhookInfo, WebhookUpdate};

/// Where the Hub is when `HF_ENDPOINT` is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How long one call may take, connection included, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for the webhooks of the account a token belongs to. Cheap to clone.
///
/// ```no_run
/// use webhooks_runtime::hub::{HubClient, NewWebhook};
///
/// # async fn example() -> Result<(), webhooks_runtime::hub::HubError> {
/// let hub = HubClient::from_environment()?; // HF_TOKEN, or the token `hf auth login` saved
/// for webhook in hub.list_webhooks().await? {
///     println!("{} {:?} disabled={}", webhook.id, webhook.url, webhook.disabled);
/// }
/// let created = hub
///     .create_webhook(&NewWebhook::to_url(
///         "https://acme-bot.hf.space/webhooks/retrain",
///         vec!["dataset:acme/data".parse().expect("a watched item")],
///     ))
///     .await?;
/// hub.disable_webhook(&created.id).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HubClient {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: String,
    token: Token,
    timeout: Duration,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.inner.endpoint)
            .field("token", &self.inner.token)
            .finish()
    }
}

impl HubClient {
    /// A client sending `token`, to `HF_ENDPOINT` when it is set, else to [`DEFAULT_ENDPOINT`].
    ///
    /// ```
    /// use webhooks_runtime::hub::{HubClient, Token, TokenSource};
    ///
    /// let hub = HubClient::new(Token::new("hf_xxx"));
    /// assert_eq!(hub.token_source(), &TokenSource::Given);
    /// ```
    pub fn new(token: Token) -> Self {
        let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_default();
        HubClient::build(token, &endpoint, DEFAULT_TIMEOUT)
    }

    /// A client with the token huggingface_hub would use ([`Token::from_environment`]), to
    /// `HF_ENDPOINT` or [`DEFAULT_ENDPOINT`].
    ///
    /// # Errors
    ///
    /// As [`Token::from_environment`].
    ///
    /// ```no_run
    /// let hub = webhooks_runtime::hub::HubClient::from_environment()?;
    /// println!("the token comes from {}", hub.token_source());
    /// # Ok::<(), webhooks_runtime::hub::HubError>(())
    /// ```
    pub fn from_environment() -> Result<Self, HubError> {
        Ok(HubClient::new(Token::from_environment()?))
    }

    /// A client sending `token` to `endpoint` (empty: [`DEFAULT_ENDPOINT`]).
    pub(crate) fn new_at(token: Token, endpoint: &str) -> Self {
        HubClient::build(token, endpoint, DEFAULT_TIMEOUT)
    }

    /// The same client, to another Hub (a mirror, or a fake in tests).
    ///
    /// ```
    /// use webhooks_runtime::hub::{HubClient, Token};
    ///
    /// let hub = HubClient::new(Token::new("hf_xxx")).with_endpoint("http://127.0.0.1:8080/");
    /// assert_eq!(hub.endpoint(), "http://127.0.0.1:8080");
    /// ```
    #[must_use]
    pub fn with_endpoint(self, endpoint: &str) -> Self {
        HubClient::build(self.inner.token.clone(), endpoint, self.inner.timeout)
    }

    /// The same client, giving each call `timeout` instead of [`DEFAULT_TIMEOUT`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhooks_runtime::hub::{HubClient, Token};
    ///
    /// let hub = HubClient::new(Token::new("hf_xxx")).with_timeout(Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        HubClient::build(self.inner.token.clone(), &self.inner.endpoint, timeout)
    }

    fn build(token: Token, endpoint: &str, timeout: Duration) -> Self {
        let endpoint = match endpoint.trim().trim_end_matches('/') {
            "" => DEFAULT_ENDPOINT.to_owned(),
            given => given.to_owned(),
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!("webhooks-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HubClient {
            inner: Arc::new(Inner {
                endpoint,
                token,
                timeout,
                agent,
            }),
        }
    }

    /// The Hub this client talks to, without a trailing `/`.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// Where its token came from.
    pub fn token_source(&self) -> &TokenSource {
        self.inner.token.source()
    }

    /// Every webhook of the token's account.
    ///
    /// # Errors
    ///
    /// [`HubError`]: no answer, a non-2xx answer, or one that is not a list of webhooks.
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookInfo>, HubError> {
        self.call(Call::get("list webhooks", String::new())).await
    }

    /// One webhook.
    ///
    /// # Errors
    ///
    /// As [`Self::list_webhooks`]; a 404 when there is no webhook `id` on this account.
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// let webhook = hub.get_webhook("6612a8f0c4e2d3b1a0f9e8d7").await?;
    /// println!("{:?} watches {} items", webhook.url, webhook.watched.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_webhook(&self, id: &str) -> Result<WebhookInfo, HubError> {
        self.call::<Wrapped>(Call::get(format!("get webhook {id}"), segment(id)))
            .await
            .map(Wrapped::into_inner)
    }

    /// Creates a webhook.
    ///
    /// # Errors
    ///
    /// As [`Self::list_webhooks`]; the Hub's 400 for a body it refuses.
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// use webhooks_runtime::hub::{Domain, NewWebhook};
    ///
    /// let new = NewWebhook::to_url("https://acme-bot.hf.space/webhooks/review", vec!["model:acme/bert".parse().expect("a watched item")])
    ///     .domains([Domain::Discussion]);
    /// let created = hub.create_webhook(&new).await?;
    /// println!("created {}", created.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_webhook(&self, new: &NewWebhook) -> Result<WebhookInfo, HubError> {
        let call = Call::post("create a webhook", String::new(), Some(new.body()));
        self.call::<Wrapped>(call).await.map(Wrapped::into_inner)
    }

    /// Changes what `update` sets. Without a watched list in `update`, the webhook's current
    /// one is read first and sent again, so that it stays as it is.
    ///
    /// # Errors
    ///
    /// As [`Self::get_webhook`].
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// use webhooks_runtime::hub::WebhookUpdate;
    ///
    /// // Moves the webhook; what it watches stays as it is.
    /// let update = WebhookUpdate::new().url("https://acme-bot.hf.space/webhooks/v2");
    /// hub.update_webhook("6612a8f0c4e2d3b1a0f9e8d7", &update).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_webhook(
        &self,
        id: &str,
        update: &WebhookUpdate,
    ) -> Result<WebhookInfo, HubError> {
        let watched = match &update.watched {
            Some(watched) => watched.clone(),
            None => self.get_webhook(id).await?.watched,
        };
        let call = Call::post(
            format!("update webhook {id}"),
            segment(id),
            Some(update.body(&watched)),
        );
        self.call::<Wrapped>(call).await.map(Wrapped::into_inner)
    }

    /// Makes the Hub send events to a disabled webhook again.
    ///
    /// # Errors
    ///
    /// As [`Self::get_webhook`].
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// let webhook = hub.enable_webhook("6612a8f0c4e2d3b1a0f9e8d7").await?;
    /// assert!(!webhook.disabled);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enable_webhook(&self, id: &str) -> Result<WebhookInfo, HubError> {
        let call = Call::post(
            format!("enable webhook {id}"),
            format!("{}/enable", segment(id)),
            None,
        );
        self.call::<Wrapped>(call).await.map(Wrapped::into_inner)
    }

    /// Stops the Hub sending events to a webhook, keeping it.
    ///
    /// # Errors
    ///
    /// As [`Self::get_webhook`].
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// let webhook = hub.disable_webhook("6612a8f0c4e2d3b1a0f9e8d7").await?;
    /// assert!(webhook.disabled);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disable_webhook(&self, id: &str) -> Result<WebhookInfo, HubError> {
        let call = Call::post(
            format!("disable webhook {id}"),
            format!("{}/disable", segment(id)),
            None,
        );
        self.call::<Wrapped>(call).await.map(Wrapped::into_inner)
    }

    /// Deletes a webhook.
    ///
    /// # Errors
    ///
    /// As [`Self::get_webhook`].
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// hub.delete_webhook("6612a8f0c4e2d3b1a0f9e8d7").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_webhook(&self, id: &str) -> Result<(), HubError> {
        let call = Call {
            action: format!("delete webhook {id}"),
            path: segment(id),
            method: Method::Delete,
            body: None,
        };
        self.call::<serde::de::IgnoredAny>(call).await.map(drop)
    }

    /// Makes the call on a thread of its own and waits for it without blocking the runtime.
    async fn call<T: DeserializeOwned + Send + 'static>(&self, call: Call) -> Result<T, HubError> {
        let inner = Arc::clone(&self.inner);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let action = call.action.clone();
        let spawned = std::thread::Builder::new()
            .name("hub-client".to_owned())
            .spawn(move || {
                let _ = sender.send(inner.call_blocking(&call));
            });
        if let Err(error) = spawned {
            return Err(self.unreachable(format!("cannot start a thread: {error}")));
        }
        receiver.await.unwrap_or_else(|_| {
            Err(HubError::UnexpectedAnswer {
                action,
                reason: "the call stopped without an answer".to_owned(),
            })
        })
    }

    fn unreachable(&self, reason: String) -> HubError {
        HubError::Unreachable {
            endpoint: self.inner.endpoint.clone(),
            reason,
        }
    }
}

/// `{"webhook": {…}}`, as every call on one webhook answers.
#[derive(serde::Deserialize)]
struct Wrapped {
    webhook: WebhookInfo,
}

impl Wrapped {
    fn into_inner(self) -> WebhookInfo {
        self.webhook
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Delete,
}

/// One request: its words for errors, its path under `/api/settings/webhooks`, its body.
struct Call {
    action: String,
    path: String,
    method: Method,
    body: Option<serde_json::Value>,
}

impl Call {
    fn get(action: impl Into<String>, path: String) -> Self {
        Call {
            action: action.into(),
            path,
            method: Method::Get,
            body: None,
        }
    }

    fn post(action: impl Into<String>, path: String, body: Option<serde_json::Value>) -> Self {
        Call {
            action: action.into(),
            path,
            method: Method::Post,
            body,
        }
    }
}

/// `/{id}`, percent-encoded: an id is the Hub's, but it is typed by users.
fn segment(id: &str) -> String {
    format!(
        "/{}",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    )
}

impl Inner {
    fn call_blocking<T: DeserializeOwned>(&self, call: &Call) -> Result<T, HubError> {
        let url = format!("{}/api/settings/webhooks{}", self.endpoint, call.path);
        let authorization = format!("Bearer {}", self.token.reveal());
        let sent = match call.method {
            Method::Get => self
                .agent
                .get(&url)
                .header("authorization", &authorization)
                .call(),
            Method::Delete => self
                .agent
                .delete(&url)
                .header("authorization", &authorization)
                .call(),
            Method::Post => {
                let request = self
                    .agent
                    .post(&url)
                    .header("authorization", &authorization);
                match &call.body {
                    Some(body) => request
                        .header("content-type", "application/json")
                        .send(body.to_string().as_bytes()),
                    None => request.send_empty(),
                }
            }
        };
        let mut response = sent.map_err(|error| HubError::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: no_answer(&error),
        })?;
        let status = response.status();
        let text =
            response
                .body_mut()
                .read_to_string()
                .map_err(|error| HubError::UnexpectedAnswer {
                    action: call.action.clone(),
                    reason: format!("its body could not be read: {error}"),
                })?;
        if !status.is_success() {
            return Err(HubError::Answered {
                action: call.action.clone(),
                status: status.as_u16(),
                message: hub_message(&text, status.canonical_reason().unwrap_or("")),
                token: self.token.source().clone(),
            });
        }
        // A delete may answer with an empty body.
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        serde_json::from_str(text).map_err(|error| HubError::UnexpectedAnswer {
            action: call.action.clone(),
            reason: error.to_string(),
        })
    }
}

/// The Hub's `{"error": "…"}` text, else the body's first 200 characters, else the reason.
fn hub_message(body: &str, reason: &str) -> String {
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(body)
        && let Some(serde_json::Value::String(error)) = object.get("error")
    {
        return error.clone();
    }
    match body.trim() {
        "" => reason.to_owned(),
        text => text.chars().take(200).collect(),
    }
}

/// Why a request got no answer, in one phrase.
fn no_answer(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (check HF_ENDPOINT or --endpoint)".to_owned()
        }
        ureq::Error::HostNotFound => "host not found (check the network or HF_ENDPOINT)".to_owned(),
        ureq::Error::ConnectionFailed => "cannot connect".to_owned(),
        ureq::Error::Timeout(_) => "no answer in time".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hubs_error_text_is_taken_from_its_json() {
        assert_eq!(
            hub_message(r#"{"error": "Invalid credentials"}"#, "Unauthorized"),
            "Invalid credentials"
        );
        assert_eq!(hub_message("", "Not Found"), "Not Found");
        assert_eq!(hub_message("<html>oops", "Bad Gateway"), "<html>oops");
    }

    #[test]
    fn endpoints_lose_their_trailing_slash_and_ids_are_escaped() {
        let client = HubClient::build(Token::new("t"), "http://127.0.0.1:1/", DEFAULT_TIMEOUT);
        assert_eq!(client.endpoint(), "http://127.0.0.1:1");
        assert_eq!(segment("a/b?c"), "/a%2Fb%3Fc");
        assert!(!format!("{client:?}").contains("\"t\""));
    }
}
