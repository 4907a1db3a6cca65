"""Integration tests: the real handlers against DynamoDB and EventBridge in moto (the session's
stack, see tests/conftest.py). Requests arrive as API Gateway would pass them, claims included."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from local_runtime.gateway import build_event
from local_runtime.runtime import LocalStack


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Api:
    stack: LocalStack

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        user: str | None = "alice",
        admin: bool = False,
        headers: dict[str, str] | None = None,
        brand: str | None = None,
    ) -> Answer:
        for route in self.stack.gateway.routes:
            parameters = route.match(method, path.split("?", 1)[0])
            if parameters is not None:
                break
        else:
            raise AssertionError(f"no route for {method} {path}")
        groups = (["admin"] if admin else []) + (["brand"] if brand else [])
        claims = None if user is None else {"sub": user, "cognito:groups": groups}
        if claims is not None and brand:
            claims["custom:brand_id"] = brand
        raw = body if isinstance(body, str) else (json.dumps(body) if body is not None else "")
        request_headers = {"content-type": "application/json", **(headers or {})}
        event = build_event(route, parameters, method, path, request_headers, raw.encode(), claims)
        result = self.stack.functions[route.function_id].invoke(event)
        answer_headers = result.get("headers", {})
        # Pages (and redirects) for a browser are text; everything else is JSON.
        is_json = answer_headers.get("content-type", "").startswith("application/json")
        body = json.loads(result["body"]) if is_json else result["body"]
        return Answer(result["statusCode"], body, answer_headers)

    def signals(self, user: str) -> dict[str, Any]:
        answer = self.call("GET", f"/v1/users/{user}/signals", user=user)
        assert answer.status == 200
        return dict(answer.body)


@pytest.fixture
def api(stack: LocalStack) -> Api:
    return Api(stack)
