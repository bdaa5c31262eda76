//! The endpoints `#[webhook_endpoint]` registered, gathered once and checked for clashes.

use webhooks_core::Endpoint;

use crate::endpoint::route::clash_key;
use crate::error::{DuplicatePath, Error};

/// Every endpoint registered with `#[webhook_endpoint]` in the crates linked into this binary,
/// sorted by path.
///
/// # Errors
///
/// [`Error::DuplicatePaths`] when two endpoints share a path with the same event filter (or
/// none), naming both functions and their source locations, for every clash at once.
///
/// ```standalone_crate
/// use webhooks_runtime::webhook_endpoint;
///
/// /// Say hello.
/// #[webhook_endpoint]
/// fn say_hello() -> &'static str { "hello" }
///
/// let endpoints = webhooks_runtime::server::registered_endpoints()?;
/// assert!(endpoints.iter().any(|endpoint| endpoint.path() == "say_hello" && endpoint.doc() == "Say hello."));
/// # Ok::<(), webhooks_runtime::Error>(())
/// ```
pub fn registered_endpoints() -> Result<Vec<&'static Endpoint>, Error> {
    registered_where(|_| true)
}

/// Which of the registered endpoints a server serves.
#[derive(Debug)]
pub(crate) enum Registered {
    /// Every one linked into the binary (the default).
    All,
    /// None of them: only the endpoints added to the builder.
    Excluded,
    /// Those defined in this module or in its submodules (a path as `module_path!()` writes it).
    In(String),
}

impl Registered {
    /// The registered endpoints chosen, sorted by path, checked for clashes among themselves.
    pub(crate) fn endpoints(&self) -> Result<Vec<&'static Endpoint>, Error> {
        match self {
            Self::All => registered_endpoints(),
            Self::Excluded => Ok(Vec::new()),
            Self::In(module) => {
                registered_where(|endpoint| in_module(endpoint.module_path(), module))
            }
        }
    }
}

/// Whether `path` is `module` or one of its submodules (`a::b` is in `a`, `ab` is not).
fn in_module(path: &str, module: &str) -> bool {
    path.strip_prefix(module)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// The registered endpoints `keep` accepts, sorted by path, checked for clashes among themselves.
fn registered_where(keep: impl Fn(&Endpoint) -> bool) -> Result<Vec<&'static Endpoint>, Error> {
    let mut endpoints: Vec<&'static Endpoint> = Endpoint::registered()
        .filter(|endpoint| keep(endpoint))
        .collect();
    endpoints.sort_by(|a, b| (a.path(), a.file(), a.line()).cmp(&(b.path(), b.file(), b.line())));
    let mut by_clash = endpoints.clone();
    by_clash.sort_by_cached_key(|endpoint| {
        (
            clash_key(&endpoint.route(), &endpoint.filter()),
            endpoint.file(),
            endpoint.line(),
        )
    });
    let duplicates = DuplicatePath::find(&by_clash, |endpoint| {
        (
            clash_key(&endpoint.route(), &endpoint.filter()),
            endpoint.function().to_owned(),
            endpoint.location(),
        )
    });
    if duplicates.is_empty() {
        Ok(endpoints)
    } else {
        Err(Error::DuplicatePaths(duplicates))
    }
}

#[cfg(test)]
mod tests {
    use super::in_module;

    #[test]
    fn a_module_holds_itself_and_its_submodules_only() {
        assert!(in_module("bot::public", "bot::public"));
        assert!(in_module("bot::public::deploy", "bot::public"));
        assert!(in_module("bot::public", "bot"));
        assert!(!in_module("bot::publicity", "bot::public"));
        assert!(!in_module("bot", "bot::public"));
        assert!(!in_module("robot", "bot"));
    }
}
