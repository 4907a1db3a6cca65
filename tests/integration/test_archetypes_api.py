"""The archetype endpoints (read, recalculate, override, clear) and the admin audit log, against
DynamoDB (moto). The audit trail is one table shared by the session, so tests count its records
before and after their own calls and look only at the newest ones."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from local_runtime.runtime import LocalStack
from nudge.behavior.behavior_table import behavior_table
from nudge.defaults.archetype_detection import ArchetypeAssessment
from nudge.defaults.archetype_items import archetype_attributes, load_user_state
from nudge.defaults.archetype_state import StoredArchetype, compute
from tests.builders import answered, created
from tests.integration.conftest import Answer, Api

ADMIN = "ops-admin"
CONSOLE = {"user-agent": "nudge-console/2.1"}


def audit_count(stack: LocalStack) -> int:
    client = stack.emulator.client("dynamodb")
    paginator = client.get_paginator("query")
    pages = paginator.paginate(
        TableName=stack.template.ref("AuditTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "AUDIT"}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def audit_page(api: Api, limit: int = 25, cursor: str | None = None) -> dict[str, Any]:
    query = f"limit={limit}" + (f"&cursor={quote(cursor)}" if cursor else "")
    answer = api.call("GET", f"/v1/admin/audit-log?{query}", user=ADMIN, admin=True)
    assert answer.status == 200
    return dict(answer.body)


def newest_audit(api: Api) -> dict[str, Any]:
    records = audit_page(api, limit=1)["records"]
    assert records
    return dict(records[0])


def get(api: Api, user: str, caller: str | None = None, admin: bool = False) -> Answer:
    return api.call("GET", f"/v1/users/{user}/archetype", user=caller or user, admin=admin)


def recalculate(api: Api, user: str, caller: str = ADMIN, admin: bool = True) -> Answer:
    return api.call("POST", f"/v1/users/{user}/archetype/recalculate", user=caller, admin=admin, headers=CONSOLE)


def override(api: Api, user: str, body: Any, caller: str = ADMIN, admin: bool = True) -> Answer:
    return api.call("PUT", f"/v1/users/{user}/archetype", body, user=caller, admin=admin, headers=CONSOLE)


def clear(api: Api, user: str, caller: str = ADMIN, admin: bool = True) -> Answer:
    return api.call("DELETE", f"/v1/users/{user}/archetype", user=caller, admin=admin, headers=CONSOLE)


def ingest(api: Api, user: str, *events: dict[str, Any]) -> None:
    assert api.call("POST", "/v1/events", {"events": list(events)}, user=user).status == 200


def become_big_spender(api: Api, user: str) -> None:
    events = [created(f"r{i}", offered="600.00", listed="450.00", amount="700.00") for i in range(4)]
    ingest(api, user, *events, *(answered(f"a{i}", "accepted", response_time=300) for i in range(2)))


def stored_archetype(user: str) -> StoredArchetype | None:
    return load_user_state(behavior_table(), user).stored


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# GET /v1/users/{user_id}/archetype


def test_a_new_user_is_new_user_not_an_error(api: Api, user: str) -> None:
    answer = get(api, user)

    assert answer.status == 200
    body = answer.body
    assert (body["user_id"], body["archetype"], body["source"]) == (user, "new_user", "computed")
    assert body["confidence"] == 0.5
    assert body["default_price_multiplier"] == 1.0
    assert body["signals_version"] == 0
    assert body["override"] is None
    assert body["reasons"][0] == "No events yet; 3 are needed before classifying"
    assert body["computed"]["archetype"] == "new_user"


def test_users_read_their_own_archetype_from_their_signals(api: Api, user: str) -> None:
    become_big_spender(api, user)

    answer = get(api, user)

    assert answer.status == 200
    assert (answer.body["archetype"], answer.body["default_price_multiplier"]) == ("big_spender", 1.2)
    assert answer.body["signals_version"] == 1
    stored = stored_archetype(user)
    assert stored is not None
    assert stored.assessment.archetype == "big_spender"
    assert stored.signals_version == 1


def test_users_cannot_read_each_others_archetype(api: Api, user: str) -> None:
    answer = get(api, user, caller=f"{user}-other")

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert stored_archetype(user) is None


def test_admins_read_anyones_archetype(api: Api, user: str) -> None:
    become_big_spender(api, user)

    answer = get(api, user, caller=ADMIN, admin=True)

    assert answer.status == 200
    assert (answer.body["user_id"], answer.body["archetype"]) == (user, "big_spender")


def test_without_verified_claims_the_answer_is_401(api: Api, user: str) -> None:
    assert api.call("GET", f"/v1/users/{user}/archetype", user=None).status == 401


def test_a_malformed_user_id_is_422(api: Api) -> None:
    answer = api.call("GET", "/v1/users/bad%20id/archetype", admin=True)

    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "user_id"


def test_the_archetype_is_cached_until_the_signals_change(api: Api, user: str) -> None:
    ingest(api, user, created("r1"))
    first = get(api, user).body
    assert (first["archetype"], first["signals_version"]) == ("new_user", 1)

    cached = get(api, user).body
    assert cached == first  # same computation, same computed_at

    ingest(api, user, created("r2"), answered("a1", "accepted"))
    recomputed = get(api, user).body

    assert recomputed["signals_version"] == 2
    assert when(recomputed["computed_at"]) > when(first["computed_at"])
    assert recomputed["archetype"] != "new_user"  # three events: enough history to classify
    stored = stored_archetype(user)
    assert stored is not None
    assert (stored.signals_version, stored.assessment.archetype) == (2, recomputed["archetype"])


def _store(user: str, assessment: ArchetypeAssessment, computed_at: datetime, version: int = 0) -> None:
    behavior_table().save_archetype(
        user,
        archetype_attributes(StoredArchetype(assessment=assessment, signals_version=version, computed_at=computed_at)),
    )


def test_a_stored_archetype_is_served_while_younger_than_the_ttl(api: Api, user: str) -> None:
    # A big spender assessment stored for a user without signals: served as is while fresh.
    spender = compute(user, load_user_state(behavior_table(), user).signals, datetime.now(UTC)).assessment
    spender = spender.model_copy(update={"archetype": "big_spender", "reasons": ["stored earlier"]})
    _store(user, spender, datetime.now(UTC) - timedelta(hours=23))

    fresh = get(api, user).body

    assert (fresh["archetype"], fresh["reasons"]) == ("big_spender", ["stored earlier"])


def test_a_stored_archetype_older_than_the_ttl_is_recomputed(api: Api, user: str) -> None:
    spender = compute(user, load_user_state(behavior_table(), user).signals, datetime.now(UTC)).assessment
    spender = spender.model_copy(update={"archetype": "big_spender", "reasons": ["stored earlier"]})
    old = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    _store(user, spender, old)

    answer = get(api, user).body

    assert answer["archetype"] == "new_user"
    assert when(answer["computed_at"]) > old + timedelta(hours=24)
    stored = stored_archetype(user)
    assert stored is not None
    assert stored.assessment.archetype == "new_user"  # the changed result was written back


# POST /v1/users/{user_id}/archetype/recalculate


def test_admins_recalculate_and_an_audit_record_is_written(api: Api, stack: LocalStack, user: str) -> None:
    ingest(api, user, created("r1"))
    first = get(api, user).body
    become_big_spender(api, user)  # not read since: the stored archetype is the old one
    count = audit_count(stack)

    answer = recalculate(api, user)

    assert answer.status == 200
    assert (answer.body["archetype"], answer.body["source"], answer.body["signals_version"]) == (
        "big_spender",
        "computed",
        2,
    )
    assert when(answer.body["computed_at"]) > when(first["computed_at"])
    stored = stored_archetype(user)
    assert stored is not None
    assert (stored.assessment.archetype, stored.signals_version) == ("big_spender", 2)
    assert audit_count(stack) == count + 1
    record = newest_audit(api)
    assert (record["actor"], record["action"], record["target"]) == (ADMIN, "archetype.recalculate", f"user:{user}")
    assert record["reason"] is None
    assert record["after"]["archetype"] == "big_spender"
    assert record["after"]["source"] == "computed"


def test_users_may_not_recalculate_even_their_own(api: Api, stack: LocalStack, user: str) -> None:
    count = audit_count(stack)

    answer = recalculate(api, user, caller=user, admin=False)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert stored_archetype(user) is None
    assert audit_count(stack) == count


# PUT and DELETE /v1/users/{user_id}/archetype


def test_an_admin_override_is_served_and_audited(api: Api, stack: LocalStack, user: str) -> None:
    become_big_spender(api, user)
    count = audit_count(stack)

    answer = override(api, user, {"archetype": "high_flexibility", "reason": "  Verified flexible host  "})

    assert answer.status == 200
    body = answer.body
    assert (body["archetype"], body["source"], body["confidence"]) == ("high_flexibility", "override", 1.0)
    assert body["default_price_multiplier"] == 0.9
    assert body["computed"]["archetype"] == "big_spender"
    assert body["override"]["reason"] == "Verified flexible host"
    assert body["override"]["set_by"] == ADMIN
    assert audit_count(stack) == count + 1
    record = newest_audit(api)
    assert (record["action"], record["target"], record["actor"]) == ("archetype.override.set", f"user:{user}", ADMIN)
    assert record["before"]["source"] == "computed"
    assert record["before"]["archetype"] == "big_spender"
    assert record["before"]["override"] is None
    assert record["after"]["source"] == "override"
    assert record["after"]["archetype"] == "high_flexibility"
    assert record["after"]["computed_archetype"] == "big_spender"
    assert record["after"]["override"]["reason"] == "Verified flexible host"

    shown = get(api, user).body
    assert (shown["archetype"], shown["source"]) == ("high_flexibility", "override")
    assert shown["computed"]["archetype"] == "big_spender"


def test_an_override_survives_recalculation(api: Api, user: str) -> None:
    assert override(api, user, {"archetype": "average_user", "reason": "test account"}).status == 200
    become_big_spender(api, user)

    answer = recalculate(api, user)

    assert answer.status == 200
    assert (answer.body["archetype"], answer.body["source"]) == ("average_user", "override")
    assert answer.body["computed"]["archetype"] == "big_spender"
    assert answer.body["override"]["reason"] == "test account"
    again = get(api, user).body
    assert (again["archetype"], again["source"]) == ("average_user", "override")


def test_clearing_the_override_brings_back_the_computed_archetype(api: Api, stack: LocalStack, user: str) -> None:
    become_big_spender(api, user)
    assert override(api, user, {"archetype": "average_user", "reason": "checking"}).status == 200
    count = audit_count(stack)

    answer = clear(api, user)

    assert answer.status == 200
    assert (answer.body["archetype"], answer.body["source"]) == ("big_spender", "computed")
    assert answer.body["override"] is None
    assert audit_count(stack) == count + 1
    record = newest_audit(api)
    assert (record["action"], record["target"]) == ("archetype.override.clear", f"user:{user}")
    assert record["before"]["source"] == "override"
    assert record["after"] == {
        "archetype": "big_spender",
        "confidence": answer.body["confidence"],
        "source": "computed",
        "computed_archetype": "big_spender",
        "override": None,
    }
    shown = get(api, user).body
    assert (shown["archetype"], shown["source"]) == ("big_spender", "computed")
    assert clear(api, user).status == 404  # cleared once only


REJECTED_ADMIN_REQUESTS = [
    pytest.param("PUT", {"archetype": "big_spender", "reason": "because"}, False, 403, id="put-by-a-user"),
    pytest.param("DELETE", None, False, 403, id="delete-by-a-user"),
    pytest.param("POST", None, False, 403, id="recalculate-by-a-user"),
    pytest.param("DELETE", None, True, 404, id="delete-without-override"),
    pytest.param("PUT", {"archetype": "big_spender"}, True, 422, id="missing-reason"),
    pytest.param("PUT", {"archetype": "big_spender", "reason": "ab"}, True, 422, id="short-reason"),
    pytest.param("PUT", {"archetype": "big_spender", "reason": "x" * 501}, True, 422, id="long-reason"),
    pytest.param("PUT", {"archetype": "big_spender", "reason": "    "}, True, 422, id="blank-reason"),
    pytest.param("PUT", {"archetype": "whale", "reason": "because"}, True, 422, id="unknown-archetype"),
    pytest.param("PUT", {"archetype": "new_user", "reason": "because"}, True, 422, id="new-user-not-settable"),
    pytest.param(
        "PUT", {"archetype": "big_spender", "reason": "because", "expires": "never"}, True, 422, id="unknown-field"
    ),
    pytest.param("PUT", '{"archetype": ', True, 400, id="malformed-json"),
]


@pytest.mark.parametrize(("method", "body", "admin", "status"), REJECTED_ADMIN_REQUESTS)
def test_a_rejected_admin_request_changes_nothing_and_is_not_audited(
    api: Api, stack: LocalStack, user: str, method: str, body: Any, admin: bool, status: int
) -> None:
    become_big_spender(api, user)
    before = get(api, user).body
    state = load_user_state(behavior_table(), user)
    count = audit_count(stack)
    path = f"/v1/users/{user}/archetype" + ("/recalculate" if method == "POST" else "")

    answer = api.call(method, path, body, user=ADMIN if admin else user, admin=admin, headers=CONSOLE)

    assert answer.status == status
    assert answer.body["error"]["message"]
    assert audit_count(stack) == count
    assert load_user_state(behavior_table(), user) == state
    assert get(api, user).body == before


def test_reason_problems_name_the_field(api: Api, user: str) -> None:
    missing = override(api, user, {"archetype": "big_spender"})
    short = override(api, user, {"archetype": "big_spender", "reason": "ab"})
    unknown = override(api, user, {"archetype": "whale", "reason": "because"})
    extra = override(api, user, {"archetype": "big_spender", "reason": "because", "expires": "never"})

    assert [problem["field"] for problem in missing.body["error"]["fields"]] == ["reason"]
    assert [problem["field"] for problem in short.body["error"]["fields"]] == ["reason"]
    assert [problem["field"] for problem in unknown.body["error"]["fields"]] == ["archetype"]
    assert [problem["field"] for problem in extra.body["error"]["fields"]] == ["expires"]


# GET /v1/admin/audit-log


def test_the_audit_record_says_who_what_when_from_where(api: Api, user: str) -> None:
    started = datetime.now(UTC)
    assert override(api, user, {"archetype": "big_spender", "reason": "loyal guest"}).status == 200

    record = newest_audit(api)

    assert set(record) == {
        "audit_id",
        "at",
        "actor",
        "action",
        "target",
        "before",
        "after",
        "reason",
        "source_ip",
        "user_agent",
    }
    assert record["actor"] == ADMIN
    assert record["action"] == "archetype.override.set"
    assert record["target"] == f"user:{user}"
    assert record["reason"] == "loyal guest"
    assert record["source_ip"] == "127.0.0.1"
    assert record["user_agent"] == "nudge-console/2.1"
    assert started <= when(record["at"]) <= datetime.now(UTC)
    assert record["before"]["archetype"] == "new_user"
    assert record["after"]["archetype"] == "big_spender"


def test_the_audit_log_pages_newest_first_without_repeats(api: Api, user: str) -> None:
    assert override(api, user, {"archetype": "big_spender", "reason": "first"}).status == 200
    assert recalculate(api, user).status == 200
    assert clear(api, user).status == 200
    assert override(api, user, {"archetype": "average_user", "reason": "second"}).status == 200

    first = audit_page(api, limit=2)
    assert first["next_cursor"]
    second = audit_page(api, limit=2, cursor=first["next_cursor"])

    records = first["records"] + second["records"]
    assert [record["action"] for record in records] == [
        "archetype.override.set",
        "archetype.override.clear",
        "archetype.recalculate",
        "archetype.override.set",
    ]
    assert [record["reason"] for record in records] == ["second", None, None, "first"]
    assert all(record["target"] == f"user:{user}" for record in records)
    assert len({record["audit_id"] for record in records}) == 4
    times = [when(record["at"]) for record in records]
    assert times == sorted(times, reverse=True)


def test_the_last_page_has_no_cursor(api: Api, user: str) -> None:
    assert override(api, user, {"archetype": "big_spender", "reason": "paging"}).status == 200
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        page = audit_page(api, limit=100, cursor=cursor)
        seen += [record["audit_id"] for record in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen))


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not-a-cursor", id="garbage"),
        pytest.param(_cursor({"pk": {"S": "USER#alice"}, "sk": {"S": "SIGNALS"}}), id="another-partition"),
        pytest.param(_cursor({"pk": {"S": "AUDIT"}}), id="no-sort-key"),
        pytest.param(_cursor({"pk": {"S": "AUDIT"}, "sk": {"S": ""}}), id="empty-sort-key"),
        pytest.param(_cursor({"pk": {"S": "AUDIT"}, "sk": {"S": "x", "N": "1"}}), id="two-types"),
        pytest.param(_cursor({"pk": {"S": "AUDIT"}, "sk": {"N": "1"}}), id="wrong-type"),
        pytest.param(_cursor(["AUDIT"]), id="not-an-object"),
        pytest.param(_cursor({"pk": {"S": "AUDIT"}, "sk": {"S": "x"}}) + ".forged", id="forged-signature"),
        pytest.param("eyJwayI6IDF9.\u00e9\u00d6~\u00a2", id="signature-outside-ascii"),
    ],
)
def test_a_tampered_cursor_is_422(api: Api, cursor: str) -> None:
    answer = api.call("GET", f"/v1/admin/audit-log?cursor={quote(cursor)}", user=ADMIN, admin=True)

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "cursor", "problem": "is not a cursor this API returned"}]


@pytest.mark.parametrize("sort_key", [{"S": ""}, {"S": "x", "N": "1"}, {"S": "2099-01-01"}])
def test_a_returned_cursor_with_any_change_to_its_key_is_422(api: Api, user: str, sort_key: Any) -> None:
    for reason in ("one", "two"):
        assert override(api, user, {"archetype": "big_spender", "reason": reason}).status == 200
    cursor = audit_page(api, limit=1)["next_cursor"]
    assert cursor is not None
    payload, signature = cursor.split(".")
    key = json.loads(base64.urlsafe_b64decode(payload))
    for changed in (key | {"sk": sort_key}, key | {"pk": {"S": f"USER#{user}"}}):
        forged = f"{_cursor(changed)}.{signature}"
        answer = api.call("GET", f"/v1/admin/audit-log?cursor={quote(forged)}", user=ADMIN, admin=True)
        assert answer.status == 422
    assert api.call("GET", f"/v1/admin/audit-log?cursor={quote(cursor)}", user=ADMIN, admin=True).status == 200


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_an_invalid_limit_is_422(api: Api, limit: str) -> None:
    answer = api.call("GET", f"/v1/admin/audit-log?limit={limit}", user=ADMIN, admin=True)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == ["limit"]


def test_the_audit_log_is_for_admins_only(api: Api, stack: LocalStack, user: str) -> None:
    count = audit_count(stack)

    answer = api.call("GET", "/v1/admin/audit-log", user=user)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert audit_count(stack) == count
