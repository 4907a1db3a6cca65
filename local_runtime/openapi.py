"""openapi.json, generated from the functions' Endpoint declarations and their pydantic models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from local_runtime.lambdas import LocalFunction
from local_runtime.template import Template

TITLE = "Nudge API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Behavioral personalization for marketplaces. Every route needs a bearer JWT, but the links in Nudge's "
    "emails (`/v1/unsubscribe/{token}`, `/v1/r/{token}`), which carry a signed token of their own and answer "
    'HTML pages or redirects; every other error is `{"error": {"code", "message", "fields": [{"field", "problem"}]}}`.'
)
_STATUS_TEXT = {
    400: "Malformed request: the body is not valid JSON",
    401: 'Missing or invalid bearer token: API Gateway\'s own `{"message": "Unauthorized"}`',
    403: "The caller may not access this resource",
    404: "Not found",
    409: "Conflicts with the current state, or the same Idempotency-Key is still in progress",
    410: "The link has expired",
    413: "The body is larger than this route accepts",
    415: "The body is not sent in a media type the route accepts (Content-Type)",
    422: "A field is invalid: `fields` names each one and the problem",
}


_ACCESS_TEXT = {
    "user": "Any signed-in user.",
    "self": "The user named by `user_id`, or an admin; anyone else gets 403 before the input is read.",
    "owner": (
        "The user named by `user_id` only, with no admin exception (an admin may call it for their own id); "
        "anyone else gets 403 before the input is read."
    ),
    "admin": "Admins only; anyone else gets 403 before the input is read.",
    "brand": (
        "The brand named by `brand_id` (the brand group with that `custom:brand_id`), or an admin; another brand "
        "gets 404 and anyone else 403, before the input is read."
    ),
    "public": "Anyone, without a bearer token: the signed token in the path is the only credential.",
}
# A page for a browser, whatever its status (errors included).
HTML_CONTENT = {"text/html": {"schema": {"type": "string"}}}
# API Gateway answers a missing or invalid token itself, before any function runs, in its own shape.
GATEWAY_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "title": "GatewayError",
}

# pydantic names a model's schema once per mode ("Thing-Input", "Thing-Output") when the two differ,
# so every reference comes from the map models_json_schema returns, never from the class name.
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _json_content(refs: Refs, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return {"application/json": {"schema": refs[(model, mode)]}}


def _parameters(endpoint: Any) -> list[dict[str, Any]]:
    parameters = []
    if endpoint.path_parameters:
        for name, schema in endpoint.path_parameters.model_json_schema()["properties"].items():
            parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if endpoint.query:
        schema = endpoint.query.model_json_schema()
        for name, field_schema in schema["properties"].items():
            required = name in schema.get("required", [])
            parameters.append({"name": name, "in": "query", "required": required, "schema": field_schema})
    if endpoint.idempotent:
        description = "Replays of the same key and body return the first response; another body is a 422"
        header = {"name": "Idempotency-Key", "in": "header", "required": False, "description": description}
        parameters.append(header | {"schema": {"type": "string", "minLength": 1, "maxLength": 128}})
    return parameters


def _web_operation(endpoint: Any) -> dict[str, Any]:
    """A route opened from an email: a page or a redirect, and pages for its errors."""
    success: dict[str, Any] = {"description": HTTPStatus(endpoint.status).phrase}
    if endpoint.status == HTTPStatus.FOUND:
        success["headers"] = {"Location": {"description": "The link's target", "schema": {"type": "string"}}}
    else:
        success["content"] = HTML_CONTENT
    responses = {str(endpoint.status): success}
    for status in endpoint.error_statuses:
        responses[str(status)] = {"description": _STATUS_TEXT[status], "content": HTML_CONTENT}
    return responses


def _operation(endpoint: Any, refs: Refs) -> dict[str, Any]:
    responses = _web_operation(endpoint) if endpoint.web else _json_responses(endpoint, refs)
    operation = _with_inputs(_described(endpoint) | {"responses": responses}, endpoint, refs)
    # No bearer token: the document's default security does not apply.
    return operation | {"security": []} if endpoint.access == "public" else operation


def _described(endpoint: Any) -> dict[str, Any]:
    return {
        "summary": endpoint.summary,
        "description": f"Who may call it: {_ACCESS_TEXT[endpoint.access]}",
        "operationId": endpoint.route_key.lower().replace(" ", "").replace("/", "_").strip("_"),
        "tags": [endpoint.tag],
    }


def _json_responses(endpoint: Any, refs: Refs) -> dict[str, Any]:
    from nudge.api.http import ErrorBody

    responses: dict[str, Any] = {
        str(endpoint.status): {
            "description": HTTPStatus(endpoint.status).phrase,
            "content": _json_content(refs, endpoint.response, "serialization"),
        }
    }
    error = _json_content(refs, ErrorBody, "serialization")
    for status in endpoint.error_statuses:
        responses[str(status)] = {"description": _STATUS_TEXT[status], "content": error}
    if "401" in responses:
        unauthorized = {"anyOf": [{"$ref": "#/components/schemas/GatewayError"}, error["application/json"]["schema"]]}
        responses["401"]["content"] = {"application/json": {"schema": unauthorized}}
    return responses


def _with_inputs(operation: dict[str, Any], endpoint: Any, refs: Refs) -> dict[str, Any]:
    parameters = _parameters(endpoint)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body:
        schema = refs[(endpoint.body, "validation")]
        content = {media_type: {"schema": schema} for media_type in endpoint.content_types}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def generate(template: Template) -> str:
    from nudge.api.http import ErrorBody

    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    routed = {route.function_id for route in template.http_routes()}
    endpoints = [
        LocalFunction(spec, {}).module.lambda_handler.endpoint
        for spec in sorted(template.functions(), key=lambda spec: spec.logical_id)
        if spec.logical_id in routed
    ]
    for endpoint in endpoints:
        if not endpoint.web:
            models.append((endpoint.response, "serialization"))
        if endpoint.body:
            models.append((endpoint.body, "validation"))
    refs, schemas = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, refs)
    document = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}) | {"GatewayError": GATEWAY_ERROR},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
