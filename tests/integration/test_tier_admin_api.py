"""Admin management of pricing tiers (/v1/admin/pricing-tiers) against DynamoDB (moto): list, create,
update, deactivate, each change audited; non-admins refused with nothing written.

The catalog is one partition for the whole session: every tier created here has an id of its own and is
deactivated before the test ends. Offers see admin changes at once because, in-process, all functions share
one catalog cache and an admin write invalidates it (test_pricing_tiers_api.test_the_catalog_cache_is_one_per_process).
"""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.anchoring.tiers import DEFAULT_TIERS
from tests.integration.conftest import Answer, Api
from tests.integration.test_pricing_tiers_api import (
    ADMIN,
    offered,
    temporary_tier,
    tier_body,
    unique_tier_id,
)

TIERS = "/v1/admin/pricing-tiers"


def listed(api: Api) -> dict[str, dict[str, Any]]:
    answer = api.call("GET", TIERS, user=ADMIN, admin=True)
    assert answer.status == 200
    return {tier["tier_id"]: tier for tier in answer.body["tiers"]}


def audit_for(api: Api, tier_id: str) -> list[dict[str, Any]]:
    """The audit records of one tier, newest first."""
    answer = api.call("GET", "/v1/admin/audit-log?limit=100", user=ADMIN, admin=True)
    assert answer.status == 200
    return [record for record in answer.body["records"] if record["target"] == f"tier:{tier_id}"]


def offered_tiers(api: Api, user: str) -> dict[str, dict[str, Any]]:
    return {tier["tier_id"]: tier for tier in offered(api, user)["tiers"]}


def create(api: Api, body: dict[str, Any], admin: bool = True) -> Answer:
    return api.call("POST", TIERS, body, user=ADMIN if admin else "mallory", admin=admin)


def test_the_default_tiers_are_seeded(api: Api) -> None:
    tiers = listed(api)

    defaults = [tier.model_dump(mode="json") for tier in sorted(DEFAULT_TIERS, key=lambda tier: tier.display_order)]
    assert [tiers[tier["tier_id"]] for tier in defaults] == defaults
    assert [(t["tier_id"], t["multiplier"], t["badge"], t["active"]) for t in defaults] == [
        ("premium", 1.15, "Fastest", True),
        ("recommended", 1.0, "Most Popular", True),
        ("budget", 0.9, None, True),
    ]
    answer = api.call("GET", TIERS, user=ADMIN, admin=True)
    orders = [(tier["display_order"], tier["tier_id"]) for tier in answer.body["tiers"]]
    assert orders == sorted(orders)


def test_a_created_tier_is_listed_offered_and_audited(api: Api, user: str) -> None:
    tier_id = unique_tier_id()
    body = tier_body(tier_id, multiplier=1.07, display_order=4)

    created = create(api, body)

    try:
        assert created.status == 200
        assert created.body == body | {"features": [f | {"active": True} for f in body["features"]], "active": True}
        assert listed(api)[tier_id] == created.body
        shown = offered_tiers(api, user)[tier_id]
        # 450 x 1.07 = 481.50 against 2835: 2353.50, 83.01%
        assert (shown["calculated_price"], shown["savings_amount"], shown["savings_percentage"]) == (
            481.50,
            2353.50,
            83.01,
        )
        assert (shown["badge"], shown["display_order"], shown["is_recommended"]) == ("Test", 4, False)
        [record] = audit_for(api, tier_id)
        assert (record["action"], record["actor"], record["before"], record["after"]) == (
            "pricing_tier.create",
            ADMIN,
            None,
            created.body,
        )

        duplicate = create(api, body | {"name": "Another"})
        assert duplicate.status == 409
        assert duplicate.body["error"]["fields"][0]["field"] == "tier_id"
        assert listed(api)[tier_id]["name"] == "Test tier"
        assert len(audit_for(api, tier_id)) == 1
    finally:
        assert api.call("DELETE", f"{TIERS}/{tier_id}", user=ADMIN, admin=True).status == 200


INVALID_TIERS = [
    pytest.param({"multiplier": 0}, "multiplier", id="zero-multiplier"),
    pytest.param({"multiplier": -1}, "multiplier", id="negative-multiplier"),
    pytest.param({"multiplier": 11}, "multiplier", id="huge-multiplier"),
    pytest.param({"multiplier": "1.00001"}, "multiplier", id="too-precise-multiplier"),
    pytest.param({"acceptance_rate": 1.5}, "acceptance_rate", id="acceptance-above-1"),
    pytest.param({"acceptance_rate": -0.1}, "acceptance_rate", id="negative-acceptance"),
    pytest.param({"response_time_hours": 0}, "response_time_hours", id="zero-response-time"),
    pytest.param({"name": ""}, "name", id="empty-name"),
    pytest.param({"tier_id": "Gold-Tier"}, "tier_id", id="malformed-id"),
    pytest.param({"colour": "gold"}, "colour", id="unknown-field"),
    pytest.param(
        {"features": [{"feature_id": "a", "text": "A", "display_order": 1}] * 2}, "body", id="duplicate-feature-ids"
    ),
    pytest.param(
        {"features": [{"feature_id": "a", "text": "A", "display_order": 1, "bold": True}]},
        "features[0].bold",
        id="unknown-feature-field",
    ),
]


