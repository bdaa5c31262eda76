//! The server as a user runs it: `run()` in a binary, configured by the environment, printing its
//! start messages, and stopping on SIGTERM without dropping the request in flight.

use crate::common;

mod hub_registration;

use common::process::{ServerProcess, command, free_port, request};
use webhooks_tests::eventually::{PATIENCE, poll_blocking};

#[test]
fn start_messages_without_secret_match_the_python_reference() {
    let server = ServerProcess::start(&[]);
    let base = format!("http://{}", server.addr());
    let expected = [
        "Webhook secret is not defined. This means your webhook endpoints will be open to everyone.".to_owned(),
        "To add a secret, set `WEBHOOK_SECRET` as environment variable or pass it at initialization: ".to_owned(),
        "\t`WebhooksServer::builder().webhook_secret(\"my_secret\")`".to_owned(),
        "For more details about webhook secrets, please refer to https://huggingface.co/docs/hub/webhooks#webhook-secret.".to_owned(),
        String::new(),
        "Webhooks are correctly setup and ready to use:".to_owned(),
        format!("  - POST {base}/webhooks/background_job"),
        format!("  - POST {base}/webhooks/say_hello"),
        format!("  - POST {base}/webhooks/slow"),
        format!("  - POST {base}/webhooks/trigger_training"),
        "Go to https://huggingface.co/settings/webhooks to setup your webhooks.".to_owned(),
    ];
    assert_eq!(server.banner, expected);
    assert_ne!(
        server.addr().port(),
        0,
        "the real port is printed, not the 0 asked for"
    );
}

#[test]
fn start_messages_with_secret_and_the_secret_is_enforced() {
    let server = ServerProcess::start(&[("WEBHOOK_SECRET", "env-secret")]);
    assert_eq!(server.banner[0], "Webhook secret is correctly defined.");
    assert_eq!(server.banner[1], "");
    assert!(!server.banner.iter().any(|line| line.contains("env-secret")));
    let body = common::fixture("07-repo-create-model.json");
    let addr = server.addr();
    assert_eq!(
        request(addr, "POST", "/webhooks/trigger_training", &[], &body).0,
        401
    );
    assert_eq!(
        request(
            addr,
            "POST",
            "/webhooks/trigger_training",
            &[("X-Webhook-Secret", "nope")],
            &body
        )
        .0,
        403
    );
    let (status, answer) = request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &[("X-Webhook-Secret", "env-secret")],
        &body,
    );
    assert_eq!((status, answer.as_str()), (200, r#"{"scope":"repo"}"#));
}

#[test]
fn space_mode_prints_the_space_url_and_says_so_on_the_landing_page() {
    // The printed URL is the Space's, so pick the port here to know where to connect.
    let port = free_port();
    let server = ServerProcess::start(&[
        ("SPACE_ID", "acme/hub-bot"),
        ("SPACE_HOST", "acme-hub-bot.hf.space"),
        ("WEBHOOKS_PORT", &port),
    ]);
    assert!(
        server.banner.contains(
            &"  - POST https://acme-hub-bot.hf.space/webhooks/trigger_training".to_owned()
        ),
        "{:?}",
        server.banner
    );
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let (status, page) = request(addr, "GET", "/", &[], b"");
    assert_eq!(status, 200);
    assert!(page.contains("https://acme-hub-bot.hf.space/webhooks/say_hello"));
    assert!(page.contains("This app runs on a Space"));
    // Metrics would be public on a Space: off unless asked for.
    assert_eq!(request(addr, "GET", "/metrics", &[], b"").0, 404);
}

#[test]
fn gradio_variables_configure_the_address_when_ours_are_unset() {
    let port = free_port();
    let server = ServerProcess::start(&[
        ("WEBHOOKS_HOST", ""),
        ("WEBHOOKS_PORT", ""),
        ("GRADIO_SERVER_NAME", "127.0.0.1"),
        ("GRADIO_SERVER_PORT", &port),
    ]);
    assert_eq!(server.addr().to_string(), format!("127.0.0.1:{port}"));
}

#[test]
fn malformed_port_stops_the_start_with_a_message_naming_the_variable() {
    let output = command(&[("WEBHOOKS_PORT", "abc")]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: invalid WEBHOOKS_PORT=\"abc\": expected a port number from 0 to 65535 (0 takes a free port)"
    );
    assert!(
        output.stdout.is_empty(),
        "nothing is printed before the configuration is valid"
    );
}

#[test]
fn malformed_gradio_port_is_named_too() {
    let mut command = command(&[("GRADIO_SERVER_PORT", "78600")]);
    command.env_remove("WEBHOOKS_PORT");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("invalid GRADIO_SERVER_PORT=\"78600\"")
    );
}

