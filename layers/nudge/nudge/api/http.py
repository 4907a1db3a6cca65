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
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, Field, ValidationError

from nudge.auth import Caller, caller_from_claims
from nudge.errors import InvalidInput, MalformedRequest, NudgeError, PayloadTooLarge, UnsupportedMediaType
from nudge.models import NudgeModel, field_path
from nudge.observability import logger, observed

JSON_HEADERS = {"content-type": "application/json"}
IDEMPOTENCY_HEADER = "idempotency-key"
# Every request body Nudge accepts is small; anything far larger is a mistake or abuse, refused before parsing.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


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
    """One route: what it accepts, what it returns, which error statuses it can answer."""

    method: str
    path: str
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    path_parameters: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    tag: str = "nudge"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def error_statuses(self) -> list[int]:
        body_errors = (400, 413, 415) if self.body else ()
        replay_errors = (409,) if self.idempotent else ()
        return sorted({401, 422, *body_errors, *replay_errors, *self.errors})


class ApiCall(NamedTuple):
    """The verified facts of a request that are not its body or path."""

    caller: Caller
    headers: Mapping[str, str]
    route_key: str
    source_ip: str
    user_agent: str
    context: Any


def error_response(error: Exception) -> dict[str, Any]:
    """The HTTP answer for any error a request can end in."""
    if isinstance(error, ValidationError):
        fields = [FieldProblem(field=field_path(problem["loc"]), problem=problem["msg"]) for problem in error.errors()]
        detail = ErrorDetail(code="validation_error", message="the request is not valid", fields=fields)
        return _respond(422, ErrorBody(error=detail))
    if isinstance(error, NudgeError):
        fields = [FieldProblem(field=error.field, problem=error.message)] if error.field else []
        detail = ErrorDetail(code=error.code, message=error.message, fields=fields)
        return _respond(error.status, ErrorBody(error=detail))
    logger().exception("unhandled error")
    detail = ErrorDetail(code="internal_error", message="something went wrong on our side; it has been logged")
    return _respond(500, ErrorBody(error=detail))


def _respond(status: int, body: BaseModel) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": body.model_dump_json()}


def _raw_body(event: Mapping[str, Any], max_bytes: int) -> str:
    headers = event.get("headers") or {}
    content_type = headers.get("content-type", "application/json")
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType(f"must be application/json, got {content_type}", field="Content-Type")
    body = event.get("body") or ""
    raw = base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body
    if len(raw.encode("utf-8")) > max_bytes:
        raise PayloadTooLarge(f"the body must be at most {max_bytes} bytes", field="body")
    if not raw.strip():
        raise InvalidInput("a JSON body is required", field="body")
    return str(raw)


def _parse_body[Model: BaseModel](model: type[Model], event: Mapping[str, Any], max_bytes: int) -> Model:
    try:
        return model.model_validate_json(_raw_body(event, max_bytes))
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise MalformedRequest("the request body is not valid JSON", field="body") from error
        raise


def _api_call(spec: Endpoint, event: Mapping[str, Any], context: Any) -> ApiCall:
    request_context = event.get("requestContext") or {}
    claims = ((request_context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    http = request_context.get("http") or {}
    return ApiCall(
        caller=caller_from_claims(claims),
        headers=event.get("headers") or {},
        route_key=spec.route_key,
        source_ip=http.get("sourceIp", ""),
        user_agent=http.get("userAgent", ""),
        context=context,
    )


def _arguments(spec: Endpoint, event: Mapping[str, Any]) -> dict[str, BaseModel]:
    arguments: dict[str, BaseModel] = {}
    if spec.path_parameters:
        arguments["path"] = spec.path_parameters.model_validate(event.get("pathParameters") or {})
    if spec.query:
        arguments["query"] = spec.query.model_validate(event.get("queryStringParameters") or {})
    if spec.body:
        arguments["body"] = _parse_body(spec.body, event, spec.max_body_bytes)
    return arguments


class HttpFunction:
    """The Lambda handler of one endpoint: parse, authorize, call the domain, answer JSON."""

    def __init__(self, spec: Endpoint, serve: Callable[..., BaseModel]) -> None:
        self.endpoint = spec
        self._serve = serve
        self._observed = observed(self._handle)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._observed(event, context)
        return result

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return _respond(200, self._run(event, context))
        except Exception as error:  # noqa: BLE001 - every failure becomes an HTTP answer, 500s logged
            return error_response(error)

    def _run(self, event: dict[str, Any], context: Any) -> BaseModel:
        spec = self.endpoint
        call = _api_call(spec, event, context)  # the caller first: no token, no validation feedback
        arguments = _arguments(spec, event)
        key = call.headers.get(IDEMPOTENCY_HEADER)
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
