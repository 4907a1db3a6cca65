"""Sensitive attributes against DynamoDB and KMS in moto: the user's own, with consent, sealed, and
never readable by anyone else, in the table, in the logs, or by moving a ciphertext around."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from local_runtime.gateway import build_event
from local_runtime.permissions import Access
from local_runtime.runtime import LocalStack
from local_runtime.template import ROOT
from nudge.errors import Forbidden
from nudge.observability import logger
from nudge.sensitive.attributes import reveal_for_owner
from nudge.sensitive.envelope import KmsDataKeys
from nudge.sensitive.sensitive_table import SensitiveAttributeTable
from nudge.users.actor import Actor
from tests.builders import created
from tests.integration.conftest import Answer, Api

PLAINTEXT = "Quaker since 2019 (d41c)"
FUNCTIONS = ("PutSensitiveAttributeFunction", "ListSensitiveAttributesFunction", "DeleteSensitiveAttributeFunction")


def _path(user: str, name: str | None = None) -> str:
    return f"/v1/users/{user}/sensitive-attributes" + (f"/{name}" if name else "")


def put(api: Api, user: str, name: str, value: Any = PLAINTEXT, caller: str | None = None, **more: Any) -> Answer:
    body = {"value": value, "consent": True} | more
    return api.call("PUT", _path(user, name), body, user=caller or user, admin=caller == "ops")


def read(api: Api, user: str, caller: str | None = None) -> Answer:
    return api.call("GET", _path(user), user=caller or user, admin=caller == "ops")


def raw_items(stack: LocalStack, user: str | None = None) -> list[dict[str, Any]]:
    """The table's items as DynamoDB stores them (a test may scan), the user's only when one is given."""
    client = stack.emulator.client("dynamodb")
    items = [
        item
        for page in client.get_paginator("scan").paginate(TableName=stack.template.ref("SensitiveAttributeTable"))
        for item in page["Items"]
    ]
    return [item for item in items if user is None or item["pk"]["S"] == f"USER#{user}"]


def copy_item(stack: LocalStack, source: tuple[str, str], target: tuple[str, str]) -> None:
    """What someone with write access to the table alone could do: put one item's sealed value under another key."""
    [item] = [item for item in raw_items(stack, source[0]) if item["sk"]["S"] == f"ATTRIBUTE#{source[1]}"]
    moved = item | {"pk": {"S": f"USER#{target[0]}"}, "sk": {"S": f"ATTRIBUTE#{target[1]}"}}
    stack.emulator.client("dynamodb").put_item(TableName=stack.template.ref("SensitiveAttributeTable"), Item=moved)


def test_stated_attributes_read_back_decrypted_for_their_user_sorted_by_name(api: Api, user: str) -> None:
    stored = put(api, user, "religion")
    put(api, user, "health", "asthma")

    answer = read(api, user)

    assert stored.status == 200, stored.body
    assert set(stored.body) == {"name", "consented_at", "updated_at"}  # the value is not echoed
    assert stored.body["consented_at"] == stored.body["updated_at"]
    assert answer.status == 200, answer.body
    assert answer.body["user_id"] == user
    assert [(item["name"], item["value"]) for item in answer.body["attributes"]] == [
        ("health", "asthma"),
        ("religion", PLAINTEXT),
    ]
    assert answer.body["attributes"][1] | {"value": None} == stored.body | {"value": None}


def test_a_put_replaces_the_value_and_keeps_the_time_of_the_first_consent(api: Api, user: str) -> None:
    first = put(api, user, "income_range", "25k-50k")
    second = put(api, user, "income_range", "50k-75k")

    [attribute] = read(api, user).body["attributes"]

    assert attribute["value"] == "50k-75k"
    assert attribute["consented_at"] == first.body["consented_at"] == second.body["consented_at"]
    assert attribute["updated_at"] == second.body["updated_at"] > first.body["updated_at"]


@pytest.mark.parametrize("caller", ["bob", "ops"])
def test_no_one_but_the_user_may_call_the_routes_not_even_an_admin(api: Api, user: str, caller: str) -> None:
    assert put(api, user, "religion").status == 200
    admin = caller == "ops"

    answers = [
        put(api, user, "religion", "changed", caller=caller),
        read(api, user, caller=caller),
        api.call("DELETE", _path(user, "religion"), user=caller, admin=admin),
    ]

    assert [(answer.status, answer.body["error"]["fields"][0]["field"]) for answer in answers] == [(403, "user_id")] * 3
    assert PLAINTEXT not in json.dumps([answer.body for answer in answers])
    assert read(api, user).body["attributes"][0]["value"] == PLAINTEXT


