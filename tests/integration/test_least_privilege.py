"""The least-privilege check: the calls a function makes are allowed by its role in the translated
template, and removing the policy that allowed one of them reports exactly that call."""

from __future__ import annotations

import json
from pathlib import Path

from local_runtime.permissions import CallRecorder, Policies
from local_runtime.runtime import LocalStack
from tests.integration.conftest import Api

AUDIT_WRITES = {"DynamoDBWritePolicy": {"TableName": {"Ref": "AuditTable"}}}


def _recorder(stack: LocalStack) -> CallRecorder:
    assert stack.recorder is not None, "the session's stack records calls"
    return stack.recorder


def test_a_policy_removed_from_a_copy_of_the_template_reports_the_call_it_allowed(
    stack: LocalStack, api: Api, user: str, tmp_path: Path
) -> None:
    data = json.loads(json.dumps(stack.template.data))
    policies = data["Resources"]["OverrideUserArchetypeFunction"]["Properties"]["Policies"]
    policies.remove(AUDIT_WRITES)
    narrowed_template = tmp_path / "template.json"
    narrowed_template.write_text(json.dumps(data))
    narrowed = Policies.of_template_file(narrowed_template, stack.template)

    with _recorder(stack).capture() as calls:
        answer = api.call(
            "PUT", f"/v1/users/{user}/archetype", {"archetype": "big_spender", "reason": "verified"}, "ops", True
        )

    assert answer.status == 200
    assert [call.operation for call in calls] == ["dynamodb:BatchGetItem", "dynamodb:TransactWriteItems"]
    assert [denial for call in calls for denial in _recorder(stack).policies.denials(call)] == []
    assert [str(denial) for call in calls for denial in narrowed.denials(call)] == [
        "OverrideUserArchetypeFunction: dynamodb:TransactWriteItems needs dynamodb:PutItem on "
        "arn:aws:dynamodb:us-east-1:123456789012:table/nudge-local-AuditTable, which its role does not allow"
    ]


def test_calls_are_attributed_to_the_function_that_made_them(stack: LocalStack, api: Api, user: str) -> None:
    with _recorder(stack).capture() as calls:
        api.call("GET", f"/v1/users/{user}/signals", user=user)
        api.call("GET", "/v1/admin/jobs", user="ops", admin=True)
        stack.emulator.client("dynamodb").describe_table(TableName=stack.template.ref("JobTable"))  # not a function

    assert [(call.function_id, call.operation) for call in calls] == [
        ("GetUserSignalsFunction", "dynamodb:GetItem"),
        ("ListJobsFunction", "dynamodb:Query"),
    ]
