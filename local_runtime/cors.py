"""CORS the way API Gateway applies the HttpApi's CorsConfiguration (template.yaml), for the local server.

API Gateway answers a preflight request (OPTIONS with Origin and Access-Control-Request-Method)
itself, before routing, the authorizer or any function: 204, and for an allowed origin the origin,
methods, headers and max age the configuration allows. Any other response to an allowed origin gets
Access-Control-Allow-Origin (and the exposed headers). An origin that is not allowed gets no CORS
header at all, so the browser refuses the response. Without a CorsConfiguration nothing is answered
or added here: a preflight is routed like any request (and finds no route).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local_runtime.gateway import Gateway, GatewayResponse
from local_runtime.lambdas import LocalFunction
from local_runtime.template import HttpRoute, Template

WILDCARD = "*"


def _names(value: Any) -> tuple[str, ...]:
    """A list property, or a CommaDelimitedList parameter as the local template resolves it (one string)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(str(item).strip() for item in items if str(item).strip())


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


@dataclass(frozen=True)
class CorsRules:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, template: Template) -> CorsRules | None:
        """The first HttpApi's CorsConfiguration, its parameters resolved; None when it has none."""
        for api in template.resources_of_type("AWS::Serverless::HttpApi").values():
            configuration = api.get("Properties", {}).get("CorsConfiguration")
            if configuration is None or configuration is False:
                return None
            if configuration is True:  # SAM: any origin, default methods and headers
                return cls(allow_origins=(WILDCARD,))
            resolved = template.resolve(configuration)
            max_age = resolved.get("MaxAge")
            return cls(
                allow_origins=_names(resolved.get("AllowOrigins")),
                allow_methods=_names(resolved.get("AllowMethods")),
                allow_headers=_names(resolved.get("AllowHeaders")),
                expose_headers=_names(resolved.get("ExposeHeaders")),
                max_age=int(max_age) if max_age is not None else None,
                allow_credentials=bool(resolved.get("AllowCredentials", False)),
            )
        return None

    def allowed_origin(self, headers: dict[str, str]) -> str | None:
        """The value of Access-Control-Allow-Origin for this request, or None (no origin, or not allowed)."""
        origin = _header(headers, "origin")
        if origin is None:
            return None
        if WILDCARD in self.allow_origins and not self.allow_credentials:
            return WILDCARD
        allowed = {candidate.lower() for candidate in self.allow_origins}
        return origin if origin.lower() in allowed or WILDCARD in allowed else None

    def preflight(self, method: str, headers: dict[str, str]) -> GatewayResponse | None:
        """API Gateway's own answer to a preflight request; None for any other request."""
        if method != "OPTIONS" or _header(headers, "access-control-request-method") is None:
            return None
        origin = self.allowed_origin(headers)
        if origin is None:
            return GatewayResponse(204, {}, b"")
        answer = {"access-control-allow-origin": origin}
        if self.allow_methods:
            answer["access-control-allow-methods"] = ",".join(self.allow_methods)
        if self.allow_headers:
            answer["access-control-allow-headers"] = ",".join(self.allow_headers)
        if self.max_age is not None:
            answer["access-control-max-age"] = str(self.max_age)
        if self.allow_credentials:
            answer["access-control-allow-credentials"] = "true"
        return GatewayResponse(204, answer, b"")

    def decorate(self, headers: dict[str, str], response: GatewayResponse) -> GatewayResponse:
        """A response to an allowed origin, with the CORS headers API Gateway adds to it."""
        origin = self.allowed_origin(headers)
        if origin is None:
            return response
        added = {"access-control-allow-origin": origin}
        if self.expose_headers:
            added["access-control-expose-headers"] = ",".join(self.expose_headers)
        if self.allow_credentials:
            added["access-control-allow-credentials"] = "true"
        return GatewayResponse(response.status, {**response.headers, **added}, response.body)


class CorsGateway(Gateway):
    """The gateway with the API's CORS in front of it, as API Gateway applies it before routing."""

    def __init__(self, routes: list[HttpRoute], functions: dict[str, LocalFunction], cors: CorsRules | None) -> None:
        super().__init__(routes, functions)
        self.cors = cors

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str) -> GatewayResponse:
        if self.cors is None:
            return super().handle(method, target, headers, body, source_ip)
        preflight = self.cors.preflight(method, headers)
        if preflight is not None:
            return preflight
        return self.cors.decorate(headers, super().handle(method, target, headers, body, source_ip))
