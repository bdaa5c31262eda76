//! A fake of the Hub's webhook API that follows HUB-WEBHOOKS.md §11 to the letter, for tests of
//! the Hub client, `hf-webhooks hub` and the server's self-registration: `GET` answers a bare
//! array, every call on one webhook answers `{"webhook": {…}}`, update/enable/disable are `POST`,
//! delete is `DELETE`, auth is `authorization: Bearer <token>`, errors are `{"error": "…"}` with
//! a 4xx. Any other method or path is a 404, as it would be on the Hub.
//!
//! It keeps every request (method, path, body; never the authorization) for tests to look at.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// A request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `GET`, `POST`, `DELETE`, …
    pub method: String,
    /// The path, `/api/settings/webhooks/…`.
    pub path: String,
    /// The JSON body, `Null` when there was none.
    pub body: Value,
}

#[derive(Default)]
struct State {
    webhooks: Vec<Value>,
    received: Vec<Received>,
    next_id: u64,
}

/// A running fake Hub on 127.0.0.1, on a free port. Stops when dropped.
pub struct FakeHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Tokens the fake takes: `token` may do everything, `read_only` only `GET`s (403 otherwise).
#[derive(Debug, Clone)]
pub struct Tokens {
    /// A token with write access.
    pub token: String,
    /// A token with read access only.
    pub read_only: String,
}

