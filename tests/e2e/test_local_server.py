"""Requests over HTTP to the local server: routing, the JWT authorizer, the functions, EventBridge."""

from __future__ import annotations

import json
import time

from local_runtime.runtime import LocalStack
from local_runtime.server import OPENAPI_PATH
from local_runtime.tokens import issue_token
from tests.builders import answered, created
from tests.e2e.conftest import Client


def test_posted_events_show_up_in_the_signals(client: Client, user: str) -> None:
    token = client.as_user(user)

    posted = client.request("POST", "/v1/events", {"events": [created("r1"), answered("a1", "countered")]}, token)
    read = client.request("GET", f"/v1/users/{user}/signals", token=token)

    assert posted.status == 200
    assert posted.body["accepted_event_ids"] == ["r1", "a1"]
    assert read.status == 200
    assert (read.body["requests_created"], read.body["answers_countered"]) == (1, 1)


def test_requests_without_a_valid_token_are_401_before_any_function_runs(client: Client, user: str) -> None:
    body = {"events": [created("r1")]}
    expired = issue_token(user, lifetime=-60)
    for token in (None, "not-a-token", expired):
        reply = client.request("POST", "/v1/events", body, token)
        assert reply.status == 401
        assert reply.body == {"message": "Unauthorized"}
    assert client.request("GET", f"/v1/users/{user}/signals", token=client.as_user(user)).body["events_count"] == 0


def test_reading_another_users_signals_is_403_but_admins_may(client: Client, user: str) -> None:
    assert client.request("GET", f"/v1/users/{user}/signals", token=client.as_user("someone-else")).status == 403
    assert client.request("GET", f"/v1/users/{user}/signals", token=client.as_user("ops", admin=True)).status == 200


def test_unknown_routes_are_404(client: Client, user: str) -> None:
    reply = client.request("GET", "/v1/nothing-here", token=client.as_user(user))
    assert reply.status == 404


def test_bad_input_is_422_naming_the_field(client: Client, user: str) -> None:
    reply = client.request(
        "POST", "/v1/events", {"events": [{**created("r1"), "currency": "dollars"}]}, client.as_user(user)
    )
    assert reply.status == 422
    assert reply.body["error"]["fields"][0]["field"] == "events[0].currency"


def test_an_idempotent_replay_over_http(client: Client, user: str) -> None:
    token = client.as_user(user)
    body = {"events": [created("r1")]}
    first = client.request("POST", "/v1/events", body, token, headers={"Idempotency-Key": "abc"})
    second = client.request("POST", "/v1/events", body, token, headers={"Idempotency-Key": "abc"})
    assert first.body == second.body
    assert client.request("GET", f"/v1/users/{user}/signals", token=token).body["version"] == 1


def test_events_published_to_the_bus_are_delivered_to_the_function(
    stack: LocalStack, client: Client, user: str
) -> None:
    detail = {key: value for key, value in created("bus-1").items() if key != "type"} | {"user_id": user}
    stack.emulator.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.template.ref("NudgeEventBus"),
                "Source": "marketplace.transactions",
                "DetailType": "date_change_request.created",
                "Detail": json.dumps(detail),
            }
        ]
    )
    token = client.as_user(user)
    deadline = time.monotonic() + 10
    count = 0
    while time.monotonic() < deadline and count == 0:
        count = client.request("GET", f"/v1/users/{user}/signals", token=token).body["requests_created"]
        time.sleep(0.1)
    assert count == 1


def test_the_api_document_and_swagger_ui_are_served(client: Client) -> None:
    document = client.request("GET", "/openapi.json")
    assert document.status == 200
    assert document.body == json.loads(OPENAPI_PATH.read_text())
    docs = client.request("GET", "/docs")
    assert docs.status == 200
    assert "SwaggerUIBundle" in docs.body
    assert client.request("GET", "/docs/swagger-ui-bundle.min.js").status == 200
