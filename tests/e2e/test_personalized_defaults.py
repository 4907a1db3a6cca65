"""Personalized defaults over HTTP: recommendations from posted behavior, selections, archetypes,
admin overrides with their audit trail, follow-rate analytics, and who may call what."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from local_runtime import seed
from tests.e2e.conftest import Client

# A profile the archetype detection calls big_spender (tests/unit/test_demo_archetypes.py).
BIG_SPENDER = (8, Decimal("1.25"), 6, 0.8, 600, False)
ADMIN = "ops-admin"
USER_AGENT = "nudge-e2e/1.0"


def _post_big_spender_history(client: Client, user: str) -> None:
    events = seed._events((user, *BIG_SPENDER), datetime.now(UTC))
    reply = client.request("POST", "/v1/events", {"events": events}, client.as_user(user))
    assert reply.status == 200
    assert len(reply.body["accepted_event_ids"]) == len(events)


def _recommend(client: Client, user: str, days: int = 2) -> Any:
    body = {"listing_id": "listing-1", "nightly_price": 200.00, "nights": 2, "days_until_check_in": days}
    reply = client.request("POST", "/v1/transaction-recommendations", body, client.as_user(user))
    assert reply.status == 200, reply.body
    return reply.body


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_a_recommendation_reflects_the_posted_behavior(client: Client, user: str) -> None:
    _post_big_spender_history(client, user)

    record = _recommend(client, user, days=2)

    assert len(record["recommendation_id"]) == 32
    assert (record["user_id"], record["primary_recommendation"], record["rule"]) == (
        user,
        "buyout",
        "big_spender_urgent",
    )
    assert (record["archetype"]["type"], record["archetype"]["source"]) == ("big_spender", "computed")
    assert 0 < record["archetype"]["confidence"] <= 1
    assert (record["urgency"]["level"], record["urgency"]["days_until_check_in"]) == ("critical", 2)
    # 200 x 2 nights x option factor x 1.2 (big spender) x 1.5 (critical), fee 1.5%
    priced = [(o["type"], o["priority"], o["recommended"], o["price"], o["platform_fee"]) for o in record["options"]]
    assert priced == [
        ("buyout", 1, True, 720.0, 10.8),
        ("crash", 2, False, 360.0, 5.4),
        ("swap", 3, False, 108.0, 1.62),
    ]


def test_a_user_without_history_is_new_and_gets_crash(client: Client, user: str) -> None:
    archetype = client.request("GET", f"/v1/users/{user}/archetype", token=client.as_user(user))
    assert archetype.status == 200
    assert (archetype.body["archetype"], archetype.body["source"]) == ("new_user", "computed")

    record = _recommend(client, user, days=30)
    assert (record["primary_recommendation"], record["rule"], record["urgency"]["level"]) == (
        "crash",
        "new_user",
        "low",
    )


def test_the_selection_is_recorded_once_by_its_user(client: Client, user: str) -> None:
    record = _recommend(client, user)
    path = f"/v1/recommendations/{record['recommendation_id']}/selection"

    assert (
        client.request("POST", path, {"selected_option": "crash"}, client.as_user("someone-else")).status == 404
    )  # looks absent
    chosen = client.request("POST", path, {"selected_option": "crash"}, client.as_user(user))
    again = client.request("POST", path, {"selected_option": "swap"}, client.as_user(user))

    assert chosen.status == 200
    assert (chosen.body["primary_recommendation"], chosen.body["selected_option"]) == ("crash", "crash")
    assert chosen.body["followed_recommendation"] is True
    assert again.status == 409
    unknown = client.request("POST", f"/v1/recommendations/{'0' * 32}/selection", {"selected_option": "swap"})
    assert unknown.status == 401
    missing = client.request(
        "POST", f"/v1/recommendations/{'0' * 32}/selection", {"selected_option": "swap"}, client.as_user(user)
    )
    assert missing.status == 404


def test_the_archetype_is_readable_by_its_user_and_admins_only(client: Client, user: str) -> None:
    _post_big_spender_history(client, user)

    own = client.request("GET", f"/v1/users/{user}/archetype", token=client.as_user(user))
    admin = client.request("GET", f"/v1/users/{user}/archetype", token=client.as_user(ADMIN, admin=True))
    other = client.request("GET", f"/v1/users/{user}/archetype", token=client.as_user("someone-else"))

    assert own.status == admin.status == 200
    assert (own.body["user_id"], own.body["archetype"], own.body["source"]) == (user, "big_spender", "computed")
    assert own.body["default_price_multiplier"] == 1.2
    assert own.body["signals_version"] == 1
    assert own.body["override"] is None
    assert admin.body["archetype"] == "big_spender"
    assert other.status == 403


def test_an_admin_override_applies_until_cleared_and_is_audited(client: Client, user: str) -> None:
    _post_big_spender_history(client, user)
    admin = client.as_user(ADMIN, admin=True)
    path = f"/v1/users/{user}/archetype"
    headers = {"User-Agent": USER_AGENT}

    overridden = client.request(
        "PUT", path, {"archetype": "high_flexibility", "reason": "Known flexible host"}, admin, headers
    )

    assert overridden.status == 200
    assert (overridden.body["archetype"], overridden.body["source"]) == ("high_flexibility", "override")
    assert overridden.body["computed"]["archetype"] == "big_spender"
    assert overridden.body["confidence"] == 1.0
    assert client.request("GET", path, token=client.as_user(user)).body["archetype"] == "high_flexibility"
    record = _recommend(client, user)
    assert (record["primary_recommendation"], record["archetype"]["source"]) == ("swap", "override")
    recalculated = client.request("POST", f"{path}/recalculate", token=admin, headers=headers)
    assert (recalculated.status, recalculated.body["archetype"]) == (200, "high_flexibility")

    cleared = client.request("DELETE", path, token=admin, headers=headers)

    assert cleared.status == 200
    assert (cleared.body["archetype"], cleared.body["source"]) == ("big_spender", "computed")
    assert client.request("DELETE", path, token=admin).status == 404
    log = client.request("GET", "/v1/admin/audit-log?limit=100", token=admin)
    assert log.status == 200
    ours = [entry for entry in log.body["records"] if entry["target"] == f"user:{user}"]
    assert [entry["action"] for entry in ours] == [
        "archetype.override.clear",
        "archetype.recalculate",
        "archetype.override.set",
    ]
    cleared_entry, set_entry = ours[0], ours[2]
    assert (set_entry["actor"], set_entry["reason"]) == (ADMIN, "Known flexible host")
    assert (set_entry["before"]["archetype"], set_entry["after"]["archetype"]) == ("big_spender", "high_flexibility")
    assert (set_entry["source_ip"], set_entry["user_agent"]) == ("127.0.0.1", USER_AGENT)
    assert (cleared_entry["before"]["source"], cleared_entry["after"]["source"]) == ("override", "computed")
    assert [entry["at"] for entry in log.body["records"]] == sorted(
        (entry["at"] for entry in log.body["records"]), reverse=True
    )


def test_analytics_count_recommendations_and_follows(client: Client, user: str) -> None:
    admin = client.as_user(ADMIN, admin=True)
    query = f"/v1/analytics/recommendations?start={_today()}&end={_today()}"
    before = client.request("GET", query, token=admin)
    assert before.status == 200
    _post_big_spender_history(client, user)
    record = _recommend(client, user, days=10)
    selection = {"selected_option": record["primary_recommendation"]}
    path = f"/v1/recommendations/{record['recommendation_id']}/selection"
    assert client.request("POST", path, selection, client.as_user(user)).status == 200

    after = client.request("GET", query, token=admin)

    assert after.status == 200
    assert (after.body["start"], after.body["end"]) == (_today(), _today())
    for group in ("recommended", "selected", "followed"):
        assert after.body["overall"][group] == before.body["overall"][group] + 1
    assert (
        after.body["by_archetype"]["big_spender"]["followed"] == _count(before.body, "by_archetype", "big_spender") + 1
    )
    assert (
        after.body["by_urgency"]["medium"]["recommended"]
        == _count(before.body, "by_urgency", "medium", "recommended") + 1
    )
    assert after.body["overall"]["follow_rate"] == round(
        after.body["overall"]["followed"] / after.body["overall"]["selected"], 4
    )


def _count(body: dict[str, Any], kind: str, group: str, stage: str = "followed") -> int:
    return int(body[kind].get(group, {}).get(stage, 0))


ADMIN_ROUTES = [
    ("GET", "/v1/admin/audit-log", None),
    ("GET", "/v1/admin/jobs", None),
    ("GET", "/v1/analytics/recommendations?start=2026-11-01&end=2026-11-02", None),
    ("PUT", "/v1/users/{user}/archetype", {"archetype": "big_spender", "reason": "trying my luck"}),
    ("DELETE", "/v1/users/{user}/archetype", None),
    ("POST", "/v1/users/{user}/archetype/recalculate", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_routes_refuse_other_users(client: Client, user: str, method: str, path: str, body: Any) -> None:
    reply = client.request(method, path.format(user=user), body, client.as_user(user))

    assert reply.status == 403
    archetype = client.request("GET", f"/v1/users/{user}/archetype", token=client.as_user(user)).body
    assert (archetype["source"], archetype["override"]) == ("computed", None)


PERSONALIZED_ROUTES = [
    *ADMIN_ROUTES,
    ("GET", "/v1/users/{user}/archetype", None),
    (
        "POST",
        "/v1/transaction-recommendations",
        {"listing_id": "l1", "nightly_price": 1.00, "days_until_check_in": 1},
    ),
    ("POST", f"/v1/recommendations/{'a' * 32}/selection", {"selected_option": "swap"}),
]


@pytest.mark.parametrize(("method", "path", "body"), PERSONALIZED_ROUTES)
def test_every_route_needs_a_token(client: Client, user: str, method: str, path: str, body: Any) -> None:
    reply = client.request(method, path.format(user=user), body)

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}
