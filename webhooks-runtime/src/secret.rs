//! The webhook secret: never printed, compared in constant time.

use std::fmt;

use http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::responses::{self, Refusal};

/// The header the Hub sends the secret in.
pub const SECRET_HEADER: &str = "x-webhook-secret";

/// A webhook secret. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Whether `candidate` is this secret, in time that does not depend on where they differ.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(candidate).into()
    }

    /// Whether the value has whitespace at either end, a common copy-paste mistake.
    pub(crate) fn has_surrounding_whitespace(&self) -> bool {
        self.0.trim() != self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Checks the request's `x-webhook-secret` header (the first one, if repeated) against `secret`:
/// 401 when it is missing, 403 when it differs, exactly as the Python reference answers.
pub(crate) fn check(secret: &Secret, headers: &HeaderMap) -> Result<(), Refusal> {
    match headers.get(SECRET_HEADER) {
        None => Err(responses::MISSING_SECRET),
        Some(value) if secret.matches(value.as_bytes()) => Ok(()),
        Some(_) => Err(responses::INVALID_SECRET),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(SECRET_HEADER, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn debug_never_shows_the_value() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2")),
            "Secret(<redacted>)"
        );
    }

    #[test]
    fn missing_wrong_and_right_header() {
        let secret = Secret::new("s3cret");
        assert_eq!(
            check(&secret, &headers(None)).unwrap_err().status,
            http::StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            check(&secret, &headers(Some("s3cret ")))
                .unwrap_err()
                .status,
            http::StatusCode::FORBIDDEN
        );
        assert_eq!(
            check(&secret, &headers(Some(""))).unwrap_err().status,
            http::StatusCode::FORBIDDEN
        );
        assert!(check(&secret, &headers(Some("s3cret"))).is_ok());
    }

    #[test]
    fn a_prefix_of_the_secret_is_not_the_secret() {
        assert!(!Secret::new("s3cret").matches(b"s3c"));
    }
}
