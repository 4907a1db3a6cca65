"""The local gateway behaves as API Gateway's HTTP API: routing by method, decoded path parameters,
binary bodies, the JWT authorizer, and CORS driven by the HttpApi's configuration."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any, cast

import jwt
import pytest

from local_runtime import tokens
from local_runtime.gateway import Gateway
from local_runtime.lambdas import LocalFunction
from local_runtime.template import HttpRoute

ROUTES = [
    HttpRoute("GET", "/v1/users/{user_id}/signals", "Signals", authorized=True),
    HttpRoute("POST", "/v1/events", "Events", authorized=True),
]


class _Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


@pytest.fixture(autouse=True)
def _key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "KEY_PATH", tmp_path / "key.pem")


@pytest.fixture
def function() -> _Recorder:
    return _Recorder()


def _gateway(function: _Recorder) -> Gateway:
    functions = cast(dict[str, LocalFunction], {"Signals": function, "Events": function})
    return Gateway(ROUTES, functions)


def _bearer(user: str = "auth0|abc") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue_token(user)}"}


def test_percent_encoded_path_parameters_reach_the_function_decoded(function: _Recorder) -> None:
    response = _gateway(function).handle("GET", "/v1/users/auth0%7Cabc/signals", _bearer(), b"", "127.0.0.1")

    assert response.status == 200
    [event] = function.events
    assert event["pathParameters"] == {"user_id": "auth0|abc"}
    assert event["rawPath"] == "/v1/users/auth0%7Cabc/signals"


def test_a_body_that_is_not_utf8_reaches_the_function_base64_encoded(function: _Recorder) -> None:
    gateway = _gateway(function)
    gateway.handle("POST", "/v1/events", _bearer(), b"\xff\xfe{}", "127.0.0.1")
    gateway.handle("POST", "/v1/events", _bearer(), '{"name": "Zoë"}'.encode(), "127.0.0.1")

    binary, text = function.events
    assert (binary["isBase64Encoded"], base64.b64decode(binary["body"])) == (True, b"\xff\xfe{}")
    assert (text["isBase64Encoded"], text["body"]) == (False, '{"name": "Zoë"}')


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_head_and_options_without_a_route_of_their_own_are_not_found(function: _Recorder, method: str) -> None:
    headers = {**_bearer(), "Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    response = _gateway(function).handle(method, "/v1/users/u-1/signals", headers, b"", "127.0.0.1")

    assert (response.status, json.loads(response.body)) == (404, {"message": "Not Found"})
    assert function.events == []


def test_a_token_with_an_empty_subject_is_the_gateways_401(function: _Recorder) -> None:
    claims = {"sub": "", "iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "exp": int(time.time()) + 60}
    token = jwt.encode(claims, tokens._private_key(), algorithm="RS256", headers={"kid": tokens.KEY_ID})

    response = _gateway(function).handle("GET", "/v1/users/u-1/signals", {"authorization": f"Bearer {token}"}, b"", "")

    assert (response.status, json.loads(response.body)) == (401, {"message": "Unauthorized"})
    assert function.events == []


def test_a_route_with_authorizer_none_reaches_the_function_without_a_token_and_without_claims(
    function: _Recorder,
) -> None:
    public = HttpRoute("GET", "/v1/unsubscribe/{token}", "Page", authorized=False)
    gateway = Gateway([public, *ROUTES], cast(dict[str, LocalFunction], {"Page": function, "Signals": function}))

    response = gateway.handle("GET", "/v1/unsubscribe/abc.def", {}, b"", "127.0.0.1")
    refused = gateway.handle("GET", "/v1/users/u-1/signals", {}, b"", "127.0.0.1")

    assert (response.status, refused.status) == (200, 401)
    [event] = function.events
    assert "authorizer" not in event["requestContext"]
    assert event["pathParameters"] == {"token": "abc.def"}


def test_a_request_is_named_by_its_route_key_as_the_deployed_access_log_names_it(function: _Recorder) -> None:
    gateway = _gateway(function)
    assert gateway.route_key("GET", "/v1/users/ana%40example.com/signals?cursor=c") == "GET /v1/users/{user_id}/signals"
    assert gateway.route_key("POST", "/v1/events") == "POST /v1/events"
    assert gateway.route_key("GET", "/v1/events") is None