@pytest.mark.parametrize(("change", "field"), INVALID_TIERS)
def test_invalid_tiers_are_422_and_nothing_is_written(api: Api, change: dict[str, Any], field: str) -> None:
    body = tier_body(unique_tier_id()) | change

    answer = create(api, body)

    assert answer.status == 422
    assert answer.body["error"]["code"] == "validation_error"
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert body["tier_id"] not in listed(api)
    assert audit_for(api, body["tier_id"]) == []


def test_duplicate_feature_ids_are_named(api: Api) -> None:
    features = [
        {"feature_id": "same", "text": "A", "display_order": 1},
        {"feature_id": "same", "text": "B", "display_order": 2},
    ]

    answer = create(api, tier_body(unique_tier_id(), features=features))

    assert answer.status == 422
    assert "feature_id must be unique within a tier" in answer.body["error"]["fields"][0]["problem"]


def test_an_update_replaces_the_tier_and_is_audited(api: Api, user: str) -> None:
    with temporary_tier(api, multiplier=1.07) as tier:
        tier_id = tier["tier_id"]
        changed = tier | {
            "name": "Renamed",
            "multiplier": 1.09,
            "badge": None,
            "features": [
                {"feature_id": "first", "text": "First feature", "display_order": 2, "active": False},
                {"feature_id": "second", "text": "Second feature", "display_order": 3},
                {"feature_id": "third", "text": "Third feature", "display_order": 1},
            ],
        }

        answer = api.call("PUT", f"{TIERS}/{tier_id}", changed, user=ADMIN, admin=True)

        assert answer.status == 200
        assert (answer.body["name"], answer.body["multiplier"], answer.body["badge"]) == ("Renamed", 1.09, None)
        assert listed(api)[tier_id] == answer.body
        shown = offered_tiers(api, user)[tier_id]
        # 450 x 1.09 = 490.50; the deactivated feature is gone, the others in display order
        assert (shown["name"], shown["calculated_price"], shown["badge"]) == ("Renamed", 490.50, None)
        assert [f["feature_id"] for f in shown["features"]] == ["third", "second"]
        update, create_record = audit_for(api, tier_id)
        assert (update["action"], create_record["action"]) == ("pricing_tier.update", "pricing_tier.create")
        assert (update["before"]["name"], update["before"]["multiplier"]) == ("Test tier", 1.07)
        assert update["after"] == answer.body
        assert update["after"]["features"][0] == {
            "feature_id": "first",
            "text": "First feature",
            "display_order": 2,
            "active": False,
        }


def test_an_update_with_another_tier_id_in_the_body_is_422(api: Api) -> None:
    with temporary_tier(api) as tier:
        other = unique_tier_id()

        answer = api.call("PUT", f"{TIERS}/{tier['tier_id']}", tier | {"tier_id": other}, user=ADMIN, admin=True)

        assert answer.status == 422
        assert answer.body["error"]["fields"] == [{"field": "tier_id", "problem": "must match the tier_id in the path"}]
        assert listed(api)[tier["tier_id"]]["name"] == "Test tier"
        assert other not in listed(api)
        assert [record["action"] for record in audit_for(api, tier["tier_id"])] == ["pricing_tier.create"]


def test_updating_or_deactivating_an_unknown_tier_is_404(api: Api) -> None:
    tier_id = unique_tier_id()

    updated = api.call("PUT", f"{TIERS}/{tier_id}", tier_body(tier_id), user=ADMIN, admin=True)
    deactivated = api.call("DELETE", f"{TIERS}/{tier_id}", user=ADMIN, admin=True)

    assert (updated.status, deactivated.status) == (404, 404)
    assert updated.body["error"]["code"] == "not_found"
    assert tier_id not in listed(api)
    assert audit_for(api, tier_id) == []


def test_a_malformed_tier_id_in_the_path_is_422(api: Api) -> None:
    answer = api.call("DELETE", f"{TIERS}/Not-A-Tier", user=ADMIN, admin=True)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == ["tier_id"]


def test_a_deactivated_tier_leaves_the_offers_but_stays_listed(api: Api, user: str) -> None:
    with temporary_tier(api) as tier:
        tier_id = tier["tier_id"]
        assert tier_id in offered_tiers(api, user)

    assert tier_id not in offered_tiers(api, user)
    stored = listed(api)[tier_id]
    assert stored["active"] is False
    deactivate, _ = audit_for(api, tier_id)
    assert deactivate["action"] == "pricing_tier.deactivate"
    assert (deactivate["before"]["active"], deactivate["after"]["active"]) == (True, False)
    assert deactivate["after"] == stored
    # Reactivated by an update, it is offered again.
    again = api.call("PUT", f"{TIERS}/{tier_id}", stored | {"active": True}, user=ADMIN, admin=True)
    try:
        assert again.status == 200
        assert tier_id in offered_tiers(api, user)
    finally:
        assert api.call("DELETE", f"{TIERS}/{tier_id}", user=ADMIN, admin=True).status == 200


