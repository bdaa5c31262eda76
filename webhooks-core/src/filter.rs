//! Which events an endpoint wants: its scope, actions, repo types, repos and refs, and a function
//! of your own. `#[webhook_endpoint(scope = "repo.content", repo_type = "dataset")]` builds one;
//! so does [`EventFilter::new`] for endpoints added with the builder.

use std::fmt;

use crate::payload::WebhookPayload;

pub use webhooks_rules::filter::{
    FilterKey, KNOWN_ACTIONS, KNOWN_REPO_TYPES, KNOWN_SCOPES, problem,
};

/// A test of your own on the payload, for what the other keys cannot say.
///
/// ```
/// use webhooks_core::filter::FilterFn;
///
/// // Comments that mention the bot.
/// let mentions_the_bot: FilterFn = |payload| {
///     payload.comment.as_ref().and_then(|c| c.content.as_deref()).is_some_and(|text| text.contains("@bot"))
/// };
/// # let _ = mentions_the_bot;
/// ```
pub type FilterFn = fn(&WebhookPayload) -> bool;

/// Which events an endpoint handles. Every part is optional; an empty filter takes every event.
///
/// - `scope`: the event's scope or a narrower one (`"repo"` takes `repo.content` and
///   `repo.config.dois` too). On a narrower scope than the filter's, the event's action counts as
///   `update`: the Hub's documented rule for events a handler does not know.
/// - `actions`, `repo_types`: any of those listed.
/// - `repos`: `owner/name`, or `owner/*` for every repo of an owner.
/// - `updated_refs`: a ref the event moved (`refs/heads/main`), or a prefix ending in `*`
///   (`refs/tags/*`); an event without `updatedRefs` does not match.
/// - `custom`: a function of yours; the event matches when it returns `true`.
///
/// ```
/// use webhooks_core::filter::EventFilter;
/// use webhooks_core::WebhookPayload;
///
/// // Pushes to the main branch of a dataset.
/// const DATASET_PUSH: EventFilter = EventFilter::new()
///     .scope("repo.content")
///     .repo_types(&["dataset"])
///     .updated_refs(&["refs/heads/main"]);
///
/// let push = WebhookPayload::from_slice(br#"{
///     "event": {"action": "update", "scope": "repo.content"},
///     "repo": {"type": "dataset", "name": "acme/data", "id": "6", "private": false,
///              "url": {"web": "https://huggingface.co/datasets/acme/data"}, "owner": {"id": "6"}},
///     "updatedRefs": [{"ref": "refs/heads/main", "oldSha": "a", "newSha": "b"}],
///     "webhook": {"id": "1", "version": 3}
/// }"#).unwrap();
/// assert!(DATASET_PUSH.check(&push).is_ok());
/// let tag_only = EventFilter::new().updated_refs(&["refs/tags/*"]);
/// assert_eq!(
///     tag_only.check(&push).unwrap_err().to_string(),
///     "no updated ref matches refs/tags/* (the event moved refs/heads/main)"
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EventFilter {
    scope: Option<&'static str>,
    actions: &'static [&'static str],
    repo_types: &'static [&'static str],
    repos: &'static [&'static str],
    updated_refs: &'static [&'static str],
    custom: Option<(&'static str, FilterFn)>,
}

impl Default for EventFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl EventFilter {
    /// A filter that takes every event.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// const EVERYTHING: EventFilter = EventFilter::new();
    /// assert!(EVERYTHING.is_empty());
    /// ```
    pub const fn new() -> Self {
        EventFilter {
            scope: None,
            actions: &[],
            repo_types: &[],
            repos: &[],
            updated_refs: &[],
            custom: None,
        }
    }

    /// Only events of this scope or a narrower one.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// // repo.content, repo.config, and scopes the Hub may add under `repo`.
    /// const REPO_EVENTS: EventFilter = EventFilter::new().scope("repo");
    /// ```
    pub const fn scope(mut self, scope: &'static str) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The scope this filter takes (with the narrower ones), if it names one.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// assert_eq!(EventFilter::new().scope("discussion").wanted_scope(), Some("discussion"));
    /// assert_eq!(EventFilter::new().wanted_scope(), None);
    /// ```
    pub const fn wanted_scope(&self) -> Option<&'static str> {
        self.scope
    }

