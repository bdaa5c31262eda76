//! The webhook secret: never printed, compared in constant time, accepted from the header or,
//! for senders that cannot set headers, from the URL's `secret` query parameter.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, HeaderName, Uri};
use subtle::{Choice, ConstantTimeEq};

use crate::answers::{self, Answer};

/// The header the Hub sends the secret in.
///
/// ```
/// use webhooks_runtime::headers::SECRET_HEADER;
///
/// let request = webhooks_runtime::http::Request::post("/webhooks/retrain")
///     .header(SECRET_HEADER, "my_secret")
///     .body(())
///     .unwrap();
/// assert_eq!(request.headers()["X-Webhook-Secret"], "my_secret");
/// ```
pub const SECRET_HEADER: &str = "x-webhook-secret";

/// [`SECRET_HEADER`] as a `HeaderName`, looked up without parsing the name on every request.
pub(crate) static SECRET_HEADER_NAME: HeaderName = HeaderName::from_static(SECRET_HEADER);

/// The query parameter the Hub's documentation suggests for senders that cannot set headers.
///
/// ```
/// use webhooks_runtime::server::SECRET_QUERY_PARAMETER;
///
/// // For a sender that cannot set headers: https://<host>/webhooks/retrain?secret=my_secret
/// let url = format!("/webhooks/retrain?{SECRET_QUERY_PARAMETER}=my_secret");
/// assert!(url.ends_with("?secret=my_secret"));
/// ```
pub const SECRET_QUERY_PARAMETER: &str = "secret";

/// A webhook secret or admin token. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Whether `candidate` is this secret, in time that does not depend on where they differ.
    pub(crate) fn matches(&self, candidate: &[u8]) -> bool {
        self.ct_matches(candidate).into()
    }

    fn ct_matches(&self, candidate: &[u8]) -> Choice {
        self.0.as_bytes().ct_eq(candidate)
    }

    /// Whether the value has whitespace at either end, a common copy-paste mistake.
    /// The value itself, to connect with (a database URL holding a password): never to log.
    #[cfg_attr(not(any(feature = "postgres", feature = "hub")), allow(dead_code))]
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }

    pub(crate) fn has_surrounding_whitespace(&self) -> bool {
        self.0.trim() != self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secrets accepted at once: the current one and, while rotating, the previous ones.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Secrets(Vec<Secret>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets(<{} redacted>)", self.0.len())
    }
}

impl Secrets {
    pub(crate) fn new(secrets: Vec<Secret>) -> Self {
        Secrets(secrets)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secret the Hub is to send from now on: the first one.
    #[cfg_attr(not(feature = "hub"), allow(dead_code))]
    pub(crate) fn current(&self) -> Option<&Secret> {
        self.0.first()
    }

    /// Whether `candidate` is one of the secrets. Every secret is compared, so the time taken
    /// does not tell which one matched or how close a guess came.
    pub(crate) fn accepts(&self, candidate: &[u8]) -> bool {
        self.0
            .iter()
            .fold(Choice::from(0), |any, secret| {
                any | secret.ct_matches(candidate)
            })
            .into()
    }

    /// Checks a request: the `x-webhook-secret` header (its first copy) when present, else the
    /// `secret` query parameter. Neither: 401. Not one of the secrets: 403. The header wins when
    /// both are present, so a stale secret left in the URL cannot override it.
    pub(crate) fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), Answer> {
        let candidate: Cow<'_, [u8]> = match headers.get(&SECRET_HEADER_NAME) {
            Some(value) => Cow::Borrowed(value.as_bytes()),
            None => match query_secret(uri) {
                Some(value) => Cow::Owned(value.into_owned().into_bytes()),
                None => return Err(answers::MISSING_SECRET),
            },
        };
        if self.accepts(&candidate) {
            Ok(())
        } else {
            Err(answers::INVALID_SECRET)
        }
    }
}

