"""The HTTP adapter: every status a route can produce, in one error shape."""

import base64
import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from local_runtime.gateway import build_event
from local_runtime.lambdas import LambdaContext
from local_runtime.template import HttpRoute
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.errors import Conflict, NotFound


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(gt=0)


class ThingPath(BaseModel):
    thing_id: str = Field(pattern=r"^t\d+$")


class Made(BaseModel):
    size: int
    owner: str
    thing_id: str


MAKE_THING = Endpoint(
    "POST", "/things/{thing_id}", "make", response=Made, body=Thing, path_parameters=ThingPath, errors=(404, 409)
)


@endpoint(MAKE_THING)
def make_thing(call: ApiCall, body: Thing, path: ThingPath) -> Made:
    if body.size == 404:
        raise NotFound("no such thing", field="size")
    if body.size == 409:
        raise Conflict("thing exists")
    if body.size == 500:
        raise RuntimeError("database exploded: secret detail")
    if body.size == 501:
        Thing.model_validate({"size": -1, "internal_field_name": 1})  # e.g. a stored item that no longer decodes
    return Made(size=body.size, owner=call.actor.user_id, thing_id=path.thing_id)


def _call(
    body: str, claims: dict[str, Any] | None = None, content_type: str = "application/json", thing: str = "t1"
) -> tuple[int, Any]:
    route = HttpRoute("POST", "/things/{thing_id}", "Fn", authorized=True)
    claims = {"sub": "u1"} if claims is None else claims
    headers = {"content-type": content_type}
    event = build_event(route, {"thing_id": thing}, "POST", f"/things/{thing}", headers, body.encode(), claims or None)
    result = make_thing(event, LambdaContext("Fn", 128, 3))
    assert result["headers"]["content-type"] == "application/json"
    return result["statusCode"], json.loads(result["body"])


def test_success() -> None:
    assert _call('{"size": 3}') == (200, {"size": 3, "owner": "u1", "thing_id": "t1"})


def test_base64_bodies_are_decoded_as_api_gateway_sends_them() -> None:
    route = HttpRoute("POST", "/things/{thing_id}", "Fn", authorized=True)
    event = build_event(route, {"thing_id": "t1"}, "POST", "/things/t1", {}, b"", {"sub": "u1"})
    event |= {"body": base64.b64encode(b'{"size": 2}').decode(), "isBase64Encoded": True}
    assert make_thing(event, LambdaContext("Fn", 128, 3))["statusCode"] == 200


def test_invalid_json_is_400() -> None:
    status, body = _call('{"size": ')
    assert status == 400
    assert body["error"]["fields"] == [{"field": "body", "problem": "the request body is not valid JSON"}]


@pytest.mark.parametrize("depth", [201, 5_000, 20_000])
def test_json_nested_too_deeply_is_400_not_a_server_error(depth: int) -> None:
    status, body = _call('{"size": 3, "deep": ' + "[" * depth + "]" * depth + "}")
    assert status == 400
    [problem] = body["error"]["fields"]
    assert problem["field"] == "body"
    assert problem["problem"].startswith("the request body is")
    assert "nested too deeply" in problem["problem"] or "recursion limit exceeded" in problem["problem"]


def test_a_lone_surrogate_escape_is_400_as_json_that_is_not_text() -> None:
    status, body = _call('{"size": 3, "name": "\\ud800"}')
    assert status == 400
    assert body["error"]["fields"][0]["problem"].startswith("the request body is not valid JSON: ")


@pytest.mark.parametrize(
    "content_type", ["application/jsonfoo", "application/json-patch+json", "text/plain", "application/json5"]
)
def test_a_media_type_is_compared_whole_not_by_its_prefix(content_type: str) -> None:
    status, body = _call('{"size": 3}', content_type=content_type)
    assert status == 415
    assert body["error"]["fields"] == [
        {"field": "Content-Type", "problem": f"must be application/json, got {content_type}"}
    ]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", " application/json "])
