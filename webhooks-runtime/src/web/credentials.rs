//! Who may use the delivery API: the admin token when one is set, else the webhook secret, else,
//! with neither configured, anyone on a server that listens on loopback only. Operations that
//! change the journal are refused to other origins' pages whatever the credential.

use http::{HeaderMap, header};
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::web::app::App;
use crate::web::hosts::split_authority;
use crate::web::secret::SECRET_HEADER;

/// Whether the request may use the delivery API; the refusal otherwise. `changes_state` is true
/// for replay and delete, which a page of another origin must not reach even without a
/// credential configured (a form can post cross-site without asking first).
pub(crate) fn authorize_delivery_api(
    app: &App,
    headers: &HeaderMap,
    changes_state: bool,
) -> Result<(), WebhookResponse> {
    if changes_state && from_another_origin(headers) {
        return Err(answers::CROSS_ORIGIN.into_response());
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    if let Some(token) = &app.admin_token {
        // The token, when set, is the only key: the webhook secret travels with every delivery
        // and is known to every webhook sender.
        return match bearer {
            Some(candidate) if token.matches(candidate) => Ok(()),
            Some(_) => Err(answers::API_CREDENTIAL_INVALID.into_response()),
            None => Err(answers::API_TOKEN_MISSING.into_response()),
        };
    }
    if app.secrets.is_empty() {
        return if app.loopback {
            Ok(())
        } else {
            Err(answers::API_OFF_WITHOUT_CREDENTIAL.into_response())
        };
    }
    let candidate = bearer.or_else(|| headers.get(SECRET_HEADER).map(|value| value.as_bytes()));
    match candidate {
        Some(candidate) if app.secrets.accepts(candidate) => Ok(()),
        Some(_) => Err(answers::API_CREDENTIAL_INVALID.into_response()),
        None => Err(answers::API_CREDENTIAL_MISSING.into_response()),
    }
}

/// Whether a browser says the request comes from a page of another origin: `Sec-Fetch-Site`
/// other than `same-origin` or `none`, or an `Origin` whose host and port are not the `Host`.
/// Clients that are not browsers send neither.
fn from_another_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin = String::from_utf8_lossy(origin.as_bytes());
    let Some((_, origin_authority)) = origin.split_once("://") else {
        return true; // `null`: a sandboxed frame, a file, a redirect across origins
    };
    let host = headers
        .get(header::HOST)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let default_port = if origin.starts_with("https:") {
        "443"
    } else {
        "80"
    };
    let (origin_name, origin_port) = split_authority(origin_authority);
    let (host_name, host_port) = split_authority(&host);
    let same = origin_name.eq_ignore_ascii_case(host_name)
        && origin_port.unwrap_or(default_port) == host_port.unwrap_or(default_port);
    !same
}

#[cfg(test)]
mod tests {
    use super::from_another_origin;
    use http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        for pairs in [
            &[][..],
            &[("host", "127.0.0.1:7860")][..],
            &[
                ("host", "127.0.0.1:7860"),
                ("origin", "http://127.0.0.1:7860"),
            ][..],
            &[("host", "LOCALHOST"), ("origin", "http://localhost:80")][..],
            &[("host", "bot.example"), ("origin", "https://bot.example")][..],
            &[("sec-fetch-site", "same-origin"), ("origin", "http://x")][..],
            &[("sec-fetch-site", "none")][..],
        ] {
            assert!(!from_another_origin(&headers(pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn pages_of_other_origins_are_recognized() {
        for pairs in [
            &[
                ("host", "127.0.0.1:7860"),
                ("origin", "http://127.0.0.2:8000"),
            ][..],
            &[
                ("host", "127.0.0.1:7860"),
                ("origin", "http://127.0.0.1:8000"),
            ][..],
            &[("host", "127.0.0.1:7860"), ("origin", "null")][..],
            &[("sec-fetch-site", "cross-site")][..],
            &[
                ("sec-fetch-site", "same-site"),
                ("origin", "http://127.0.0.1:7860"),
            ][..],
        ] {
            assert!(from_another_origin(&headers(pairs)), "{pairs:?}");
        }
    }
}
