//! Realistic Hub bodies, built from the payload types so that they always parse, and `--set`
//! overrides applied to their JSON.

use serde_json::{Map, Value};
use webhooks_core::{
    DiscussionStatus, EventAction, ObjectId, RepoType, WebhookPayload, WebhookPayloadComment,
    WebhookPayloadDiscussion, WebhookPayloadDiscussionChanges, WebhookPayloadEvent,
    WebhookPayloadMovedTo, WebhookPayloadRepo, WebhookPayloadUpdatedConfig,
    WebhookPayloadUpdatedFile, WebhookPayloadUpdatedRef, WebhookPayloadUrl, WebhookPayloadWebhook,
};

use webhooks_core::payload::SUPPORTED_PAYLOAD_VERSION;

use crate::events::Kind;

/// What the user chose about the event; the rest is made up, realistically.
#[derive(Debug, Clone)]
pub(crate) struct EventOptions {
    /// `owner/name`.
    pub(crate) repo: String,
    /// `model`, `dataset`, `space` or `bucket`.
    pub(crate) repo_type: RepoType,
    /// The ref a `repo.content` event moved.
    pub(crate) git_ref: String,
    /// Whether the discussion of a discussion event is a pull request.
    pub(crate) pull_request: bool,
}

/// Where fresh ids and shas come from: different for every event sent, so that a server that
/// drops duplicate bodies never mistakes two sends for one.
pub(crate) struct Ids(u64);

impl Ids {
    /// Seeded from the clock and the process id.
    pub(crate) fn fresh() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        #[allow(
            clippy::cast_possible_truncation,
            reason = "any 64 bits of the clock will do"
        )]
        Ids(nanos as u64 ^ u64::from(std::process::id()).rotate_left(32))
    }

    /// The next 64 pseudo-random bits (splitmix64).
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `digits` lower-case hex digits: 24 for an object id, 40 for a git sha, 64 for a Xet hash.
    pub(crate) fn hex(&mut self, digits: usize) -> String {
        let mut text = String::with_capacity(digits + 16);
        while text.len() < digits {
            text.push_str(&format!("{:016x}", self.next()));
        }
        text.truncate(digits);
        text
    }

    /// A discussion number, as small as real ones.
    fn small(&mut self) -> u64 {
        self.next() % 200 + 1
    }
}

/// A body of `kind` as the Hub sends it, with the keys the Hub sends for its scope.
pub(crate) fn build(kind: Kind, options: &EventOptions, ids: &mut Ids) -> WebhookPayload {
    let action = match kind.action {
        "create" => EventAction::Create,
        "delete" => EventAction::Delete,
        "move" => EventAction::Move,
        _ => EventAction::Update,
    };
    let is_bucket = options.repo_type == RepoType::Bucket;
    let repo_scope = kind.scope.starts_with("repo");
    let repo = repo(options, ids, repo_scope && !is_bucket);
    let discussion_scope = kind.scope.starts_with("discussion");
    let discussion = discussion_scope.then(|| discussion(&repo, options, kind, ids));
    let comment = match (&discussion, kind.scope, kind.action) {
        (Some(discussion), "discussion.comment", _) | (Some(discussion), _, "create") => {
            Some(comment(discussion, ids))
        }
        _ => None,
    };
    let content = kind.scope == "repo.content";
    let (owner, name) = split_repo(&options.repo);
    WebhookPayload {
        event: WebhookPayloadEvent {
            action,
            scope: kind.scope.to_owned(),
        },
        moved_to: (kind.scope == "repo" && kind.action == "move").then(|| WebhookPayloadMovedTo {
            name: format!("{owner}/{name}-v2"),
            owner: repo.owner.clone(),
        }),
        updated_refs: (content && !is_bucket).then(|| {
            vec![WebhookPayloadUpdatedRef {
                ref_name: options.git_ref.clone(),
                old_sha: Some(ids.hex(40)),
                new_sha: Some(ids.hex(40)),
            }]
        }),
        updated_files: (content && is_bucket).then(|| {
            vec![WebhookPayloadUpdatedFile {
                path: Some("data/train-00000-of-00001.parquet".to_owned()),
                xet_hash: Some(ids.hex(64)),
                size: Some(52_428_800),
                other: Map::new(),
            }]
        }),
        updated_files_truncated: (content && is_bucket).then_some(false),
        updated_config: (kind.scope == "repo.config").then(|| WebhookPayloadUpdatedConfig {
            private: Some(true),
            other: Map::new(),
        }),
        discussion,
        comment,
        repo,
        webhook: WebhookPayloadWebhook {
            id: ids.hex(24),
            version: SUPPORTED_PAYLOAD_VERSION,
        },
    }
}

