"""Who may call a route is checked before its input: for every route the template serves."""

from __future__ import annotations

import re

import pytest

from local_runtime.runtime import LocalStack
from tests.integration.conftest import Api


def _endpoints(stack: LocalStack) -> list[tuple[str, str, str]]:
    found = []
    for route in stack.gateway.routes:
        endpoint = stack.functions[route.function_id].module.lambda_handler.endpoint
        found.append((route.method, route.path, endpoint.access))
    return found


def _concrete(path: str, user: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda found: user if found.group(1) == "user_id" else "x" * 300, path)


def test_admin_and_analytics_routes_are_declared_admin_only(stack: LocalStack) -> None:
    routes = _endpoints(stack)
    assert routes
    for method, path, access in routes:
        if path.startswith(("/v1/admin/", "/v1/analytics/")):
            assert access == "admin", f"{method} {path}"


@pytest.mark.parametrize("body", ['{"broken": ', '{"unknown_field": 1}', "[]"])
def test_every_admin_route_refuses_a_non_admin_whatever_the_input(stack: LocalStack, api: Api, body: str) -> None:
    admin_routes = [(method, path) for method, path, access in _endpoints(stack) if access == "admin"]
    assert len(admin_routes) >= 15
    for method, path in admin_routes:
        target = _concrete(path, "someone-else") + "?start=nonsense&limit=-1&unknown=1"
        answer = api.call(method, target, body=body, user="plain-user")
        assert answer.status == 403, f"{method} {path}: {answer.status} {answer.body}"
        assert answer.body["error"]["code"] == "forbidden"


def test_every_own_data_route_refuses_another_user_whatever_the_input(stack: LocalStack, api: Api) -> None:
    own_routes = [(method, path) for method, path, access in _endpoints(stack) if access in ("self", "owner")]
    assert own_routes
    for method, path in own_routes:
        answer = api.call(method, _concrete(path, "someone-else") + "?unknown=1", body='{"broken": ', user="plain-user")
        assert answer.status == 403, f"{method} {path}: {answer.status} {answer.body}"


def test_every_owner_route_refuses_anyone_else_admins_included_whatever_the_input(stack: LocalStack, api: Api) -> None:
    owner_routes = [(method, path) for method, path, access in _endpoints(stack) if access == "owner"]
    assert len(owner_routes) >= 3
    for method, path in owner_routes:
        for admin in (False, True):
            target = _concrete(path, "someone-else") + "?unknown=1"
            answer = api.call(method, target, body='{"broken": ', user="plain-user", admin=admin)
            assert answer.status == 403, f"{method} {path} (admin: {admin}): {answer.status} {answer.body}"


def test_the_issues_examples(api: Api, user: str) -> None:
    assert api.call("GET", "/v1/analytics/tiers", user=user).status == 403
    answer = api.call("PUT", f"/v1/users/{user}/archetype", {"archetype": "big_spender", "reason": "x"}, user=user)
    assert answer.status == 403
