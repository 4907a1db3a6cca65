"""E2E: the local HTTP server (the same one `make run` starts) over the session's emulator."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from local_runtime.runtime import LocalStack
from local_runtime.server import LocalHttpServer
from local_runtime.tokens import issue_token


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Client:
    base_url: str

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)  # noqa: S310
        request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
                return Reply(response.status, _decode(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _decode(error.read()), dict(error.headers))

    def as_user(self, user: str, admin: bool = False) -> str:
        return issue_token(user, admin=admin)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode()


@pytest.fixture(scope="package")
def server(stack: LocalStack) -> Iterator[LocalHttpServer]:
    http = LocalHttpServer(0, stack.gateway, quiet=True, outbox=stack.emulator.outbox)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    stack.bridge.start()
    yield http
    stack.bridge.stop()
    http.shutdown()
    http.server_close()


@pytest.fixture
def client(server: LocalHttpServer) -> Client:
    return Client(server.url)


def raw_request(
    client: Client, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request as a browser or mail client sends it (no redirect is followed)."""
    location = urlsplit(client.base_url)
    connection = http.client.HTTPConnection(location.hostname or "127.0.0.1", location.port, timeout=30)
    try:
        connection.request(method, path, body=body.encode() or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, {key.lower(): value for key, value in response.getheaders()}, response.read().decode()
    finally:
        connection.close()