    /// Only these actions (on a narrower scope than [`Self::scope`], the action counts as `update`).
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// const LIFECYCLE: EventFilter = EventFilter::new().scope("repo").actions(&["create", "delete"]);
    /// ```
    pub const fn actions(mut self, actions: &'static [&'static str]) -> Self {
        self.actions = actions;
        self
    }

    /// Only repos of these types (`model`, `dataset`, `space`, `bucket`).
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// const SPACES: EventFilter = EventFilter::new().repo_types(&["space"]);
    /// ```
    pub const fn repo_types(mut self, repo_types: &'static [&'static str]) -> Self {
        self.repo_types = repo_types;
        self
    }

    /// Only these repos: `owner/name`, or `owner/*`.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// const OURS: EventFilter = EventFilter::new().repos(&["acme/*", "partner/shared-data"]);
    /// ```
    pub const fn repos(mut self, repos: &'static [&'static str]) -> Self {
        self.repos = repos;
        self
    }

    /// Only events that moved one of these refs: `refs/heads/main`, or a prefix such as
    /// `refs/tags/*`.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// const RELEASES: EventFilter = EventFilter::new().scope("repo.content").updated_refs(&["refs/tags/*"]);
    /// ```
    pub const fn updated_refs(mut self, refs: &'static [&'static str]) -> Self {
        self.updated_refs = refs;
        self
    }

    /// Only events `function` returns `true` for; `name` is how the reason for a skipped event
    /// and the landing page call it.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// use webhooks_core::WebhookPayload;
    ///
    /// fn is_public(payload: &WebhookPayload) -> bool {
    ///     !payload.repo.private
    /// }
    /// const PUBLIC: EventFilter = EventFilter::new().custom("is_public", is_public);
    /// assert_eq!(PUBLIC.to_string(), "filter = is_public");
    /// ```
    pub const fn custom(mut self, name: &'static str, function: FilterFn) -> Self {
        self.custom = Some((name, function));
        self
    }

    /// Whether the filter takes every event.
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    ///
    /// assert!(EventFilter::new().is_empty());
    /// assert!(!EventFilter::new().scope("repo").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == EventFilter::new()
    }

    /// `Ok` when `payload` is an event this filter takes; otherwise what did not match.
    ///
    /// # Errors
    ///
    /// The first part of the filter the event does not match, said in words.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_core::filter::EventFilter;
    /// use webhooks_core::WebhookPayload;
    ///
    /// fn wanted(filter: &EventFilter, payload: &WebhookPayload) -> bool {
    ///     match filter.check(payload) {
    ///         Ok(()) => true,
    ///         Err(mismatch) => {
    ///             println!("skipped: {mismatch}");
    ///             false
    ///         }
    ///     }
    /// }
    /// ```
    pub fn check(&self, payload: &WebhookPayload) -> Result<(), Mismatch> {
        let refs = self.refs_to_check(
            payload
                .updated_refs
                .iter()
                .flatten()
                .map(|updated| updated.ref_name.as_str()),
        );
        let fields = Parts {
            scope: payload.event.scope.as_str(),
            action: payload.event.action.as_str(),
            repo_type: payload.repo.repo_type.as_str(),
            repo: payload.repo.name.as_str(),
            updated_refs: &refs,
        };
        self.check_parts(&fields)?;
        if let Some((name, function)) = self.custom
            && !function(payload)
        {
            return Err(Mismatch::Function { name });
        }
        Ok(())
    }

    /// [`EventFilter::check`] on what [`EventFields::read`] read of a raw body: no
    /// [`WebhookPayload`] is built, and one reading serves every filter of a shared path. `None`
    /// when the fields cannot decide: the filter has a `filter = fn`, which takes the whole
    /// payload; check the parsed payload then.
    ///
    /// ```
    /// use webhooks_core::filter::{EventFields, EventFilter};
    ///
    /// let datasets = EventFilter::new().repo_types(&["dataset"]);
    /// let body = br#"{"event": {"scope": "repo", "action": "create"}, "repo": {"type": "model", "name": "acme/m"}}"#;
    /// let fields = EventFields::read(body).unwrap();
    /// let verdict = datasets.check_fields(&fields).unwrap();
    /// assert_eq!(verdict.unwrap_err().to_string(), "repo type model is not dataset");
    /// assert!(EventFields::read(b"not json").is_none());
    /// ```
    pub fn check_fields(&self, fields: &EventFields<'_>) -> Option<Result<(), Mismatch>> {
        if self.custom.is_some() {
            return None;
        }
        let view = &fields.0;
        let refs = self.refs_to_check(
            view.updated_refs
                .iter()
                .flatten()
                .map(|updated| updated.ref_name.as_ref()),
        );
        Some(self.check_parts(&Parts {
            scope: &view.event.scope,
            action: &view.event.action,
            repo_type: &view.repo.repo_type,
            repo: &view.repo.name,
            updated_refs: &refs,
        }))
    }

    /// The updated refs listed, when the filter reads them: only a filter on updated refs needs
    /// the list (and its allocation).
    fn refs_to_check<'r>(&self, refs: impl Iterator<Item = &'r str>) -> Vec<&'r str> {
        if self.updated_refs.is_empty() {
            Vec::new()
        } else {
            refs.collect()
        }
    }

    /// Every part of the filter but a custom function, on the fields it reads.
    fn check_parts(&self, fields: &Parts<'_>) -> Result<(), Mismatch> {
        let scope = fields.scope;
        let mut action = fields.action;
        if let Some(wanted) = self.scope {
            if !within_scope(scope, wanted) {
                let scope = scope.to_owned();
                return Err(Mismatch::Scope { scope, wanted });
            }
            if scope != wanted {
                action = "update";
            }
        }
        if !self.actions.is_empty() && !self.actions.contains(&action) {
            let (action, wanted) = (action.to_owned(), self.actions);
            return Err(Mismatch::Action { action, wanted });
        }
        let repo_type = fields.repo_type;
        if !self.repo_types.is_empty() && !self.repo_types.contains(&repo_type) {
            let (repo_type, wanted) = (repo_type.to_owned(), self.repo_types);
            return Err(Mismatch::RepoType { repo_type, wanted });
        }
        let repo = fields.repo;
        if !self.repos.is_empty() && !self.repos.iter().any(|pattern| repo_matches(repo, pattern)) {
            let (repo, wanted) = (repo.to_owned(), self.repos);
            return Err(Mismatch::Repo { repo, wanted });
        }
        if !self.updated_refs.is_empty() {
            let moved = fields.updated_refs;
            let matched = moved.iter().any(|name| {
                self.updated_refs
                    .iter()
                    .any(|pattern| ref_matches(name, pattern))
            });
            if !matched {
                let moved = moved.iter().map(|name| (*name).to_owned()).collect();
                let wanted = self.updated_refs;
                return Err(Mismatch::UpdatedRefs { moved, wanted });
            }
        }
        Ok(())
    }
}