impl FakeHub {
    /// Starts a fake Hub that takes `tokens`.
    pub async fn start(tokens: Tokens) -> FakeHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let tokens = Arc::new(tokens);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                let tokens = Arc::clone(&tokens);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = Arc::clone(&state);
                        let tokens = Arc::clone(&tokens);
                        async move { Ok::<_, Infallible>(answer(request, &state, &tokens).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeHub { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`, for `HF_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every webhook, as the Hub holds them.
    pub fn webhooks(&self) -> Vec<Value> {
        self.state.lock().unwrap().webhooks.clone()
    }

    /// Adds a webhook as if made on the Hub's settings page; returns its id.
    pub fn insert(&self, mut webhook: Value) -> String {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = format!("{:024x}", 0x6612_0000_u64 + state.next_id);
        webhook["id"] = id.clone().into();
        for (key, default) in [
            ("watched", json!([])),
            ("domains", json!(["repo", "discussion"])),
            ("disabled", json!(false)),
        ] {
            if webhook.get(key).is_none() {
                webhook[key] = default;
            }
        }
        state.webhooks.push(webhook);
        id
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The requests that were not `GET`s: what changed something.
    pub fn writes(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|request| request.method != "GET")
            .collect()
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a response")
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    reply(status, json!({ "error": message }))
}

async fn answer(
    request: Request<hyper::body::Incoming>,
    state: &Mutex<State>,
    tokens: &Tokens,
) -> Response<Full<Bytes>> {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return error(StatusCode::BAD_REQUEST, "Unreadable body"),
    };
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(body) => body,
            Err(_) => return error(StatusCode::BAD_REQUEST, "Invalid JSON body"),
        }
    };
    let mut state = state.lock().unwrap();
    state.received.push(Received {
        method: method.clone(),
        path: path.clone(),
        body: body.clone(),
    });
    let token = authorization.strip_prefix("Bearer ").unwrap_or("");
    let writes = method != "GET";
    if token != tokens.token && token != tokens.read_only {
        return error(
            StatusCode::UNAUTHORIZED,
            "Invalid credentials in Authorization header",
        );
    }
    let Some(rest) = path.strip_prefix("/api/settings/webhooks") else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let parts: Vec<&str> = rest.split('/').filter(|part| !part.is_empty()).collect();
    if writes && token == tokens.read_only && matches!(method.as_str(), "POST" | "DELETE") {
        return error(
            StatusCode::FORBIDDEN,
            "You don't have the rights to manage webhooks with this token",
        );
    }
    match (method.as_str(), parts.as_slice()) {
        ("GET", []) => reply(StatusCode::OK, Value::Array(state.webhooks.clone())),
        ("POST", []) => create(&mut state, &body),
        ("GET", [id]) => match find(&state, id) {
            Some(at) => wrapped(&state, at),
            None => not_found(),
        },
        ("POST", [id]) => match find(&state, id) {
            Some(at) => update(&mut state, at, &body),
            None => not_found(),
        },
        ("POST", [id, switch @ ("enable" | "disable")]) => match find(&state, id) {
            Some(at) => {
                state.webhooks[at]["disabled"] = (*switch == "disable").into();
                wrapped(&state, at)
            }
            None => not_found(),
        },
        ("DELETE", [id]) => match find(&state, id) {
            Some(at) => {
                state.webhooks.remove(at);
                reply(StatusCode::OK, json!({}))
            }
            None => not_found(),
        },
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn find(state: &State, id: &str) -> Option<usize> {
    state
        .webhooks
        .iter()
        .position(|webhook| webhook["id"] == id)
}

fn not_found() -> Response<Full<Bytes>> {
    error(StatusCode::NOT_FOUND, "Webhook not found")
}

fn wrapped(state: &State, at: usize) -> Response<Full<Bytes>> {
    reply(StatusCode::OK, json!({ "webhook": state.webhooks[at] }))
}

/// The checks the Hub makes on a body, as the error it answers.
fn check(body: &Value, creating: bool) -> Result<(), String> {
    let Some(watched) = body["watched"].as_array() else {
        return Err("watched: expected an array".to_owned());
    };
    if creating && watched.is_empty() {
        return Err("watched: must contain at least one item".to_owned());
    }
    for item in watched {
        let kind = item["type"].as_str().unwrap_or("");
        if !["model", "dataset", "space", "user", "org"].contains(&kind) {
            return Err(format!("watched.type: invalid value {:?}", item["type"]));
        }
        if item["name"].as_str().is_none_or(str::is_empty) {
            return Err("watched.name: required".to_owned());
        }
    }
    if let Some(domains) = body.get("domains") {
        let valid = domains.as_array().is_some_and(|domains| {
            domains
                .iter()
                .all(|domain| domain == "repo" || domain == "discussion")
        });
        if !valid {
            return Err(format!("domains: invalid value {domains}"));
        }
    }
    if creating && body.get("url").is_some() == body.get("jobSourceId").is_some() {
        return Err("exactly one of url and jobSourceId is required".to_owned());
    }
    Ok(())
}

fn create(state: &mut State, body: &Value) -> Response<Full<Bytes>> {
    if let Err(message) = check(body, true) {
        return error(StatusCode::BAD_REQUEST, &message);
    }
    let mut webhook = json!({
        "watched": body["watched"],
        "domains": body.get("domains").cloned().unwrap_or(json!(["repo", "discussion"])),
        "disabled": false,
    });
    match body.get("url") {
        Some(url) => webhook["url"] = url.clone(),
        None => {
            webhook["job"] = json!({
                "dockerImage": "python:3.12",
                "command": ["python", "-c", "import os; print(os.environ['WEBHOOK_PAYLOAD'])"],
                "flavor": "cpu-basic",
                "sourceId": body["jobSourceId"],
            });
        }
    }
    if let Some(secret) = body.get("secret") {
        webhook["secret"] = secret.clone();
    }
    state.next_id += 1;
    let id = format!("{:024x}", 0x6612_0000_u64 + state.next_id);
    webhook["id"] = id.into();
    state.webhooks.push(webhook);
    let at = state.webhooks.len() - 1;
    wrapped(state, at)
}

/// What the Hub does with an empty watched list is not documented; the fake stores it, so that
/// a client that sends `[]` by mistake is seen to lose the list.
fn update(state: &mut State, at: usize, body: &Value) -> Response<Full<Bytes>> {
    if let Err(message) = check(body, false) {
        return error(StatusCode::BAD_REQUEST, &message);
    }
    let webhook = &mut state.webhooks[at];
    for key in ["watched", "url", "domains", "secret"] {
        if let Some(value) = body.get(key) {
            webhook[key] = value.clone();
        }
    }
    wrapped(state, at)
}