#[test]
fn address_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = command(&[("WEBHOOKS_PORT", &port)]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{stderr}"
    );
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let server = ServerProcess::start(&[]);
    let addr = server.addr();
    let in_flight = std::thread::spawn(move || request(addr, "POST", "/webhooks/slow", &[], b"{}"));
    assert_eq!(server.next_line(), "slow request started");
    server.terminate();
    let (status, body) = in_flight.join().unwrap();
    assert_eq!((status, body.as_str()), (200, r#"{"slow":"done"}"#));
    let (exit, stderr) = server.wait();
    assert!(exit.success(), "exit: {exit:?}, stderr: {stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}

#[test]
fn rotation_accepts_the_previous_secret_from_the_environment() {
    let server = ServerProcess::start(&[
        ("WEBHOOK_SECRET", "new"),
        ("WEBHOOK_SECRET_PREVIOUS", "old"),
    ]);
    let addr = server.addr();
    for (secret, status) in [("new", 200), ("old", 200), ("older", 403)] {
        let answer = request(
            addr,
            "POST",
            "/webhooks/say_hello",
            &[("X-Webhook-Secret", secret)],
            b"{}",
        );
        assert_eq!(answer.0, status, "{secret}");
    }
}

#[test]
fn a_secret_with_surrounding_whitespace_is_warned_about_and_never_printed() {
    let server = ServerProcess::start(&[("WEBHOOK_SECRET", "pasted-secret-value\n")]);
    let addr = server.addr();
    // A wrong secret in the header, the right one in the query, and a failing request: nothing
    // of them may reach the output.
    request(
        addr,
        "POST",
        "/webhooks/trigger_training?secret=pasted-secret-value%0A",
        &[],
        b"not json",
    );
    request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &[("X-Webhook-Secret", "pasted-secret-value")],
        b"{}",
    );
    server.terminate();
    let banner = server.banner.join("\n");
    let (_, stderr) = server.wait();
    assert!(
        stderr.contains("WARN A webhook secret starts or ends with whitespace"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("pasted-secret-value") && !banner.contains("pasted-secret-value"),
        "{stderr}"
    );
}

fn log_lines(stderr: &str) -> Vec<webhooks_runtime::serde_json::Value> {
    stderr
        .lines()
        .map(|line| {
            webhooks_runtime::serde_json::from_str(line)
                .unwrap_or_else(|_| panic!("not a JSON line: {line}"))
        })
        .collect()
}

#[test]
fn json_logs_give_one_line_per_delivery_without_the_secret_or_the_body() {
    let server = ServerProcess::start(&[
        ("WEBHOOKS_LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
        ("WEBHOOK_SECRET", "log-secret-value"),
    ]);
    let body = common::fixture("05-docs-repo-content-branch-updated-and-tag-created.json");
    let addr = server.addr();
    let path = "/webhooks/trigger_training?secret=log-secret-value";
    assert_eq!(request(addr, "POST", path, &[], &body).0, 200);
    assert_eq!(
        request(
            addr,
            "POST",
            "/webhooks/trigger_training",
            &[("X-Webhook-Secret", "nope")],
            &body
        )
        .0,
        403
    );
    server.terminate();
    let (_, stderr) = server.wait();
    assert!(!stderr.contains("log-secret-value"), "{stderr}");
    assert!(
        !stderr.contains("575db8b7a51b6f85eb06eee540738584589f131c"),
        "the body is not logged: {stderr}"
    );
    let lines = log_lines(&stderr);
    let answered: Vec<_> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 2, "{stderr}");
    let span = &answered[0]["span"];
    assert_eq!(span["endpoint"], "trigger_training");
    assert_eq!(span["method"], "POST");
    assert_eq!(span["path"], "/webhooks/trigger_training");
    assert_eq!(span["status"], 200);
    assert_eq!(span["scope"], "repo.content");
    assert_eq!(span["action"], "update");
    assert_eq!(span["repo"], "some-user/some-repo");
    assert!(
        span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{span}"
    );
    assert_eq!(answered[1]["span"]["status"], 403);
    assert!(
        lines
            .iter()
            .any(|line| line["level"] == "WARN" && line["span"]["status"].is_null())
    );
}

#[test]
fn rust_log_filters_the_request_lines_out() {
    let server = ServerProcess::start(&[("RUST_LOG", "warn")]);
    assert_eq!(
        request(server.addr(), "POST", "/webhooks/say_hello", &[], b"{}").0,
        200
    );
    server.terminate();
    let (_, stderr) = server.wait();
    assert!(!stderr.contains("answered"), "{stderr}");
}

#[test]
fn public_url_from_the_environment_is_what_the_banner_prints() {
    let server = ServerProcess::start(&[("WEBHOOKS_PUBLIC_URL", "https://tunnel.example.org/")]);
    assert!(
        server
            .banner
            .contains(&"  - POST https://tunnel.example.org/webhooks/say_hello".to_owned()),
        "{:?}",
        server.banner
    );
}

#[test]
fn a_background_delivery_survives_kill_9_and_runs_to_done_after_a_restart() {
    let data_dir = common::process::fresh_data_dir();
    let block = data_dir.with_extension("block");
    std::fs::write(&block, b"").unwrap();
    let port = free_port();
    let data = data_dir.to_str().unwrap();
    let env = [
        ("WEBHOOKS_DATA_DIR", data),
        ("BLOCK_FILE", block.to_str().unwrap()),
        ("WEBHOOKS_PORT", port.as_str()),
    ];

    let mut server = ServerProcess::start(&env);
    let addr = server.addr();
    let body = common::fixture("07-repo-create-model.json");
    let (status, answer) = request(addr, "POST", "/webhooks/background_job", &[], &body);
    assert_eq!(status, 202, "{answer}");
    let id = webhooks_runtime::serde_json::from_str::<webhooks_runtime::serde_json::Value>(&answer)
        .unwrap()["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.next_line(), "background job started");
    server.kill();
    let _ = server.wait();

    // The handler was interrupted mid-run; once unblocked, the next start runs it again.
    std::fs::remove_file(&block).unwrap();
    let server = ServerProcess::start(&env);
    let record_now = || -> webhooks_runtime::serde_json::Value {
        let (_, text) = request(addr, "GET", &format!("/api/deliveries/{id}"), &[], b"");
        webhooks_runtime::serde_json::from_str(&text).unwrap()
    };
    let record = poll_blocking(PATIENCE, || {
        let record = record_now();
        (record["status"] == "done").then_some(record)
    })
    .unwrap_or_else(record_now);
    assert_eq!(record["status"], "done", "{record}");
    assert_eq!(
        record["attempts"], 2,
        "one interrupted attempt, one that finished: {record}"
    );
    // Every accepted delivery is accounted for.
    let (_, listed) = request(
        addr,
        "GET",
        "/api/deliveries?endpoint=/webhooks/background_job",
        &[],
        b"",
    );
    let listed: webhooks_runtime::serde_json::Value =
        webhooks_runtime::serde_json::from_str(&listed).unwrap();
    let statuses: Vec<&str> = listed["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done"]);
    drop(server);
    std::fs::remove_dir_all(&data_dir).unwrap();
}

/// Starts the test server on the journal folder `data_dir`, expecting it to refuse: it exits
/// non-zero without saying it is ready. Its stderr.
fn refused_start(data_dir: &std::path::Path) -> String {
    let output = command(&[("WEBHOOKS_DATA_DIR", data_dir.to_str().unwrap())])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains("ready to use"), "{stdout}");
    stderr
}

#[test]
fn an_unusable_data_dir_stops_the_server_before_it_says_it_is_ready() {
    // A folder under a regular file cannot be made, whoever runs the test (root included).
    let blocker = std::env::temp_dir().join(format!("webhooks-not-a-dir-{}", std::process::id()));
    std::fs::write(&blocker, b"a file, not a folder").unwrap();
    let data_dir = blocker.join("journal");
    let stderr = refused_start(&data_dir);
    std::fs::remove_file(&blocker).unwrap();
    assert!(
        stderr.contains(blocker.to_str().unwrap()),
        "the error names the folder: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn the_journal_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let dir = common::process::fresh_data_dir();
    let server = ServerProcess::start(&[("WEBHOOKS_DATA_DIR", dir.to_str().unwrap())]);
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the data dir");
    assert_eq!(mode(&dir.join("deliveries.log")), 0o600, "the database");
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_second_process_on_the_same_data_dir_exits_naming_it() {
    let dir = common::process::fresh_data_dir();
    let first = ServerProcess::start(&[("WEBHOOKS_DATA_DIR", dir.to_str().unwrap())]);
    let stderr = refused_start(&dir);
    assert!(
        stderr.contains("another process is using the delivery journal")
            && stderr.contains(dir.to_str().unwrap()),
        "{stderr}"
    );
    // The first one still serves.
    assert_eq!(request(first.addr(), "GET", "/healthz", &[], b"").0, 200);
    drop(first);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_damaged_journal_stops_the_start_naming_the_file_and_how_to_move_it_aside() {
    let dir = common::process::fresh_data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deliveries.log");
    std::fs::write(&file, b"not a database, and then garbage").unwrap();
    let stderr = refused_start(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let file = file.to_str().unwrap();
    assert!(
        stderr.contains(&format!("cannot set up {file}"))
            && stderr.contains(&format!("mv {file} {file}.damaged")),
        "{stderr}"
    );
}

/// Posts a delivery to the test server's `background_job` and waits until its handler says it
/// started; the delivery's id.
fn start_a_background_job(server: &ServerProcess) -> String {
    let body = common::fixture("07-repo-create-model.json");
    let (status, answer) = request(
        server.addr(),
        "POST",
        "/webhooks/background_job",
        &[],
        &body,
    );
    assert_eq!(status, 202, "{answer}");
    let answer: webhooks_runtime::serde_json::Value =
        webhooks_runtime::serde_json::from_str(&answer).unwrap();
    assert_eq!(server.next_line(), "background job started");
    answer["delivery_id"].as_str().unwrap().to_owned()
}

#[test]
fn sigterm_records_what_a_background_handler_finished_within_the_deadline() {
    let data_dir = common::process::fresh_data_dir();
    let block = data_dir.with_extension("finishing");
    std::fs::write(&block, b"").unwrap();
    let env = [
        ("WEBHOOKS_DATA_DIR", data_dir.to_str().unwrap()),
        ("BLOCK_FILE", block.to_str().unwrap()),
        ("WEBHOOKS_SHUTDOWN_TIMEOUT", "20"),
    ];
    let server = ServerProcess::start(&env);
    let id = start_a_background_job(&server);
    // Stopping while the handler runs; it finishes within the deadline.
    server.terminate();
    std::fs::remove_file(&block).unwrap();
    let (exit, stderr) = server
        .wait_within(common::process::EXIT_PATIENCE)
        .expect("the server exited once the handler finished");
    assert!(exit.success(), "exit: {exit:?}, stderr: {stderr}");
    // Recorded as done by the process that stopped: the next start does not run it again.
    let server = ServerProcess::start(&env);
    let (_, text) = request(
        server.addr(),
        "GET",
        &format!("/api/deliveries/{id}"),
        &[],
        b"",
    );
    let record: webhooks_runtime::serde_json::Value =
        webhooks_runtime::serde_json::from_str(&text).unwrap();
    assert_eq!(
        (record["status"].as_str(), record["attempts"].as_u64()),
        (Some("done"), Some(1)),
        "{record}"
    );
    drop(server);
    std::fs::remove_dir_all(&data_dir).unwrap();
}

#[test]
fn sigterm_does_not_wait_past_the_deadline_for_a_plain_fn_that_never_returns() {
    let data_dir = common::process::fresh_data_dir();
    let block = data_dir.with_extension("stuck");
    std::fs::write(&block, b"").unwrap();
    let server = ServerProcess::start(&[
        ("WEBHOOKS_DATA_DIR", data_dir.to_str().unwrap()),
        ("BLOCK_FILE", block.to_str().unwrap()),
        ("WEBHOOKS_SHUTDOWN_TIMEOUT", "0.5"),
    ]);
    start_a_background_job(&server);
    server.terminate();
    // The handler blocks for as long as the file exists: the process must exit at its deadline
    // all the same, leaving the delivery to run again at the next start.
    let ended = server.wait_within(common::process::EXIT_PATIENCE);
    std::fs::remove_file(&block).unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
    let (exit, stderr) = ended.expect("the server exited at its shutdown deadline");
    assert!(exit.success(), "exit: {exit:?}, stderr: {stderr}");
}

#[test]
fn a_malformed_shutdown_timeout_is_named() {
    let output = command(&[("WEBHOOKS_SHUTDOWN_TIMEOUT", "soon")])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid WEBHOOKS_SHUTDOWN_TIMEOUT=\"soon\": expected a number of seconds"),
        "{stderr}"
    );
}

/// Voluntary and involuntary context switches of every thread of `pid` so far.
#[cfg(target_os = "linux")]
fn context_switches(pid: u32) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let status = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        total += status
            .lines()
            .filter(|line| line.contains("ctxt_switches:"))
            .filter_map(|line| line.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    total
}

#[cfg(target_os = "linux")]
#[test]
fn an_idle_server_is_not_woken_at_all() {
    let server = ServerProcess::start(&[]);
    // Some work first: a request, an ordinary record for the writer, a background delivery.
    let body = common::fixture("07-repo-create-model.json");
    assert_eq!(
        request(server.addr(), "POST", "/webhooks/say_hello", &[], &body).0,
        200
    );
    assert_eq!(
        request(
            server.addr(),
            "POST",
            "/webhooks/background_job",
            &[],
            &body
        )
        .0,
        202
    );
    // Once both are journaled and the background one done (polled, bounded)...
    let listed_now = || -> webhooks_runtime::serde_json::Value {
        let (_, text) = request(server.addr(), "GET", "/api/deliveries", &[], b"");
        webhooks_runtime::serde_json::from_str(&text).unwrap()
    };
    if poll_blocking(common::process::EXIT_PATIENCE, || {
        let listed = listed_now();
        let deliveries = listed["deliveries"].as_array().unwrap();
        (deliveries.len() == 2 && deliveries.iter().all(|d| d["status"] == "done")).then_some(())
    })
    .is_none()
    {
        panic!("not both journaled and done: {}", listed_now());
    }
    // ...a quiet second, the window the measurement needs: no timer may fire in it. (The
    // journal writer used to poll 50 times a second, and each worker every minute.)
    // The tail of that work (the worker looking for the next delivery) may still run on a busy
    // machine: the quietest of three consecutive seconds is measured. A periodic timer shows in
    // every one of them.
    let quietest = (0..3)
        .map(|_| {
            let before = context_switches(server.pid());
            std::thread::sleep(std::time::Duration::from_secs(1));
            context_switches(server.pid()) - before
        })
        .min()
        .unwrap();
    assert!(
        quietest <= 2,
        "{quietest} context switches in the quietest of three seconds"
    );
}

#[test]
fn a_journal_deleted_while_running_is_reported_not_written_to() {
    let dir = common::process::fresh_data_dir();
    let server = ServerProcess::start(&[("WEBHOOKS_DATA_DIR", dir.to_str().unwrap())]);
    std::fs::remove_file(dir.join("deliveries.log")).unwrap();
    let body = common::fixture("07-repo-create-model.json");
    // A 202 now would be a promise the journal cannot keep: it is a 503 instead.
    let (status, answer) = request(
        server.addr(),
        "POST",
        "/webhooks/background_job",
        &[],
        &body,
    );
    assert_eq!(status, 503, "{answer}");
    let (status, health) = request(server.addr(), "GET", "/healthz", &[], b"");
    assert_eq!(status, 503, "{health}");
    assert!(
        health.contains("was deleted or replaced while the server runs"),
        "{health}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A binary of `run()` started as a Hub Job (`WEBHOOK_PAYLOAD`): its JSON lines on stdout (other
/// lines, a handler's own prints, left out) and its exit code.
fn run_as_job(
    binary: &str,
    env: &[(&str, &str)],
) -> (Vec<webhooks_runtime::serde_json::Value>, Option<i32>) {
    let output = common::process::command_for(std::path::Path::new(binary), env)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| webhooks_runtime::serde_json::from_str(line).unwrap())
        .collect();
    (lines, output.status.code())
}

#[test]
fn run_as_a_hub_job_handles_the_one_delivery_and_exits_0_1_or_2() {
    use webhooks_runtime::serde_json::json;
    let quickstart = env!("CARGO_BIN_EXE_quickstart");
    let push = String::from_utf8(common::fixture(
        "05-docs-repo-content-branch-updated-and-tag-created.json",
    ))
    .unwrap()
    .replace("\"type\": \"model\"", "\"type\": \"dataset\"");
    let (lines, code) = run_as_job(
        quickstart,
        &[("WEBHOOK_PAYLOAD", &push), ("WEBHOOK_ID", "job-hub-1")],
    );
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["endpoint"], "trigger_training");
    assert_eq!(lines[0]["outcome"], "done");
    assert_eq!(lines[0]["webhook_id"], "job-hub-1");
    assert_eq!(lines[0]["answer"], json!({ "processed": true }));

    // An event its filter does not take: nothing ran, and it says why.
    let created = String::from_utf8(common::fixture("07-repo-create-model.json")).unwrap();
    let (lines, code) = run_as_job(quickstart, &[("WEBHOOK_PAYLOAD", &created)]);
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(lines[0]["outcome"], "skipped", "{lines:?}");
    assert!(
        lines[0]["reason"].as_str().unwrap().contains("scope"),
        "{lines:?}"
    );

    // Not a payload: exit 2, with the field.
    let (lines, code) = run_as_job(
        quickstart,
        &[(
            "WEBHOOK_PAYLOAD",
            &created.replace("\"version\": 3", "\"version\": 2"),
        )],
    );
    assert_eq!(code, Some(2), "{lines:?}");
    assert_eq!(lines[0]["outcome"], "rejected");
    assert_eq!(lines[0]["field"], "webhook.version", "{lines:?}");

    // A handler that fails (it panics without RUNS_FILE), picked by name: exit 1.
    let (lines, code) = run_as_job(
        env!("CARGO_BIN_EXE_replica-server"),
        &[
            ("WEBHOOK_PAYLOAD", &created),
            ("WEBHOOKS_JOB_ENDPOINT", "now"),
        ],
    );
    assert_eq!(code, Some(1), "{lines:?}");
    assert_eq!(lines.len(), 1, "only the endpoint named: {lines:?}");
    assert_eq!(
        (&lines[0]["endpoint"], &lines[0]["outcome"]),
        (&json!("now"), &json!("failed"))
    );
    let (_, code) = run_as_job(
        env!("CARGO_BIN_EXE_replica-server"),
        &[
            ("WEBHOOK_PAYLOAD", &created),
            ("WEBHOOKS_JOB_ENDPOINT", "nope"),
        ],
    );
    assert_eq!(code, Some(1), "an unknown endpoint is a start error");
}

#[test]
fn a_job_started_again_for_the_same_webhook_id_with_a_journal_does_not_run_twice() {
    let quickstart = env!("CARGO_BIN_EXE_quickstart");
    let replica = env!("CARGO_BIN_EXE_replica-server");
    let dir = common::process::fresh_data_dir();
    let dir_text = dir.to_str().unwrap().to_owned();
    let push = String::from_utf8(common::fixture(
        "05-docs-repo-content-branch-updated-and-tag-created.json",
    ))
    .unwrap()
    .replace("\"type\": \"model\"", "\"type\": \"dataset\"");
    let env = [
        ("WEBHOOK_PAYLOAD", push.as_str()),
        ("WEBHOOK_ID", "job-again"),
        ("WEBHOOKS_DATA_DIR", dir_text.as_str()),
    ];
    let (first, code) = run_as_job(quickstart, &env);
    assert_eq!(
        (code, &first[0]["outcome"]),
        (Some(0), &"done".into()),
        "{first:?}"
    );
    let (again, code) = run_as_job(quickstart, &env);
    assert_eq!(code, Some(0), "{again:?}");
    assert_eq!(again[0]["outcome"], "duplicate", "{again:?}");
    assert_eq!(again[0]["delivery_id"], first[0]["delivery_id"]);

    // A failed one runs again as its next attempt, under the same id.
    let failing = [
        ("WEBHOOK_PAYLOAD", push.as_str()),
        ("WEBHOOK_ID", "job-failing"),
        ("WEBHOOKS_DATA_DIR", dir_text.as_str()),
        ("WEBHOOKS_JOB_ENDPOINT", "now"),
    ];
    let (first, code) = run_as_job(replica, &failing);
    assert_eq!(
        (code, &first[0]["attempt"]),
        (Some(1), &1.into()),
        "{first:?}"
    );
    let (again, code) = run_as_job(replica, &failing);
    assert_eq!(
        (code, &again[0]["attempt"]),
        (Some(1), &2.into()),
        "{again:?}"
    );
    assert_eq!(again[0]["delivery_id"], first[0]["delivery_id"]);
    let _ = std::fs::remove_dir_all(&dir);
}
