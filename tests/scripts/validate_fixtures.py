"""Validates every fixture against the WebhookPayload schema of an OpenAPI document.

Usage: validate_fixtures.py OPENAPI_JSON FIXTURES_DIR
Prints {"rejected_valid": [...], "accepted_invalid": [...]}: both lists must be empty.
"""

import json
import pathlib
import sys

import jsonschema

document = json.load(open(sys.argv[1]))
schema = {"$ref": "#/components/schemas/WebhookPayload", "components": document["components"]}
validator = jsonschema.Draft202012Validator(schema)
fixtures = pathlib.Path(sys.argv[2])
rejected_valid = [p.name for p in sorted(fixtures.glob("*.json")) if not validator.is_valid(json.loads(p.read_text()))]
accepted_invalid = []
for path in sorted((fixtures / "invalid").glob("*.json")):
    try:
        body = json.loads(path.read_text())
    except json.JSONDecodeError:
        continue  # not JSON at all: nothing for a schema to say
    if validator.is_valid(body):
        accepted_invalid.append(path.name)
print(json.dumps({"rejected_valid": rejected_valid, "accepted_invalid": accepted_invalid}))
