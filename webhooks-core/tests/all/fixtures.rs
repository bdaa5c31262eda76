//! Every real Hub body parses and round-trips; every invalid one fails naming the problem.

use crate::common;

use serde_json::Value;
use webhooks_core::{DiscussionStatus, EventAction, RepoType, WebhookPayload};

fn parse(name: &str) -> WebhookPayload {
    let body = std::fs::read(common::fixtures_dir().join(name)).unwrap();
    WebhookPayload::from_slice(&body).unwrap_or_else(|err| panic!("{name}: {err}"))
}

#[test]
fn every_fixture_parses_and_round_trips_to_its_input() {
    for (name, body) in common::json_files(&common::fixtures_dir()) {
        let payload =
            WebhookPayload::from_slice(&body).unwrap_or_else(|err| panic!("{name}: {err}"));
        let written = serde_json::to_value(&payload).unwrap();
        let input: Value = serde_json::from_slice(&body).unwrap();
        // The fixtures hold no key the model drops, so the output is the input itself.
        assert_eq!(
            written, input,
            "{name} does not serialize back to its input"
        );
        let reparsed: WebhookPayload = serde_json::from_value(written).unwrap();
        assert_eq!(
            reparsed, payload,
            "{name} does not parse back to the same value"
        );
    }
}

#[test]
fn head_sha_carries_the_wire_value() {
    let payload = parse("04-upstream-test-repo-content-new-pr-ref-space-subdomain.json");
    assert_eq!(
        payload.repo.head_sha.as_deref(),
        Some("5e7f29fffcc579cb52539fddb14a1a4f85f39e44")
    );
    assert_eq!(
        payload.repo.subdomain.as_deref(),
        Some("wauplin-gradio-user-history")
    );
    let created = &payload.updated_refs.as_ref().unwrap()[0];
    assert!(created.is_created());
    assert_eq!(created.pr_num(), Some(5));
    assert!(payload.is_pull_request());
    assert_eq!(payload.pr_num(), Some(5));
}

#[test]
fn discussion_fields_are_typed() {
    let payload = parse("14-discussion-update-pr-merged.json");
    let discussion = payload.discussion.as_ref().unwrap();
    assert_eq!(discussion.status, DiscussionStatus::Merged);
    assert_eq!(discussion.num, 3);
    assert_eq!(discussion.pinned, Some(false));
    assert_eq!(
        discussion
            .changes
            .as_ref()
            .unwrap()
            .merge_commit_id
            .as_deref(),
        Some("4f6c2a8e1b3d5f7a9c0e2b4d6f8a0c1e3b5d7f9a")
    );
    assert_eq!(payload.event.action, EventAction::Update);
}

#[test]
fn hidden_comment_has_no_content() {
    let payload = parse("19-discussion-comment-update-hidden-no-content.json");
    let comment = payload.comment.unwrap();
    assert!(comment.hidden);
    assert_eq!(comment.content, None);
    assert!(!payload.discussion.unwrap().is_pull_request);
    assert_eq!(payload.repo.repo_type, RepoType::Dataset);
}

#[test]
fn move_and_config_events_keep_their_extra_objects() {
    let moved = parse("09-repo-move-space-movedto.json");
    assert_eq!(moved.event.action, EventAction::Move);
    assert_eq!(moved.moved_to.unwrap().name, "acme-ml/chat-demo");

    let config = parse("11-docs-repo-config-update-private.json");
    assert_eq!(config.updated_config.unwrap().private, Some(false));
}

/// Each invalid fixture and a fragment its error must contain.
const INVALID: &[(&str, &str)] = &[
    (
        "empty.json",
        "the request body is empty; expected a JSON object",
    ),
    (
        "truncated.json",
        "discussion.url.api: EOF while parsing a string (line 24, column 57)",
    ),
    ("missing-repo.json", "repo: missing field `repo`"),
    (
        "wrong-type-private-maybe-string.json",
        "repo.private: invalid type: string \"maybe\", expected a boolean",
    ),
    (
        "array-instead-of-object.json",
        "invalid type: sequence, expected a Hub webhook payload (a JSON object)",
    ),
    (
        "webhook-version-2.json",
        "webhook.version: unsupported payload version 2",
    ),
];

#[test]
fn every_invalid_fixture_fails_with_a_message_naming_the_problem() {
    let dir = common::fixtures_dir().join("invalid");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        files,
        INVALID.len(),
        "a fixture in {} has no expected message here",
        dir.display()
    );
    for (name, expected) in INVALID {
        let body = std::fs::read(dir.join(name)).unwrap();
        let err = WebhookPayload::from_slice(&body).expect_err(name);
        assert!(
            err.to_string().contains(expected),
            "{name}: got `{err}`, expected `{expected}`"
        );
    }
}

#[test]
fn invalid_fixture_errors_expose_the_field_path() {
    let dir = common::fixtures_dir().join("invalid");
    let path_of = |name: &str| {
        let body = std::fs::read(dir.join(name)).unwrap();
        WebhookPayload::from_slice(&body)
            .unwrap_err()
            .path()
            .map(str::to_owned)
    };
    assert_eq!(path_of("missing-repo.json").as_deref(), Some("repo"));
    assert_eq!(
        path_of("wrong-type-private-maybe-string.json").as_deref(),
        Some("repo.private")
    );
    assert_eq!(
        path_of("webhook-version-2.json").as_deref(),
        Some("webhook.version")
    );
    assert_eq!(path_of("empty.json"), None);
}
