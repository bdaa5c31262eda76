//! The OpenAPI 3.1 document at `GET /openapi.json`, generated from the endpoint table and from the
//! payload types themselves (schemars), so it cannot drift from the code.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};
use webhooks_core::{BodyUse, WebhookPayload};

use crate::endpoint::route::{Route, Routes};

/// The security scheme's name in the document.
const SECRET_SCHEME: &str = "webhookSecret";

/// The whole document, for a server reached at `base_url`.
pub(crate) fn document(routes: &Routes, base_url: &str, secret_configured: bool) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = "/components/schemas".into())
        .into_generator();
    let payload = generator.subschema_for::<WebhookPayload>().to_value();
    let mut schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    schemas.insert("Error".to_owned(), error_schema());

    let paths: Map<String, Value> = routes
        .iter()
        .map(|route| {
            let summary = if route.doc.is_empty() {
                route.function.clone()
            } else {
                route.doc.clone()
            };
            let security = if secret_configured {
                json!([{ SECRET_SCHEME: [] }])
            } else {
                json!([])
            };
            let operation = json!({
                "operationId": route.function,
                "summary": summary,
                "description": route.doc,
                "security": security,
                "responses": responses(route),
            });
            let mut operation = operation;
            if let Some(body) = request_body(route.body, &payload) {
                operation["requestBody"] = body;
            }
            (route.route_path.clone(), json!({ "post": operation }))
        })
        .collect();

    json!({
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
    })
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
    if route.background {
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
    if route.background {
        add(
            "503",
            error("The delivery could not be journaled; send it again."),
        );
    }
    if route.timeout.is_some() {
        add(
            "504",
            error("The handler did not finish within its timeout."),
        );
    }
    Value::Object(responses)
}
