//! Which `Host` a server without a webhook secret answers: a page on `attacker.example` whose name
//! is rebound to `127.0.0.1` reaches a loopback server with `Host: attacker.example`, and would
//! otherwise read and replay the journal or run handlers (DNS rebinding).

use std::net::IpAddr;

use http::{HeaderMap, StatusCode, Uri, header};
use webhooks_core::WebhookResponse;

use crate::answers;

/// The host names a server without a secret answers, besides loopback ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AllowedHosts {
    /// Lower-case names or addresses, without port or brackets.
    names: Vec<String>,
    /// `*` was listed: any host.
    any: bool,
}

impl AllowedHosts {
    /// Loopback, plus `names` (`*` allows any host).
    pub(crate) fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut allowed = AllowedHosts::default();
        for name in names {
            let name = name.trim();
            if name == "*" {
                allowed.any = true;
            } else if !name.is_empty() {
                allowed.names.push(host_name(name).to_ascii_lowercase());
            }
        }
        allowed
    }

    /// The refusal for a request whose host is not allowed. A request without a host (HTTP/1.0)
    /// passes: a browser always sends one.
    pub(crate) fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), WebhookResponse> {
        if self.any {
            return Ok(());
        }
        let host = headers
            .get(header::HOST)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .or_else(|| {
                uri.authority()
                    .map(|authority| authority.as_str().to_owned())
            });
        let Some(host) = host else {
            return Ok(());
        };
        let name = host_name(&host).to_ascii_lowercase();
        if is_loopback(&name) || self.names.contains(&name) {
            return Ok(());
        }
        tracing::info!(host = %host, "refused: host not allowed without a webhook secret");
        let body = serde_json::json!({
            "error": format!(
                "Host `{host}` is not allowed: without a webhook secret this server only answers \
                 loopback names, the host of WEBHOOKS_PUBLIC_URL and SPACE_HOST (DNS rebinding \
                 protection). Add `{name}` to WEBHOOKS_ALLOWED_HOSTS (comma-separated), or set \
                 WEBHOOK_SECRET."
            ),
        });
        Err(answers::json(StatusCode::FORBIDDEN, &body))
    }
}

/// `host[:port]`, `[v6][:port]`, a bare IPv6 address or a URL's authority (`user@host:port`) to
/// its host and port.
pub(crate) fn split_authority(authority: &str) -> (&str, Option<&str>) {
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(bracketed) = authority.strip_prefix('[') {
        return match bracketed.split_once(']') {
            Some((v6, rest)) => (v6, rest.strip_prefix(':')),
            None => (bracketed, None),
        };
    }
    if authority.matches(':').count() > 1 {
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|byte| byte.is_ascii_digit()) => (name, Some(port)),
        _ => (authority, None),
    }
}

/// The host of an authority, without port or brackets.
pub(crate) fn host_name(authority: &str) -> &str {
    split_authority(authority).0
}

/// The host of a URL (`https://user@name:8443/path` to `name`), if it has one.
pub(crate) fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = host_name(authority);
    (!host.is_empty()).then_some(host)
}

/// `localhost`, a `.localhost` name (RFC 6761), or a loopback address.
fn is_loopback(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_host(host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        headers
    }

    fn answers(allowed: &AllowedHosts, host: &str) -> bool {
        allowed
            .check(&with_host(host), &Uri::from_static("/"))
            .is_ok()
    }

    #[test]
    fn loopback_names_and_addresses_pass() {
        let allowed = AllowedHosts::new([]);
        for host in [
            "localhost",
            "localhost:7860",
            "LOCALHOST.",
            "bot.localhost:7860",
            "127.0.0.1:7860",
            "127.1.2.3",
            "[::1]:7860",
            "::1",
        ] {
            assert!(answers(&allowed, host), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_refused_unless_listed() {
        let allowed = AllowedHosts::new(["Bot.Example.com".to_owned(), "10.0.0.5".to_owned()]);
        for host in ["bot.example.com:443", "BOT.example.com", "10.0.0.5:7860"] {
            assert!(answers(&allowed, host), "{host}");
        }
        for host in [
            "attacker.example:7860",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "evil.bot.example.com",
            "192.168.1.5",
            "[::ffff:10.0.0.6]",
        ] {
            assert!(!answers(&allowed, host), "{host}");
        }
        let refusal = allowed
            .check(&with_host("attacker.example:7860"), &Uri::from_static("/"))
            .unwrap_err();
        assert_eq!(refusal.status(), 403);
        let body = String::from_utf8_lossy(refusal.body());
        assert!(body.contains("WEBHOOKS_ALLOWED_HOSTS"), "{body}");
        assert!(body.contains("`attacker.example`"), "{body}");
    }

    #[test]
    fn a_star_allows_any_host_and_no_host_passes() {
        assert!(answers(&AllowedHosts::new(["*".to_owned()]), "any.example"));
        assert!(
            AllowedHosts::new([])
                .check(&HeaderMap::new(), &Uri::from_static("/"))
                .is_ok()
        );
        let http2 = Uri::from_static("http://attacker.example/api/deliveries");
        assert!(
            AllowedHosts::new([])
                .check(&HeaderMap::new(), &http2)
                .is_err()
        );
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            url_host("https://tunnel.example.com"),
            Some("tunnel.example.com")
        );
        assert_eq!(
            url_host("https://u:p@a.example:8443/x?y"),
            Some("a.example")
        );
        assert_eq!(url_host("http://[::1]:7860/"), Some("::1"));
        assert_eq!(url_host("not a url"), None);
    }
}
