"""Each function runs with exactly the variables template.yaml gives it, as on Lambda: a variable
removed from one function's template entry fails that function, and only that one."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest

from local_runtime.gateway import build_event
from local_runtime.lambdas import HOST_VARIABLES, LocalFunction, load_functions, running_as
from local_runtime.runtime import LocalStack
from local_runtime.template import Template
from nudge.audit.audit_table import audit_table


def _admin_call(
    stack: LocalStack, functions: dict[str, LocalFunction], method: str, path: str, body: object
) -> dict[str, Any]:
    route = next(route for route in stack.gateway.routes if route.match(method, path) is not None)
    claims = {"sub": "ops-admin", "cognito:groups": ["admin"]}
    raw = json.dumps(body).encode() if body is not None else b""
    event = build_event(
        route, route.match(method, path) or {}, method, path, {"content-type": "application/json"}, raw, claims
    )
    return dict(functions[route.function_id].invoke(event))


def test_a_variable_removed_from_one_function_fails_that_function_only(stack: LocalStack, user: str) -> None:
    data = copy.deepcopy(stack.template.data)
    del data["Resources"]["OverrideUserArchetypeFunction"]["Properties"]["Environment"]["Variables"]["AUDIT_TABLE_NAME"]
    functions = load_functions(Template(stack.template.stack_name, data), stack.emulator.environment)
    body = {"archetype": "big_spender", "reason": "verified corporate account"}

    overridden = _admin_call(stack, functions, "PUT", f"/v1/users/{user}/archetype", body)
    recalculated = _admin_call(stack, functions, "POST", f"/v1/users/{user}/archetype/recalculate", None)

    assert overridden["statusCode"] == 500
    broken = functions["OverrideUserArchetypeFunction"]
    with running_as(broken.spec.logical_id, broken.environment), pytest.raises(RuntimeError) as error:
        audit_table()
    assert str(error.value) == "environment variable AUDIT_TABLE_NAME is not set for this function"
    assert recalculated["statusCode"] == 200
    assert json.loads(recalculated["body"])["user_id"] == user


def test_an_invocation_sees_its_function_and_lambda_variables_and_nothing_else(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    function = stack.function("get_user_signals")
    seen: dict[str, str] = {}
    handler = function.module.__dict__["lambda_handler"]

    def spy(event: dict[str, Any], context: object) -> Any:
        seen.update(os.environ)
        return handler(event, context)

    monkeypatch.setattr(function.module, "lambda_handler", spy)
    route = next(route for route in stack.gateway.routes if route.function_id == function.spec.logical_id)
    event = build_event(route, {"user_id": "u-1"}, "GET", "/v1/users/u-1/signals", {}, b"", {"sub": "u-1"})
    assert function.invoke(event)["statusCode"] == 200

    variables = {key: value for key, value in seen.items() if key not in HOST_VARIABLES}
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": "nudge",
        "POWERTOOLS_METRICS_NAMESPACE": "Nudge/nudge-local",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "ADMIN_GROUP_NAME": "admin",
        "BRAND_GROUP_NAME": "brand",
        "BEHAVIOR_TABLE_NAME": "nudge-local-BehaviorTable",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": stack.emulator.endpoint_url,
        "AWS_LAMBDA_FUNCTION_NAME": "nudge-local-GetUserSignalsFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/nudge-local-GetUserSignalsFunction",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "_HANDLER": "app.lambda_handler",
    }
    assert os.environ["AUDIT_TABLE_NAME"] == "nudge-local-AuditTable"  # the operator's environment is back


def test_a_warm_block_keeps_the_functions_environment_between_its_invocations(stack: LocalStack) -> None:
    function = stack.function("get_user_signals")
    route = next(route for route in stack.gateway.routes if route.function_id == function.spec.logical_id)
    event = build_event(route, {"user_id": "u-1"}, "GET", "/v1/users/u-1/signals", {}, b"", {"sub": "u-1"})

    with function.warm():
        assert function.invoke(event)["statusCode"] == 200
        assert os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "nudge-local-GetUserSignalsFunction"
        assert "AUDIT_TABLE_NAME" not in os.environ

    assert os.environ["AUDIT_TABLE_NAME"] == "nudge-local-AuditTable"
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
