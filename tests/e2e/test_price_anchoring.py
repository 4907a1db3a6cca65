"""Price anchoring over HTTP: an offer, the selection, its completion and the admin analytics; savings;
an admin tier change reaching the offers; who may call what.

The server runs every function in this process, sharing one pricing-catalog cache that an admin write
invalidates, so a tier change is offered at once (on AWS, other functions see it within
PRICING_CATALOG_MAX_AGE_SECONDS). Counters are shared by the session: compared as deltas.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import Client

ADMIN = "ops-admin"
TIERS = ("premium", "recommended", "budget")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _analytics(client: Client) -> dict[str, dict[str, Any]]:
    reply = client.request(
        "GET", f"/v1/analytics/tiers?start={_today()}&end={_today()}", token=client.as_user(ADMIN, admin=True)
    )
    assert reply.status == 200, reply.body
    return {stats["tier_id"]: stats for stats in reply.body["tiers"]}


def _count(stats: dict[str, dict[str, Any]], tier: str, name: str) -> int:
    return int(stats.get(tier, {}).get(name) or 0)


def _offer(client: Client, user: str, booking: str, **fields: Any) -> Any:
    body = {"base_price": 450.00, "anchor_price": 2835.00, "booking_id": booking} | fields
    reply = client.request("POST", "/v1/pricing-tiers", body, client.as_user(user))
    assert reply.status == 200, reply.body
    return reply.body


def test_offer_select_complete_and_the_analytics_count_it(client: Client, user: str) -> None:
    before = _analytics(client)
    booking = f"booking-{uuid.uuid4().hex[:8]}"

    offer = _offer(client, user, booking, archetype="big_spender", days_until_check_in=2)

    assert [
        (t["tier_id"], t["calculated_price"], t["savings_amount"], t["savings_percentage"]) for t in offer["tiers"]
    ] == [
        ("premium", 517.5, 2317.5, 81.74),
        ("recommended", 450.0, 2385.0, 84.12),
        ("budget", 405.0, 2430.0, 85.71),
    ]
    assert offer["recommended_tier"]["tier_id"] == "premium"
    assert (offer["metadata"]["archetype"], offer["metadata"]["urgency"]) == ("big_spender", "critical")
    selection = {
        "booking_id": booking,
        "tier_id": "recommended",
        "base_price": 450,
        "anchor_price": 2835,
        "platform_fee": 5,
    }
    chosen = client.request("POST", "/v1/tier-selections", selection, client.as_user(user))
    assert chosen.status == 200, chosen.body
    assert (chosen.body["final_price"], chosen.body["total_cost"]) == (450.0, 455.0)
    assert (chosen.body["savings_amount"], chosen.body["savings_percentage"], chosen.body["status"]) == (
        2380.0,
        83.95,
        "pending",
    )
    assert chosen.body["seconds_from_impression"] is not None
    path = f"/v1/tier-selections/{chosen.body['selection_id']}"
    assert (
        client.request("PATCH", path, {"status": "completed"}, client.as_user("someone-else")).status == 404
    )  # looks absent
    assert (
        client.request("POST", "/v1/tier-selections", selection | {"tier_id": "budget"}, client.as_user(user)).status
        == 409
    )

    completed = client.request("PATCH", path, {"status": "completed"}, client.as_user(user))

    assert (completed.status, completed.body["status"]) == (200, "completed")
    assert client.request("PATCH", path, {"status": "cancelled"}, client.as_user(user)).status == 409
    after = _analytics(client)
    assert [_count(after, t, "impressions") - _count(before, t, "impressions") for t in TIERS] == [1, 1, 1]
    assert [_count(after, t, "selections") - _count(before, t, "selections") for t in TIERS] == [0, 1, 0]
    assert [_count(after, t, "completed") - _count(before, t, "completed") for t in TIERS] == [0, 1, 0]
    recommended = after["recommended"]
    assert recommended["conversion_rate"] == round(recommended["selections"] / recommended["impressions"], 4)


def test_savings_are_formatted_over_http(client: Client, user: str) -> None:
    reply = client.request(
        "POST", "/v1/savings", {"offer_price": 329, "anchor_price": 2835, "currency": "EUR"}, client.as_user(user)
    )

    assert reply.status == 200
    assert (reply.body["formatted_amount"], reply.body["formatted_percentage"], reply.body["formatted_combined"]) == (
        "€2,506.00",
        "88%",
        "€2,506.00 (88% off)",
    )
    assert (reply.body["saving_tier"], reply.body["is_saving"]) == ("massive", True)
    unknown = client.request(
        "POST", "/v1/savings", {"offer_price": 329, "anchor_price": 2835, "currency": "XYZ"}, client.as_user(user)
    )
    assert unknown.status == 422
    assert unknown.body["error"]["fields"][0]["field"] == "currency"
    zero = client.request("POST", "/v1/savings", {"offer_price": 329, "anchor_price": 0}, client.as_user(user))
    assert zero.status == 422


def test_an_admin_tier_change_reaches_the_offers(client: Client, user: str) -> None:
    admin = client.as_user(ADMIN, admin=True)
    tier_id = f"e2e_{uuid.uuid4().hex[:8]}"
    tier = {
        "tier_id": tier_id,
        "name": "Flexible",
        "multiplier": 0.8,
        "description": "Whenever suits the host",
        "acceptance_rate": 0.3,
        "response_time_hours": 72,
        "display_order": 4,
        "features": [{"feature_id": "anytime", "text": "Any time", "display_order": 1}],
    }
    created = client.request("POST", "/v1/admin/pricing-tiers", tier, admin)
    assert created.status == 200, created.body
    try:
        offer = _offer(client, user, f"booking-{uuid.uuid4().hex[:8]}")
        ours = [t for t in offer["tiers"] if t["tier_id"] == tier_id]
        assert [(t["calculated_price"], t["savings_amount"], t["savings_percentage"]) for t in ours] == [
            (360.0, 2475.0, 87.3)
        ]
        assert offer["metadata"]["tier_count"] == 4
        updated = client.request("PUT", f"/v1/admin/pricing-tiers/{tier_id}", tier | {"multiplier": 0.7}, admin)
        assert updated.status == 200
        offer = _offer(client, user, f"booking-{uuid.uuid4().hex[:8]}")
        assert [t["calculated_price"] for t in offer["tiers"] if t["tier_id"] == tier_id] == [315.0]
    finally:
        gone = client.request("DELETE", f"/v1/admin/pricing-tiers/{tier_id}", token=admin)
        assert gone.status == 200

    offer = _offer(client, user, f"booking-{uuid.uuid4().hex[:8]}")
    assert [t["tier_id"] for t in offer["tiers"]] == list(TIERS)
    log = client.request("GET", "/v1/admin/audit-log?limit=100", token=admin)
    ours_logged = [entry["action"] for entry in log.body["records"] if entry["target"] == f"tier:{tier_id}"]
    assert ours_logged == ["pricing_tier.deactivate", "pricing_tier.update", "pricing_tier.create"]


SNEAKY_TIER = {
    "tier_id": "premium",
    "name": "Premium",
    "multiplier": 0.5,
    "description": "Half price for me",
    "acceptance_rate": 0.9,
    "response_time_hours": 1,
    "display_order": 1,
}
SNEAKY_EXPERIMENT = {
    "experiment_id": "sneaky",
    "name": "Cheap premium",
    "variants": [
        {"variant_id": "control", "traffic_percentage": 50, "is_control": True},
        {"variant_id": "cheap", "traffic_percentage": 50, "multipliers": {"premium": 0.5}},
    ],
}
ADMIN_ROUTES = [
    ("GET", "/v1/analytics/tiers?start=2026-11-01&end=2026-11-02", None),
    ("GET", "/v1/admin/pricing-tiers", None),
    ("POST", "/v1/admin/pricing-tiers", SNEAKY_TIER | {"tier_id": "sneaky"}),
    ("PUT", "/v1/admin/pricing-tiers/premium", SNEAKY_TIER),
    ("DELETE", "/v1/admin/pricing-tiers/premium", None),
    ("GET", "/v1/admin/experiments", None),
    ("POST", "/v1/admin/experiments", SNEAKY_EXPERIMENT),
    ("PATCH", "/v1/admin/experiments/sneaky", {"status": "running"}),
    ("GET", "/v1/admin/experiments/sneaky/results", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_routes_refuse_other_users(client: Client, user: str, method: str, path: str, body: Any) -> None:
    reply = client.request(method, path, body, client.as_user(user))

    assert reply.status == 403
    assert reply.body["error"]["code"] == "forbidden"
    offer = _offer(client, user, f"booking-{uuid.uuid4().hex[:8]}")
    assert [(t["tier_id"], t["multiplier"]) for t in offer["tiers"]] == [
        ("premium", 1.15),
        ("recommended", 1.0),
        ("budget", 0.9),
    ]
    assert offer["experiment"] is None


ANCHORING_ROUTES = [
    *ADMIN_ROUTES,
    ("POST", "/v1/pricing-tiers", {"base_price": 1, "anchor_price": 2, "booking_id": "b-1"}),
    ("POST", "/v1/tier-selections", {"booking_id": "b-1", "tier_id": "budget", "base_price": 1, "anchor_price": 2}),
    ("PATCH", f"/v1/tier-selections/{'0' * 32}", {"status": "completed"}),
    ("POST", "/v1/savings", {"offer_price": 1, "anchor_price": 2}),
]


@pytest.mark.parametrize(("method", "path", "body"), ANCHORING_ROUTES)
def test_every_route_needs_a_token(client: Client, method: str, path: str, body: Any) -> None:
    reply = client.request(method, path, body)

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}