def test_an_admin_is_the_owner_of_their_own_attributes(api: Api) -> None:
    admin = f"ops-{uuid.uuid4().hex[:8]}"
    assert (
        api.call("PUT", _path(admin, "caste"), {"value": "none", "consent": True}, user=admin, admin=True).status == 200
    )
    answer = api.call("GET", _path(admin), user=admin, admin=True)
    assert [item["value"] for item in answer.body["attributes"]] == ["none"]


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("religion", {"value": PLAINTEXT, "consent": False}, "consent"),
        ("religion", {"value": PLAINTEXT}, "consent"),
        ("religion", {"value": PLAINTEXT, "consent": "true"}, "consent"),
        ("favourite_team", {"value": PLAINTEXT, "consent": True}, "name"),
        ("religion", {"value": "x" * 201, "consent": True}, "value"),
        ("religion", {"value": 42, "consent": True}, "value"),
        ("religion", {"value": " ", "consent": True}, "value"),
        ("religion", {"value": PLAINTEXT, "consent": True, "share_with": "brands"}, "share_with"),
    ],
)
def test_a_refused_request_names_the_field_and_stores_nothing(
    api: Api, stack: LocalStack, user: str, name: str, body: dict[str, Any], field: str
) -> None:
    answer = api.call("PUT", _path(user, name), body, user=user)

    assert answer.status == 422, answer.body
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert PLAINTEXT not in json.dumps(answer.body)
    assert raw_items(stack, user) == []


def test_a_value_of_200_characters_is_stored(api: Api, user: str) -> None:
    assert put(api, user, "ethnicity", "ü" * 200).status == 200
    assert read(api, user).body["attributes"][0]["value"] == "ü" * 200


def test_deleting_removes_the_item_and_deleting_again_is_404(api: Api, stack: LocalStack, user: str) -> None:
    put(api, user, "political_affiliation")
    put(api, user, "race", "prefer to describe")

    deleted = api.call("DELETE", _path(user, "political_affiliation"), user=user)
    again = api.call("DELETE", _path(user, "political_affiliation"), user=user)

    assert deleted.status == 200
    assert deleted.body["name"] == "political_affiliation"
    assert (again.status, again.body["error"]["fields"][0]["field"]) == (404, "name")
    assert [item["name"] for item in read(api, user).body["attributes"]] == ["race"]
    assert [item["sk"]["S"] for item in raw_items(stack, user)] == ["ATTRIBUTE#race"]


