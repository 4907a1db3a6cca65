"""The HTTP adapter every API function uses: an API Gateway payload 2.0 event in, JSON out.

Each function serves exactly one route (template.yaml routes it), so there is no router: an
Endpoint declares the route's method, path, models and error statuses, `endpoint()` turns a plain
function into the Lambda handler, and `error_response` is the one place errors become HTTP.

Why not the Powertools event handler: importing it costs about 37 ms of cold start and its OpenAPI
validation about 20 ms more, which alone breaks the 1.5x cold-start budget against a plain boto3
handler (README, Performance). Validation is pydantic either way; openapi.json is generated from
these Endpoint declarations.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field, ValidationError

from nudge.api.call import IDEMPOTENCY_HEADER, ApiCall
from nudge.auth import actor_from_claims
from nudge.errors import (
    InvalidInput,
    MalformedRequest,
    NudgeError,
    PayloadTooLarge,
    RequestInvalid,
    UnsupportedMediaType,
)
from nudge.models import NudgeModel, request_invalid
from nudge.observability import logger, observed

JSON_HEADERS = {"content-type": "application/json"}
# Every request body Nudge accepts is small; anything far larger is a mistake or abuse, refused before parsing.
DEFAULT_MAX_BODY_BYTES = 64 * 1024

Access = Literal["user", "self", "owner", "admin", "brand"]
"""Who may call a route, checked before any input is looked at: any signed-in user; the user named
by the `user_id` path parameter (or an admin); that user only, with no admin exception (sensitive
data); admins only; the brand named by the `brand_id` path parameter (or an admin: another brand gets
404)."""


class FieldProblem(NudgeModel):
    field: str
    problem: str


class ErrorDetail(NudgeModel):
    code: str
    message: str
    fields: list[FieldProblem] = Field(default_factory=list)


class ErrorBody(NudgeModel):
    """Every error response: {"error": {"code", "message", "fields": [{"field", "problem"}]}}."""

    error: ErrorDetail


class Endpoint(NamedTuple):
    """One route: who may call it, what it accepts, what it returns, which error statuses it can answer."""

    method: str
    path: str
    summary: str
    response: type[BaseModel]
    access: Access = "user"
    body: type[BaseModel] | None = None
    path_parameters: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    tag: str = "nudge"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    status: int = 200  # the success status: 201 for a creation, 202 for work accepted to run later
    content_types: tuple[str, ...] = ("application/json",)  # the body's accepted media types
    # False where requests carry values no log may hold: the event is then never logged, not even with
    # POWERTOOLS_LOGGER_LOG_EVENT switched on to debug.
    logs_event: bool = True

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def error_statuses(self) -> list[int]:
        body_errors = (400, 413, 415) if self.body else ()
        replay_errors = (409,) if self.idempotent else ()
        access_errors = {"user": (), "brand": (403, 404)}.get(self.access, (403,))
        return sorted({401, 422, *body_errors, *replay_errors, *access_errors, *self.errors})


def error_response(error: Exception) -> dict[str, Any]:
    """The HTTP answer for any error a request can end in. Only NudgeErrors are the caller's doing; anything
    else (a stored item that no longer decodes included) is a logged 500 that shows no detail."""
    if isinstance(error, NudgeError):
        problems = error.problems if isinstance(error, RequestInvalid) else []
        if error.field:
            problems = [(error.field, error.message)]
        fields = [FieldProblem(field=field, problem=problem) for field, problem in problems]
        detail = ErrorDetail(code=error.code, message=error.message, fields=fields)
        return _respond(error.status, ErrorBody(error=detail))
    logger().exception("unhandled error")
    detail = ErrorDetail(code="internal_error", message="something went wrong on our side; it has been logged")
    return _respond(500, ErrorBody(error=detail))


def _respond(status: int, body: BaseModel) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": body.model_dump_json()}


def _decoded_body(event: Mapping[str, Any]) -> str:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body)
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise MalformedRequest("the request body is not UTF-8 text", field="body") from error


def _raw_body(event: Mapping[str, Any], max_bytes: int, content_types: tuple[str, ...]) -> str:
    headers = event.get("headers") or {}
    content_type = headers.get("content-type", "application/json")
    if not content_type.startswith(content_types):
        raise UnsupportedMediaType(f"must be {' or '.join(content_types)}, got {content_type}", field="Content-Type")
    raw = _decoded_body(event)
    if len(raw.encode("utf-8", errors="surrogatepass")) > max_bytes:
        raise PayloadTooLarge(f"the body must be at most {max_bytes} bytes", field="body")
    if not raw.strip():
        raise InvalidInput("a JSON body is required", field="body")
    return raw


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    unique: dict[str, Any] = {}
    for name, value in pairs:
        if name in unique:
            raise MalformedRequest(f"the key '{name}' appears more than once in one object", field="body")
        unique[name] = value
    return unique


def _refuse_constant(name: str) -> None:
    raise MalformedRequest(f"{name} is not a JSON number", field="body")


def _parse_body[Model: BaseModel](model: type[Model], event: Mapping[str, Any], spec: Endpoint) -> Model:
    """Strict JSON: a number is a JSON number, a boolean a JSON boolean; duplicate keys are refused."""
    raw = _raw_body(event, spec.max_body_bytes, spec.content_types)
    try:
        json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except ValueError as error:  # JSONDecodeError, and surrogates that are not text
        raise MalformedRequest("the request body is not valid JSON", field="body") from error
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        raise request_invalid(error) from error


def _validated[Model: BaseModel](model: type[Model], values: Mapping[str, Any]) -> Model:
    """Path and query parameters: strings by nature, converted to the declared types."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise request_invalid(error) from error


