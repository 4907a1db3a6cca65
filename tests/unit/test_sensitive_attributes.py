"""Sensitive attributes without AWS: who may call their routes, what a request must hold, and that their
requests never reach a log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from local_runtime.gateway import build_event
from local_runtime.lambdas import LambdaContext
from local_runtime.template import HttpRoute
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.errors import Forbidden
from nudge.observability import logger
from nudge.sensitive.attribute_models import AttributeName, AttributePath, SensitiveAttributeRequest
from nudge.users.actor import Actor

STATED_VALUE = "Zoroastrian-7f3a"


def test_the_names_are_exactly_what_is_never_inferred() -> None:
    assert set(get_args(AttributeName)) == {
        "income_range",
        "race",
        "ethnicity",
        "caste",
        "religion",
        "health",
        "political_affiliation",
        "sexual_orientation",
    }
    with pytest.raises(ValidationError) as error:
        AttributePath.model_validate({"user_id": "alice", "name": "favourite_colour"})
    assert [problem["loc"] for problem in error.value.errors()] == [("name",)]


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"value": STATED_VALUE, "consent": False}, "consent", "must be true"),
        ({"value": STATED_VALUE}, "consent", "Field required"),
        ({"value": STATED_VALUE, "consent": "true"}, "consent", "valid boolean"),
        ({"value": STATED_VALUE, "consent": 1}, "consent", "valid boolean"),
        ({"value": "", "consent": True}, "value", "at least 1 character"),
        ({"value": "   ", "consent": True}, "value", "must not be blank"),
        ({"value": "Buddhist\u0000", "consent": True}, "value", "must not contain control characters"),
        ({"value": "line one\nline two", "consent": True}, "value", "must not contain control characters"),
        ({"value": "x" * 201, "consent": True}, "value", "at most 200 characters"),
        ({"value": 7, "consent": True}, "value", "valid string"),
        ({"value": STATED_VALUE, "consent": True, "visible_to": "brands"}, "visible_to", "Extra inputs"),
    ],
)
def test_a_request_needs_consent_and_a_bounded_value(body: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(ValidationError) as error:
        SensitiveAttributeRequest.model_validate_json(json.dumps(body), strict=True)

    [found] = error.value.errors()
    assert (found["loc"], problem in found["msg"]) == ((field,), True)
    assert STATED_VALUE not in found["msg"]


def test_a_value_of_200_characters_with_consent_is_accepted() -> None:
    body = json.dumps({"value": "é" * 200, "consent": True})
    assert SensitiveAttributeRequest.model_validate_json(body, strict=True).value == "é" * 200


def test_only_the_user_themselves_owns_their_data_admins_included() -> None:
    Actor("alice", is_admin=False).ensure_owner("alice")
    Actor("ops", is_admin=True).ensure_owner("ops")
    for stranger in (Actor("bob", is_admin=False), Actor("ops", is_admin=True)):
        with pytest.raises(Forbidden) as error:
            stranger.ensure_owner("alice")
        assert error.value.field == "user_id"


class Stated(BaseModel):
    user_id: str


class Note(BaseModel):
    text: str


OWNED = Endpoint("PUT", "/users/{user_id}/notes", "note", response=Stated, access="owner", body=Note)
LOGGED = OWNED._replace(logs_event=True)
UNLOGGED = OWNED._replace(logs_event=False)


def _serve(call: ApiCall, body: Note) -> Stated:
    return Stated(user_id=call.actor.user_id)


def _put(spec: Endpoint, user: str, path_user: str, body: str, admin: bool = False) -> int:
    route = HttpRoute("PUT", "/users/{user_id}/notes", "Fn", authorized=True)
    claims = {"sub": user, "cognito:groups": ["admin"] if admin else []}
    headers = {"content-type": "application/json"}
    path = f"/users/{path_user}/notes"
    event = build_event(route, {"user_id": path_user}, "PUT", path, headers, body.encode(), claims)
    status: int = endpoint(spec)(_serve)(event, LambdaContext("Fn", 128, 3))["statusCode"]
    return status


@pytest.mark.parametrize("body", ['{"text": "hi"}', '{"text": ', '{"unknown": 1}'])
def test_an_owner_route_refuses_anyone_else_admins_included_before_reading_the_input(body: str) -> None:
    assert _put(OWNED, "bob", "alice", body) == 403
    assert _put(OWNED, "ops", "alice", body, admin=True) == 403
    assert _put(OWNED, "alice", "alice", '{"text": "hi"}') == 200
    assert _put(OWNED, "ops", "ops", '{"text": "hi"}', admin=True) == 200  # an admin on their own data


@pytest.fixture
def log_text(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")  # an operator debugging: events are logged
    handler = logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_a_route_that_logs_no_event_keeps_its_body_out_of_the_logs(log_text: io.StringIO) -> None:
    body = json.dumps({"text": STATED_VALUE})

    assert _put(UNLOGGED, "alice", "alice", body) == 200
    assert STATED_VALUE not in log_text.getvalue()
    assert _put(LOGGED, "alice", "alice", body) == 200
    assert STATED_VALUE in log_text.getvalue()  # what the switch would otherwise write
