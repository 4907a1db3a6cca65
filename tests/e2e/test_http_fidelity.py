"""The local server speaks HTTP as API Gateway does: a real listen backlog, strict framing,
chunked bodies, HEAD and OPTIONS, and binary bodies passed on instead of dropped connections."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from local_runtime.runtime import LocalStack
from local_runtime.server import LocalHttpServer
from local_runtime.tokens import issue_token
from tests.builders import created

NOT_FOUND = b'{"message": "Not Found"}'


def _connection(server: LocalHttpServer) -> http.client.HTTPConnection:
    address = urlsplit(server.url)
    return http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)


def _raw(server: LocalHttpServer, request: bytes) -> bytes:
    """Send bytes as they are (no client library would send a broken frame) and read the answer."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def test_thirty_connections_waiting_before_the_server_accepts_are_all_answered(stack: LocalStack, user: str) -> None:
    server = LocalHttpServer(0, stack.gateway, quiet=True)
    address = urlsplit(server.url)
    request = (
        f"GET /v1/users/{user}/signals HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer {issue_token(user)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    waiting: list[socket.socket] = []
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        # Not serving yet: every connection must wait in the listen backlog rather than be refused.
        for _ in range(30):
            waiting.append(socket.create_connection((address.hostname, address.port), timeout=1))
        serving.start()
        for connection in waiting:
            connection.settimeout(30)
            connection.sendall(request)
        answers = [connection.makefile("rb").readline() for connection in waiting]
    finally:
        for connection in waiting:
            connection.close()
        if serving.is_alive():
            server.shutdown()
        server.server_close()

    assert answers == [b"HTTP/1.1 200 OK\r\n"] * 30


def test_a_content_length_that_is_negative_or_not_a_number_is_400(server: LocalHttpServer) -> None:
    for length in ("-1", "ten", "1e3"):
        answer = _raw(
            server, f"POST /v1/events HTTP/1.1\r\nHost: local\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
        )
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 "), (length, answer)
        assert json.loads(body) == {"message": "Bad Request"}


def test_a_chunked_body_is_read(server: LocalHttpServer, user: str) -> None:
    body = json.dumps({"events": [created("chunked-1")]}).encode()
    connection = _connection(server)
    headers = {"Authorization": f"Bearer {issue_token(user)}", "Content-Type": "application/json"}

    def chunks() -> Iterator[bytes]:
        yield body[:10]
        yield body[10:]

    connection.request("POST", "/v1/events", body=chunks(), headers=headers, encode_chunked=True)
    response = connection.getresponse()

    assert response.status == 200
    assert json.loads(response.read())["accepted_event_ids"] == ["chunked-1"]


def test_head_is_answered_with_headers_and_no_body(server: LocalHttpServer, user: str) -> None:
    connection = _connection(server)
    connection.request("HEAD", f"/v1/users/{user}/signals", headers={"Authorization": f"Bearer {issue_token(user)}"})
    response = connection.getresponse()

    assert response.status == 404  # API Gateway routes HEAD as its own method: the template has no HEAD route
    assert response.getheader("content-length") == str(len(NOT_FOUND))
    assert response.read() == b""
    connection.request("HEAD", "/openapi.json")
    docs = connection.getresponse()
    assert (docs.status, docs.getheader("content-type"), docs.read()) == (200, "application/json", b"")


def test_a_preflight_from_an_origin_not_allowed_gets_no_cors_headers(server: LocalHttpServer) -> None:
    connection = _connection(server)
    connection.request(
        "OPTIONS", "/v1/events", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    )
    response = connection.getresponse()

    # AllowedOrigins is empty by default: API Gateway answers the preflight, allowing nothing.
    assert (response.status, response.read()) == (204, b"")
    assert response.getheader("access-control-allow-origin") is None


def test_options_without_a_route_or_a_preflight_is_not_found(server: LocalHttpServer) -> None:
    connection = _connection(server)
    connection.request("OPTIONS", "/v1/events")
    response = connection.getresponse()

    assert (response.status, response.read()) == (404, NOT_FOUND)


def test_a_body_that_is_not_utf8_reaches_the_function_instead_of_dropping_the_connection(
    server: LocalHttpServer, user: str
) -> None:
    connection = _connection(server)
    headers = {"Authorization": f"Bearer {issue_token(user)}", "Content-Type": "application/json"}
    connection.request("POST", "/v1/events", body=b'{"events": ["\xff"]}', headers=headers)
    response = connection.getresponse()

    assert response.status >= 400
    assert "error" in json.loads(response.read())  # the function's error shape: it got the request


def test_the_server_logs_a_request_by_its_route_key_never_the_path_as_sent(
    stack: LocalStack, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server = LocalHttpServer(0, stack.gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in (
            "/v1/users/ana%40example.com/signals?cursor=secret-cursor",
            "/v1/r/secret-token",
            "/nowhere/secret",
        ):
            connection = _connection(server)
            connection.request("GET", path, headers={"Authorization": f"Bearer {issue_token('ana@example.com')}"})
            connection.getresponse().read()
            connection.close()
    finally:
        server.shutdown()
        server.server_close()

    logged = capsys.readouterr().err
    assert '"GET /v1/users/{user_id}/signals" ' in logged
    assert '"GET /v1/r/{token}" 403' in logged
    assert '"GET (no route)" 404' in logged
    assert "ana" not in logged
    assert "secret" not in logged
