//! The filter values written in code that the Hub could never match: an unknown scope, action or
//! repo type, a malformed repo or ref pattern. `#[webhook_endpoint]` reports them as compile errors.

/// The scopes the Hub sends, broadest first.
pub const KNOWN_SCOPES: [&str; 5] = [
    "repo",
    "repo.content",
    "repo.config",
    "discussion",
    "discussion.comment",
];

/// The actions the Hub sends.
pub const KNOWN_ACTIONS: [&str; 4] = ["create", "delete", "update", "move"];

/// The repo types the Hub sends.
pub const KNOWN_REPO_TYPES: [&str; 4] = ["model", "dataset", "space", "bucket"];

/// Why a filter value written in code is not one the Hub could ever match; `None` when it is fine.
/// `#[webhook_endpoint]` reports these as compile errors.
///
/// ```
/// use webhooks_rules::filter::{FilterKey, problem};
///
/// assert_eq!(problem(FilterKey::Scope, "repo.content"), None);
/// assert!(problem(FilterKey::Scope, "repo.contnet").unwrap().contains("repo.content"));
/// assert!(problem(FilterKey::Repo, "acme/*/x").is_some());
/// ```
pub fn problem(key: FilterKey, value: &str) -> Option<String> {
    let unknown = |what: &str, known: &[&str]| {
        Some(format!(
            "the Hub sends no {what} `{value}`; known {what}s: {}",
            known.join(", ")
        ))
    };
    match key {
        FilterKey::Scope if !KNOWN_SCOPES.contains(&value) => unknown("scope", &KNOWN_SCOPES),
        FilterKey::Action if !KNOWN_ACTIONS.contains(&value) => unknown("action", &KNOWN_ACTIONS),
        FilterKey::RepoType if !KNOWN_REPO_TYPES.contains(&value) => {
            unknown("repo type", &KNOWN_REPO_TYPES)
        }
        FilterKey::Repo => {
            let parts: Vec<&str> = value.split('/').collect();
            let well_formed = parts.len() == 2
                && parts.iter().all(|part| !part.is_empty())
                && !parts[0].contains('*')
                && (parts[1] == "*" || !parts[1].contains('*'));
            (!well_formed).then(|| {
                format!("`{value}` is not a repo pattern: write `owner/name`, or `owner/*` for every repo of an owner")
            })
        }
        FilterKey::UpdatedRef => {
            let star = value.find('*');
            let well_formed = value.starts_with("refs/")
                && value.len() > "refs/".len()
                && star.is_none_or(|at| at == value.len() - 1);
            (!well_formed).then(|| {
                format!("`{value}` is not a ref pattern: write `refs/heads/main`, or a prefix ending in `*` such as `refs/tags/*`")
            })
        }
        _ => None,
    }
}

/// A filter key whose literal values [`problem`] checks.
///
/// ```
/// use webhooks_rules::filter::{FilterKey, problem};
///
/// assert!(problem(FilterKey::RepoType, "models").is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    /// `scope`.
    Scope,
    /// `action`.
    Action,
    /// `repo_type`.
    RepoType,
    /// `repo`.
    Repo,
    /// `updated_ref`.
    UpdatedRef,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_values_are_checked() {
        assert_eq!(problem(FilterKey::Action, "update"), None);
        assert!(
            problem(FilterKey::Action, "updated")
                .unwrap()
                .contains("create, delete, update, move")
        );
        assert!(problem(FilterKey::RepoType, "models").is_some());
        for good in ["acme/data", "acme/*"] {
            assert_eq!(problem(FilterKey::Repo, good), None, "{good}");
        }
        for bad in ["acme", "*/data", "acme/da*", "/data", "acme/"] {
            assert!(problem(FilterKey::Repo, bad).is_some(), "{bad}");
        }
        for good in ["refs/heads/main", "refs/tags/*", "refs/*"] {
            assert_eq!(problem(FilterKey::UpdatedRef, good), None, "{good}");
        }
        for bad in ["main", "refs/", "refs/*/main", "heads/main"] {
            assert!(problem(FilterKey::UpdatedRef, bad).is_some(), "{bad}");
        }
    }
}
