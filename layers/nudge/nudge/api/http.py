"""The HTTP adapter every API function uses: an API Gateway payload 2.0 event in, JSON out.

Each function serves exactly one route (template.yaml routes it), so there is no router: an
Endpoint declares the route's method, path, models and error statuses, `endpoint()` turns a plain
function into the Lambda handler, and `error_response` is the one place errors become HTTP.

Why not the Powertools event handler: importing it costs about 37 ms of cold start and its OpenAPI
validation about 20 ms more, which alone breaks the 1.5x cold-start budget against a plain boto3
handler (README, Performance). Validation is pydantic either way; openapi.json is generated from
these Endpoint declarations.
"""

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
from nudge.users.actor import Actor

JSON_HEADERS = {"content-type": "application/json"}
# Every request body Nudge accepts is small; anything far larger is a mistake or abuse, refused before parsing.
DEFAULT_MAX_BODY_BYTES = 64 * 1024

Access = Literal["user", "self", "owner", "admin", "brand", "public"]
"""Who may call a route, checked before any input is looked at: any signed-in user; the user named
by the `user_id` path parameter (or an admin); that user only, with no admin exception (sensitive
data); admins only; the brand named by the `brand_id` path parameter (or an admin: another brand gets
404); anyone, without a token (`Auth: Authorizer: NONE` in template.yaml), for the links in Nudge's
emails, which carry a signed token of their own in the path."""
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"


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


class WebAnswer(NudgeModel):
    """An answer for a browser rather than a client: an HTML page, or a redirect (`location`)."""

    status: int = 200
    html: str = ""
    location: str | None = None


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
    # Opened in a browser from an email: the answer is a WebAnswer, and errors are HTML pages too.
    web: bool = False

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def error_statuses(self) -> list[int]:
        body_errors = (400, 413, 415) if self.body else ()
        replay_errors = (409,) if self.idempotent else ()
        access_errors = {"user": (), "public": (), "brand": (403, 404)}.get(self.access, (403,))
        token_errors = () if self.access == "public" else (401,)
        return sorted({*token_errors, 422, *body_errors, *replay_errors, *access_errors, *self.errors})


def error_response(error: Exception) -> dict[str, Any]:
    """The HTTP answer for any error a request can end in. Only NudgeErrors are the caller's doing; anything
    else (a stored item that no longer decodes included) is a logged 500 that shows no detail."""
    status, detail = _error_detail(error)
    return _respond(status, ErrorBody(error=detail))


def _error_detail(error: Exception) -> tuple[int, ErrorDetail]:
    if isinstance(error, NudgeError):
        problems = error.problems if isinstance(error, RequestInvalid) else []
        if error.field:
            problems = [(error.field, error.message)]
        fields = [FieldProblem(field=field, problem=problem) for field, problem in problems]
        return error.status, ErrorDetail(code=error.code, message=error.message, fields=fields)
    logger().exception("unhandled error")
    return 500, ErrorDetail(code="internal_error", message="something went wrong on our side; it has been logged")


def _respond(status: int, body: BaseModel) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": body.model_dump_json()}


def web_response(answer: WebAnswer) -> dict[str, Any]:
    # Pages for one person's link: never cached, never framed, no script of anyone's.
    headers = {
        "content-type": f"{HTML}; charset=utf-8",
        "cache-control": "no-store",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
    }
    if answer.location is not None:
        headers["location"] = answer.location
    return {"statusCode": answer.status, "headers": headers, "body": answer.html}


def error_page(error: Exception) -> dict[str, Any]:
    """`error_response` as a small HTML page, for the routes people open from an email."""
    from html import escape

    status, detail = _error_detail(error)
    problems = "".join(f"<li>{escape(f.field)}: {escape(f.problem)}</li>" for f in detail.fields)
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(detail.code)}</title></head>'
        f"<body><h1>This link cannot be used</h1><p>{escape(detail.message)}</p><ul>{problems}</ul></body></html>"
    )
    return web_response(WebAnswer(status=status, html=html))


def _decoded_body(event: Mapping[str, Any]) -> str:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body)
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise MalformedRequest("the request body is not UTF-8 text", field="body") from error


def _raw_body(event: Mapping[str, Any], max_bytes: int, content_types: tuple[str, ...]) -> str:
    content_type = (event.get("headers") or {}).get("content-type", "application/json")
    if _media_type(event) not in content_types:
        raise UnsupportedMediaType(f"must be {' or '.join(content_types)}, got {content_type}", field="Content-Type")
    raw = _decoded_body(event)
    if len(raw.encode("utf-8", errors="surrogatepass")) > max_bytes:
        raise PayloadTooLarge(f"the body must be at most {max_bytes} bytes", field="body")
    if not raw.strip():
        raise InvalidInput("a body is required", field="body")
    return raw


def _media_type(event: Mapping[str, Any]) -> str:
    """The body's media type without its parameters: "Application/JSON; charset=utf-8" -> "application/json"."""
    content_type = (event.get("headers") or {}).get("content-type", "application/json")
    return str(content_type).split(";", 1)[0].strip().lower()


def _form_fields(raw: str) -> dict[str, str]:
    """A form body (a mail client's one-click POST, or a page's form): each field once."""
    from urllib.parse import parse_qsl

    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError as error:
        raise MalformedRequest("the request body is not a URL-encoded form", field="body") from error
    return _unique_keys(pairs)


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
    """Strict JSON: a number is a JSON number, a boolean a JSON boolean; duplicate keys are refused. A form
    is its fields as strings."""
    raw = _raw_body(event, spec.max_body_bytes, spec.content_types)
    if _media_type(event) == FORM:
        return _validated(model, _form_fields(raw))
    try:
        json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except ValueError as error:  # JSONDecodeError, and surrogates that are not text
        raise MalformedRequest("the request body is not valid JSON", field="body") from error
    except RecursionError as error:
        raise MalformedRequest("the request body is nested too deeply", field="body") from error
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        unreadable = [problem for problem in error.errors() if problem["type"] == "json_invalid"]
        if unreadable:  # what json.loads reads and pydantic's parser does not: a lone surrogate, nesting over 200
            problem = f"the request body is not valid JSON: {unreadable[0]['ctx']['error']}"
            raise MalformedRequest(problem, field="body") from error
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
    source_ip, user_agent = http.get("sourceIp", ""), http.get("userAgent", "")
    if spec.access == "public":
        # No token: nobody is signed in; the domain acts for whom the link's own signed token names.
        actor = Actor(user_id="", is_admin=False, source_ip=source_ip, user_agent=user_agent)
    else:
        actor = actor_from_claims(claims, source_ip, user_agent, headers.get("authorization"))
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
            result = self._run(event, context)
        except Exception as error:  # noqa: BLE001 - every failure becomes an HTTP answer, 500s logged
            return error_page(error) if self.endpoint.web else error_response(error)
        if isinstance(result, WebAnswer):
            return web_response(result)
        return _respond(self.endpoint.status, result)

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