fn repo(options: &EventOptions, ids: &mut Ids, with_head: bool) -> WebhookPayloadRepo {
    let (owner, name) = split_repo(&options.repo);
    let kind = options.repo_type.as_str();
    let (web, api) = match &options.repo_type {
        RepoType::Model => (
            format!("https://huggingface.co/{}", options.repo),
            format!("https://huggingface.co/api/models/{}", options.repo),
        ),
        _ => (
            format!("https://huggingface.co/{kind}s/{}", options.repo),
            format!("https://huggingface.co/api/{kind}s/{}", options.repo),
        ),
    };
    WebhookPayloadRepo {
        id: ids.hex(24),
        repo_type: options.repo_type.clone(),
        name: options.repo.clone(),
        private: false,
        url: WebhookPayloadUrl {
            web,
            api: Some(api),
        },
        owner: ObjectId { id: ids.hex(24) },
        head_sha: with_head.then(|| ids.hex(40)),
        subdomain: (options.repo_type == RepoType::Space).then(|| {
            format!("{owner}-{name}")
                .to_ascii_lowercase()
                .replace(['_', '.'], "-")
        }),
        tags: None,
    }
}

fn discussion(
    repo: &WebhookPayloadRepo,
    options: &EventOptions,
    kind: Kind,
    ids: &mut Ids,
) -> WebhookPayloadDiscussion {
    let num = ids.small();
    let web = format!("{}/discussions/{num}", repo.url.web);
    let api = repo
        .url
        .api
        .as_ref()
        .map(|api| format!("{api}/discussions/{num}"));
    let merged = options.pull_request && kind.scope == "discussion" && kind.action == "update";
    WebhookPayloadDiscussion {
        id: ids.hex(24),
        num,
        author: ObjectId { id: ids.hex(24) },
        url: WebhookPayloadUrl { web, api },
        title: if options.pull_request {
            "Add evaluation results".to_owned()
        } else {
            "Training loss diverges after epoch 3".to_owned()
        },
        is_pull_request: options.pull_request,
        status: if merged {
            DiscussionStatus::Merged
        } else {
            DiscussionStatus::Open
        },
        changes: options
            .pull_request
            .then(|| WebhookPayloadDiscussionChanges {
                base: "refs/heads/main".to_owned(),
                merge_commit_id: merged.then(|| ids.hex(40)),
            }),
        pinned: Some(false),
    }
}

fn comment(discussion: &WebhookPayloadDiscussion, ids: &mut Ids) -> WebhookPayloadComment {
    let id = ids.hex(24);
    WebhookPayloadComment {
        url: WebhookPayloadUrl {
            web: format!("{}#{id}", discussion.url.web),
            api: None,
        },
        id,
        author: ObjectId { id: ids.hex(24) },
        hidden: false,
        content: Some("Could you share the config you trained with?".to_owned()),
    }
}

/// `owner/name`, or the whole name for old un-namespaced repos.
fn split_repo(repo: &str) -> (&str, &str) {
    repo.split_once('/').unwrap_or((repo, repo))
}

