//! The Hub's webhook objects as its API sends and takes them (HUB-WEBHOOKS.md §11, from
//! huggingface_hub's `hf_api.py`): what a webhook watches, its domains, the webhook itself, and
//! the bodies of a create and an update.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a webhook watches: one repo, or every repo of a user or an organization.
///
/// ```
/// use webhooks_runtime::hub::{WatchedItem, WatchedKind};
///
/// let item: WatchedItem = "model:acme/bert".parse()?;
/// assert_eq!(item, WatchedItem::new(WatchedKind::Model, "acme/bert"));
/// assert_eq!(item.to_string(), "model:acme/bert");
/// assert!("repo:acme/bert".parse::<WatchedItem>().is_err());
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WatchedItem {
    /// A repo's type, or `user` / `org`.
    #[serde(rename = "type")]
    pub kind: WatchedKind,
    /// `owner/name` for a repo, the account's name for a user or an organization.
    pub name: String,
}

impl WatchedItem {
    /// Watches `name` as `kind`.
    ///
    /// ```
    /// use webhooks_runtime::hub::{WatchedItem, WatchedKind};
    ///
    /// let every_repo_of_acme = WatchedItem::new(WatchedKind::Org, "acme");
    /// assert_eq!(every_repo_of_acme.to_string(), "org:acme");
    /// ```
    pub fn new(kind: WatchedKind, name: impl Into<String>) -> Self {
        WatchedItem {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for WatchedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.name)
    }
}

impl FromStr for WatchedItem {
    type Err = ParseError;

    /// `TYPE:NAME`, as `hf webhooks create --watch` takes it: `model:acme/bert`, `user:julien-c`.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let Some((kind, name)) = text.split_once(':') else {
            return Err(ParseError(format!(
                "`{text}`: expected TYPE:NAME, such as model:acme/bert or user:julien-c"
            )));
        };
        let kind: WatchedKind = kind
            .parse()
            .map_err(|ParseError(reason)| ParseError(format!("`{text}`: {reason}")))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(ParseError(format!("`{text}`: the name after `:` is empty")));
        }
        Ok(WatchedItem::new(kind, name))
    }
}

/// `Display`, `Serialize` and `Deserialize` as the Hub's string, for an enum with `as_str` and a
/// `read` that keeps unknown values.
macro_rules! hub_string {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok($name::read(&String::deserialize(deserializer)?))
            }
        }
    };
}

hub_string!(WatchedKind);
hub_string!(Domain);

/// The kinds of thing a webhook watches.
///
/// ```
/// use webhooks_runtime::hub::WatchedKind;
///
/// assert_eq!("space".parse::<WatchedKind>()?, WatchedKind::Space);
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WatchedKind {
    /// A model repo.
    Model,
    /// A dataset repo.
    Dataset,
    /// A Space.
    Space,
    /// Every repo of a user.
    User,
    /// Every repo of an organization.
    Org,
    /// A kind the Hub sent that this version does not know, kept as it came.
    Other(String),
}

/// The kinds a webhook can watch, as the Hub spells them.
pub const WATCHED_KINDS: [&str; 5] = ["model", "dataset", "space", "user", "org"];

impl WatchedKind {
    /// As the Hub spells it.
    ///
    /// ```
    /// assert_eq!(webhooks_runtime::hub::WatchedKind::Dataset.as_str(), "dataset");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            WatchedKind::Model => "model",
            WatchedKind::Dataset => "dataset",
            WatchedKind::Space => "space",
            WatchedKind::User => "user",
            WatchedKind::Org => "org",
            WatchedKind::Other(other) => other,
        }
    }

    fn read(text: &str) -> Self {
        match text {
            "model" => WatchedKind::Model,
            "dataset" => WatchedKind::Dataset,
            "space" => WatchedKind::Space,
            "user" => WatchedKind::User,
            "org" => WatchedKind::Org,
            other => WatchedKind::Other(other.to_owned()),
        }
    }
}

impl FromStr for WatchedKind {
    type Err = ParseError;

    /// One of [`WATCHED_KINDS`]; anything else is refused, as a typo would be.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        match WatchedKind::read(text.trim()) {
            WatchedKind::Other(other) => Err(ParseError(format!(
                "unknown type `{other}`; a webhook watches a {}",
                WATCHED_KINDS.join(", ")
            ))),
            known => Ok(known),
        }
    }
}

