"""The local HTTP server: the template's HttpApi on http://127.0.0.1:<port>, plus the API docs and the local
outbox (`/_local/outbox`, `/_local/outbox.html`: the messages the emulator accepted)."""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi import swagger_ui

from local_runtime.emulator import PortInUse
from local_runtime.gateway import Gateway, GatewayResponse
from local_runtime.outbox import Outbox
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


class _BadRequest(Exception):
    """The request's framing cannot be trusted: answered 400 and the connection closed."""


class _TooLarge(Exception):
    """The body is over API Gateway's payload limit: answered 413 and the connection closed."""


def _message(status: int, message: str) -> GatewayResponse:
    return GatewayResponse(status, {"content-type": "application/json"}, json.dumps({"message": message}).encode())


class _Handler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.1"

    def _send(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        # A HEAD answer carries the headers a GET would, Content-Length included, and no body.
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._chunked_body()
        declared = self.headers.get("content-length")
        if declared is None:
            return b""
        if not re.fullmatch(r"[0-9]+", declared.strip()):
            raise _BadRequest
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise _TooLarge
        return self.rfile.read(length)

    def _chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        received = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]+", size_line):
                raise _BadRequest
            size = int(size_line, 16)
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailer fields, up to the blank line
                    pass
                return b"".join(chunks)
            received += size
            if received > MAX_BODY_BYTES:
                raise _TooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)  # the CRLF after the chunk

    def _serve(self) -> None:
        try:
            body = self._body()
        except (_BadRequest, _TooLarge) as error:
            too_large = isinstance(error, _TooLarge)
            self._send(_message(413, "Request Entity Too Large") if too_large else _message(400, "Bad Request"))
            self.close_connection = True
            return
        static = self._static() if self.command in ("GET", "HEAD") else None
        if static:
            content_type, payload = static()
            self._send(GatewayResponse(200, {"content-type": content_type}, payload))
            return
        headers = dict(self.headers.items())
        self._send(self.server.gateway.handle(self.command, self.path, headers, body, self.client_address[0]))

    def _static(self) -> Callable[[], tuple[str, bytes]] | None:
        outbox = self.server.outbox
        if outbox is not None and self.path.split("?", 1)[0] == "/_local/outbox":
            return lambda: ("application/json", outbox.as_json())
        if outbox is not None and self.path.split("?", 1)[0] == "/_local/outbox.html":
            return lambda: ("text/html; charset=utf-8", outbox.as_html())
        return _STATIC.get(self.path)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """A request as the deployed access log writes it: its route key, never the path as sent, whose link
        tokens are credentials and whose ids may be email addresses. A local page by its path; anything else
        as no route."""
        route = self.server.gateway.route_key(self.command, self.path)
        page = self.path.split("?", 1)[0]
        shown = route or (f"{self.command} {page}" if self._static() else f"{self.command} (no route)")
        self.log_message('"%s" %s %s', shown, str(code), str(size))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if not self.server.quiet:
            super().log_message(format, *args)


class LocalHttpServer(ThreadingHTTPServer):
    """A thread per request; connections beyond those being served wait in a listen backlog as deep
    as a busy developer's client needs (socketserver's default of 5 drops the rest)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, gateway: Gateway, quiet: bool = False, outbox: Outbox | None = None) -> None:
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(error.errno, f"port {port} is in use") from error
            raise
        self.gateway = gateway
        self.quiet = quiet
        self.outbox = outbox

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"