def test_the_preferred_tier_wins_over_a_tier_with_the_same_multiplier(api: Api, user: str) -> None:
    """A tier of our own priced like `recommended` and displayed before it does not take its place."""
    with temporary_tier(api, multiplier=1.0, display_order=0) as tier:
        body = offered(api, user, archetype="new_user", urgency="low")

    assert [t["tier_id"] for t in body["tiers"]] == [tier["tier_id"], "premium", "recommended", "budget"]
    assert body["metadata"]["tier_count"] == 4
    assert body["recommended_tier"] == {
        "tier_id": "recommended",
        "tier_name": "Recommended",
        "multiplier": 1.0,
        "reason": "New user, low urgency: the best balance of price and acceptance.",
    }
    assert [t["tier_id"] for t in body["tiers"] if t["is_recommended"]] == ["recommended"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", TIERS, None),
        ("POST", TIERS, "new"),
        ("PUT", f"{TIERS}/premium", "premium"),
        ("DELETE", f"{TIERS}/premium", None),
    ],
)
def test_non_admins_are_refused_and_nothing_is_written(
    api: Api, user: str, method: str, path: str, body: str | None
) -> None:
    tier_id = unique_tier_id() if body == "new" else "premium"
    payload = tier_body(tier_id, multiplier=3) if body else None
    before = listed(api).get("premium")

    answer = api.call(method, path, payload, user=user)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert listed(api).get("premium") == before
    assert tier_id not in listed(api) or tier_id == "premium"
    assert [record for record in audit_for(api, tier_id) if record["actor"] == user] == []
    assert offered_tiers(api, user)["premium"]["multiplier"] == 1.15


def test_with_every_tier_inactive_an_offer_is_409_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str
) -> None:
    active = {tier_id: tier for tier_id, tier in listed(api).items() if tier["active"]}
    try:
        for tier_id in active:
            assert api.call("DELETE", f"{TIERS}/{tier_id}", user=ADMIN, admin=True).status == 200
        before = stack.emulator.client("dynamodb").scan(TableName=stack.template.ref("AnchoringTable"))["Count"]
        answer = api.call(
            "POST", "/v1/pricing-tiers", {"base_price": 450, "anchor_price": 2835, "booking_id": "b-500"}, user=user
        )
        assert answer.status == 409
        assert answer.body["error"]["fields"] == [
            {"field": "tiers", "problem": "no pricing tier is active; an admin must activate one"}
        ]
        after = stack.emulator.client("dynamodb").scan(TableName=stack.template.ref("AnchoringTable"))["Count"]
        assert after == before
    finally:
        for tier_id, tier in active.items():
            assert api.call("PUT", f"{TIERS}/{tier_id}", tier, user=ADMIN, admin=True).status == 200
    assert (
        api.call(
            "POST", "/v1/pricing-tiers", {"base_price": 450, "anchor_price": 2835, "booking_id": "b-501"}, user=user
        ).status
        == 200
    )


def test_an_update_that_changes_nothing_writes_no_audit_record(api: Api) -> None:
    with temporary_tier(api) as created:
        tier = listed(api)[created["tier_id"]]
        records = len(audit_for(api, tier["tier_id"]))
        same = api.call("PUT", f"{TIERS}/{tier['tier_id']}", tier, user=ADMIN, admin=True)
        assert (same.status, same.body) == (200, tier)
        assert len(audit_for(api, tier["tier_id"])) == records


def test_readers_serve_the_default_tiers_without_writing_and_the_first_change_stores_them(stack: LocalStack) -> None:
    import uuid

    from nudge.anchoring.catalog import CatalogCache
    from nudge.anchoring.pricing_table import PricingTable

    dynamodb = stack.emulator.client("dynamodb")
    name = f"pricing-{uuid.uuid4().hex[:8]}"
    properties = stack.template.resources["PricingTable"]["Properties"]
    dynamodb.create_table(
        TableName=name,
        KeySchema=properties["KeySchema"],
        AttributeDefinitions=properties["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )
    table = PricingTable(name, dynamodb, CatalogCache(0))

    def by_id(tiers: Any) -> dict[str, Any]:
        return {tier.tier_id: tier for tier in tiers}

    assert by_id(table.catalog().tiers) == by_id(DEFAULT_TIERS)
    assert dynamodb.scan(TableName=name)["Count"] == 0
    assert by_id(table.catalog_for_change().tiers) == by_id(DEFAULT_TIERS)
    assert dynamodb.scan(TableName=name)["Count"] == len(DEFAULT_TIERS) + 1
