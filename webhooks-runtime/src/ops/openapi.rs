//! The OpenAPI 3.1 document at `GET /openapi.json`, generated from the endpoint table and from the
//! payload types' schema.
//!
//! The schema (`payload_schema.json`) is what schemars derives from the payload types, written once
//! and committed, so no user's build compiles schemars; a test fails when the types and the file
//! differ, and `WEBHOOKS_BLESS=1` rewrites the file.

use serde_json::{Map, Value, json};
use webhooks_core::BodyUse;

use crate::endpoint::route::{Route, Routes};

/// The security scheme's name in the document.
const SECRET_SCHEME: &str = "webhookSecret";

/// The whole document, for a server reached at `base_url`.
pub(crate) fn document(routes: &Routes, base_url: &str, secret_configured: bool) -> Value {
    let (payload, mut schemas) = payload_schema();
    schemas.insert("Error".to_owned(), error_schema());

    let security = if secret_configured {
        json!([{ SECRET_SCHEME: [] }])
    } else {
        json!([])
    };
    let paths: Map<String, Value> = routes
        .by_path()
        .map(|group| {
            let mut operation = operation(group, &payload);
            operation["security"] = security.clone();
            (group[0].route_path.clone(), json!({ "post": operation }))
        })
        .collect();

    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Hugging Face Hub webhooks",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Endpoints that receive Hugging Face Hub webhooks. See https://huggingface.co/docs/hub/webhooks.",
        },
        "servers": [{ "url": base_url }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECRET_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Webhook-Secret",
                    "description": "The webhook's secret, as set in the Hub's webhook settings. A `secret` query parameter is accepted too.",
                },
            },
        },
    });
    // Descriptions come from rustdoc: for HTTP clients, prose only.
    crate::ops::prose::descriptions_as_prose(&mut document);
    document
}

/// The committed payload schema: the reference to `WebhookPayload`, and the definitions it uses.
const PAYLOAD_SCHEMA: &str = include_str!("payload_schema.json");

/// The payload's schema and the definitions it refers to (under `/components/schemas`).
fn payload_schema() -> (Value, Map<String, Value>) {
    let mut committed: Map<String, Value> =
        serde_json::from_str(PAYLOAD_SCHEMA).unwrap_or_default();
    let payload = committed.remove("payload").unwrap_or_else(|| json!({}));
    let definitions = match committed.remove("definitions") {
        Some(Value::Object(definitions)) => definitions,
        _ => Map::new(),
    };
    (payload, definitions)
}

/// The operation of one path: its endpoint, or the several that share it with event filters.
fn operation(group: &[Route], payload: &Value) -> Value {
    let filtered = group.iter().any(|route| !route.filter.is_empty());
    let (operation_id, summary, description) = match group {
        [route] => {
            let summary = if route.doc.is_empty() {
                route.function.clone()
            } else {
                route.doc.clone()
            };
            let description = if filtered {
                format!(
                    "{} Takes the events of `{}`; others are answered 200 with `processed: false`.",
                    route.doc, route.filter
                )
                .trim_start()
                .to_owned()
            } else {
                route.doc.clone()
            };
            (route.function.clone(), summary, description)
        }
        several => {
            let functions: Vec<&str> = several
                .iter()
                .map(|route| route.function.as_str())
                .collect();
            let lines: Vec<String> = several
                .iter()
                .map(|route| format!("- `{}`: {} ({})", route.function, route.filter, route.doc))
                .collect();
            (
                functions.join("_and_"),
                format!("Endpoints {}", functions.join(", ")),
                format!(
                    "Several endpoints share this path; each runs for the events its filter takes, as its own delivery:\n{}",
                    lines.join("\n")
                ),
            )
        }
    };
    let mut responses = Map::new();
    for route in group {
        if let Value::Object(each) = self::responses(route) {
            responses.extend(each);
        }
    }
    if filtered {
        responses.insert(
            "200".to_owned(),
            json!({ "description": "The handler's answer; `{\"processed\": false, \"reason\": …}` for an event no filter takes; with several handlers, `{\"processed\": true, \"handlers\": [...]}`.", "content": { "application/json": {} } }),
        );
    }
    let mut operation = json!({
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "responses": responses,
    });
    let body = group
        .iter()
        .map(|route| route.body)
        .fold(BodyUse::Ignored, BodyUse::and);
    if let Some(body) = request_body(body, payload) {
        operation["requestBody"] = body;
    }
    operation
}