@pytest.fixture
def captured_logs(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[Callable[[], str]]:
    """Everything logged while the test runs: the functions' own lines (with event logging switched on for
    them, as an operator debugging would) and any other logger's (botocore's included), at every level."""
    for function in FUNCTIONS:
        monkeypatch.setitem(stack.functions[function].environment, "POWERTOOLS_LOGGER_LOG_EVENT", "true")
    handler = logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    caplog.set_level(logging.DEBUG)
    yield lambda: buffer.getvalue() + caplog.text
    handler.setStream(previous)


def test_the_plaintext_is_in_no_stored_item_and_no_log_line(
    api: Api, stack: LocalStack, user: str, captured_logs: Callable[[], str]
) -> None:
    assert put(api, user, "sexual_orientation").status == 200
    assert read(api, user).body["attributes"][0]["value"] == PLAINTEXT
    copy_item(stack, (user, "sexual_orientation"), (user, "health"))
    assert read(api, user).status == 500  # logged, with its traceback
    assert api.call("DELETE", _path(user, "sexual_orientation"), user=user).status == 200

    [item] = raw_items(stack, user)
    stored = repr(item).encode() + b"".join(value["B"] for value in item.values() if "B" in value)
    assert PLAINTEXT.encode() not in stored
    assert set(item) == {"pk", "sk", "encrypted_key", "nonce", "ciphertext", "consented_at", "updated_at"}
    logged = captured_logs()
    assert "fails its integrity check" in logged or "does not decrypt" in logged
    assert PLAINTEXT not in logged


def test_a_ciphertext_moved_to_another_user_or_attribute_is_never_revealed(
    api: Api, stack: LocalStack, user: str
) -> None:
    other = f"{user}-other"
    put(api, user, "religion")
    put(api, other, "caste", "none")
    copy_item(stack, (user, "religion"), (other, "religion"))
    copy_item(stack, (user, "religion"), (user, "health"))

    for victim in (other, user):
        answer = read(api, victim)
        assert answer.status == 500, answer.body
        assert answer.body["error"]["code"] == "internal_error"
        assert PLAINTEXT not in json.dumps(answer.body)

    # Removing the moved copies leaves both users' own attributes readable again.
    assert api.call("DELETE", _path(other, "religion"), user=other).status == 200
    assert api.call("DELETE", _path(user, "health"), user=user).status == 200
    assert [item["value"] for item in read(api, other).body["attributes"]] == ["none"]
    assert [item["value"] for item in read(api, user).body["attributes"]] == [PLAINTEXT]


def test_the_emulators_kms_refuses_a_data_key_under_another_encryption_context(stack: LocalStack) -> None:
    kms, alias = stack.emulator.client("kms"), stack.template.ref("SensitiveAttributeKeyAlias")
    context = {"user_id": "alice", "attribute": "religion"}
    blob = kms.generate_data_key(KeyId=alias, KeySpec="AES_256", EncryptionContext=context)["CiphertextBlob"]

    assert len(kms.decrypt(KeyId=alias, CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]) == 32
    with pytest.raises(ClientError, match="InvalidCiphertextException"):
        kms.decrypt(KeyId=alias, CiphertextBlob=blob, EncryptionContext=context | {"user_id": "bob"})


def test_values_are_revealed_to_their_owner_alone(api: Api, stack: LocalStack, user: str) -> None:
    put(api, user, "health", "type 1 diabetes")
    table = SensitiveAttributeTable(stack.template.ref("SensitiveAttributeTable"), stack.emulator.client("dynamodb"))
    keys = KmsDataKeys(stack.template.ref("SensitiveAttributeKeyAlias"), stack.emulator.client("kms"))

    [revealed] = reveal_for_owner(table, lambda: keys, Actor(user, is_admin=False), user)

    assert (revealed.name, revealed.value) == ("health", "type 1 diabetes")
    with pytest.raises(Forbidden):
        reveal_for_owner(table, lambda: keys, Actor("ops", is_admin=True), user)


def _operations(service: str) -> list[str]:
    return list(botocore.session.get_session().get_service_model(service).operation_names)


def test_no_function_but_the_three_export_and_erasure_may_touch_the_table_or_the_key(stack: LocalStack) -> None:
    assert stack.recorder is not None
    policies = stack.recorder.policies
    table = stack.template.get_att("SensitiveAttributeTable", "Arn")
    resources = {
        "dynamodb": [table, f"{table}/index/any", f"{table}/stream/any"],
        "kms": [stack.template.get_att("SensitiveAttributeKey", "Arn")],
    }

    allowed = {
        (function, f"{service}:{operation}")
        for function in policies.statements
        for service, arns in resources.items()
        for operation in _operations(service)
        for arn in arns
        if policies.allows(function, Access(f"{service}:{operation}", arn))
    }

    assert allowed == {
        ("PutSensitiveAttributeFunction", "dynamodb:UpdateItem"),
        ("PutSensitiveAttributeFunction", "kms:GenerateDataKey"),
        ("ListSensitiveAttributesFunction", "dynamodb:Query"),
        ("ListSensitiveAttributesFunction", "kms:Decrypt"),
        ("DeleteSensitiveAttributeFunction", "dynamodb:DeleteItem"),
        # Export and erasure reach every table of the personal-data registry: names and times, and deletion;
        # the export decrypts values only for a user exporting their own data.
        ("ExportUserDataFunction", "dynamodb:Query"),
        ("ExportUserDataFunction", "kms:Decrypt"),
        ("EraseUserDataFunction", "dynamodb:Query"),
        ("EraseUserDataFunction", "dynamodb:BatchWriteItem"),
    }
    assert len(policies.statements) == len(stack.template.functions())


SERVE_ONCE = """
import importlib.util, json, sys, types
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
context = types.SimpleNamespace(function_name="probe", memory_limit_in_mb=512, aws_request_id="probe",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:probe")
answer = module.lambda_handler(json.loads(sys.stdin.read()), context)
print(json.dumps({"status": answer["statusCode"], "cryptography": "cryptography" in sys.modules}))
"""


def _first_request(stack: LocalStack, folder: str, method: str, path: str, body: Any, user: str) -> dict[str, Any]:
    """A handler's import and first request in a fresh interpreter, as a cold start serves it."""
    function = stack.function(folder)
    route = next(route for route in stack.gateway.routes if route.function_id == function.spec.logical_id)
    headers = {"content-type": "application/json"}
    event = build_event(
        route, route.match(method, path) or {}, method, path, headers, json.dumps(body).encode(), {"sub": user}
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, our own handler
        [sys.executable, "-c", SERVE_ONCE, str(function.spec.code_uri / "app.py")],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=True,
        env={**function.environment, "PYTHONPATH": str(ROOT / "layers" / "nudge")},
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_ingesting_events_never_loads_cryptography_and_sealing_a_value_does(stack: LocalStack, user: str) -> None:
    ingested = _first_request(stack, "ingest_events", "POST", "/v1/events", {"events": [created("c1")]}, user)
    sealed = _first_request(
        stack, "put_sensitive_attribute", "PUT", _path(user, "religion"), {"value": "x", "consent": True}, user
    )

    assert ingested == {"status": 200, "cryptography": False}
    assert sealed == {"status": 200, "cryptography": True}


def test_the_users_own_export_holds_the_values_and_an_admins_only_names(api: Api, user: str) -> None:
    assert put(api, user, "religion").status == 200

    own = api.call("GET", f"/v1/users/{user}/export", user=user)
    by_admin = api.call("GET", f"/v1/users/{user}/export", user="ops", admin=True)

    assert (own.status, by_admin.status) == (200, 200)
    [mine] = own.body["tables"]["SensitiveAttributeTable"]["attributes"]
    assert (mine["name"], mine["value"]) == ("religion", PLAINTEXT)
    [listed] = by_admin.body["tables"]["SensitiveAttributeTable"]["attributes"]
    assert listed["name"] == "religion"
    assert "value" not in listed
    assert PLAINTEXT not in json.dumps(by_admin.body)
