"""The local HTTP server: the template's HttpApi on http://127.0.0.1:<port>, plus the API docs."""

from __future__ import annotations

import errno
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi import swagger_ui

from local_runtime.emulator import PortInUse
from local_runtime.gateway import Gateway, GatewayResponse
from local_runtime.template import ROOT

OPENAPI_PATH = ROOT / "openapi.json"
SWAGGER_ASSETS = Path(swagger_ui.__file__).parent
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit

_DOCS_HTML = """<!doctype html>
<html><head><title>Nudge API</title><link rel="stylesheet" href="/docs/swagger-ui.min.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.min.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", persistAuthorization: true});</script>
</body></html>"""

_STATIC: dict[str, Callable[[], tuple[str, bytes]]] = {
    "/openapi.json": lambda: ("application/json", OPENAPI_PATH.read_bytes()),
    "/docs": lambda: ("text/html; charset=utf-8", _DOCS_HTML.encode()),
    "/docs/swagger-ui.min.css": lambda: ("text/css", (SWAGGER_ASSETS / "swagger-ui.min.css").read_bytes()),
    "/docs/swagger-ui-bundle.min.js": lambda: (
        "text/javascript",
        (SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_bytes(),
    ),
}


class _Handler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.1"

    def _send(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(
                GatewayResponse(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
            )
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        static = _STATIC.get(self.path) if self.command == "GET" else None
        if static:
            content_type, payload = static()
            self._send(GatewayResponse(200, {"content-type": content_type}, payload))
            return
        headers = dict(self.headers.items())
        self._send(self.server.gateway.handle(self.command, self.path, headers, body, self.client_address[0]))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if not self.server.quiet:
            super().log_message(format, *args)


class LocalHttpServer(ThreadingHTTPServer):
    """A thread per request; connections beyond those being served wait in a listen backlog as deep
    as a busy developer's client needs (socketserver's default of 5 drops the rest)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, gateway: Gateway, quiet: bool = False) -> None:
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(error.errno, f"port {port} is in use") from error
            raise
        self.gateway = gateway
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"
