//! Making the webhook that targets a URL match what a deploy wants: created when missing,
//! updated where it differs, enabled when disabled, left alone otherwise.

use std::collections::BTreeSet;
use std::fmt;

use crate::hub::client::HubClient;
use crate::hub::error::HubError;
use crate::hub::types::{Domain, NewWebhook, WatchedItem, WebhookInfo, WebhookUpdate};

/// The webhook a deploy wants at a URL: [`HubClient::apply_webhook`].
///
/// ```
/// use webhooks_runtime::hub::{DesiredWebhook, Domain};
///
/// let desired = DesiredWebhook::new(
///     "https://acme-bot.hf.space/webhooks/retrain",
///     vec!["dataset:acme/data".parse()?],
/// )
/// .domains([Domain::Repo])
/// .secret("s3cret");
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct DesiredWebhook {
    url: String,
    watched: Vec<WatchedItem>,
    domains: Vec<Domain>,
    secret: Option<String>,
}

impl DesiredWebhook {
    /// Posting to `url` the events of `watched`, of both domains, its secret left as it is.
    ///
    /// ```
    /// let desired = webhooks_runtime::hub::DesiredWebhook::new("https://x.hf.space/webhooks/a", vec!["user:acme".parse()?]);
    /// assert_eq!(desired.url(), "https://x.hf.space/webhooks/a");
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn new(url: impl Into<String>, watched: Vec<WatchedItem>) -> Self {
        DesiredWebhook {
            url: url.into(),
            watched,
            domains: Domain::ALL.to_vec(),
            secret: None,
        }
    }

    /// Only these domains (both when never called).
    ///
    /// ```
    /// use webhooks_runtime::hub::{DesiredWebhook, Domain};
    ///
    /// let comments_only = DesiredWebhook::new("https://x.hf.space/webhooks/a", vec!["user:acme".parse()?]).domains([Domain::Discussion]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        self.domains = domains.into_iter().collect();
        self
    }

    /// With this secret; without, an existing webhook's secret is not compared or changed.
    ///
    /// ```
    /// let desired = webhooks_runtime::hub::DesiredWebhook::new("https://x.hf.space/webhooks/a", vec!["user:acme".parse()?])
    ///     .secret(std::env::var("WEBHOOK_SECRET").unwrap_or_default());
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The URL it targets.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What differs in `current`, in a fixed order.
    fn changes(&self, current: &WebhookInfo) -> Vec<Change> {
        let mut changes = Vec::new();
        if as_set(&self.watched) != as_set(&current.watched) {
            changes.push(Change::Watched);
        }
        if as_set(&self.domains) != as_set(&current.domains) {
            changes.push(Change::Domains);
        }
        if self
            .secret
            .as_ref()
            .is_some_and(|secret| current.secret.as_ref() != Some(secret))
        {
            changes.push(Change::Secret);
        }
        if current.disabled {
            changes.push(Change::Enabled);
        }
        changes
    }

    fn targets(&self, webhook: &WebhookInfo) -> bool {
        webhook
            .url
            .as_deref()
            .is_some_and(|url| url.trim_end_matches('/') == self.url.trim_end_matches('/'))
    }
}

impl fmt::Debug for DesiredWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredWebhook")
            .field("url", &self.url)
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

fn as_set<T: Ord>(items: &[T]) -> BTreeSet<&T> {
    items.iter().collect()
}

/// One thing [`HubClient::apply_webhook`] changed in an existing webhook.
///
/// ```
/// assert_eq!(webhooks_runtime::hub::Change::Watched.to_string(), "watched");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The watched list.
    Watched,
    /// The domains.
    Domains,
    /// The secret.
    Secret,
    /// It was disabled, and is enabled.
    Enabled,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::Watched => "watched",
            Change::Domains => "domains",
            Change::Secret => "secret",
            Change::Enabled => "enabled",
        })
    }
}

/// What [`HubClient::apply_webhook`] did. Its `Display` is the line `hf-webhooks hub apply`
/// prints: `created ID`, `updated ID (watched, secret)` or `unchanged ID`.
///
/// ```
/// use webhooks_runtime::hub::Applied;
///
/// fn wrote_something(applied: &Applied) -> bool {
///     !matches!(applied, Applied::Unchanged(_))
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Applied {
    /// No webhook targeted the URL: this one was created.
    Created(WebhookInfo),
    /// The webhook that targets the URL was changed.
    Updated {
        /// The webhook as it is now.
        webhook: WebhookInfo,
        /// What was changed.
        changes: Vec<Change>,
    },
    /// The webhook that targets the URL already matched.
    Unchanged(WebhookInfo),
}

