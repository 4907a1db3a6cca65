"""The one place errors become HTTP: every status a route can produce, in one shape."""

import json
from typing import Annotated, Any, cast

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsContext
from pydantic import BaseModel, ConfigDict, Field

from local_runtime.gateway import build_event
from local_runtime.lambdas import LambdaContext
from local_runtime.template import HttpRoute
from nudge.api import build_resolver, current_caller
from nudge.errors import Conflict, NotFound

app = build_resolver()


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(gt=0)


@app.post("/things")
def make_thing(body: Annotated[Thing, Body()]) -> dict[str, Any]:
    caller = current_caller(app)
    if body.size == 404:
        raise NotFound("no such thing", field="size")
    if body.size == 409:
        raise Conflict("thing exists")
    if body.size == 500:
        raise RuntimeError("database exploded: secret detail")
    return {"size": body.size, "owner": caller.user_id}


def _call(body: str, claims: dict[str, Any] | None = None, content_type: str = "application/json") -> tuple[int, Any]:
    route = HttpRoute("POST", "/things", "Fn", authorized=True)
    claims = {"sub": "u1"} if claims is None else claims
    event = build_event(route, {}, "POST", "/things", {"content-type": content_type}, body.encode(), claims or None)
    result = app.resolve(event, cast(PowertoolsContext, LambdaContext("Fn", 128, 3)))
    return result["statusCode"], json.loads(result["body"])


def test_success() -> None:
    assert _call('{"size": 3}') == (200, {"size": 3, "owner": "u1"})


def test_invalid_json_is_400() -> None:
    status, body = _call('{"size": ')
    assert status == 400
    assert body["error"]["code"] == "invalid_json"


def test_field_problems_are_422_naming_each_field() -> None:
    status, body = _call('{"size": 0, "colour": "red"}')
    assert status == 422
    assert body["error"]["fields"] == [
        {"field": "size", "problem": "Input should be greater than 0"},
        {"field": "colour", "problem": "Extra inputs are not permitted"},
    ]


def test_form_bodies_are_415() -> None:
    status, body = _call("size=3", content_type="application/x-www-form-urlencoded")
    assert status == 415
    assert body["error"]["fields"][0]["field"] == "Content-Type"


def test_missing_subject_is_401() -> None:
    assert _call('{"size": 3}', claims={})[0] == 401


@pytest.mark.parametrize(("size", "status", "code"), [(404, 404, "not_found"), (409, 409, "conflict")])
def test_domain_errors_keep_their_status(size: int, status: int, code: str) -> None:
    answer = _call(json.dumps({"size": size}))
    assert answer[0] == status
    assert answer[1]["error"]["code"] == code


def test_unexpected_errors_are_500_without_details() -> None:
    status, body = _call('{"size": 500}')
    assert status == 500
    assert "secret" not in json.dumps(body)
