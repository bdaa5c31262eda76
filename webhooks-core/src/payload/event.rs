//! `event`: what happened, and the Hub's rule for scopes this crate does not know yet.

use serde::{Deserialize, Serialize};

use super::EventAction;

/// The `event` object: an action on a scope.
///
/// `scope` stays a plain string because the Hub adds narrower scopes without notice
/// (`repo.config.dois`). Use [`Self::is_within`] or [`Self::known_scope`] to route on it the way the
/// Hub documents: an event on an unknown narrower scope is an `update` of the broader scope.
///
/// ```
/// use webhooks_core::{EventAction, WebhookPayload};
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/18-docs-discussion-comment-create-on-pr.json"
/// )))?;
/// assert_eq!(payload.event.action, EventAction::Create);
/// assert_eq!(payload.event.scope, "discussion.comment");
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    remote = "Self",
    expecting = "an `event` object with `action` and `scope`"
)]
pub struct WebhookPayloadEvent {
    /// What happened: create, delete, update, move, or a value the Hub adds later.
    pub action: EventAction,
    /// Where it happened, a dotted string such as `repo.content` or `discussion.comment`.
    pub scope: String,
}

/// The scopes the Hub documents today.
///
/// ```
/// use webhooks_core::{Scope, WebhookPayload};
///
/// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/11-docs-repo-config-update-private.json"
/// )))?;
/// match payload.event.known_scope() {
///     Some(Scope::RepoConfig) => println!("settings changed"),
///     Some(Scope::RepoContent) => println!("new commits"),
///     _ => {}
/// }
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `repo`: a repo was created, deleted, updated or moved.
    Repo,
    /// `repo.content`: new commits, branches or tags (opening a PR adds `refs/pr/N`).
    RepoContent,
    /// `repo.config`: settings such as visibility changed (see `updatedConfig`).
    RepoConfig,
    /// `discussion`: a discussion or PR was created, deleted, or changed title or status.
    Discussion,
    /// `discussion.comment`: a comment was created, edited or hidden.
    DiscussionComment,
}

impl Scope {
    /// Every documented scope, narrowest first so that prefix matching finds the closest one.
    const NARROWEST_FIRST: [Scope; 5] = [
        Scope::RepoContent,
        Scope::RepoConfig,
        Scope::DiscussionComment,
        Scope::Repo,
        Scope::Discussion,
    ];

    /// The scope as the Hub writes it.
    ///
    /// ```
    /// use webhooks_core::Scope;
    ///
    /// assert_eq!(Scope::DiscussionComment.as_str(), "discussion.comment");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Repo => "repo",
            Scope::RepoContent => "repo.content",
            Scope::RepoConfig => "repo.config",
            Scope::Discussion => "discussion",
            Scope::DiscussionComment => "discussion.comment",
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `scope` is `broader` itself or a dotted narrowing of it (`repo.config.dois` is within
/// `repo.config`, `repository` is not within `repo`).
fn scope_is_within(scope: &str, broader: &str) -> bool {
    match scope.strip_prefix(broader) {
        Some(rest) => rest.is_empty() || rest.starts_with('.'),
        None => false,
    }
}

impl WebhookPayloadEvent {
    /// Whether the event's scope is `broader` or narrower than it.
    ///
    /// ```
    /// # use webhooks_core::{WebhookPayloadEvent, EventAction};
    /// let event = WebhookPayloadEvent { action: EventAction::Update, scope: "repo.config.dois".into() };
    /// assert!(event.is_within("repo.config"));
    /// assert!(event.is_within("repo"));
    /// assert!(!event.is_within("repo.content"));
    /// ```
    pub fn is_within(&self, broader: &str) -> bool {
        scope_is_within(&self.scope, broader)
    }

    /// The narrowest documented scope that contains the event's scope, or `None` for a scope
    /// outside every documented one.
    ///
    /// ```
    /// # use webhooks_core::{WebhookPayloadEvent, EventAction, Scope};
    /// let event = WebhookPayloadEvent { action: EventAction::Update, scope: "repo.config.dois".into() };
    /// assert_eq!(event.known_scope(), Some(Scope::RepoConfig));
    /// ```
    pub fn known_scope(&self) -> Option<Scope> {
        Scope::NARROWEST_FIRST
            .into_iter()
            .find(|known| scope_is_within(&self.scope, known.as_str()))
    }

    /// The action to act on, following the Hub's rule: any action on a scope narrower than the
    /// documented ones counts as an `update` of the documented scope. On a documented scope this
    /// is the action as sent.
    ///
    /// ```
    /// # use webhooks_core::{WebhookPayloadEvent, EventAction};
    /// let event = WebhookPayloadEvent { action: EventAction::from("add"), scope: "repo.config.dois".into() };
    /// assert_eq!(event.effective_action(), EventAction::Update);
    /// ```
    pub fn effective_action(&self) -> EventAction {
        match self.known_scope() {
            Some(known) if known.as_str() != self.scope => EventAction::Update,
            _ => self.action.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, scope: &str) -> WebhookPayloadEvent {
        WebhookPayloadEvent {
            action: action.into(),
            scope: scope.into(),
        }
    }

    #[test]
    fn documented_scopes_map_to_themselves() {
        for known in Scope::NARROWEST_FIRST {
            let event = event("create", known.as_str());
            assert_eq!(event.known_scope(), Some(known));
            assert_eq!(event.effective_action(), EventAction::Create);
        }
    }

    #[test]
    fn a_prefix_without_a_dot_is_not_a_narrower_scope() {
        assert_eq!(event("update", "repository").known_scope(), None);
        assert_eq!(event("update", "discussions").known_scope(), None);
        assert!(!event("update", "repo.contents").is_within("repo.content"));
    }

    #[test]
    fn unknown_top_level_scope_keeps_its_action() {
        let event = event("create", "collection");
        assert_eq!(event.known_scope(), None);
        assert_eq!(event.effective_action(), EventAction::Create);
    }

    #[test]
    fn narrower_discussion_scope_is_an_update_of_the_comment_scope() {
        let event = event("create", "discussion.comment.reaction");
        assert_eq!(event.known_scope(), Some(Scope::DiscussionComment));
        assert_eq!(event.effective_action(), EventAction::Update);
    }
}