/// Applies `path=value` to `body`: `path` is dotted (`repo.private`, `updatedRefs.0.ref`), in the
/// Hub's key names; `value` is JSON when it parses as JSON (`true`, `19`, `{"a":1}`), else a string.
/// Missing objects on the way are created.
pub(crate) fn set(body: &mut Value, assignment: &str) -> Result<(), String> {
    let Some((path, raw)) = assignment.split_once('=') else {
        return Err(format!(
            "--set {assignment}: expected path=value, e.g. --set repo.private=true"
        ));
    };
    let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|key| key.is_empty()) {
        return Err(format!(
            "--set {assignment}: `{path}` is not a dotted path such as repo.name"
        ));
    }
    let mut place = body;
    for (depth, key) in keys.iter().enumerate() {
        place = match place {
            Value::Array(items) => {
                let index: usize = key.parse().map_err(|_| {
                    format!(
                        "--set {assignment}: `{}` is a list; `{key}` is not an index",
                        keys[..depth].join(".")
                    )
                })?;
                let length = items.len();
                items.get_mut(index).ok_or_else(|| {
                    format!(
                        "--set {assignment}: `{}` has {length} entries",
                        keys[..depth].join(".")
                    )
                })?
            }
            Value::Object(fields) => fields
                .entry((*key).to_owned())
                .or_insert(Value::Object(Map::new())),
            other => {
                *other = Value::Object(Map::new());
                let Value::Object(fields) = other else {
                    unreachable!("just made an object")
                };
                fields.entry((*key).to_owned()).or_insert(Value::Null)
            }
        };
    }
    *place = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::KINDS;

    fn options(repo_type: RepoType) -> EventOptions {
        EventOptions {
            repo: "acme/sentiment-data".to_owned(),
            repo_type,
            git_ref: "refs/heads/main".to_owned(),
            pull_request: false,
        }
    }

    /// The body as bytes, parsed back with the strict parser the server uses.
    fn round_trip(payload: &WebhookPayload) -> WebhookPayload {
        let bytes = serde_json::to_vec(payload).unwrap();
        let parsed = WebhookPayload::from_slice(&bytes)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(serde_json::to_vec(&parsed).unwrap(), bytes, "round trip");
        parsed
    }

    #[test]
    fn every_kind_and_repo_type_parses_strictly_and_round_trips() {
        let mut ids = Ids(7);
        for kind in KINDS {
            for repo_type in [
                RepoType::Model,
                RepoType::Dataset,
                RepoType::Space,
                RepoType::Bucket,
            ] {
                for pull_request in [false, true] {
                    let options = EventOptions {
                        pull_request,
                        ..options(repo_type.clone())
                    };
                    let parsed = round_trip(&build(kind, &options, &mut ids));
                    assert_eq!(parsed.event.scope, kind.scope);
                    assert_eq!(parsed.event.action.as_str(), kind.action);
                    assert_eq!(parsed.webhook.version, 3);
                }
            }
        }
    }

    #[test]
    fn each_scope_carries_the_keys_the_hub_sends_for_it() {
        let mut ids = Ids(1);
        let body = |name: &str, repo_type: RepoType, ids: &mut Ids| {
            serde_json::to_value(build(Kind::named(name).unwrap(), &options(repo_type), ids))
                .unwrap()
        };
        let push = body("repo.content.update", RepoType::Dataset, &mut ids);
        assert_eq!(push["updatedRefs"][0]["ref"], "refs/heads/main");
        assert!(push["repo"]["headSha"].is_string());
        assert!(push.get("discussion").is_none());
        let bucket = body("repo.content.update", RepoType::Bucket, &mut ids);
        assert!(bucket.get("updatedRefs").is_none());
        assert!(bucket["updatedFiles"][0]["xetHash"].is_string());
        assert!(bucket["repo"].get("headSha").is_none());
        let moved = body("repo.move", RepoType::Model, &mut ids);
        assert_eq!(moved["movedTo"]["name"], "acme/sentiment-data-v2");
        let config = body("repo.config.update", RepoType::Space, &mut ids);
        assert_eq!(config["updatedConfig"]["private"], true);
        assert!(config["repo"]["subdomain"].is_string());
        let opened = body("discussion.create", RepoType::Model, &mut ids);
        assert!(opened["discussion"].is_object() && opened["comment"].is_object());
        assert!(opened["repo"].get("headSha").is_none());
        let closed = body("discussion.update", RepoType::Model, &mut ids);
        assert!(closed["discussion"].is_object() && closed.get("comment").is_none());
        let comment = body("discussion.comment.update", RepoType::Model, &mut ids);
        assert!(comment["comment"]["content"].is_string());
        assert_eq!(
            comment["repo"]["url"]["web"],
            "https://huggingface.co/acme/sentiment-data"
        );
    }

    #[test]
    fn two_events_of_one_kind_are_different_bodies() {
        let kind = Kind::named("repo.content.update").unwrap();
        let first = build(kind, &options(RepoType::Model), &mut Ids::fresh());
        let second = build(kind, &options(RepoType::Model), &mut Ids::fresh());
        assert_ne!(
            serde_json::to_vec(&first).unwrap(),
            serde_json::to_vec(&second).unwrap()
        );
    }

    #[test]
    fn set_overrides_any_field_with_json_or_text() {
        let mut body =
            serde_json::json!({ "repo": { "private": false }, "updatedRefs": [{ "ref": "a" }] });
        set(&mut body, "repo.private=true").unwrap();
        set(&mut body, "repo.name=acme/other").unwrap();
        set(&mut body, "updatedRefs.0.ref=refs/tags/v1").unwrap();
        set(&mut body, "discussion.num=19").unwrap();
        set(&mut body, "extra={\"a\":[1]}").unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "repo": { "private": true, "name": "acme/other" },
                "updatedRefs": [{ "ref": "refs/tags/v1" }],
                "discussion": { "num": 19 },
                "extra": { "a": [1] },
            })
        );
        for wrong in [
            "repo.private",
            "updatedRefs.x.ref=1",
            "updatedRefs.3.ref=1",
            "a..b=1",
        ] {
            assert!(set(&mut body, wrong).is_err(), "{wrong}");
        }
    }
}