def test_a_media_type_is_read_without_its_parameters_and_case(content_type: str) -> None:
    assert _call('{"size": 3}', content_type=content_type)[0] == 200


def _base64_call(raw: bytes, content: str | None = None) -> tuple[int, Any]:
    route = HttpRoute("POST", "/things/{thing_id}", "Fn", authorized=True)
    event = build_event(route, {"thing_id": "t1"}, "POST", "/things/t1", {}, b"", {"sub": "u1"})
    event |= {"body": content if content is not None else base64.b64encode(raw).decode(), "isBase64Encoded": True}
    result = make_thing(event, LambdaContext("Fn", 128, 3))
    return result["statusCode"], json.loads(result["body"])


def test_a_body_that_is_not_utf8_is_400() -> None:
    status, body = _base64_call(b'{"size": "\xff\xfe"}')
    assert status == 400
    assert body["error"]["fields"] == [{"field": "body", "problem": "the request body is not UTF-8 text"}]
    assert _base64_call(b"", content="%%% not base64")[0] == 400


@pytest.mark.parametrize(
    "raw",
    ['{"size": "3"}', '{"size": true}', '{"size": 3.0}', '{"size": "  3  "}', '{"size": "\u0663"}'],
)
def test_json_types_are_strict(raw: str) -> None:
    status, body = _call(raw)
    assert status == 422
    assert body["error"]["fields"][0]["field"] == "size"


def test_duplicate_keys_are_400_naming_the_key() -> None:
    status, body = _call('{"size": 3, "size": 4}')
    assert status == 400
    assert body["error"]["fields"] == [
        {"field": "body", "problem": "the key 'size' appears more than once in one object"}
    ]


@pytest.mark.parametrize("raw", ['{"size": NaN}', '{"size": Infinity}'])
def test_non_standard_json_numbers_are_400(raw: str) -> None:
    assert _call(raw)[0] == 400


def test_a_validation_error_that_is_not_the_requests_is_a_500_that_names_nothing() -> None:
    status, body = _call('{"size": 501}')
    assert status == 500
    assert body["error"]["fields"] == []
    assert "internal_field_name" not in json.dumps(body)


def test_a_missing_body_is_422() -> None:
    status, body = _call("")
    assert status == 422
    assert body["error"]["fields"][0]["field"] == "body"


def test_field_problems_are_422_naming_each_field() -> None:
    status, body = _call('{"size": 0, "colour": "red"}')
    assert status == 422
    assert body["error"]["fields"] == [
        {"field": "size", "problem": "Input should be greater than 0"},
        {"field": "colour", "problem": "Extra inputs are not permitted"},
    ]


def test_bad_path_parameters_are_422_naming_them() -> None:
    status, body = _call('{"size": 3}', thing="x")
    assert status == 422
    assert body["error"]["fields"][0]["field"] == "thing_id"


def test_query_parameters_on_a_route_without_any_are_422() -> None:
    route = HttpRoute("POST", "/things/{thing_id}", "Fn", authorized=True)
    headers = {"content-type": "application/json"}
    event = build_event(route, {"thing_id": "t1"}, "POST", "/things/t1?x=1", headers, b'{"size": 3}', {"sub": "u1"})
    result = make_thing(event, LambdaContext("Fn", 128, 3))
    assert result["statusCode"] == 422
    assert json.loads(result["body"])["error"]["fields"] == [
        {"field": "x", "problem": "Extra inputs are not permitted"}
    ]


def test_form_bodies_are_415() -> None:
    status, body = _call("size=3", content_type="application/x-www-form-urlencoded")
    assert status == 415
    assert body["error"]["fields"][0]["field"] == "Content-Type"


def test_missing_subject_is_401_before_the_body_is_read() -> None:
    assert _call('{"size": ', claims={})[0] == 401


@pytest.mark.parametrize(("size", "status", "code"), [(404, 404, "not_found"), (409, 409, "conflict")])
def test_domain_errors_keep_their_status(size: int, status: int, code: str) -> None:
    answer = _call(json.dumps({"size": size}))
    assert answer[0] == status
    assert answer[1]["error"]["code"] == code


