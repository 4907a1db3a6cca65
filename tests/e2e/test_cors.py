"""CORS over HTTP: the local server answers browsers' preflight requests as API Gateway would."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from local_runtime.cors import CorsGateway, CorsRules
from local_runtime.runtime import LocalStack
from local_runtime.server import LocalHttpServer
from local_runtime.template import Template
from tests.e2e.conftest import Client

APP = "http://localhost:5173"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}


@pytest.fixture(scope="module")
def browser_app_client(stack: LocalStack) -> Iterator[Client]:
    """The local server of a stack deployed with AllowedOrigins=http://localhost:5173."""
    template = Template.load()
    template.parameter_overrides["AllowedOrigins"] = APP
    gateway = CorsGateway(stack.template.http_routes(), stack.functions, CorsRules.from_template(template))
    http = LocalHttpServer(0, gateway, quiet=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield Client(http.url)
    http.shutdown()
    http.server_close()


def test_a_preflight_from_the_allowed_origin_is_answered_without_a_token(browser_app_client: Client) -> None:
    reply = browser_app_client.request("OPTIONS", "/v1/events", headers=PREFLIGHT)
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == APP
    assert "POST" in reply.headers["access-control-allow-methods"].split(",")
    assert "authorization" in reply.headers["access-control-allow-headers"].split(",")


def test_the_allowed_origin_can_read_responses_and_another_cannot(browser_app_client: Client, user: str) -> None:
    token = browser_app_client.as_user(user)
    allowed = browser_app_client.request("GET", f"/v1/users/{user}/signals", token=token, headers={"Origin": APP})
    other = browser_app_client.request(
        "GET", f"/v1/users/{user}/signals", token=token, headers={"Origin": "https://elsewhere.example"}
    )
    assert (allowed.status, allowed.headers["access-control-allow-origin"]) == (200, APP)
    assert other.status == 200
    assert "access-control-allow-origin" not in {key.lower() for key in other.headers}


def test_by_default_no_browser_origin_is_allowed(client: Client) -> None:
    reply = client.request("OPTIONS", "/v1/events", headers=PREFLIGHT)
    assert reply.status == 204
    assert "access-control-allow-origin" not in {key.lower() for key in reply.headers}
