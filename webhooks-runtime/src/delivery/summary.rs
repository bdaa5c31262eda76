//! The few payload fields worth a log line or a journal column: scope, action, repo.

use std::borrow::Cow;

#[derive(serde::Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    event: Event<'a>,
    #[serde(borrow)]
    repo: Repo<'a>,
}

#[derive(serde::Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    scope: Cow<'a, str>,
    #[serde(borrow)]
    action: Cow<'a, str>,
}

#[derive(serde::Deserialize)]
struct Repo<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// A Hub payload's scope, action and repo name.
#[derive(Clone)]
pub(crate) struct PayloadSummary {
    pub(crate) scope: String,
    pub(crate) action: String,
    pub(crate) repo: String,
}

impl PayloadSummary {
    /// The summary of `body`, when it looks like a Hub payload (other fields are not checked).
    pub(crate) fn read(body: &[u8]) -> Option<Self> {
        let wire: Wire<'_> = serde_json::from_slice(body).ok()?;
        Some(PayloadSummary {
            scope: wire.event.scope.into_owned(),
            action: wire.event.action.into_owned(),
            repo: wire.repo.name.into_owned(),
        })
    }
}
