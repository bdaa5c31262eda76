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
    let mut endpoints: Vec<&'static Endpoint> = Endpoint::registered().collect();
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
