//! The server registers its webhooks on the Hub before it says it is ready (feature `hub`),
//! against the fake Hub (HUB-WEBHOOKS.md §11): from the environment as on a Space, and from the
//! builder; one webhook per path, the filters' domains, the secret; a second start changes
//! nothing; a Hub error stops the start unless the webhook already matches.

use std::time::Duration;

use webhooks_runtime::hub::{HubClient, Token, WatchedItem, WatchedKind};
use webhooks_runtime::serde_json::json;
use webhooks_runtime::{Error, EventFilter, WebhooksServer};
use webhooks_tests::fake_hub::{FakeHub, Tokens};

use crate::common::process::{ServerProcess, command};

const TOKEN: &str = "hf_registerTOKENneverPRINTED";
const READ_ONLY: &str = "hf_readonlyTOKENneverPRINTED";

fn tokens() -> Tokens {
    Tokens {
        token: TOKEN.to_owned(),
        read_only: READ_ONLY.to_owned(),
    }
}

#[test]
fn on_a_space_the_environment_registers_every_path_before_the_server_is_ready() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hub = runtime.block_on(FakeHub::start(tokens()));
    let endpoint = hub.endpoint();
    let env = [
        ("WEBHOOKS_HUB_WATCH", "model:acme/m, user:me"),
        ("HF_ENDPOINT", endpoint.as_str()),
        ("HF_TOKEN", TOKEN),
        ("SPACE_HOST", "acme-bot.hf.space"),
        ("WEBHOOK_SECRET", "space-secret"),
    ];
    let server = ServerProcess::start(&env);
    let paths = ["background_job", "say_hello", "slow", "trigger_training"];
    let webhooks = hub.webhooks();
    assert_eq!(webhooks.len(), paths.len(), "{webhooks:?}");
    for (webhook, path) in webhooks.iter().zip(paths) {
        let url = format!("https://acme-bot.hf.space/webhooks/{path}");
        assert_eq!(webhook["url"], url.as_str());
        assert_eq!(
            webhook["watched"],
            json!([{"type": "model", "name": "acme/m"}, {"type": "user", "name": "me"}])
        );
        assert_eq!(webhook["domains"], json!(["repo", "discussion"]));
        assert_eq!(webhook["secret"], "space-secret");
        let id = webhook["id"].as_str().unwrap();
        let line = format!("Hub: created {id} for {url}");
        let at = server.banner.iter().position(|printed| *printed == line);
        let ready = server
            .banner
            .iter()
            .position(|printed| printed.starts_with("Webhooks are correctly setup"));
        assert!(at < ready && at.is_some(), "{:?}", server.banner);
    }
    for line in &server.banner {
        assert!(
            !line.contains(TOKEN) && !line.contains("space-secret"),
            "{line}"
        );
    }
    server.terminate();
    let (_, stderr) = server.wait();
    assert!(!stderr.contains(TOKEN), "{stderr}");

    // The next start (a restart, a redeploy) changes nothing.
    let writes = hub.writes().len();
    let again = ServerProcess::start(&env);
    let unchanged = again
        .banner
        .iter()
        .filter(|line| line.starts_with("Hub: unchanged "))
        .count();
    assert_eq!(unchanged, paths.len(), "{:?}", again.banner);
    assert_eq!(hub.writes().len(), writes);
}

