//! `hf-webhooks` as a user runs it: the binary against a real server on loopback.

use std::process::{Command, Output};

use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::testing::TestServer;
use webhooks_runtime::{WebhookPayload, WebhooksServer};

/// Runs `hf-webhooks args…` with `env` (and no credential from the test's own environment).
async fn hf_webhooks(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hf-webhooks"));
    command
        .args(args)
        .env_remove("WEBHOOK_SECRET")
        .env_remove("WEBHOOKS_ADMIN_TOKEN")
        .envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().expect("hf-webhooks runs"))
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A server whose `/webhooks/hub` answers with the event it parsed.
fn echo_server() -> webhooks_runtime::WebhooksServerBuilder {
    WebhooksServer::builder()
        .include_registered(false)
        .add_webhook("hub", |payload: WebhookPayload| async move {
            json!({
                "scope": payload.event.scope,
                "action": payload.event.action.as_str(),
                "repo": payload.repo.name,
                "type": payload.repo.repo_type.as_str(),
            })
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn events_lists_every_kind_the_hub_sends_one_per_line() {
    let output = hf_webhooks(&["events"], &[]).await;
    assert!(output.status.success());
    let kinds: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "repo.create",
            "repo.delete",
            "repo.update",
            "repo.move",
            "repo.content.update",
            "repo.config.update",
            "discussion.create",
            "discussion.update",
            "discussion.delete",
            "discussion.comment.create",
            "discussion.comment.update",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn send_delivers_every_kind_and_the_handler_parses_it() {
    let server = TestServer::with(echo_server()).await;
    let url = server.url("/webhooks/hub");
    let listed = hf_webhooks(&["events"], &[]).await;
    for line in stdout(&listed).lines() {
        let kind = line.split_whitespace().next().unwrap();
        let output = hf_webhooks(
            &[
                "send",
                kind,
                "--url",
                &url,
                "--repo",
                "acme/data",
                "--repo-type",
                "dataset",
            ],
            &[],
        )
        .await;
        assert!(
            output.status.success(),
            "{kind}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        let printed = stdout(&output);
        let (status, body) = printed.split_once('\n').unwrap();
        assert_eq!(status, "200 OK", "{kind}");
        let answer: Value = webhooks_runtime::serde_json::from_str(body).unwrap();
        let (scope, action) = kind.rsplit_once('.').unwrap();
        assert_eq!(
            answer,
            json!({ "scope": scope, "action": action, "repo": "acme/data", "type": "dataset" })
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn send_uses_the_secret_from_the_environment_and_explains_refusals() {
    let server = TestServer::with(echo_server().webhook_secret("hub-secret")).await;
    let url = server.url("/webhooks/hub");
    let from_env = hf_webhooks(
        &["send", "repo.create", "--url", &url],
        &[("WEBHOOK_SECRET", "hub-secret")],
    )
    .await;
    assert!(from_env.status.success(), "{}", stderr(&from_env));

    let missing = hf_webhooks(&["send", "repo.create", "--url", &url], &[]).await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stdout(&missing).starts_with("401 Unauthorized\n"),
        "{}",
        stdout(&missing)
    );
    let hint = stderr(&missing);
    let explained = hint
        .lines()
        .filter(|line| !line.starts_with("Webhook-Id: "));
    assert_eq!(
        explained.count(),
        1,
        "one line besides the Webhook-Id: {hint}"
    );
    assert!(
        hint.contains("--secret") && hint.contains("WEBHOOK_SECRET"),
        "{hint}"
    );

    let wrong = hf_webhooks(
        &["send", "repo.create", "--url", &url, "--secret", "nope"],
        &[],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stdout(&wrong).starts_with("403 Forbidden\n"));
    assert!(
        stderr(&wrong).contains("refused the secret"),
        "{}",
        stderr(&wrong)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn send_sets_fields_ref_and_pull_requests() {
    let server = TestServer::with(WebhooksServer::builder().include_registered(false).add_webhook(
        "hub",
        |payload: WebhookPayload| async move {
            json!({
                "private": payload.repo.private,
                "ref": payload.updated_refs.and_then(|refs| refs.first().map(|r| r.ref_name.clone())),
                "pr": payload.discussion.map(|d| d.is_pull_request),
            })
        },
    ))
    .await;
    let url = server.url("/webhooks/hub");
    let output = hf_webhooks(
        &[
            "send",
            "repo.content.update",
            "--url",
            &url,
            "--ref",
            "refs/tags/v1.0",
            "--set",
            "repo.private=true",
        ],
        &[],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("\"ref\": \"refs/tags/v1.0\""),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("\"private\": true"),
        "{}",
        stdout(&output)
    );

    let pr = hf_webhooks(
        &["send", "discussion.create", "--url", &url, "--pull-request"],
        &[],
    )
    .await;
    assert!(stdout(&pr).contains("\"pr\": true"), "{}", stdout(&pr));

    // An override that breaks the payload is sent anyway, with a warning: the server's 422 shows.
    let broken = hf_webhooks(
        &[
            "send",
            "repo.create",
            "--url",
            &url,
            "--set",
            "repo.private=\"yes\"",
        ],
        &[],
    )
    .await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).starts_with("422 Unprocessable Entity\n"));
    assert!(
        stderr(&broken).contains("no longer a valid Hub payload"),
        "{}",
        stderr(&broken)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mistakes_are_explained_in_one_line() {
    let unknown = hf_webhooks(
        &[
            "send",
            "repo.contnet.update",
            "--url",
            "http://127.0.0.1:9/",
        ],
        &[],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("unknown event kind `repo.contnet.update`"),
        "{}",
        stderr(&unknown)
    );
    assert!(stderr(&unknown).contains("repo.content.update"));

    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/webhooks/hub");
    let refused = hf_webhooks(&["send", "repo.create", "--url", &url], &[]).await;
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("nothing is listening") && message.contains("start your server"),
        "{message}"
    );

    let server = TestServer::with(echo_server()).await;
    let missing = hf_webhooks(
        &[
            "send",
            "repo.create",
            "--url",
            &server.url("/webhooks/nope"),
        ],
        &[],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no endpoint at this path"));
}

static HUB_RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[tokio::test(flavor = "multi_thread")]
async fn send_prints_a_fresh_webhook_id_and_repeating_it_runs_once() {
    let server = TestServer::with(
        WebhooksServer::builder()
            .include_registered(false)
            .add_webhook("hub", |delivery: webhooks_runtime::Delivery| async move {
                HUB_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                delivery.webhook_id().unwrap_or_default().to_owned()
            }),
    )
    .await;
    let url = server.url("/webhooks/hub");
    let first = hf_webhooks(&["send", "repo.create", "--url", &url], &[]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let said = stderr(&first);
    let id = said
        .strip_prefix("Webhook-Id: ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{said}"))
        .to_owned();
    assert_eq!(id.len(), 24, "{said}");
    assert_eq!(stdout(&first), format!("200 OK\n{id}\n"));
    // A Hub retry, locally: the same id, answered as the same delivery.
    let again = hf_webhooks(
        &["send", "repo.create", "--url", &url, "--webhook-id", &id],
        &[],
    )
    .await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("\"status\": \"duplicate\""),
        "{}",
        stdout(&again)
    );
    assert_eq!(HUB_RUNS.load(std::sync::atomic::Ordering::SeqCst), 1);
    let refused = hf_webhooks(
        &[
            "send",
            "repo.create",
            "--url",
            &url,
            "--webhook-id",
            "two words",
        ],
        &[],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("--webhook-id"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn send_exec_runs_a_program_with_a_hub_jobs_environment_and_its_exit_status() {
    let output = hf_webhooks(
        &[
            "send",
            "repo.content.update",
            "--repo",
            "acme/data",
            "--webhook-id",
            "job-1",
            "--exec",
            "sh",
            "-c",
            "printf '%s\\n' \"$WEBHOOK_ID\"; printf '%s' \"$WEBHOOK_PAYLOAD\"; exit 3",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let printed = stdout(&output);
    let (id, payload) = printed.split_once('\n').unwrap();
    assert_eq!(id, "job-1");
    let payload = WebhookPayload::from_slice(payload.as_bytes()).unwrap();
    assert_eq!(payload.repo.name, "acme/data");
    assert_eq!(payload.event.scope, "repo.content");
}

#[tokio::test(flavor = "multi_thread")]
async fn post_sends_a_saved_body() {
    let server = TestServer::with(echo_server()).await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/07-repo-create-model.json"
    );
    let output = hf_webhooks(
        &["post", fixture, "--url", &server.url("/webhooks/hub")],
        &[],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("\"scope\": \"repo\""),
        "{}",
        stdout(&output)
    );
    let missing = hf_webhooks(
        &[
            "post",
            "no-such-file.json",
            "--url",
            &server.url("/webhooks/hub"),
        ],
        &[],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("cannot read no-such-file.json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_listed_shown_saved_and_replayed() {
    let server = TestServer::with(echo_server().webhook_secret("s").admin_token("t")).await;
    let sent = hf_webhooks(
        &[
            "send",
            "repo.content.update",
            "--url",
            &server.url("/webhooks/hub"),
            "--secret",
            "s",
        ],
        &[],
    )
    .await;
    assert!(sent.status.success());
    let base = server.url("");
    let base = base.trim_end_matches('/');
    // Ordinary deliveries are journaled in batches: poll (bounded) until this one is.
    let listing = webhooks_tests::eventually::eventually("the delivery journaled", async || {
        let output = hf_webhooks(
            &["deliveries", "list", "--url", base, "--json"],
            &[("WEBHOOKS_ADMIN_TOKEN", "t")],
        )
        .await;
        assert!(output.status.success(), "{}", stderr(&output));
        let json = stdout(&output);
        let listing: Value =
            webhooks_runtime::serde_json::from_str(json.split_once('\n').unwrap().1).unwrap();
        listing["deliveries"][0].is_object().then_some(listing)
    })
    .await;
    let id = listing["deliveries"][0]["id"]
        .as_str()
        .expect("a delivery")
        .to_owned();

    let table = hf_webhooks(&["deliveries", "list", "--url", base, "--token", "t"], &[]).await;
    let printed = stdout(&table);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "200 OK");
    assert!(lines[1].starts_with("STATUS"), "{printed}");
    assert!(
        lines[2].starts_with("done") && lines[2].contains("/webhooks/hub"),
        "{printed}"
    );
    assert!(
        lines[2].contains("repo.content.update") && lines[2].contains("acme/sentiment-data"),
        "{printed}"
    );
    let webhook_id = listing["deliveries"][0]["webhook_id"]
        .as_str()
        .expect("send sent a Webhook-Id")
        .to_owned();
    assert!(
        lines[2].ends_with(&format!("{id}  {webhook_id}")),
        "the Hub id last: {printed}"
    );

    // Shown by either id.
    for named in [&id, &webhook_id] {
        let show = hf_webhooks(
            &["deliveries", "show", named, "--url", base, "--token", "t"],
            &[],
        )
        .await;
        assert!(show.status.success());
        let shown = stdout(&show);
        assert!(shown.contains(&format!("\"id\": \"{id}\"")), "{shown}");
        assert!(
            shown.contains(&format!("\"webhook_id\": \"{webhook_id}\"")),
            "{shown}"
        );
    }
    let by_hub_id = hf_webhooks(
        &[
            "deliveries",
            "list",
            "--webhook-id",
            &webhook_id,
            "--url",
            base,
            "--token",
            "t",
        ],
        &[],
    )
    .await;
    assert_eq!(
        stdout(&by_hub_id).lines().count(),
        3,
        "{}",
        stdout(&by_hub_id)
    );

    let body = hf_webhooks(
        &["deliveries", "body", &id, "--url", base, "--token", "t"],
        &[],
    )
    .await;
    assert!(body.status.success());
    WebhookPayload::from_slice(&body.stdout).expect("the saved body, exactly");

    let replay = hf_webhooks(
        &["deliveries", "replay", &id, "--url", base, "--token", "t"],
        &[],
    )
    .await;
    assert!(
        replay.status.success(),
        "{}{}",
        stdout(&replay),
        stderr(&replay)
    );
    assert!(
        stdout(&replay).contains("\"replay_of\""),
        "{}",
        stdout(&replay)
    );

    // The webhook secret does not open the API while an admin token is set.
    let secret_only =
        hf_webhooks(&["deliveries", "list", "--url", base, "--secret", "s"], &[]).await;
    assert_eq!(secret_only.status.code(), Some(1));
    assert!(stdout(&secret_only).starts_with("401 Unauthorized"));
    assert!(
        stderr(&secret_only).contains("--token"),
        "{}",
        stderr(&secret_only)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_help_are_there() {
    for shell in ["bash", "zsh", "fish"] {
        let output = hf_webhooks(&["completions", shell], &[]).await;
        assert!(output.status.success(), "{shell}");
        assert!(stdout(&output).contains("hf-webhooks"), "{shell}");
    }
    let help = hf_webhooks(&["send", "--help"], &[]).await;
    assert!(stdout(&help).contains("Examples:"), "{}", stdout(&help));
}
