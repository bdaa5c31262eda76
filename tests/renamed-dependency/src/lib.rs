//! Endpoints written against `webhooks-runtime` renamed to `hooks` in `Cargo.toml`:
//! `crate = "hooks"` tells the attribute where the runtime is.

use hooks::webhook_endpoint;

/// Registered through the renamed crate.
#[webhook_endpoint(crate = "hooks")]
pub fn renamed() {}

/// Registered through the renamed crate, with a leading `::` and a path.
#[webhook_endpoint("other", crate = "::hooks")]
pub async fn renamed_with_path() {}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints_register_through_a_renamed_dependency() {
        let paths: Vec<_> = hooks::server::registered_endpoints()
            .unwrap()
            .iter()
            .map(|e| e.path())
            .collect();
        assert_eq!(paths, ["other", "renamed"]);
    }
}