/// Which events a webhook sends: about repos, about discussions, or both.
///
/// The Hub and huggingface_hub's docs say `discussion`; huggingface_hub's constant says
/// `discussions` (HUB-WEBHOOKS.md §11). This client sends `discussion` and reads both.
///
/// ```
/// use webhooks_runtime::hub::Domain;
///
/// assert_eq!("discussion".parse::<Domain>()?, Domain::Discussion);
/// assert_eq!("discussions".parse::<Domain>()?, Domain::Discussion);
/// assert_eq!(Domain::Discussion.to_string(), "discussion");
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Domain {
    /// Repo events: `repo`, `repo.content`, `repo.config`.
    Repo,
    /// Discussion events: `discussion`, `discussion.comment`.
    Discussion,
    /// A domain the Hub sent that this version does not know, kept as it came.
    Other(String),
}

impl Domain {
    /// Both domains: what a webhook that wants every event watches.
    pub const ALL: [Domain; 2] = [Domain::Repo, Domain::Discussion];

    /// As the Hub spells it.
    ///
    /// ```
    /// assert_eq!(webhooks_runtime::hub::Domain::Repo.as_str(), "repo");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Domain::Repo => "repo",
            Domain::Discussion => "discussion",
            Domain::Other(other) => other,
        }
    }

    fn read(text: &str) -> Self {
        match text {
            "repo" => Domain::Repo,
            "discussion" | "discussions" => Domain::Discussion,
            other => Domain::Other(other.to_owned()),
        }
    }
}

impl FromStr for Domain {
    type Err = ParseError;

    /// `repo` or `discussion` (`discussions` too).
    fn from_str(text: &str) -> Result<Self, ParseError> {
        match Domain::read(text.trim()) {
            Domain::Other(other) => Err(ParseError(format!(
                "unknown domain `{other}`; expected repo or discussion"
            ))),
            known => Ok(known),
        }
    }
}

/// A watched item or a domain that could not be read from text.
///
/// ```
/// let error = "acme/bert".parse::<webhooks_runtime::hub::WatchedItem>().unwrap_err();
/// assert!(error.to_string().contains("expected TYPE:NAME"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub(crate) String);

/// `model:acme/m,user:me`: a comma-separated list of [`WatchedItem`]s, as `WEBHOOKS_HUB_WATCH`
/// holds it.
///
/// # Errors
///
/// The first item that does not read, or an empty list.
///
/// ```
/// let items = webhooks_runtime::hub::parse_watched_list("model:acme/m, user:me")?;
/// assert_eq!(items.len(), 2);
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
pub fn parse_watched_list(text: &str) -> Result<Vec<WatchedItem>, ParseError> {
    let items = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::parse)
        .collect::<Result<Vec<WatchedItem>, _>>()?;
    if items.is_empty() {
        return Err(ParseError(
            "no TYPE:NAME in the list, such as model:acme/bert,user:julien-c".to_owned(),
        ));
    }
    Ok(items)
}

/// A webhook on the Hub, as its API returns it.
///
/// Its `Debug` shows the secret as `***`.
///
/// ```
/// use webhooks_runtime::hub::WebhookInfo;
///
/// fn describe(webhook: &WebhookInfo) -> String {
///     let target = webhook.url.as_deref().unwrap_or("(job)");
///     format!("{} -> {target}{}", webhook.id, if webhook.disabled { " (disabled)" } else { "" })
/// }
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookInfo {
    /// The webhook's id, for [`HubClient::get_webhook`](crate::hub::HubClient::get_webhook) and
    /// the other calls.
    pub id: String,
    /// Where the Hub posts each event; `None` for a webhook that starts a Job.
    #[serde(default)]
    pub url: Option<String>,
    /// The Job started for each event (the Hub's Job spec, camelCase: `dockerImage`, `command`,
    /// …); `None` for a webhook that posts to a URL.
    #[serde(default)]
    pub job: Option<serde_json::Value>,
    /// What it watches.
    #[serde(default)]
    pub watched: Vec<WatchedItem>,
    /// Which events it sends.
    #[serde(default)]
    pub domains: Vec<Domain>,
    /// The secret sent in `X-Webhook-Secret`; the Hub returns it in clear.
    #[serde(default)]
    pub secret: Option<String>,
    /// Whether the Hub stopped sending (by hand, or after too many failed deliveries).
    #[serde(default)]
    pub disabled: bool,
}