def _api_call(spec: Endpoint, event: Mapping[str, Any], context: Any) -> ApiCall:
    request_context = event.get("requestContext") or {}
    claims = ((request_context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    http = request_context.get("http") or {}
    headers = event.get("headers") or {}
    actor = actor_from_claims(claims, http.get("sourceIp", ""), http.get("userAgent", ""), headers.get("authorization"))
    return ApiCall(actor=actor, headers=headers, route_key=spec.route_key, context=context)


def _authorize(spec: Endpoint, call: ApiCall, event: Mapping[str, Any]) -> None:
    """The caller's rights first: a caller who may not use the route learns nothing about its input."""
    if spec.access == "admin":
        call.actor.ensure_admin()
    elif spec.access == "self":
        call.actor.ensure_can_access(str((event.get("pathParameters") or {}).get("user_id", "")))
    elif spec.access == "owner":
        call.actor.ensure_owner(str((event.get("pathParameters") or {}).get("user_id", "")))
    elif spec.access == "brand":
        call.actor.ensure_brand(str((event.get("pathParameters") or {}).get("brand_id", "")))


def _arguments(spec: Endpoint, event: Mapping[str, Any]) -> dict[str, BaseModel]:
    arguments: dict[str, BaseModel] = {}
    if spec.path_parameters:
        arguments["path"] = _validated(spec.path_parameters, event.get("pathParameters") or {})
    if spec.query:
        arguments["query"] = _validated(spec.query, event.get("queryStringParameters") or {})
    elif event.get("queryStringParameters"):  # a route without query parameters refuses any, as bodies do
        raise RequestInvalid([(name, "Extra inputs are not permitted") for name in event["queryStringParameters"]])
    if spec.body:
        arguments["body"] = _parse_body(spec.body, event, spec)
    return arguments


class HttpFunction:
    """The Lambda handler of one endpoint: authorize, parse, call the domain, answer JSON."""

    def __init__(self, spec: Endpoint, serve: Callable[..., BaseModel]) -> None:
        self.endpoint = spec
        self._serve = serve
        self._observed = observed(self._handle, log_event=None if spec.logs_event else False)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._observed(event, context)
        return result

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return _respond(self.endpoint.status, self._run(event, context))
        except Exception as error:  # noqa: BLE001 - every failure becomes an HTTP answer, 500s logged
            return error_response(error)

    def _run(self, event: dict[str, Any], context: Any) -> BaseModel:
        spec = self.endpoint
        call = _api_call(spec, event, context)  # the caller first: no token, no validation feedback
        _authorize(spec, call, event)
        arguments = _arguments(spec, event)
        key = call.headers.get(IDEMPOTENCY_HEADER.lower())
        if spec.idempotent and key is not None:
            # Imported here so endpoints that never replay do not pay for it at cold start.
            from nudge.api.idempotency import idempotent

            return idempotent(call, key, arguments.get("body"), lambda: self._serve(call, **arguments), spec.response)
        return self._serve(call, **arguments)


def endpoint(spec: Endpoint) -> Callable[[Callable[..., BaseModel]], HttpFunction]:
    """Decorator: the function, given an ApiCall (and `body`/`path`/`query` models when declared), becomes
    the handler."""

    def decorate(serve: Callable[..., BaseModel]) -> HttpFunction:
        return HttpFunction(spec, serve)

    return decorate
