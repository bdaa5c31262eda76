//! The start messages, worded as the Python reference prints them.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::endpoint::route::Routes;

/// The URL printed for each endpoint: the public URL when known, else the bound address
/// (`localhost` for a wildcard bind, which is not an address a client can use).
pub(crate) fn base_url(public_url: Option<&str>, bound: SocketAddr) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_owned();
    }
    if bound.ip().is_unspecified() {
        format!("http://localhost:{}", bound.port())
    } else {
        format!("http://{bound}")
    }
}

/// Everything printed on stdout once the socket is bound.
pub(crate) fn start_messages(secret_configured: bool, base_url: &str, routes: &Routes) -> String {
    let mut text = String::new();
    if secret_configured {
        text.push_str("Webhook secret is correctly defined.\n");
    } else {
        // The second line ends with a space and the third starts with a tab, as upstream prints.
        text.push_str(
            "Webhook secret is not defined. This means your webhook endpoints will be open to everyone.\n\
             To add a secret, set `WEBHOOK_SECRET` as environment variable or pass it at initialization: \n\
             \t`WebhooksServer::builder().webhook_secret(\"my_secret\")`\n\
             For more details about webhook secrets, please refer to https://huggingface.co/docs/hub/webhooks#webhook-secret.\n",
        );
    }
    text.push_str("\nWebhooks are correctly setup and ready to use:\n");
    if routes.len() == 0 {
        text.push_str(
            "  (no endpoint is registered: annotate a function with #[webhook_endpoint])\n",
        );
    }
    for group in routes.by_path() {
        if group[0].mode.is_relay() {
            let _ = writeln!(
                text,
                "  - POST {base_url}/webhooks/<any path>: held for `hf-webhooks forward --from {base_url}`"
            );
            continue;
        }
        let _ = writeln!(text, "  - POST {base_url}{}", group[0].route_path);
        // Endpoints with event filters: which function takes which events.
        if group.iter().any(|route| !route.filter.is_empty()) {
            for route in group {
                let _ = writeln!(text, "      {}: {}", route.function, route.filter);
            }
        }
    }
    text.push_str("Go to https://huggingface.co/settings/webhooks to setup your webhooks.\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_print_localhost_and_public_urls_win() {
        assert_eq!(
            base_url(None, "0.0.0.0:7860".parse().unwrap()),
            "http://localhost:7860"
        );
        assert_eq!(
            base_url(None, "127.0.0.1:4000".parse().unwrap()),
            "http://127.0.0.1:4000"
        );
        assert_eq!(
            base_url(None, "[::1]:4000".parse().unwrap()),
            "http://[::1]:4000"
        );
        assert_eq!(
            base_url(
                Some("https://acme-bot.hf.space/"),
                "0.0.0.0:7860".parse().unwrap()
            ),
            "https://acme-bot.hf.space"
        );
    }
}

#[cfg(test)]
mod filter_tests {
    use super::start_messages;
    use crate::server::WebhooksServer;
    use webhooks_core::{EventFilter, WebhookPayload};

    async fn on_push(_: WebhookPayload) {}

    async fn plain() {}

    #[test]
    fn a_path_with_filtered_endpoints_is_printed_once_with_each_filter() {
        let server = WebhooksServer::builder()
            .read_environment(false)
            .include_registered(false)
            .add_webhook("hub", on_push)
            .filter(EventFilter::new().scope("repo.content"))
            .add_webhook("plain", plain)
            .build()
            .unwrap();
        let text = start_messages(true, "http://127.0.0.1:7860", &server.routes);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[3..6],
            [
                "  - POST http://127.0.0.1:7860/webhooks/hub",
                "      on_push: scope = \"repo.content\"",
                "  - POST http://127.0.0.1:7860/webhooks/plain",
            ]
        );
    }
}