/// The parts of an event a filter reads, borrowed from a payload or from [`EventFields`].
struct Parts<'a> {
    scope: &'a str,
    action: &'a str,
    repo_type: &'a str,
    repo: &'a str,
    updated_refs: &'a [&'a str],
}

/// What an event filter reads of a raw body (scope, action, repo type and name, updated refs),
/// read once for every filter of a path: strings borrowed from the body unless they hold escapes.
///
/// ```
/// use webhooks_core::filter::{EventFields, EventFilter};
///
/// let body = br#"{"event": {"scope": "repo.content", "action": "update"}, "repo": {"type": "dataset", "name": "acme/d"}}"#;
/// let fields = EventFields::read(body).expect("an event");
/// for filter in [EventFilter::new().scope("repo"), EventFilter::new().repo_types(&["dataset"])] {
///     assert_eq!(filter.check_fields(&fields), Some(Ok(())));
/// }
/// ```
#[derive(Debug)]
pub struct EventFields<'a>(BodyView<'a>);

impl<'a> EventFields<'a> {
    /// The fields of `body`; `None` when it does not read as a Hub event (not JSON, or without
    /// `event.scope`, `event.action`, `repo.type` or `repo.name` as strings).
    ///
    /// ```
    /// use webhooks_core::filter::EventFields;
    ///
    /// assert!(EventFields::read(br#"{"event": {"scope": "repo"}}"#).is_none());
    /// ```
    pub fn read(body: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(body).ok().map(EventFields)
    }
}