impl Applied {
    /// The webhook as it is now.
    ///
    /// ```
    /// fn id(applied: &webhooks_runtime::hub::Applied) -> &str {
    ///     &applied.webhook().id
    /// }
    /// ```
    pub fn webhook(&self) -> &WebhookInfo {
        match self {
            Applied::Created(webhook)
            | Applied::Unchanged(webhook)
            | Applied::Updated { webhook, .. } => webhook,
        }
    }

    /// `created`, `updated` or `unchanged`.
    ///
    /// ```
    /// fn log(applied: &webhooks_runtime::hub::Applied) {
    ///     println!("{}: {}", applied.outcome(), applied.webhook().id);
    /// }
    /// ```
    pub fn outcome(&self) -> &'static str {
        match self {
            Applied::Created(_) => "created",
            Applied::Updated { .. } => "updated",
            Applied::Unchanged(_) => "unchanged",
        }
    }
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.outcome(), self.webhook().id)?;
        if let Applied::Updated { changes, .. } = self {
            let changes: Vec<String> = changes.iter().map(Change::to_string).collect();
            write!(f, " ({})", changes.join(", "))?;
        }
        Ok(())
    }
}

impl HubClient {
    /// Makes the webhook that targets `desired.url()` match `desired`: creates it when there is
    /// none, updates its watched list, domains and secret where they differ, enables it when
    /// disabled. Run again, it changes nothing and writes nothing, so a token that may only read
    /// is enough once the webhook matches.
    ///
    /// # Errors
    ///
    /// [`HubError::Ambiguous`] when several webhooks target the URL, and every error of the calls
    /// it makes.
    ///
    /// ```no_run
    /// # async fn example(hub: webhooks_runtime::hub::HubClient) -> Result<(), webhooks_runtime::hub::HubError> {
    /// use webhooks_runtime::hub::DesiredWebhook;
    ///
    /// let desired = DesiredWebhook::new("https://acme-bot.hf.space/webhooks/retrain", vec!["dataset:acme/data".parse().expect("a watched item")]);
    /// println!("{}", hub.apply_webhook(&desired).await?); // created 6612…, then unchanged 6612…
    /// # Ok(())
    /// # }
    /// ```
    pub async fn apply_webhook(&self, desired: &DesiredWebhook) -> Result<Applied, HubError> {
        let existing: Vec<WebhookInfo> = self
            .list_webhooks()
            .await?
            .into_iter()
            .filter(|webhook| desired.targets(webhook))
            .collect();
        let current = match <[WebhookInfo; 1]>::try_from(existing) {
            Ok([current]) => current,
            Err(existing) if existing.is_empty() => {
                let mut new = NewWebhook::to_url(&desired.url, desired.watched.clone())
                    .domains(desired.domains.clone());
                if let Some(secret) = &desired.secret {
                    new = new.secret(secret);
                }
                return self.create_webhook(&new).await.map(Applied::Created);
            }
            Err(existing) => {
                return Err(HubError::Ambiguous {
                    url: desired.url.clone(),
                    ids: existing.into_iter().map(|webhook| webhook.id).collect(),
                });
            }
        };
        let changes = desired.changes(&current);
        if changes.is_empty() {
            return Ok(Applied::Unchanged(current));
        }
        let mut webhook = current;
        if changes.iter().any(|change| *change != Change::Enabled) {
            let mut update = WebhookUpdate::new()
                .watched(desired.watched.clone())
                .domains(desired.domains.clone());
            if let Some(secret) = &desired.secret {
                update = update.secret(secret);
            }
            webhook = self.update_webhook(&webhook.id, &update).await?;
        }
        if changes.contains(&Change::Enabled) {
            webhook = self.enable_webhook(&webhook.id).await?;
        }
        Ok(Applied::Updated { webhook, changes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::types::WatchedKind;

    fn webhook(watched: &[&str], domains: &[Domain], secret: Option<&str>) -> WebhookInfo {
        WebhookInfo {
            id: "1".into(),
            url: Some("https://x/webhooks/a/".into()),
            job: None,
            watched: watched.iter().map(|item| item.parse().unwrap()).collect(),
            domains: domains.to_vec(),
            secret: secret.map(str::to_owned),
            disabled: false,
        }
    }

    #[test]
    fn order_does_not_count_and_an_unmanaged_secret_is_not_compared() {
        let desired = DesiredWebhook::new(
            "https://x/webhooks/a",
            vec![
                WatchedItem::new(WatchedKind::User, "me"),
                WatchedItem::new(WatchedKind::Model, "acme/m"),
            ],
        );
        let current = webhook(
            &["model:acme/m", "user:me"],
            &[Domain::Discussion, Domain::Repo],
            Some("old"),
        );
        assert!(desired.targets(&current));
        assert_eq!(desired.changes(&current), []);
        let desired = desired.secret("new").domains([Domain::Repo]);
        let mut disabled = current;
        disabled.disabled = true;
        assert_eq!(
            desired.changes(&disabled),
            [Change::Domains, Change::Secret, Change::Enabled]
        );
    }
}
