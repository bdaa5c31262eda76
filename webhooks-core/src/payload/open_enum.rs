//! Enums over the Hub's closed sets of values that still accept values the Hub adds later.

/// Declares an enum of known wire values plus an `Other(String)` variant that keeps any unknown
/// value, with `as_str`, `Display`, `From<&str>`, and serde impls that read and write the bare string.
///
/// A new value from the Hub must never turn into a rejected delivery (the Hub suspends webhooks
/// whose deliveries keep failing), so deserializing never fails on an unknown string.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version of the crate does not know yet, kept as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// The value as the Hub writes it on the wire.
            ///
            /// ```
            /// use webhooks_core::RepoType;
            ///
            /// assert_eq!(RepoType::Dataset.as_str(), "dataset");
            /// assert_eq!(RepoType::from("kernel").as_str(), "kernel");
            /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value,
                }
            }

            /// Whether this is a value the crate knows (not [`Self::Other`]).
            ///
            /// ```
            /// use webhooks_core::EventAction;
            ///
            /// assert!(EventAction::Update.is_known());
            /// assert!(!EventAction::from("archive").is_known());
            /// ```
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                // Any string: values the Hub adds later must still be valid.
                ::schemars::json_schema!({
                    "type": "string",
                    "description": concat!("Known values: ", $( "`", $wire, "` ", )+ "; other values may be added by the Hub."),
                    "examples": [ $( $wire ),+ ],
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }

                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::from(value))
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

open_enum! {
    /// What happened, `event.action` on the wire.
    ///
    /// ```
    /// use webhooks_core::EventAction;
    /// assert_eq!(EventAction::from("create"), EventAction::Create);
    /// assert_eq!(EventAction::from("add").as_str(), "add"); // a future value is kept
    /// ```
    pub enum EventAction {
        /// `create`: a repo, discussion or comment was created.
        Create => "create",
        /// `delete`: a repo or discussion was deleted.
        Delete => "delete",
        /// `update`: content, settings, a discussion or a comment changed.
        Update => "update",
        /// `move`: a repo was renamed or transferred (see `movedTo`).
        Move => "move",
    }
}

open_enum! {
    /// The kind of repository, `repo.type` on the wire.
    ///
    /// ```
    /// use webhooks_core::{RepoType, WebhookPayload};
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/09-repo-move-space-movedto.json"
    /// )))?;
    /// match &payload.repo.repo_type {
    ///     RepoType::Space => println!("restart the preview of {}", payload.repo.name),
    ///     RepoType::Model | RepoType::Dataset => {}
    ///     other => println!("a repo type added later: {other}"),
    /// }
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub enum RepoType {
        /// `model`.
        Model => "model",
        /// `dataset`.
        Dataset => "dataset",
        /// `space`.
        Space => "space",
        /// `bucket`: storage buckets, sent since 2026-08 (no `headSha`; `updatedFiles` instead of
        /// `updatedRefs`).
        Bucket => "bucket",
    }
}

open_enum! {
    /// The state of a discussion or pull request, `discussion.status` on the wire.
    ///
    /// ```
    /// use webhooks_core::{DiscussionStatus, WebhookPayload};
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/14-discussion-update-pr-merged.json"
    /// )))?;
    /// let discussion = payload.discussion.as_ref().unwrap();
    /// assert_eq!(discussion.status, DiscussionStatus::Merged);
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub enum DiscussionStatus {
        /// `open`.
        Open => "open",
        /// `closed`.
        Closed => "closed",
        /// `draft`: a draft pull request.
        Draft => "draft",
        /// `merged`: a merged pull request.
        Merged => "merged",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_through_json() {
        for action in ["create", "delete", "update", "move"] {
            let parsed: EventAction = serde_json::from_str(&format!("\"{action}\"")).unwrap();
            assert!(parsed.is_known());
            assert_eq!(
                serde_json::to_string(&parsed).unwrap(),
                format!("\"{action}\"")
            );
        }
    }

    #[test]
    fn unknown_values_are_kept_not_rejected() {
        let parsed: RepoType = serde_json::from_str("\"kernel\"").unwrap();
        assert_eq!(parsed, RepoType::Other("kernel".to_owned()));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"kernel\"");
    }

    #[test]
    fn non_strings_are_rejected() {
        let err = serde_json::from_str::<DiscussionStatus>("3").unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
    }
}