/// The request body as the handler's arguments read it; none when they do not read it.
fn request_body(body: BodyUse, payload: &Value) -> Option<Value> {
    match body {
        BodyUse::Ignored => None,
        BodyUse::Raw => Some(json!({
            "required": false,
            "description": "Read as raw bytes by the handler, whatever its type.",
            "content": { "*/*": { "schema": {} } },
        })),
        BodyUse::ParsedJson => Some(json!({
            "required": true,
            "description": "JSON the handler parses into its own type.",
            "content": { "application/json": { "schema": {} } },
        })),
        BodyUse::HubPayload => Some(json!({
            "required": true,
            "description": "The webhook payload the Hugging Face Hub sends.",
            "content": { "application/json": { "schema": payload } },
        })),
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "error": { "type": "string", "description": "What went wrong." },
            "field": { "type": "string", "description": "The body field at fault, for 422." },
        },
        "required": ["error"],
    })
}

/// The answers `route` can give: its handler's, and the server's own before and around it.
fn responses(route: &Route) -> Value {
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
        })
    };
    let mut responses = Map::new();
    let mut add = |status: &str, value: Value| {
        responses.insert(status.to_owned(), value);
    };
    if route.mode.is_background() {
        add(
            "200",
            json!({ "description": "A duplicate of a delivery already accepted: not handled again.", "content": { "application/json": {} } }),
        );
        add(
            "202",
            json!({ "description": "Accepted: journaled, the handler runs in the background.", "content": { "application/json": {} } }),
        );
    } else {
        add(
            "200",
            json!({ "description": "The handler's answer.", "content": { "application/json": {} } }),
        );
    }
    add(
        "401",
        error("No `X-Webhook-Secret` header (nor `secret` query parameter)."),
    );
    add("403", error("The secret is not the configured one."));
    add("405", error("A method other than POST."));
    add(
        "408",
        error("The body did not arrive within the body read timeout."),
    );
    add("413", error("The body is larger than the limit."));
    if route.body.parses_json() {
        add(
            "415",
            error("The `Content-Type` is missing or not JSON (`application/json` or `…+json`)."),
        );
    }
    if route.body != BodyUse::Ignored {
        add(
            "422",
            error("The body does not fit the handler's argument; `field` names the field."),
        );
    }
    add("500", error("The handler failed or panicked."));
    if route.mode.is_background() {
        add(
            "503",
            error("The delivery could not be journaled; send it again."),
        );
    }
    // A background handler's timeout applies after the 202: the client never sees it.
    if route.timeout.is_some() && !route.mode.is_background() {
        add(
            "504",
            error("The handler did not finish within its timeout."),
        );
    }
    Value::Object(responses)
}

#[cfg(test)]
mod tests {
    use schemars::generate::SchemaSettings;
    use serde_json::{Value, json};
    use webhooks_core::WebhookPayload;

    use super::*;

    /// What schemars derives from the payload types, in the committed file's shape.
    fn derived() -> Value {
        let mut generator = SchemaSettings::draft2020_12()
            .with(|settings| settings.definitions_path = "/components/schemas".into())
            .into_generator();
        let payload = generator.subschema_for::<WebhookPayload>().to_value();
        let definitions: Map<String, Value> =
            generator.take_definitions(true).into_iter().collect();
        json!({ "payload": payload, "definitions": definitions })
    }

    #[test]
    fn the_committed_payload_schema_is_what_the_types_derive() {
        let derived = derived();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ops/payload_schema.json");
        if std::env::var_os("WEBHOOKS_BLESS").is_some() {
            let text = serde_json::to_string_pretty(&derived).expect("a schema serializes");
            std::fs::write(path, text + "\n").expect("the schema file is writable");
        }
        let committed: Value = serde_json::from_str(PAYLOAD_SCHEMA).expect("the file is JSON");
        assert!(
            committed == derived,
            "{path} is not what the payload types derive: run `WEBHOOKS_BLESS=1 cargo test -p webhooks-runtime --lib payload_schema` and commit it"
        );
        let (payload, definitions) = payload_schema();
        assert_eq!(
            payload,
            json!({ "$ref": "#/components/schemas/WebhookPayload" })
        );
        assert!(definitions.contains_key("WebhookPayload"));
    }
}