def test_unexpected_errors_are_500_without_details() -> None:
    status, body = _call('{"size": 500}')
    assert status == 500
    assert "secret" not in json.dumps(body)


def test_declared_error_statuses_include_the_adapters_own() -> None:
    assert MAKE_THING.error_statuses == [400, 401, 404, 409, 413, 415, 422]
    assert ADMIN_THING.error_statuses == [400, 401, 403, 413, 415, 422]


class OwnerPath(BaseModel):
    user_id: str = Field(pattern=r"^u\d+$")


ADMIN_THING = Endpoint("POST", "/admin/things", "admin", response=Made, access="admin", body=Thing)
OWN_THING = Endpoint(
    "POST", "/users/{user_id}/things", "own", response=Made, access="self", body=Thing, path_parameters=OwnerPath
)


@endpoint(ADMIN_THING)
def admin_thing(call: ApiCall, body: Thing) -> Made:
    return Made(size=body.size, owner=call.actor.user_id, thing_id="admin")


@endpoint(OWN_THING)
def own_thing(call: ApiCall, body: Thing, path: OwnerPath) -> Made:
    return Made(size=body.size, owner=path.user_id, thing_id="own")


def _access(handler: Any, path: str, parameters: dict[str, str], body: str, admin: bool) -> int:
    route = HttpRoute("POST", path, "Fn", authorized=True)
    claims = {"sub": "u1", "cognito:groups": ["admin"] if admin else []}
    event = build_event(route, parameters, "POST", path, {"content-type": "application/json"}, body.encode(), claims)
    status: int = handler(event, LambdaContext("Fn", 128, 3))["statusCode"]
    return status


@pytest.mark.parametrize("body", ['{"size": 0}', '{"size": ', "", '{"size": 1, "size": 2}'])
def test_an_admin_route_refuses_a_non_admin_before_looking_at_the_input(body: str) -> None:
    assert _access(admin_thing, "/admin/things", {}, body, admin=False) == 403
    assert _access(admin_thing, "/admin/things", {}, body, admin=True) in (400, 422)


@pytest.mark.parametrize("body", ['{"size": 0}', '{"size": '])
def test_another_users_route_is_refused_before_looking_at_the_input(body: str) -> None:
    assert _access(own_thing, "/users/u2/things", {"user_id": "u2"}, body, admin=False) == 403
    assert _access(own_thing, "/users/u1/things", {"user_id": "u1"}, body, admin=False) in (400, 422)
    assert _access(own_thing, "/users/u1/things", {"user_id": "u1"}, '{"size": 2}', admin=False) == 200


def test_an_oversized_body_is_a_413_naming_the_body() -> None:
    status, body = _call(json.dumps({"size": 1, "padding": "x" * (64 * 1024)}))
    assert status == 413
    assert body["error"]["fields"] == [{"field": "body", "problem": "the body must be at most 65536 bytes"}]


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=10, ge=1, le=50)


class Listed(BaseModel):
    limit: int


LIST_THINGS = Endpoint("GET", "/things", "list", response=Listed, query=Window)


@endpoint(LIST_THINGS)
def list_things(call: ApiCall, query: Window) -> Listed:
    return Listed(limit=query.limit)


def _list(target: str) -> tuple[int, Any]:
    route = HttpRoute("GET", "/things", "Fn", authorized=True)
    event = build_event(route, {}, "GET", target, {}, b"", {"sub": "u1"})
    result = list_things(event, LambdaContext("Fn", 128, 3))
    return result["statusCode"], json.loads(result["body"])


def test_query_parameters_are_validated_like_bodies() -> None:
    assert _list("/things?limit=7") == (200, {"limit": 7})
    assert _list("/things") == (200, {"limit": 10})
    status, body = _list("/things?limit=0")
    assert status == 422
    assert body["error"]["fields"][0]["field"] == "limit"
    status, body = _list("/things?order=desc")
    assert status == 422
    assert body["error"]["fields"][0]["field"] == "order"