impl fmt::Debug for WebhookInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookInfo")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("job", &self.job)
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// Where a new webhook sends its events.
///
/// ```
/// use webhooks_runtime::hub::{NewWebhook, WebhookTarget};
///
/// let new = NewWebhook::new(WebhookTarget::Job("6612b0…".into()), vec!["user:acme".parse()?]);
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookTarget {
    /// POSTs each event to this URL.
    Url(String),
    /// Starts a run of this Job for each event (the Hub's `jobSourceId`), with the payload in
    /// `WEBHOOK_PAYLOAD`.
    Job(String),
}

/// A webhook to create: [`HubClient::create_webhook`](crate::hub::HubClient::create_webhook).
///
/// ```
/// use webhooks_runtime::hub::{Domain, NewWebhook, WatchedItem};
///
/// let new = NewWebhook::to_url(
///     "https://acme-bot.hf.space/webhooks/retrain",
///     vec!["dataset:acme/data".parse::<WatchedItem>()?],
/// )
/// .domains([Domain::Repo])
/// .secret("s3cret");
/// # Ok::<(), webhooks_runtime::hub::ParseError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct NewWebhook {
    pub(crate) target: WebhookTarget,
    pub(crate) watched: Vec<WatchedItem>,
    pub(crate) domains: Option<Vec<Domain>>,
    pub(crate) secret: Option<String>,
}

impl NewWebhook {
    /// A webhook that posts to `url` the events of `watched`.
    ///
    /// ```
    /// let new = webhooks_runtime::hub::NewWebhook::to_url("https://acme-bot.hf.space/webhooks/a", vec!["user:acme".parse()?]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn to_url(url: impl Into<String>, watched: Vec<WatchedItem>) -> Self {
        NewWebhook::new(WebhookTarget::Url(url.into()), watched)
    }

    /// A webhook that starts the Job `job_id` for each event of `watched`.
    ///
    /// ```
    /// let new = webhooks_runtime::hub::NewWebhook::to_job("6612b0c1d2e3f4a5b6c7d8e9", vec!["dataset:acme/data".parse()?]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn to_job(job_id: impl Into<String>, watched: Vec<WatchedItem>) -> Self {
        NewWebhook::new(WebhookTarget::Job(job_id.into()), watched)
    }

    /// A webhook to `target` for the events of `watched`.
    ///
    /// ```
    /// use webhooks_runtime::hub::{NewWebhook, WebhookTarget};
    ///
    /// let new = NewWebhook::new(WebhookTarget::Url("https://x.hf.space/webhooks/a".into()), vec!["user:acme".parse()?]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn new(target: WebhookTarget, watched: Vec<WatchedItem>) -> Self {
        NewWebhook {
            target,
            watched,
            domains: None,
            secret: None,
        }
    }

    /// Only these domains; when not set, the Hub chooses (not documented).
    ///
    /// ```
    /// use webhooks_runtime::hub::{Domain, NewWebhook};
    ///
    /// let repo_events_only = NewWebhook::to_url("https://x.hf.space/webhooks/a", vec!["user:acme".parse()?]).domains([Domain::Repo]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        self.domains = Some(domains.into_iter().collect());
        self
    }

    /// The secret the Hub sends in `X-Webhook-Secret`.
    ///
    /// ```
    /// let new = webhooks_runtime::hub::NewWebhook::to_url("https://x.hf.space/webhooks/a", vec!["user:acme".parse()?])
    ///     .secret(std::env::var("WEBHOOK_SECRET").unwrap_or_default());
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The request body, in the Hub's field names.
    pub(crate) fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "watched": self.watched });
        match &self.target {
            WebhookTarget::Url(url) => body["url"] = url.as_str().into(),
            WebhookTarget::Job(id) => body["jobSourceId"] = id.as_str().into(),
        }
        with_domains_and_secret(body, self.domains.as_deref(), self.secret.as_deref())
    }
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("target", &self.target)
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What to change in a webhook: [`HubClient::update_webhook`](crate::hub::HubClient::update_webhook).
/// What is not set stays as it is; the watched list too (the client sends the current one, where
/// huggingface_hub would send `[]`).
///
/// ```
/// use webhooks_runtime::hub::WebhookUpdate;
///
/// let update = WebhookUpdate::new().url("https://acme-bot.hf.space/webhooks/retrain");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct WebhookUpdate {
    pub(crate) url: Option<String>,
    pub(crate) watched: Option<Vec<WatchedItem>>,
    pub(crate) domains: Option<Vec<Domain>>,
    pub(crate) secret: Option<String>,
}

