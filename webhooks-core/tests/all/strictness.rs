//! Strict on types, lenient on growth: what the Python model gets wrong, done right.

use crate::common;

use serde_json::{Value, json};
use webhooks_core::{DiscussionStatus, EventAction, RepoType, WebhookPayload};

fn base() -> Value {
    let body = std::fs::read(
        common::fixtures_dir().join("01-docs-discussion-create-pr-with-comment.json"),
    )
    .unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn parse(value: &Value) -> Result<WebhookPayload, String> {
    WebhookPayload::from_slice(&serde_json::to_vec(value).unwrap()).map_err(|err| err.to_string())
}

#[test]
fn string_for_boolean_is_a_type_error() {
    let mut body = base();
    body["repo"]["private"] = json!("yes");
    let err = parse(&body).unwrap_err();
    assert!(
        err.starts_with("repo.private: invalid type: string \"yes\", expected a boolean"),
        "{err}"
    );
}

#[test]
fn string_for_number_is_a_type_error() {
    let mut body = base();
    body["discussion"]["num"] = json!("19");
    let err = parse(&body).unwrap_err();
    assert!(
        err.starts_with(
            "discussion.num: invalid type: string \"19\", expected a whole number from 0 to 18446744073709551615"
        ),
        "{err}"
    );
}

#[test]
fn whole_number_floats_are_integers_as_json_schema_says() {
    let mut body = base();
    body["discussion"]["num"] = json!(19.0);
    body["webhook"]["version"] = json!(3.0);
    let payload = WebhookPayload::from_slice(body.to_string().as_bytes()).unwrap();
    assert_eq!(payload.discussion.unwrap().num, 19);
}

#[test]
fn fractions_and_out_of_range_numbers_name_the_field() {
    for (value, found) in [
        (
            json!(19.5),
            "discussion.num: invalid value: floating point `19.5`",
        ),
        (json!(-3), "discussion.num: invalid value: integer `-3`"),
        // A whole number beyond the field's range, however it is written: said as the integer
        // it is, with the range.
        (
            json!(1e20),
            "discussion.num: invalid value: integer `100000000000000000000`, expected a whole number from 0 to 18446744073709551615",
        ),
    ] {
        let mut body = base();
        body["discussion"]["num"] = value;
        let err = parse(&body).unwrap_err();
        assert!(err.starts_with(found), "{err}");
    }
}

#[test]
fn duplicate_key_is_an_error_naming_it() {
    let body = r#"{"event": {"action": "create", "scope": "repo", "scope": "discussion"}}"#;
    let err = WebhookPayload::from_slice(body.as_bytes()).unwrap_err();
    assert_eq!(err.path(), Some("event.scope"));
    assert!(err.to_string().contains("duplicate field `scope`"), "{err}");
}

#[test]
fn missing_nested_field_names_its_full_path() {
    let mut body = base();
    body["repo"]["url"].as_object_mut().unwrap().remove("web");
    let err = parse(&body).unwrap_err();
    assert!(
        err.starts_with("repo.url.web: missing field `web`"),
        "{err}"
    );
}

#[test]
fn wrong_type_inside_an_array_names_the_index() {
    let mut body = base();
    body["updatedRefs"] =
        json!([{"ref": "refs/heads/main", "oldSha": null, "newSha": "a"}, {"ref": 3}]);
    let err = parse(&body).unwrap_err();
    assert!(
        err.starts_with("updatedRefs[1].ref: invalid type: integer `3`"),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_ignored_and_dropped_on_output() {
    let mut body = base();
    body["repo"]["gitalyUid"] = json!("aed40ec4");
    body["somethingNew"] = json!({"nested": [1, 2]});
    let payload = parse(&body).unwrap();
    let written = serde_json::to_value(&payload).unwrap();
    assert_eq!(written, base());
}

#[test]
fn unknown_action_repo_type_and_status_are_kept() {
    let mut body = base();
    body["event"]["action"] = json!("add");
    body["repo"]["type"] = json!("kernel");
    body["discussion"]["status"] = json!("locked");
    let payload = parse(&body).unwrap();
    assert_eq!(payload.event.action, EventAction::Other("add".into()));
    assert_eq!(payload.repo.repo_type, RepoType::Other("kernel".into()));
    assert_eq!(
        payload.discussion.as_ref().unwrap().status,
        DiscussionStatus::Other("locked".into())
    );
    assert_eq!(serde_json::to_value(&payload).unwrap(), body);
}

#[test]
fn bucket_content_event_parses_with_its_files() {
    let body = json!({
        "event": {"action": "update", "scope": "repo.content"},
        "repo": {
            "type": "bucket", "name": "acme/raw-logs", "id": "68c0a1b2c3d4e5f60718293a", "private": true,
            "url": {"web": "https://huggingface.co/buckets/acme/raw-logs"},
            "owner": {"id": "65f0a1b2c3d4e5f60718293a"}
        },
        "webhook": {"id": "6390e855e30d9209411de93b", "version": 3},
        "updatedFiles": [
            {"path": "2026/11/26.jsonl", "type": "add", "xetHash": "ab12", "size": 1024},
            {"path": "old.jsonl", "type": "remove"}
        ],
        "updatedFilesTruncated": false
    });
    let payload = parse(&body).unwrap();
    assert_eq!(payload.repo.repo_type, RepoType::Bucket);
    assert_eq!(payload.repo.head_sha, None);
    let files = payload.updated_files.as_ref().unwrap();
    assert_eq!(files[0].size, Some(1024));
    assert_eq!(files[0].other["type"], json!("add"));
    assert_eq!(payload.updated_files_truncated, Some(false));
    // Nothing of an entry is lost, even keys the crate does not type.
    assert_eq!(serde_json::to_value(&payload).unwrap(), body);
}

#[test]
fn updated_config_keeps_unknown_settings() {
    let mut body = base();
    body["event"] = json!({"action": "update", "scope": "repo.config"});
    body["updatedConfig"] = json!({"private": true, "xetEnabled": true});
    let payload = parse(&body).unwrap();
    let config = payload.updated_config.as_ref().unwrap();
    assert_eq!(config.private, Some(true));
    assert_eq!(config.other["xetEnabled"], json!(true));
    assert_eq!(serde_json::to_value(&payload).unwrap(), body);
}

#[test]
fn byte_order_mark_is_accepted() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(serde_json::to_vec(&base()).unwrap());
    assert!(WebhookPayload::from_slice(&body).is_ok());
}

#[test]
fn trailing_garbage_is_rejected() {
    let mut body = serde_json::to_vec(&base()).unwrap();
    body.extend(b" {}");
    let err = WebhookPayload::from_slice(&body).unwrap_err();
    assert!(err.to_string().starts_with("trailing characters"), "{err}");
}

#[test]
fn not_utf8_is_rejected_not_panicked() {
    let err = WebhookPayload::from_slice(b"{\"event\": \"\xff\"}").unwrap_err();
    assert!(
        err.to_string().contains("invalid unicode") || err.to_string().contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn array_in_place_of_a_nested_object_is_a_type_error() {
    let mut body = base();
    body["repo"]["owner"] = json!(["628b753283ef59b5be89e937"]);
    let err = parse(&body).unwrap_err();
    assert!(
        err.starts_with(
            "repo.owner: invalid type: sequence, expected an object with an `id` string"
        ),
        "{err}"
    );
}
