//! The few payload fields worth a log line or a journal column: scope, action, repo.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

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
    /// The summary of `body`, when it is a JSON object whose `event` and `repo` look like a Hub
    /// payload's. The Hub sends those two first: reading stops once both are read, so the rest
    /// of the body (most of it) is not scanned, nor checked.
    pub(crate) fn read(body: &[u8]) -> Option<Self> {
        let mut found = Found::default();
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        // Stopping early is an error to the parser (the object is left unfinished): what counts
        // is what was found before it.
        let _ = TopLevel { found: &mut found }.deserialize(&mut deserializer);
        match found {
            Found {
                event: Some(event),
                repo: Some(repo),
            } => Some(PayloadSummary {
                scope: event.scope.into_owned(),
                action: event.action.into_owned(),
                repo: repo.name.into_owned(),
            }),
            _ => None,
        }
    }
}

/// What the top-level object held, as far as it was read.
#[derive(Default)]
struct Found<'a> {
    event: Option<Event<'a>>,
    repo: Option<Repo<'a>>,
}

/// Reads the top-level object's `event` and `repo` into `found`, and stops once it has both.
struct TopLevel<'f, 'a> {
    found: &'f mut Found<'a>,
}

impl<'de, 'f> DeserializeSeed<'de> for TopLevel<'f, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'f> Visitor<'de> for TopLevel<'f, 'de> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a Hub webhook payload (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "event" if self.found.event.is_none() => self.found.event = Some(map.next_value()?),
                "repo" if self.found.repo.is_none() => self.found.repo = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.found.event.is_some() && self.found.repo.is_some() {
                return Err(de::Error::custom("read as far as needed"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::PayloadSummary;

    fn summary(body: &[u8]) -> Option<(String, String, String)> {
        PayloadSummary::read(body).map(|s| (s.scope, s.action, s.repo))
    }

    #[test]
    fn the_summary_is_the_event_and_the_repo_in_any_order() {
        let expected = Some(("repo.content".into(), "update".into(), "acme/data".into()));
        assert_eq!(
            summary(br#"{"event": {"action": "update", "scope": "repo.content"}, "repo": {"name": "acme/data", "type": "dataset"}, "webhook": {"id": "x", "version": 3}}"#),
            expected
        );
        assert_eq!(
            summary(br#"{"webhook": {"id": "x"}, "repo": {"name": "acme/data"}, "event": {"scope": "repo.content", "action": "update"}}"#),
            expected
        );
        assert_eq!(
            summary(br#"{"event": {"action": "upd\u0061te", "scope": "repo.content"}, "repo": {"name": "acme/data"}}"#),
            expected,
            "escapes are read"
        );
    }

    #[test]
    fn a_body_without_both_has_no_summary() {
        assert_eq!(summary(b""), None);
        assert_eq!(summary(b"not json"), None);
        assert_eq!(summary(b"[1, 2]"), None);
        assert_eq!(
            summary(br#"{"event": {"action": "update", "scope": "repo"}}"#),
            None
        );
        assert_eq!(
            summary(br#"{"event": {"action": 3, "scope": "repo"}, "repo": {"name": "a/b"}}"#),
            None
        );
        assert_eq!(
            summary(br#"{"event": {"action": "update", "scope": "repo"}, "repo": {"name": "a/b""#),
            None,
            "cut inside the repo"
        );
    }

    #[test]
    fn what_follows_the_event_and_the_repo_is_not_read() {
        assert_eq!(
            summary(br#"{"event": {"action": "create", "scope": "repo"}, "repo": {"name": "a/b"}, "discussion": {"#),
            Some(("repo".into(), "create".into(), "a/b".into()))
        );
    }
}