#[derive(Debug, serde::Deserialize)]
struct BodyView<'a> {
    #[serde(borrow)]
    event: EventView<'a>,
    #[serde(borrow)]
    repo: RepoView<'a>,
    #[serde(rename = "updatedRefs", default, borrow)]
    updated_refs: Option<Vec<RefView<'a>>>,
}

#[derive(Debug, serde::Deserialize)]
struct EventView<'a> {
    #[serde(borrow)]
    scope: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    action: std::borrow::Cow<'a, str>,
}

#[derive(Debug, serde::Deserialize)]
struct RepoView<'a> {
    #[serde(rename = "type", borrow)]
    repo_type: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
}

#[derive(Debug, serde::Deserialize)]
struct RefView<'a> {
    #[serde(rename = "ref", borrow)]
    ref_name: std::borrow::Cow<'a, str>,
}

impl fmt::Debug for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventFilter({self})")
    }
}

/// As the attribute would say it: `scope = "repo.content", repo_type = "dataset"`; `any event`
/// when empty.
impl fmt::Display for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(scope) = self.scope {
            parts.push(format!("scope = \"{scope}\""));
        }
        for (key, values) in [
            ("action", self.actions),
            ("repo_type", self.repo_types),
            ("repo", self.repos),
            ("updated_ref", self.updated_refs),
        ] {
            match values {
                [] => {}
                [one] => parts.push(format!("{key} = \"{one}\"")),
                many => parts.push(format!(
                    "{key} = [{}]",
                    many.iter()
                        .map(|value| format!("\"{value}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        if let Some((name, _)) = self.custom {
            parts.push(format!("filter = {name}"));
        }
        if parts.is_empty() {
            f.write_str("any event")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Why an event does not match a filter, in words: `scope discussion is not repo.content`.
///
/// ```
/// use webhooks_core::filter::EventFilter;
/// use webhooks_core::WebhookPayload;
///
/// # let payload = WebhookPayload::from_slice(br#"{"event": {"action": "create", "scope": "discussion"},
/// #   "repo": {"type": "model", "name": "a/b", "id": "1", "private": false, "url": {"web": "w"}, "owner": {"id": "1"}},
/// #   "webhook": {"id": "1", "version": 3}}"#).unwrap();
/// let mismatch = EventFilter::new().scope("repo.content").check(&payload).unwrap_err();
/// assert_eq!(mismatch.to_string(), "scope discussion is not repo.content");
/// ```
///
/// Each part of the filter that can refuse an event is a variant, with what the event held and
/// what the filter wanted, so a bot can tell a repo type from a repo without reading the words.
///
/// ```
/// use webhooks_core::filter::{EventFields, EventFilter, Mismatch};
///
/// let body = br#"{"event": {"scope": "repo", "action": "create"}, "repo": {"type": "space", "name": "acme/demo"}}"#;
/// let fields = EventFields::read(body).unwrap();
/// let filter = EventFilter::new().repo_types(&["model", "dataset"]);
/// let mismatch = filter.check_fields(&fields).unwrap().unwrap_err();
/// assert!(matches!(&mismatch, Mismatch::RepoType { repo_type, .. } if repo_type == "space"));
/// assert_eq!(mismatch.to_string(), "repo type space is not one of model, dataset");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The event's scope is neither the wanted one nor within it.
    Scope {
        /// The event's scope.
        scope: String,
        /// The filter's scope.
        wanted: &'static str,
    },
    /// The event's action is none of those wanted (`update` for an event narrower than the
    /// filter's scope).
    Action {
        /// The action compared.
        action: String,
        /// The filter's actions.
        wanted: &'static [&'static str],
    },
    /// The event's repository type is none of those wanted.
    RepoType {
        /// The event's repository type.
        repo_type: String,
        /// The filter's repository types.
        wanted: &'static [&'static str],
    },
    /// The event's repository matches none of the patterns.
    Repo {
        /// The event's repository, `owner/name`.
        repo: String,
        /// The filter's patterns.
        wanted: &'static [&'static str],
    },
    /// No ref the event moved matches the patterns (the event may have moved none).
    UpdatedRefs {
        /// The refs the event moved, in its order.
        moved: Vec<String>,
        /// The filter's patterns.
        wanted: &'static [&'static str],
    },
    /// The filter's `filter = fn` returned false.
    Function {
        /// The function's name.
        name: &'static str,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scope { scope, wanted } => write!(f, "scope {scope} is not {wanted}"),
            Self::Action { action, wanted } => {
                write!(f, "action {action} is not {}", one_of(wanted))
            }
            Self::RepoType { repo_type, wanted } => {
                write!(f, "repo type {repo_type} is not {}", one_of(wanted))
            }
            Self::Repo { repo, wanted } => {
                write!(f, "repo {repo} does not match {}", one_of(wanted))
            }
            Self::UpdatedRefs { moved, wanted } if moved.is_empty() => write!(
                f,
                "no updated ref matches {} (the event has no updatedRefs)",
                one_of(wanted)
            ),
            Self::UpdatedRefs { moved, wanted } => write!(
                f,
                "no updated ref matches {} (the event moved {})",
                one_of(wanted),
                moved.join(", ")
            ),
            Self::Function { name } => write!(f, "{name} returned false"),
        }
    }
}

