"""API Gateway HTTP API behaviour: route matching, the JWT authorizer, payload format 2.0."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_runtime.lambdas import LocalFunction
from local_runtime.template import ACCOUNT_ID, HttpRoute
from local_runtime.tokens import TokenRejected, as_gateway_claims, verify_authorization

API_ID = "local"


@dataclass
class GatewayResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def _json(status: int, payload: dict[str, Any]) -> GatewayResponse:
    return GatewayResponse(status, {"content-type": "application/json"}, json.dumps(payload).encode())


def build_event(
    route: HttpRoute,
    path_parameters: dict[str, str],
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    claims: dict[str, Any] | None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event API Gateway would send the function for this request."""
    url = urlsplit(target)
    lowered = {key.lower(): value for key, value in headers.items()}
    query = {key: ",".join(values) for key, values in parse_qs(url.query, keep_blank_values=True).items()}
    now = datetime.now(UTC)
    text_body, is_base64 = _event_body(body)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": lowered.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": url.path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route.route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": as_gateway_claims(claims), "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": lowered,
        "queryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "requestContext": context,
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def _event_body(body: bytes) -> tuple[str | None, bool]:
    """Text as it is; bytes that are not UTF-8 base64-encoded, as API Gateway passes binary bodies."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def to_response(result: dict[str, Any]) -> GatewayResponse:
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {key.lower(): str(value) for key, value in (result.get("headers") or {}).items()}
    return GatewayResponse(int(result.get("statusCode", 200)), headers, raw)


class Gateway:
    """Routes a request to its function the way the deployed HttpApi would.

    A method is routed as itself: HEAD and OPTIONS reach a function only through a route of their own,
    else they are API Gateway's 404. CORS, which API Gateway applies before routing, is
    `local_runtime.cors.CorsGateway`.
    """

    def __init__(self, routes: list[HttpRoute], functions: dict[str, LocalFunction]) -> None:
        self.routes = routes
        self.functions = functions

    def route_key(self, method: str, target: str) -> str | None:
        """The route a request reaches, as the deployed access log names it (`GET /v1/r/{token}`), or None."""
        path = urlsplit(target).path
        return next((route.route_key for route in self.routes if route.match(method, path) is not None), None)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str) -> GatewayResponse:
        path = urlsplit(target).path
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is None:
                continue
            claims = None
            if route.authorized:
                try:
                    claims = verify_authorization(_header(headers, "authorization"))
                except TokenRejected:
                    return _json(401, {"message": "Unauthorized"})
            event = build_event(route, parameters, method, target, headers, body, claims, source_ip)
            return to_response(self.functions[route.function_id].invoke(event))
        return _json(404, {"message": "Not Found"})


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)