/// The first `secret` parameter of the query, percent-decoded.
fn query_secret(uri: &Uri) -> Option<Cow<'_, str>> {
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == SECRET_QUERY_PARAMETER)
        .map(|(_, value)| value)
}

/// The URI without any `secret` query parameter, so handlers (and whatever they log) never see
/// it. Other parameters are kept exactly as sent.
pub(crate) fn strip_query_secret(uri: Uri) -> Uri {
    let Some(query) = uri.query() else { return uri };
    let is_secret = |pair: &&str| {
        let name = pair.split('=').next().unwrap_or_default();
        form_urlencoded::parse(name.as_bytes())
            .next()
            .is_some_and(|(name, _)| name == SECRET_QUERY_PARAMETER)
    };
    if !query.split('&').any(|pair| is_secret(&pair)) {
        return uri;
    }
    let kept: Vec<&str> = query.split('&').filter(|pair| !is_secret(pair)).collect();
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    let mut parts = uri.into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    Uri::from_parts(parts).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn headers(value: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(SECRET_HEADER, value.parse().unwrap());
        }
        headers
    }

    fn status(secrets: &Secrets, header: Option<&str>, uri: &str) -> StatusCode {
        match secrets.check(&headers(header), &uri.parse().unwrap()) {
            Ok(()) => StatusCode::OK,
            Err(refusal) => refusal.status,
        }
    }

    fn secrets(values: &[&str]) -> Secrets {
        Secrets::new(values.iter().map(|value| Secret::new(*value)).collect())
    }

    #[test]
    fn debug_never_shows_the_value() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2")),
            "Secret(<redacted>)"
        );
        assert_eq!(
            format!("{:?}", secrets(&["a", "b"])),
            "Secrets(<2 redacted>)"
        );
    }

    #[test]
    fn missing_wrong_and_right_header() {
        let secrets = secrets(&["s3cret"]);
        assert_eq!(status(&secrets, None, "/w"), StatusCode::UNAUTHORIZED);
        assert_eq!(
            status(&secrets, Some("s3cret "), "/w"),
            StatusCode::FORBIDDEN
        );
        assert_eq!(status(&secrets, Some(""), "/w"), StatusCode::FORBIDDEN);
        assert_eq!(status(&secrets, Some("s3c"), "/w"), StatusCode::FORBIDDEN);
        assert_eq!(status(&secrets, Some("s3cret"), "/w"), StatusCode::OK);
    }

    #[test]
    fn query_parameter_is_accepted_percent_decoded_and_the_header_wins() {
        let secrets = secrets(&["a b&c"]);
        assert_eq!(
            status(&secrets, None, "/w?x=1&secret=a%20b%26c"),
            StatusCode::OK
        );
        assert_eq!(status(&secrets, None, "/w?secret=a+b%26c"), StatusCode::OK);
        assert_eq!(
            status(&secrets, None, "/w?secret=nope"),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(&secrets, None, "/w?secrets=a%20b%26c"),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&secrets, Some("wrong"), "/w?secret=a%20b%26c"),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn any_of_several_secrets_is_accepted() {
        let secrets = secrets(&["new", "old"]);
        assert_eq!(status(&secrets, Some("new"), "/w"), StatusCode::OK);
        assert_eq!(status(&secrets, Some("old"), "/w"), StatusCode::OK);
        assert_eq!(status(&secrets, Some("older"), "/w"), StatusCode::FORBIDDEN);
    }

    #[test]
    fn the_query_secret_is_removed_from_what_handlers_see() {
        let strip = |uri: &str| strip_query_secret(uri.parse().unwrap()).to_string();
        assert_eq!(strip("/w?secret=abc"), "/w");
        assert_eq!(strip("/w?a=1&secret=abc&b=%20"), "/w?a=1&b=%20");
        assert_eq!(strip("/w?sec%72et=abc&b"), "/w?b");
        assert_eq!(strip("/w?secrets=1"), "/w?secrets=1");
        assert_eq!(strip("/w"), "/w");
    }
}
