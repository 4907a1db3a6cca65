"""The HTTP resolver every function uses, and the one place domain errors become HTTP responses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel

from nudge.auth import Caller, caller_from_claims
from nudge.errors import NudgeError
from nudge.observability import logger


class FieldProblem(BaseModel):
    field: str
    problem: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[FieldProblem] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


_STATUS_TEXT = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing or invalid bearer token",
    403: "The caller may not access this resource",
    404: "Not found",
    409: "Conflicts with the current state",
    415: "The body is not sent as application/json",
    422: "A field is invalid; `fields` names each one and the problem",
}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI documentation of the error statuses a route returns, all in the ErrorBody shape."""
    return {
        status: {"description": _STATUS_TEXT[status], "content": {"application/json": {"model": ErrorBody}}}
        for status in sorted({400, 401, 415, 422, *statuses})
    }


def error_response(status: int, code: str, message: str, fields: Sequence[dict[str, str]] = ()) -> Response[str]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = list(fields)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps({"error": body}))


def _field_path(location: Sequence[Any]) -> str:
    """("body", "events", 0, "amount") -> "events[0].amount"; union tags (they contain dots) are skipped."""
    path = ""
    for part in location[1:] if len(location) > 1 else location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "." not in str(part):
            path += f".{part}" if path else str(part)
    return path


def _on_validation_error(app: APIGatewayHttpResolver, error: RequestValidationError) -> Response[str]:
    content_type = app.current_event.headers.get("content-type", "")
    if content_type and not content_type.startswith("application/json"):
        return error_response(
            415,
            "unsupported_media_type",
            "send the request body as JSON",
            [{"field": "Content-Type", "problem": f"must be application/json, got {content_type}"}],
        )
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return error_response(
            400, "invalid_json", "the request body is not valid JSON", [{"field": "body", "problem": "not valid JSON"}]
        )
    fields = [{"field": _field_path(problem["loc"]), "problem": problem["msg"]} for problem in problems]
    return error_response(422, "validation_error", "the request is not valid", fields)


def _on_domain_error(error: NudgeError) -> Response[str]:
    fields = [{"field": error.field, "problem": error.message}] if error.field else []
    return error_response(error.status, error.code, error.message, fields)


def _on_idempotency_mismatch(_: IdempotencyValidationError) -> Response[str]:
    return error_response(
        422,
        "idempotency_key_reused",
        "this Idempotency-Key was already used with a different request",
        [{"field": "Idempotency-Key", "problem": "already used with a different request body"}],
    )


def _on_idempotency_in_progress(_: IdempotencyAlreadyInProgressError) -> Response[str]:
    return error_response(409, "request_in_progress", "a request with this Idempotency-Key is still being processed")


def _on_unexpected(error: Exception) -> Response[str]:
    logger().exception("unhandled error")
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


def build_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.exception_handler(RequestValidationError)(lambda error: _on_validation_error(app, error))
    app.exception_handler(NudgeError)(_on_domain_error)
    app.exception_handler(IdempotencyValidationError)(_on_idempotency_mismatch)
    app.exception_handler(IdempotencyAlreadyInProgressError)(_on_idempotency_in_progress)
    app.exception_handler(Exception)(_on_unexpected)
    return app


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    """The verified caller of the request being served."""
    return caller_from_claims(app.current_event.request_context.authorizer.jwt_claim)
