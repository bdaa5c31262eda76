//! What the Space's Dockerfile builds (the quickstart example) runs with a Space's environment, and
//! its `healthcheck` mode answers for the Dockerfile's `HEALTHCHECK`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::process::{ServerProcess, free_port, request};

/// The quickstart example's binary (the tests package builds the same source), which the Space's
/// Dockerfile builds and runs.
fn quickstart() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quickstart"))
}

#[test]
fn the_space_binary_prints_space_urls_and_its_healthcheck_answers() {
    let binary = quickstart();
    let port = free_port();
    // A Space binds 0.0.0.0; tests bind only loopback, so the host is given.
    let space = [
        ("SPACE_ID", "acme/hub-bot"),
        ("SPACE_HOST", "acme-hub-bot.hf.space"),
        ("WEBHOOKS_HOST", "127.0.0.1"),
        ("WEBHOOKS_PORT", port.as_str()),
        ("WEBHOOK_SECRET", "space-secret"),
    ];
    let server = ServerProcess::start_binary(&binary, &space);
    assert_eq!(server.banner[0], "Webhook secret is correctly defined.");
    assert!(
        server.banner.contains(
            &"  - POST https://acme-hub-bot.hf.space/webhooks/trigger_training".to_owned()
        )
    );
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    assert_eq!(request(addr, "GET", "/healthz", &[], b"").0, 200);

    let healthcheck = Command::new(&binary)
        .arg("healthcheck")
        .envs(space)
        .output()
        .unwrap();
    assert!(
        healthcheck.status.success(),
        "{}",
        String::from_utf8_lossy(&healthcheck.stderr)
    );

    server.terminate();
    let (exit, _) = server.wait();
    assert!(exit.success());
}

#[test]
fn the_healthcheck_fails_when_no_server_answers() {
    let binary = quickstart();
    let output = Command::new(&binary)
        .arg("healthcheck")
        .env("WEBHOOKS_HOST", "127.0.0.1")
        .env("WEBHOOKS_PORT", free_port())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Unhealthy"), "{stderr}");
}

/// The Space's Dockerfile builds the workspace in its first layer, so it must copy every member (a
/// folder, or at least its manifest): cargo refuses a workspace with a member missing, and a crate
/// added to the workspace would otherwise break every Space build with no test failing here.
#[test]
fn the_space_dockerfile_copies_every_workspace_member() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members_list = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .unwrap()
        .0;
    let members: Vec<&str> = members_list
        .split(',')
        .map(|member| member.trim().trim_matches('"'))
        .filter(|member| !member.is_empty())
        .collect();
    assert!(members.contains(&"webhooks-runtime"), "{members:?}");
    let dockerfile = std::fs::read_to_string(root.join("examples/space/Dockerfile")).unwrap();
    let copied: Vec<&str> = dockerfile
        .lines()
        .filter_map(|line| line.strip_prefix("COPY "))
        .filter(|line| !line.starts_with("--from"))
        .flat_map(|line| {
            let sources: Vec<&str> = line.split_whitespace().collect();
            sources[..sources.len() - 1].to_vec()
        })
        .collect();
    for member in members {
        let covered = copied.iter().any(|source| {
            *source == member
                || member.starts_with(&format!("{source}/"))
                || *source == format!("{member}/Cargo.toml")
        });
        assert!(
            covered,
            "examples/space/Dockerfile does not copy the workspace member `{member}`"
        );
    }
}