impl WebhookUpdate {
    /// Changes nothing yet.
    ///
    /// ```
    /// let nothing_yet = webhooks_runtime::hub::WebhookUpdate::new();
    /// ```
    pub fn new() -> Self {
        WebhookUpdate::default()
    }

    /// Posts to this URL from now on.
    ///
    /// ```
    /// let update = webhooks_runtime::hub::WebhookUpdate::new().url("https://x.hf.space/webhooks/v2");
    /// ```
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Watches exactly these from now on.
    ///
    /// ```
    /// let update = webhooks_runtime::hub::WebhookUpdate::new().watched(vec!["model:acme/bert".parse()?]);
    /// # Ok::<(), webhooks_runtime::hub::ParseError>(())
    /// ```
    pub fn watched(mut self, watched: Vec<WatchedItem>) -> Self {
        self.watched = Some(watched);
        self
    }

    /// Sends these domains from now on.
    ///
    /// ```
    /// use webhooks_runtime::hub::{Domain, WebhookUpdate};
    ///
    /// let update = WebhookUpdate::new().domains(Domain::ALL);
    /// ```
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        self.domains = Some(domains.into_iter().collect());
        self
    }

    /// Sends this secret from now on.
    ///
    /// ```
    /// let rotated = webhooks_runtime::hub::WebhookUpdate::new().secret("new-secret");
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The request body, with the watched list it is to keep.
    pub(crate) fn body(&self, watched: &[WatchedItem]) -> serde_json::Value {
        let mut body = serde_json::json!({ "watched": watched });
        if let Some(url) = &self.url {
            body["url"] = url.as_str().into();
        }
        with_domains_and_secret(body, self.domains.as_deref(), self.secret.as_deref())
    }
}

impl fmt::Debug for WebhookUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookUpdate")
            .field("url", &self.url)
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `body` with `domains` and `secret`, each only when given.
fn with_domains_and_secret(
    mut body: serde_json::Value,
    domains: Option<&[Domain]>,
    secret: Option<&str>,
) -> serde_json::Value {
    if let Some(domains) = domains {
        body["domains"] = serde_json::json!(domains);
    }
    if let Some(secret) = secret {
        body["secret"] = secret.into();
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hubs_object_reads_with_unknown_kinds_kept_and_both_domain_spellings() {
        let info: WebhookInfo = serde_json::from_value(serde_json::json!({
            "id": "6612", "url": "https://x/webhooks/a", "disabled": true, "secret": "s",
            "watched": [{"type": "model", "name": "acme/m"}, {"type": "collection", "name": "c"}],
            "domains": ["repo", "discussions"], "someNewField": 1
        }))
        .unwrap();
        assert_eq!(
            info.watched[1].kind,
            WatchedKind::Other("collection".into())
        );
        assert_eq!(info.domains, Domain::ALL);
        assert!(!format!("{info:?}").contains("\"s\""));
        let job: WebhookInfo =
            serde_json::from_value(serde_json::json!({"id": "1", "job": {"dockerImage": "x"}}))
                .unwrap();
        assert_eq!((job.url, job.disabled, job.watched.len()), (None, false, 0));
    }

    #[test]
    fn watched_items_are_refused_with_what_to_write() {
        for (text, expected) in [
            ("acme/m", "expected TYPE:NAME"),
            (
                "repo:acme/m",
                "unknown type `repo`; a webhook watches a model, dataset",
            ),
            ("model:", "the name after `:` is empty"),
        ] {
            let error = text.parse::<WatchedItem>().unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        assert!(parse_watched_list(" , ").is_err());
    }

    #[test]
    fn bodies_use_the_hubs_names_and_send_discussion() {
        let watched = vec![WatchedItem::new(WatchedKind::User, "me")];
        let body = NewWebhook::to_job("job1", watched.clone())
            .domains(Domain::ALL)
            .body();
        assert_eq!(
            body,
            serde_json::json!({"watched": [{"type": "user", "name": "me"}], "jobSourceId": "job1", "domains": ["repo", "discussion"]})
        );
        let update = WebhookUpdate::new().secret("x").body(&watched);
        assert_eq!(
            update,
            serde_json::json!({"watched": [{"type": "user", "name": "me"}], "secret": "x"})
        );
    }
}
