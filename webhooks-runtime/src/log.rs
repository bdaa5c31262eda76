//! What the server reports about requests that went wrong, on stderr.
//!
//! Start messages go to stdout (see `banner`); everything here goes to stderr so that a user
//! reading the start URL from stdout is not disturbed.

/// Reports a problem the operator should see. Never given the secret or a request body.
pub(crate) fn error(message: std::fmt::Arguments<'_>) {
    eprintln!("webhooks: {message}");
}