#[test]
fn a_hub_error_or_a_missing_setting_stops_the_start_with_a_clear_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hub = runtime.block_on(FakeHub::start(tokens()));
    let endpoint = hub.endpoint();
    let refused = |env: &[(&str, &str)]| {
        let output = command(env).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!output.status.success(), "{stdout}\n{stderr}");
        assert!(!stdout.contains("ready to use"), "{stdout}");
        assert!(
            !stderr.contains(TOKEN) && !stdout.contains(TOKEN),
            "{stderr}"
        );
        stderr
    };
    let base = [
        ("WEBHOOKS_HUB_WATCH", "user:me"),
        ("HF_ENDPOINT", endpoint.as_str()),
        ("WEBHOOKS_PUBLIC_URL", "https://bot.example.org"),
    ];
    let wrong_token = refused(&[base[0], base[1], base[2], ("HF_TOKEN", "hf_wrong")]);
    assert!(
        wrong_token.contains("cannot register this server's webhooks on the Hub (https://bot.example.org/webhooks/background_job): the Hub answered 401 to list webhooks"),
        "{wrong_token}"
    );
    assert!(wrong_token.contains("(from HF_TOKEN)"), "{wrong_token}");
    let no_token = refused(&[base[0], base[1], base[2], ("HOME", "/nonexistent")]);
    assert!(
        no_token.contains("(finding a token): no Hugging Face token"),
        "{no_token}"
    );
    let no_url = refused(&[base[0], base[1], ("HF_TOKEN", TOKEN)]);
    assert!(no_url.contains("set WEBHOOKS_PUBLIC_URL"), "{no_url}");
    let bad_list = refused(&[("WEBHOOKS_HUB_WATCH", "acme/m"), base[1], base[2]]);
    assert!(
        bad_list.contains("invalid WEBHOOKS_HUB_WATCH=\"acme/m\": `acme/m`: expected TYPE:NAME"),
        "{bad_list}"
    );
    // A read-only token cannot create: the start stops.
    let read_only = refused(&[base[0], base[1], base[2], ("HF_TOKEN", READ_ONLY)]);
    assert!(
        read_only.contains("the Hub answered 403 to create a webhook"),
        "{read_only}"
    );
    assert!(hub.webhooks().is_empty());
}

fn client(hub: &FakeHub, token: &str) -> HubClient {
    HubClient::new(Token::new(token))
        .with_endpoint(&hub.endpoint())
        .with_timeout(Duration::from_secs(10))
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_choose_the_domains_and_a_matching_webhook_needs_no_write() {
    let hub = FakeHub::start(tokens()).await;
    let builder = |client: HubClient| {
        WebhooksServer::builder()
            .read_environment(false)
            .include_registered(false)
            .journal(false)
            .print_start_messages(false)
            .addr("127.0.0.1:0".parse().unwrap())
            .public_url("https://bot.example.org/")
            .webhook_secret("builder-secret")
            .add_webhook("comments", || async {})
            .filter(EventFilter::new().scope("discussion.comment"))
            .add_webhook("pushes", || async {})
            .filter(EventFilter::new().scope("repo.content"))
            .add_webhook("pushes", || async {})
            .filter(EventFilter::new().scope("repo").actions(&["create"]))
            .add_webhook("mixed", || async {})
            .filter(EventFilter::new().scope("repo"))
            .add_webhook("mixed", || async {})
            .filter(EventFilter::new().scope("discussion"))
            .register_on_hub([WatchedItem::new(WatchedKind::Dataset, "acme/data")])
            .hub_client(client)
    };
    let server = builder(client(&hub, TOKEN)).build().unwrap();
    let handle = server.spawn().await.unwrap();
    let domains: Vec<(String, webhooks_runtime::serde_json::Value)> = hub
        .webhooks()
        .iter()
        .map(|webhook| {
            (
                webhook["url"].as_str().unwrap().to_owned(),
                webhook["domains"].clone(),
            )
        })
        .collect();
    assert_eq!(
        domains,
        [
            (
                "https://bot.example.org/webhooks/comments".to_owned(),
                json!(["discussion"])
            ),
            (
                "https://bot.example.org/webhooks/mixed".to_owned(),
                json!(["repo", "discussion"])
            ),
            (
                "https://bot.example.org/webhooks/pushes".to_owned(),
                json!(["repo"])
            ),
        ]
    );
    handle.shutdown().await;

    // Everything matches: a token that may only read is enough to start.
    let writes = hub.writes().len();
    let handle = builder(client(&hub, READ_ONLY))
        .build()
        .unwrap()
        .spawn()
        .await
        .unwrap();
    assert_eq!(hub.writes().len(), writes);
    handle.shutdown().await;

    // Something differs (the secret rotated): that token cannot write, so the start fails.
    let error = builder(client(&hub, READ_ONLY))
        .webhook_secret("rotated")
        .build()
        .unwrap()
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::HubRegistration { source, .. } if source.status() == Some(403)),
        "{error}"
    );
    // With a token that may write, it is updated.
    builder(client(&hub, TOKEN))
        .webhook_secret("rotated")
        .build()
        .unwrap()
        .spawn()
        .await
        .unwrap()
        .shutdown()
        .await;
    assert!(
        hub.webhooks()
            .iter()
            .all(|webhook| webhook["secret"] == "rotated")
    );
}
