//! Every kind of event the Hub sends: its scope, action and what it means.

/// One kind of Hub event, named `scope.action` as `hf-webhooks send` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// `repo`, `repo.content`, `discussion.comment`…
    pub(crate) scope: &'static str,
    /// `create`, `update`, `delete` or `move`.
    pub(crate) action: &'static str,
    /// What happened on the Hub, for `hf-webhooks events`.
    pub(crate) description: &'static str,
}

impl Kind {
    /// `scope.action`, as typed on the command line.
    pub(crate) fn name(&self) -> String {
        format!("{}.{}", self.scope, self.action)
    }

    /// The kind named `name` (`repo.content.update`), if the Hub sends it.
    pub(crate) fn named(name: &str) -> Option<Kind> {
        KINDS.iter().copied().find(|kind| kind.name() == name)
    }
}

/// Every kind, in the order `hf-webhooks events` lists them.
pub(crate) const KINDS: [Kind; 11] = [
    Kind {
        scope: "repo",
        action: "create",
        description: "a repo was created",
    },
    Kind {
        scope: "repo",
        action: "delete",
        description: "a repo was deleted",
    },
    Kind {
        scope: "repo",
        action: "update",
        description: "a repo changed (e.g. renamed within its owner)",
    },
    Kind {
        scope: "repo",
        action: "move",
        description: "a repo moved to another name or owner (`movedTo`)",
    },
    Kind {
        scope: "repo.content",
        action: "update",
        description: "commits, branches or tags pushed, or a PR opened (`updatedRefs`)",
    },
    Kind {
        scope: "repo.config",
        action: "update",
        description: "settings changed: visibility, Space secrets, DOIs… (`updatedConfig`)",
    },
    Kind {
        scope: "discussion",
        action: "create",
        description: "a discussion or pull request opened, with its first comment",
    },
    Kind {
        scope: "discussion",
        action: "update",
        description: "a discussion's title or status changed, or a PR merged",
    },
    Kind {
        scope: "discussion",
        action: "delete",
        description: "a discussion was deleted",
    },
    Kind {
        scope: "discussion.comment",
        action: "create",
        description: "a comment was posted",
    },
    Kind {
        scope: "discussion.comment",
        action: "update",
        description: "a comment was edited or hidden",
    },
];

/// `hf-webhooks events`: every kind, one per line, with what it means.
pub(crate) fn print() {
    let width = KINDS
        .iter()
        .map(|kind| kind.name().len())
        .max()
        .unwrap_or(0);
    for kind in KINDS {
        crate::output::line(format_args!(
            "{:<width$}  {}",
            kind.name(),
            kind.description
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name_and_names_are_unique() {
        for kind in KINDS {
            assert_eq!(Kind::named(&kind.name()), Some(kind));
        }
        assert_eq!(Kind::named("repo.contnet.update"), None);
    }
}
