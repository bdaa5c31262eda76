//! `hf-webhooks hub` against the fake Hub (HUB-WEBHOOKS.md §11), reached through `HF_ENDPOINT`
//! and `--endpoint`: every command, the rules of `update` and `apply`, the errors, and the token
//! never printed.

use std::process::{Command, Output};

use webhooks_runtime::serde_json::{Value, json};
use webhooks_tests::fake_hub::{FakeHub, Tokens};

const TOKEN: &str = "hf_writeTOKENneverPRINTED";
const READ_ONLY: &str = "hf_readTOKENneverPRINTED";

async fn fake_hub() -> FakeHub {
    FakeHub::start(Tokens {
        token: TOKEN.to_owned(),
        read_only: READ_ONLY.to_owned(),
    })
    .await
}

/// Runs `hf-webhooks hub args…` with only `env` for the Hub's variables: no token from the
/// machine (HOME points at an empty directory).
async fn hub(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = std::env::temp_dir().join(format!("hf-webhooks-hub-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hf-webhooks"));
    command.arg("hub").args(args);
    for variable in [
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH",
        "HF_HOME",
        "XDG_CACHE_HOME",
        "HF_ENDPOINT",
        "WEBHOOK_SECRET",
    ] {
        command.env_remove(variable);
    }
    command.env("HOME", &home).envs(env.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output().expect("hf-webhooks runs"))
        .await
        .unwrap();
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(TOKEN) && !text.contains(READ_ONLY),
            "a token was printed: {text}"
        );
    }
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed, returns its stdout.
async fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = hub(args, env).await;
    assert!(
        output.status.success(),
        "hub {args:?}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Runs a command that must fail with exit 1, returns its stderr.
async fn fails(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = hub(args, env).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "hub {args:?}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stderr(&output)
}

/// The id printed after `verb` on the first line.
fn id_after(verb: &str, out: &str) -> String {
    let first = out.lines().next().unwrap_or("");
    first
        .strip_prefix(verb)
        .unwrap_or_else(|| panic!("expected `{verb} ID`, got {out}"))
        .trim()
        .split(' ')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_works_and_secrets_are_hidden_unless_asked() {
    let hub_server = fake_hub().await;
    let endpoint = hub_server.endpoint();
    let env = [
        ("HF_ENDPOINT", endpoint.as_str()),
        ("HF_TOKEN", TOKEN),
        ("BOT_SECRET", "s3cret-value"),
    ];

    let out = ok(
        &[
            "create",
            "--watch",
            "model:acme/bert",
            "user:acme",
            "--url",
            "https://acme-bot.hf.space/webhooks/evaluate",
            "--domain",
            "repo",
            "--secret-env",
            "BOT_SECRET",
        ],
        &env,
    )
    .await;
    let id = id_after("created", &out);
    assert!(out.contains("secret:   ***"), "{out}");
    assert!(!out.contains("s3cret-value"), "{out}");
    let stored = &hub_server.webhooks()[0];
    assert_eq!(stored["secret"], "s3cret-value");
    assert_eq!(stored["domains"], json!(["repo"]));
    assert_eq!(
        stored["watched"],
        json!([{"type": "model", "name": "acme/bert"}, {"type": "user", "name": "acme"}])
    );

    let job = ok(
        &[
            "create",
            "--watch",
            "dataset:acme/data",
            "--job-id",
            "job-42",
        ],
        &env,
    )
    .await;
    let job_id = id_after("created", &job);
    assert_eq!(hub_server.writes()[1].body["jobSourceId"], "job-42");

    let table = ok(&["list"], &env).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "TARGET", "DISABLED", "DOMAINS", "WATCHED"]
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        [
            id.as_str(),
            "https://acme-bot.hf.space/webhooks/evaluate",
            "no",
            "repo",
            "model:acme/bert,user:acme"
        ]
    );
    assert!(
        lines[2].starts_with(&job_id) && lines[2].contains("(job)"),
        "{table}"
    );
    assert!(!table.contains("s3cret-value"));
    // `ls` is the Python CLI's name for it.
    assert_eq!(ok(&["ls"], &env).await, table);

    let listed: Value =
        webhooks_runtime::serde_json::from_str(&ok(&["list", "--json"], &env).await).unwrap();
    assert_eq!(listed[0]["secret"], "***");
    assert_eq!(listed[0]["id"], id.as_str());
    let shown = ok(&["list", "--show-secret"], &env).await;
    assert!(
        shown.contains("SECRET") && shown.contains("s3cret-value"),
        "{shown}"
    );

    let info = ok(&["info", &id], &env).await;
    assert!(
        info.contains("url:      https://acme-bot.hf.space/webhooks/evaluate"),
        "{info}"
    );
    assert!(
        info.contains("watched:  model:acme/bert, user:acme"),
        "{info}"
    );
    assert!(info.contains("secret:   ***"), "{info}");
    let info: Value = webhooks_runtime::serde_json::from_str(
        &ok(&["info", &id, "--json", "--show-secret"], &env).await,
    )
    .unwrap();
    assert_eq!(info["secret"], "s3cret-value");

    // An update without --watch keeps the list: the current one is sent, not [].
    ok(
        &[
            "update",
            &id,
            "--url",
            "https://acme-bot.hf.space/webhooks/eval2",
        ],
        &env,
    )
    .await;
    let sent = hub_server.writes().last().unwrap().clone();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, format!("/api/settings/webhooks/{id}"));
    assert_eq!(
        sent.body,
        json!({"watched": [{"type": "model", "name": "acme/bert"}, {"type": "user", "name": "acme"}], "url": "https://acme-bot.hf.space/webhooks/eval2"})
    );
    assert_eq!(
        hub_server.webhooks()[0]["watched"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let updated = ok(&["update", &id, "--watch", "space:acme/demo"], &env).await;
    assert!(updated.starts_with(&format!("updated {id}\n")), "{updated}");
    assert!(updated.contains("watched:  space:acme/demo\n"), "{updated}");
    assert_eq!(
        hub_server.webhooks()[0]["url"],
        "https://acme-bot.hf.space/webhooks/eval2"
    );

    let disabled = ok(&["disable", &id], &env).await;
    assert!(
        disabled.starts_with(&format!("disabled {id}\n")) && disabled.contains("disabled: yes")
    );
    assert_eq!(hub_server.webhooks()[0]["disabled"], true);
    let enabled = ok(&["enable", &id, "--json"], &env).await;
    assert_eq!(
        webhooks_runtime::serde_json::from_str::<Value>(&enabled).unwrap()["disabled"],
        false
    );

    // Without a terminal and without --yes, nothing is deleted.
    let refused = fails(&["delete", &id], &env).await;
    assert!(
        refused.contains("stdin is not a terminal; pass --yes"),
        "{refused}"
    );
    assert_eq!(hub_server.webhooks().len(), 2);
    assert_eq!(
        ok(&["delete", &id, "--yes"], &env).await,
        format!("deleted {id}\n")
    );
    assert_eq!(hub_server.writes().last().unwrap().method, "DELETE");
    assert_eq!(hub_server.webhooks().len(), 1);
    let gone = fails(&["info", &id], &env).await;
    assert!(
        gone.contains("the Hub answered 404 to get webhook"),
        "{gone}"
    );
    assert!(gone.contains("Webhook not found"), "{gone}");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_asks_on_a_terminal() {
    // `script` gives the command a terminal; its stdin is the answer.
    if Command::new("script").arg("--version").output().is_err() {
        panic!("`script` (util-linux) is needed: .ci/run installs it");
    }
    let hub_server = fake_hub().await;
    let id = hub_server.insert(json!({"url": "https://x.hf.space/webhooks/a", "watched": [{"type": "user", "name": "me"}]}));
    let command = format!(
        "{} hub delete {id} --endpoint {}",
        env!("CARGO_BIN_EXE_hf-webhooks"),
        hub_server.endpoint()
    );
    let ask = move |answer: &'static str| {
        let mut script = Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .env("HF_TOKEN", TOKEN)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = script.spawn().expect("script runs");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let declined = tokio::task::spawn_blocking({
        let ask = ask.clone();
        move || ask("n\n")
    })
    .await
    .unwrap();
    let text = stdout(&declined);
    assert!(
        text.contains(&format!(
            "Delete webhook {id} (https://x.hf.space/webhooks/a, watching user:me)? [y/N]"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("webhook {id} not deleted")),
        "{text}"
    );
    assert!(!declined.status.success());
    assert_eq!(hub_server.webhooks().len(), 1);
    let accepted = tokio::task::spawn_blocking(move || ask("y\n"))
        .await
        .unwrap();
    assert!(accepted.status.success(), "{}", stdout(&accepted));
    assert!(stdout(&accepted).contains(&format!("deleted {id}")));
    assert!(!stdout(&accepted).contains(TOKEN));
    assert!(hub_server.webhooks().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_then_leaves_alone_then_changes_only_what_differs() {
    let hub_server = fake_hub().await;
    let endpoint = hub_server.endpoint();
    let url = "https://acme-bot.hf.space/webhooks/retrain";
    let env = [("HF_TOKEN", TOKEN), ("BOT_SECRET", "one")];
    let apply = |watch: &'static [&'static str], extra: &'static [&'static str]| {
        let mut args = vec![
            "apply",
            "--endpoint",
            endpoint.as_str(),
            "--url",
            url,
            "--watch",
        ];
        args.extend_from_slice(watch);
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<String>>()
    };
    let run = |args: Vec<String>, env: Vec<(&'static str, &'static str)>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&args, &env).await
    };

    let created = run(
        apply(&["dataset:acme/data"], &["--secret-env", "BOT_SECRET"]),
        env.to_vec(),
    )
    .await;
    let id = id_after("created", &created);
    assert_eq!(created, format!("created {id}\n"));
    assert_eq!(
        hub_server.webhooks()[0]["domains"],
        json!(["repo", "discussion"])
    );
    let writes = hub_server.writes().len();

    let again = run(
        apply(&["dataset:acme/data"], &["--secret-env", "BOT_SECRET"]),
        env.to_vec(),
    )
    .await;
    assert_eq!(again, format!("unchanged {id}\n"));
    assert_eq!(
        hub_server.writes().len(),
        writes,
        "an unchanged apply writes nothing"
    );
    // Without --secret-env the secret is not compared: still unchanged.
    assert_eq!(
        run(apply(&["dataset:acme/data"], &[]), env.to_vec()).await,
        format!("unchanged {id}\n")
    );

    let watched = run(
        apply(&["dataset:acme/data", "user:acme"], &["--domain", "repo"]),
        env.to_vec(),
    )
    .await;
    assert_eq!(watched, format!("updated {id} (watched, domains)\n"));
    assert_eq!(hub_server.webhooks()[0]["secret"], "one");

    ok(&["disable", &id, "--endpoint", &endpoint], &env).await;
    let rotated = run(
        apply(
            &["user:acme", "dataset:acme/data"],
            &["--domain", "repo", "--secret-env", "BOT_SECRET"],
        ),
        vec![("HF_TOKEN", TOKEN), ("BOT_SECRET", "two")],
    )
    .await;
    assert_eq!(rotated, format!("updated {id} (secret, enabled)\n"));
    let stored = &hub_server.webhooks()[0];
    assert_eq!(
        (stored["secret"].as_str(), stored["disabled"].as_bool()),
        (Some("two"), Some(false))
    );
    assert_eq!(hub_server.webhooks().len(), 1);

    let json_out: Value = webhooks_runtime::serde_json::from_str(
        &run(
            apply(
                &["user:acme", "dataset:acme/data"],
                &["--domain", "repo", "--json"],
            ),
            env.to_vec(),
        )
        .await,
    )
    .unwrap();
    assert_eq!(json_out["outcome"], "unchanged");
    assert_eq!(json_out["webhook"]["secret"], "***");

    // Two webhooks at the URL: which to keep is the user's call.
    hub_server.insert(json!({"url": url, "watched": [{"type": "user", "name": "acme"}]}));
    let args = apply(&["user:acme"], &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ambiguous = fails(&args, &env).await;
    assert!(
        ambiguous.contains(&format!("2 webhooks target {url} ({id}, ")),
        "{ambiguous}"
    );
    assert!(
        ambiguous.contains("hf-webhooks hub delete ID"),
        "{ambiguous}"
    );

    let missing = fails(
        &[
            "apply",
            "--endpoint",
            &endpoint,
            "--url",
            url,
            "--watch",
            "user:acme",
            "--secret-env",
            "NOT_SET_ANYWHERE",
        ],
        &env,
    )
    .await;
    assert!(
        missing.contains("--secret-env NOT_SET_ANYWHERE: NOT_SET_ANYWHERE is not set"),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_say_what_the_hub_answered_and_where_the_token_came_from() {
    let hub_server = fake_hub().await;
    let endpoint = hub_server.endpoint();

    let wrong = fails(
        &["list"],
        &[("HF_ENDPOINT", &endpoint), ("HF_TOKEN", "hf_wrong")],
    )
    .await;
    assert!(
        wrong.contains(
            "the Hub answered 401 to list webhooks: Invalid credentials in Authorization header"
        ),
        "{wrong}"
    );
    assert!(
        wrong.contains("the token (from HF_TOKEN) is missing or invalid"),
        "{wrong}"
    );
    assert!(!wrong.contains("hf_wrong"), "{wrong}");
    assert_eq!(wrong.lines().count(), 1, "{wrong}");

    let old_name = fails(
        &["list"],
        &[
            ("HF_ENDPOINT", &endpoint),
            ("HUGGING_FACE_HUB_TOKEN", "hf_wrong"),
        ],
    )
    .await;
    assert!(
        old_name.contains("(from HUGGING_FACE_HUB_TOKEN)"),
        "{old_name}"
    );
    let given = fails(
        &["list", "--token", "hf_wrong", "--endpoint", &endpoint],
        &[],
    )
    .await;
    assert!(
        given.contains("(from the token given explicitly)"),
        "{given}"
    );

    // The token `hf auth login` saves, in HF_HOME.
    let home = std::env::temp_dir().join(format!("hf-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("token"), format!("{TOKEN}\n")).unwrap();
    let home_text = home.display().to_string();
    let from_file = ok(
        &["list"],
        &[("HF_ENDPOINT", &endpoint), ("HF_HOME", &home_text)],
    )
    .await;
    assert!(from_file.starts_with("ID"), "{from_file}");
    std::fs::write(home.join("token"), "hf_stale\n").unwrap();
    let stale = fails(
        &["list"],
        &[("HF_ENDPOINT", &endpoint), ("HF_HOME", &home_text)],
    )
    .await;
    assert!(
        stale.contains(&format!("(from the file {}/token)", home_text)),
        "{stale}"
    );

    let none = fails(&["list"], &[("HF_ENDPOINT", &endpoint)]).await;
    assert!(
        none.contains("no Hugging Face token: set HF_TOKEN"),
        "{none}"
    );
    assert!(none.contains(".cache/huggingface/token"), "{none}");

    let read_only = fails(
        &[
            "create",
            "--watch",
            "user:me",
            "--url",
            "https://x/webhooks/a",
        ],
        &[("HF_ENDPOINT", &endpoint), ("HF_TOKEN", READ_ONLY)],
    )
    .await;
    assert!(
        read_only.contains("the Hub answered 403 to create a webhook"),
        "{read_only}"
    );
    assert!(read_only.contains("it needs write access"), "{read_only}");

    let refused_domain = fails(
        &["info", "nope"],
        &[("HF_ENDPOINT", &endpoint), ("HF_TOKEN", TOKEN)],
    )
    .await;
    assert!(refused_domain.contains("404") && refused_domain.contains("Webhook not found"));

    // A Hub that cannot be reached: one line.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = fails(
        &["list", "--endpoint", &format!("http://127.0.0.1:{port}")],
        &[("HF_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(
        unreachable,
        format!(
            "error: cannot reach the Hub at http://127.0.0.1:{port}: connection refused (check HF_ENDPOINT or --endpoint)\n"
        )
    );

    // Arguments are checked before anything is sent.
    let bad = hub(
        &["create", "--watch", "repo:acme/m", "--url", "https://x"],
        &[("HF_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad)
            .contains("unknown type `repo`; a webhook watches a model, dataset, space, user, org"),
        "{}",
        stderr(&bad)
    );
    let both = hub(
        &[
            "create",
            "--watch",
            "user:me",
            "--url",
            "https://x",
            "--job-id",
            "j",
        ],
        &[("HF_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(both.status.code(), Some(2));
    // Only the read-only token's create reached the Hub, and was refused.
    assert_eq!(hub_server.writes().len(), 1, "{:?}", hub_server.writes());
    assert!(hub_server.webhooks().is_empty());
}