impl std::error::Error for Mismatch {}

/// `scope` is `wanted` or narrower (`repo.content` is within `repo`; `repository` is not).
fn within_scope(scope: &str, wanted: &str) -> bool {
    scope
        .strip_prefix(wanted)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// `owner/name` exactly, or every repo of `owner` for `owner/*`.
fn repo_matches(repo: &str, pattern: &str) -> bool {
    match pattern.strip_suffix("/*") {
        Some(owner) => repo
            .split_once('/')
            .is_some_and(|(repo_owner, _)| repo_owner == owner),
        None => repo == pattern,
    }
}

/// The ref exactly, or any ref under a prefix ending in `*`.
fn ref_matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// `update`, or `one of create, delete`.
fn one_of(values: &[&str]) -> String {
    match values {
        [one] => (*one).to_owned(),
        many => format!("one of {}", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> WebhookPayload {
        let path = format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        WebhookPayload::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn with(payload: &WebhookPayload, scope: &str, action: &str) -> WebhookPayload {
        let mut value = serde_json::to_value(payload).unwrap();
        value["event"] = serde_json::json!({ "scope": scope, "action": action });
        WebhookPayload::from_slice(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn scopes_match_themselves_and_narrower_ones_only() {
        let push = fixture("05-docs-repo-content-branch-updated-and-tag-created.json");
        assert!(EventFilter::new().scope("repo").check(&push).is_ok());
        assert!(
            EventFilter::new()
                .scope("repo.content")
                .check(&push)
                .is_ok()
        );
        let refused = EventFilter::new().scope("repo.config").check(&push);
        assert_eq!(
            refused.unwrap_err().to_string(),
            "scope repo.content is not repo.config"
        );
        assert!(!within_scope("repository", "repo"));
        let comment = fixture("18-docs-discussion-comment-create-on-pr.json");
        assert!(
            EventFilter::new()
                .scope("discussion")
                .check(&comment)
                .is_ok()
        );
        assert!(EventFilter::new().scope("repo").check(&comment).is_err());
    }

    #[test]
    fn on_a_narrower_scope_the_action_counts_as_update() {
        let config = fixture("11-docs-repo-config-update-private.json");
        // A scope the Hub may add later, with an action it may add later.
        let dois = with(&config, "repo.config.dois", "add");
        let filter = EventFilter::new().scope("repo.config").actions(&["update"]);
        assert!(filter.check(&dois).is_ok());
        // Without a scope in the filter, the action is compared as sent.
        let refused = EventFilter::new().actions(&["update"]).check(&dois);
        assert_eq!(refused.unwrap_err().to_string(), "action add is not update");
        // On the filter's own scope, as sent.
        let created = fixture("07-repo-create-model.json");
        let refused = EventFilter::new()
            .scope("repo")
            .actions(&["update", "delete"])
            .check(&created);
        assert_eq!(
            refused.unwrap_err().to_string(),
            "action create is not one of update, delete"
        );
    }

    #[test]
    fn repo_types_repos_and_refs() {
        let push = fixture("05-docs-repo-content-branch-updated-and-tag-created.json");
        let name = push.repo.name.clone();
        let owner = name.split('/').next().unwrap().to_owned();
        assert!(
            EventFilter::new()
                .repo_types(&["model"])
                .check(&push)
                .is_ok()
        );
        assert!(
            EventFilter::new()
                .repo_types(&["dataset", "space"])
                .check(&push)
                .is_err()
        );
        let owner_pattern: &'static str = Box::leak(format!("{owner}/*").into_boxed_str());
        let exact: &'static str = Box::leak(name.into_boxed_str());
        let repos: &'static [&'static str] = Box::leak(vec![owner_pattern].into_boxed_slice());
        assert!(EventFilter::new().repos(repos).check(&push).is_ok());
        let exact: &'static [&'static str] = Box::leak(vec![exact].into_boxed_slice());
        assert!(EventFilter::new().repos(exact).check(&push).is_ok());
        assert!(
            EventFilter::new()
                .repos(&["someone-else/*"])
                .check(&push)
                .is_err()
        );
        let moved: Vec<&str> = push
            .updated_refs
            .iter()
            .flatten()
            .map(|r| r.ref_name.as_str())
            .collect();
        assert!(moved.contains(&"refs/heads/main"), "{moved:?}");
        assert!(
            EventFilter::new()
                .updated_refs(&["refs/heads/main"])
                .check(&push)
                .is_ok()
        );
        assert!(
            EventFilter::new()
                .updated_refs(&["refs/tags/*"])
                .check(&push)
                .is_ok()
        );
        assert!(
            EventFilter::new()
                .updated_refs(&["refs/pr/*"])
                .check(&push)
                .is_err()
        );
        let created = fixture("07-repo-create-model.json");
        let refused = EventFilter::new()
            .updated_refs(&["refs/heads/main"])
            .check(&created);
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("has no updatedRefs")
        );
    }

    #[test]
    fn a_custom_function_has_the_last_word() {
        fn private_only(payload: &WebhookPayload) -> bool {
            payload.repo.private
        }
        let created = fixture("07-repo-create-model.json");
        let filter = EventFilter::new().custom("private_only", private_only);
        assert_eq!(
            filter.check(&created).is_ok(),
            created.repo.private,
            "{filter}"
        );
    }

    #[test]
    fn filters_describe_themselves_as_the_attribute_says_them() {
        assert_eq!(EventFilter::new().to_string(), "any event");
        let filter = EventFilter::new()
            .scope("repo.content")
            .actions(&["update"])
            .repo_types(&["dataset", "model"])
            .updated_refs(&["refs/heads/main"]);
        assert_eq!(
            filter.to_string(),
            r#"scope = "repo.content", action = "update", repo_type = ["dataset", "model"], updated_ref = "refs/heads/main""#
        );
    }
}
