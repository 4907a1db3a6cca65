"""POST /v1/pricing-tiers, POST /v1/tier-selections, PATCH /v1/tier-selections/{id}, POST /v1/savings and
GET /v1/analytics/tiers against DynamoDB (moto).

Worked numbers (nudge/anchoring/tiers.py): tier price = base x multiplier, half-up to cents; savings =
anchor - price; percentage = savings / anchor x 100 cut to 2 decimals. Base 450 against 2835: premium
517.50 (2317.50, 81.74%), recommended 450.00 (2385.00, 84.12%), budget 405.00 (2430.00, 85.71%).

Shared state: the pricing catalog is one partition for the whole session, so a test that creates a tier
gives it an id of its own and deactivates it at the end (`temporary_tier`). Tier counters are per day and
shared, so they are compared as deltas around a test's own calls (tests run one at a time); a tier of the
test's own has exact counters. The catalog cache is one per process (see `test_the_catalog_cache_is_one_per_process`):
an admin write through one function invalidates it for all in-process functions, so offers see it at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.anchoring.offer_log import Impression, ShownTier
from nudge.anchoring.tier_selections import selection_id_for
from tests.integration.conftest import Answer, Api

ADMIN = "ops-admin"
WORKED = {"base_price": 450, "anchor_price": 2835}


def today() -> date:
    return datetime.now(UTC).date()


def anchoring(stack: LocalStack) -> AnchoringTable:
    return AnchoringTable(stack.template.ref("AnchoringTable"), stack.emulator.client("dynamodb"))


def tier_counters(stack: LocalStack, start: date | None = None, end: date | None = None) -> dict[str, int]:
    return anchoring(stack).tier_counters(start or today(), end or today())


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Counters that moved, and by how much."""
    moved = {name: after.get(name, 0) - before.get(name, 0) for name in set(before) | set(after)}
    return {name: change for name, change in moved.items() if change}


def new_booking() -> str:
    return f"booking-{uuid.uuid4().hex[:12]}"


def offer(api: Api, user: str, booking: str | None = None, **fields: Any) -> Answer:
    body = {**WORKED, "booking_id": booking or new_booking()} | fields
    return api.call("POST", "/v1/pricing-tiers", body, user=user)


def offered(api: Api, user: str, booking: str | None = None, **fields: Any) -> dict[str, Any]:
    answer = offer(api, user, booking, **fields)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def select(api: Api, user: str, booking: str, tier: str = "recommended", **fields: Any) -> Answer:
    body = {**WORKED, "booking_id": booking, "tier_id": tier, "platform_fee": 5} | fields
    return api.call("POST", "/v1/tier-selections", body, user=user)


def settle(api: Api, selection_id: str, status: str, user: str, admin: bool = False) -> Answer:
    return api.call("PATCH", f"/v1/tier-selections/{selection_id}", {"status": status}, user=user, admin=admin)


def tier_table(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            t["tier_id"],
            t["multiplier"],
            t["calculated_price"],
            t["savings_amount"],
            t["savings_percentage"],
            t["is_saving"],
        )
        for t in body["tiers"]
    ]


def tier_body(tier_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "tier_id": tier_id,
        "name": "Test tier",
        "multiplier": 1.07,
        "badge": "Test",
        "description": "A tier of one test",
        "acceptance_rate": 0.6,
        "response_time_hours": 24,
        "display_order": 9,
        "features": [
            {"feature_id": "first", "text": "First feature", "display_order": 1},
            {"feature_id": "second", "text": "Second feature", "display_order": 2},
        ],
    } | fields


def unique_tier_id() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@contextmanager
def temporary_tier(api: Api, **fields: Any) -> Iterator[dict[str, Any]]:
    """A tier of the caller's own, active while the block runs, deactivated after it (the catalog is global)."""
    body = tier_body(fields.pop("tier_id", unique_tier_id()), **fields)
    created = api.call("POST", "/v1/admin/pricing-tiers", body, user=ADMIN, admin=True)
    assert created.status == 200, created.body
    try:
        yield body
    finally:
        gone = api.call("DELETE", f"/v1/admin/pricing-tiers/{body['tier_id']}", user=ADMIN, admin=True)
        assert gone.status == 200, gone.body


# The catalog cache


def test_the_catalog_cache_is_one_per_process(stack: LocalStack) -> None:
    """What the other tests rely on: in-process, every function shares one catalog cache, so an admin write
    (which invalidates the writer's cache) is seen by offers at once. On AWS each function has its own."""
    from nudge.anchoring import pricing_table

    offers = stack.function("offer_pricing_tiers").module
    admin = stack.function("create_pricing_tier").module
    assert offers.pricing_table is admin.pricing_table is pricing_table.pricing_table
    assert offers.pricing_table()._cache is admin.pricing_table()._cache is pricing_table._catalog_cache()


# Offers


def test_the_worked_example_prices_the_three_default_tiers(api: Api, user: str) -> None:
    booking = new_booking()

    body = offered(api, user, booking, session_id="session-1")

    assert tier_table(body) == [
        ("premium", 1.15, 517.50, 2317.50, 81.74, True),
        ("recommended", 1.0, 450.00, 2385.00, 84.12, True),
        ("budget", 0.9, 405.00, 2430.00, 85.71, True),
    ]
    shown = [
        (
            t["name"],
            t["badge"],
            t["description"],
            t["acceptance_rate"],
            t["response_time_hours"],
            t["display_order"],
            t["is_recommended"],
        )
        for t in body["tiers"]
    ]
    assert shown == [
        ("Premium", "Fastest", "Priority handling", 0.89, 4, 1, False),
        ("Recommended", "Most Popular", "Best value", 0.73, 12, 2, True),
        ("Budget", None, "Basic offer", 0.45, 48, 3, False),
    ]
    features = {t["tier_id"]: [(f["feature_id"], f["display_order"]) for f in t["features"]] for t in body["tiers"]}
    assert features == {
        "premium": [("highest_acceptance", 1), ("same_day_response", 2), ("vip_processing", 3)],
        "recommended": [("fair_market_rate", 1), ("faster_acceptance", 2), ("most_preferred", 3)],
        "budget": [("standard_processing", 1), ("slower_acceptance", 2), ("lower_priority", 3)],
    }
    assert body["tiers"][1]["features"][2]["text"] == "Preferred by 73% of users"
    assert body["anchor"] == {
        "price": 2835.0,
        "type": "buyout",
        "description": "Exclusive buyout rate - your reference price",
    }
    assert body["recommended_tier"] == {
        "tier_id": "recommended",
        "tier_name": "Recommended",
        "multiplier": 1.0,
        "reason": "New user, urgency unknown: the best balance of price and acceptance.",
    }
    assert body["experiment"] is None
    generated = datetime.fromisoformat(body["metadata"].pop("generated_at"))
    assert abs(datetime.now(UTC) - generated) < timedelta(seconds=30)
    assert body["metadata"] == {
        "base_price": 450.0,
        "tier_count": 3,
        "archetype": "new_user",
        "urgency": None,
        "booking_id": booking,
    }


def test_the_anchor_type_picks_the_anchor_description(api: Api, user: str) -> None:
    body = offered(api, user, anchor_type="swap", anchor_price=500)

    assert body["anchor"] == {"price": 500.0, "type": "swap", "description": "Date swap rate - your reference price"}
    assert tier_table(body)[1] == ("recommended", 1.0, 450.00, 50.00, 10.00, True)


def test_an_offer_records_one_impression_per_tier(api: Api, stack: LocalStack, user: str) -> None:
    booking = new_booking()
    before = tier_counters(stack)

    body = offered(api, user, booking, session_id="session-7", urgency="high")

    assert delta(before, tier_counters(stack)) == {
        "impressions__premium": 1,
        "impressions__recommended": 1,
        "impressions__budget": 1,
    }
    stored = anchoring(stack).first_shown_at(user, booking)
    assert stored is not None
    impression, first_shown = stored
    assert (impression.user_id, impression.booking_id, impression.session_id) == (user, booking, "session-7")
    assert impression.shown_at == first_shown == datetime.fromisoformat(body["metadata"]["generated_at"])
    assert (impression.base_price, impression.anchor_price, impression.anchor_type) == (
        Decimal("450.00"),
        Decimal("2835.00"),
        "buyout",
    )
    assert [(t.tier_id, t.calculated_price, t.multiplier) for t in impression.tiers] == [
        ("premium", Decimal("517.50"), Decimal("1.15")),
        ("recommended", Decimal("450.00"), Decimal("1.00")),
        ("budget", Decimal("405.00"), Decimal("0.90")),
    ]
    assert (impression.recommended_tier_id, impression.archetype, impression.urgency) == (
        "recommended",
        "new_user",
        "high",
    )
    assert (impression.experiment_id, impression.variant_id) == (None, None)

    offered(api, user, booking, base_price=500)  # shown again: counted again, the first showing is kept

    again = anchoring(stack).first_shown_at(user, booking)
    assert again is not None
    assert again[1] == first_shown
    assert again[0].base_price == Decimal("500.00")
    assert delta(before, tier_counters(stack)) == {
        "impressions__premium": 2,
        "impressions__recommended": 2,
        "impressions__budget": 2,
    }


@pytest.mark.parametrize(
    ("archetype", "urgency", "tier", "reason"),
    [
        ("big_spender", None, "premium", "Big spender, urgency unknown: speed and certainty matter more than price."),
        ("big_spender", "low", "premium", "Big spender, low urgency: speed and certainty matter more than price."),
        (
            "high_flexibility",
            "high",
            "recommended",
            "Flexible user, high urgency: check-in is close, so a faster acceptance is worth more than the "
            "lowest price.",
        ),
        (
            "high_flexibility",
            "low",
            "budget",
            "Flexible user, low urgency: flexible timing makes the lowest price the best fit.",
        ),
        (
            "average_user",
            "critical",
            "premium",
            "Average user, critical urgency: check-in is only days away, so the fastest acceptance matters most.",
        ),
        (
            "average_user",
            "medium",
            "recommended",
            "Average user, medium urgency: the best balance of price and acceptance.",
        ),
        ("new_user", "high", "recommended", "New user, high urgency: the best balance of price and acceptance."),
    ],
)
def test_the_recommended_tier_follows_archetype_and_urgency(
    api: Api, user: str, archetype: str, urgency: str | None, tier: str, reason: str
) -> None:
    fields = {"archetype": archetype} | ({"urgency": urgency} if urgency else {})

    body = offered(api, user, **fields)

    assert (body["recommended_tier"]["tier_id"], body["recommended_tier"]["reason"]) == (tier, reason)
    assert [t["tier_id"] for t in body["tiers"] if t["is_recommended"]] == [tier]
    assert (body["metadata"]["archetype"], body["metadata"]["urgency"]) == (archetype, urgency)


def test_the_stored_archetype_and_the_check_in_date_are_used_when_not_given(api: Api, user: str) -> None:
    override = api.call(
        "PUT", f"/v1/users/{user}/archetype", {"archetype": "big_spender", "reason": "VIP"}, user=ADMIN, admin=True
    )
    assert override.status == 200

    body = offered(api, user, check_in_date=(today() + timedelta(days=5)).isoformat())

    assert (body["metadata"]["archetype"], body["metadata"]["urgency"]) == ("big_spender", "high")
    assert body["recommended_tier"]["tier_id"] == "premium"
    assert body["recommended_tier"]["reason"] == (
        "Big spender, high urgency: speed and certainty matter more than price."
    )
    # Given in the body, the archetype wins over the stored one.
    flexible = offered(api, user, archetype="high_flexibility", days_until_check_in=20)
    assert (flexible["metadata"]["archetype"], flexible["metadata"]["urgency"]) == ("high_flexibility", "low")
    assert flexible["recommended_tier"]["tier_id"] == "budget"


@pytest.mark.parametrize(
    ("days", "urgency", "tier"),
    [(0, "critical", "premium"), (3, "critical", "premium"), (4, "high", "recommended"), (14, "medium", "recommended")],
)
def test_the_urgency_of_a_new_user_comes_from_the_check_in_date(
    api: Api, user: str, days: int, urgency: str, tier: str
) -> None:
    body = offered(api, user, check_in_date=(today() + timedelta(days=days)).isoformat())

    assert (body["metadata"]["archetype"], body["metadata"]["urgency"]) == ("new_user", urgency)
    assert body["recommended_tier"]["tier_id"] == tier


def test_offers_above_the_anchor_are_negative_savings_not_errors(api: Api, user: str) -> None:
    body = offered(api, user, base_price=3000, anchor_price=2835)

    assert tier_table(body) == [
        ("premium", 1.15, 3450.00, -615.00, -21.69, False),
        ("recommended", 1.0, 3000.00, -165.00, -5.82, False),
        ("budget", 0.9, 2700.00, 135.00, 4.76, True),
    ]


def test_tier_prices_round_half_up_to_cents(api: Api, user: str) -> None:
    body = offered(api, user, base_price=333.33, anchor_price=1000.00)

    # 333.33 x 1.15 = 383.3295 -> 383.33; x 0.90 = 299.997 -> 300.00
    assert [t["calculated_price"] for t in body["tiers"]] == [383.33, 333.33, 300.00]
    assert [t["savings_percentage"] for t in body["tiers"]] == [61.66, 66.66, 70.00]


def _yesterday() -> str:
    return (today() - timedelta(days=1)).isoformat()


BAD_OFFERS = [
    pytest.param({"base_price": 0}, "base_price", id="zero-base"),
    pytest.param({"base_price": -450}, "base_price", id="negative-base"),
    pytest.param({"anchor_price": 0}, "anchor_price", id="zero-anchor"),
    pytest.param({"anchor_price": -2835}, "anchor_price", id="negative-anchor"),
    pytest.param({"base_price": "450.001"}, "base_price", id="fractional-cents"),
    pytest.param({"archetype": "whale"}, "archetype", id="unknown-archetype"),
    pytest.param({"urgency": "extreme"}, "urgency", id="unknown-urgency"),
    pytest.param({"anchor_type": "upgrade"}, "anchor_type", id="unknown-anchor-type"),
    pytest.param({"discount": 10}, "discount", id="unknown-field"),
    pytest.param({"check_in_date": "yesterday"}, "check_in_date", id="past-check-in"),
    pytest.param({"check_in_date": "yesterday", "urgency": "low"}, "check_in_date", id="past-check-in-with-urgency"),
    pytest.param({"days_until_check_in": -1}, "days_until_check_in", id="negative-days"),
    pytest.param({"booking_id": "bad booking"}, "booking_id", id="malformed-booking-id"),
    pytest.param({"booking_id": "x" * 129}, "booking_id", id="long-booking-id"),
    pytest.param({"session_id": "-starts-with-dash"}, "session_id", id="malformed-session-id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_OFFERS)
def test_invalid_offers_are_422_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, change: dict[str, Any], field: str
) -> None:
    change = {name: _yesterday() if value == "yesterday" else value for name, value in change.items()}
    booking = new_booking()
    before = tier_counters(stack)

    answer = offer(api, user, booking, **change)

    assert answer.status == 422
    assert answer.body["error"]["code"] == "validation_error"
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert tier_counters(stack) == before
    assert anchoring(stack).first_shown_at(user, change.get("booking_id", booking)) is None


def test_a_past_check_in_date_names_the_date(api: Api, user: str) -> None:
    answer = offer(api, user, check_in_date=_yesterday())

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [
        {"field": "check_in_date", "problem": f"check_in_date {_yesterday()} is in the past"}
    ]


def test_an_offer_without_a_booking_id_is_422(api: Api, stack: LocalStack, user: str) -> None:
    before = tier_counters(stack)

    answer = api.call("POST", "/v1/pricing-tiers", WORKED, user=user)

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "booking_id", "problem": "Field required"}]
    assert tier_counters(stack) == before


def test_an_oversized_offer_is_413_and_nothing_is_written(api: Api, stack: LocalStack, user: str) -> None:
    booking = new_booking()
    before = tier_counters(stack)

    answer = api.call(
        "POST", "/v1/pricing-tiers", {**WORKED, "booking_id": booking, "note": "x" * (64 * 1024)}, user=user
    )

    assert answer.status == 413
    assert answer.body["error"]["code"] == "payload_too_large"
    assert tier_counters(stack) == before
    assert anchoring(stack).first_shown_at(user, booking) is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/pricing-tiers", {**WORKED, "booking_id": "b-1"}),
        ("POST", "/v1/tier-selections", {**WORKED, "booking_id": "b-1", "tier_id": "budget"}),
        ("PATCH", f"/v1/tier-selections/{'0' * 32}", {"status": "completed"}),
        ("POST", "/v1/savings", {"offer_price": 1, "anchor_price": 2}),
    ],
)
def test_without_verified_claims_the_answer_is_401(api: Api, method: str, path: str, body: Any) -> None:
    assert api.call(method, path, body, user=None).status == 401


# Selections


def test_a_selection_stores_price_total_and_savings_of_the_total(api: Api, stack: LocalStack, user: str) -> None:
    booking = new_booking()
    offered(api, user, booking)
    before = tier_counters(stack)

    answer = select(api, user, booking, session_id="session-3", currency="EUR")

    assert answer.status == 200
    body = dict(answer.body)
    seconds = body.pop("seconds_from_impression")
    assert seconds is not None
    assert 0 <= seconds < 30
    created = body.pop("created_at")
    assert body.pop("updated_at") == created
    assert body == {
        "selection_id": selection_id_for(user, booking),
        "user_id": user,
        "booking_id": booking,
        "session_id": "session-3",
        "tier_id": "recommended",
        "tier_name": "Recommended",
        "base_price": 450.0,
        "multiplier": 1.0,
        "final_price": 450.0,
        "platform_fee": 5.0,
        "total_cost": 455.0,
        "anchor_price": 2835.0,
        "anchor_type": "buyout",
        "savings_amount": 2380.0,
        "savings_percentage": 83.95,
        "currency": "EUR",
        "status": "pending",
        "experiment_id": None,
        "variant_id": None,
    }
    stored = anchoring(stack).get_selection(selection_id_for(user, booking))
    assert stored is not None
    assert stored.model_dump(mode="json") == answer.body
    expected = {
        "selections__recommended": 1,
        "savings_cents__recommended": 238000,
        "savings_bp__recommended": 8395,
        "timed__recommended": 1,
        "time_ms__recommended": int(seconds * 1000),
    }
    assert delta(before, tier_counters(stack)) == {name: count for name, count in expected.items() if count}


def test_a_selection_is_idempotent_per_booking(api: Api, stack: LocalStack, user: str) -> None:
    booking = new_booking()
    offered(api, user, booking)
    first = select(api, user, booking, tier="premium")
    assert first.status == 200
    after_first = tier_counters(stack)

    again = select(api, user, booking, tier="premium")

    assert again.status == 200
    assert again.body == first.body
    assert (first.body["final_price"], first.body["total_cost"]) == (517.50, 522.50)
    assert (first.body["savings_amount"], first.body["savings_percentage"]) == (2312.50, 81.56)
    assert tier_counters(stack) == after_first


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"tier": "budget"}, id="other-tier"),
        pytest.param({"platform_fee": 6}, id="other-fee"),
        pytest.param({"base_price": 451}, id="other-base"),
    ],
)
def test_a_different_selection_for_the_same_booking_is_409(
    api: Api, stack: LocalStack, user: str, change: dict[str, Any]
) -> None:
    booking = new_booking()
    first = select(api, user, booking, tier="premium")
    assert first.status == 200
    before = tier_counters(stack)

    answer = select(api, user, booking, **({"tier": "premium"} | change))

    assert answer.status == 409
    assert answer.body["error"]["code"] == "conflict"
    stored = anchoring(stack).get_selection(first.body["selection_id"])
    assert stored is not None
    assert stored.model_dump(mode="json") == first.body
    assert tier_counters(stack) == before


def test_the_same_booking_of_another_user_is_another_selection(api: Api, user: str) -> None:
    booking = new_booking()
    mine = select(api, user, booking, tier="premium")
    theirs = select(api, f"{user}-other", booking, tier="budget")

    assert (mine.status, theirs.status) == (200, 200)
    assert mine.body["selection_id"] != theirs.body["selection_id"]
    assert (theirs.body["final_price"], theirs.body["total_cost"]) == (405.00, 410.00)


def test_a_selection_without_an_impression_is_priced_but_not_timed(api: Api, stack: LocalStack, user: str) -> None:
    before = tier_counters(stack)

    answer = select(api, user, new_booking(), tier="budget", platform_fee=0)

    assert answer.status == 200
    assert answer.body["seconds_from_impression"] is None
    assert (answer.body["final_price"], answer.body["savings_amount"], answer.body["savings_percentage"]) == (
        405.0,
        2430.0,
        85.71,
    )
    assert delta(before, tier_counters(stack)) == {
        "selections__budget": 1,
        "savings_cents__budget": 243000,
        "savings_bp__budget": 8571,
    }


def test_the_time_to_selection_is_from_the_first_showing(api: Api, stack: LocalStack, user: str) -> None:
    booking = new_booking()
    earlier = datetime.now(UTC) - timedelta(seconds=120)
    shown = [ShownTier(tier_id="premium", calculated_price=Decimal("517.50"), multiplier=Decimal("1.15"))]
    impression = Impression(
        user_id=user,
        booking_id=booking,
        session_id=None,
        shown_at=earlier,
        base_price=Decimal(450),
        anchor_price=Decimal(2835),
        anchor_type="buyout",
        tiers=shown,
        recommended_tier_id="premium",
        archetype=None,
        urgency=None,
        experiment_id=None,
        variant_id=None,
    )
    assert anchoring(stack).record_impression(impression, new_assignment=False, also=[])
    offered(api, user, booking)  # shown again now

    answer = select(api, user, booking, tier="premium")

    assert answer.status == 200
    assert 120 <= answer.body["seconds_from_impression"] < 180


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"tier_id": "gold"}, "tier_id", id="unknown-tier"),
        pytest.param({"tier_id": "Gold!"}, "tier_id", id="malformed-tier"),
        pytest.param({"base_price": 0}, "base_price", id="zero-base"),
        pytest.param({"anchor_price": -1}, "anchor_price", id="negative-anchor"),
        pytest.param({"platform_fee": -5}, "platform_fee", id="negative-fee"),
        pytest.param({"currency": "usd"}, "currency", id="malformed-currency"),
        pytest.param({"booking_id": "a b"}, "booking_id", id="malformed-booking"),
        pytest.param({"status": "completed"}, "status", id="unknown-field"),
    ],
)
def test_invalid_selections_are_422_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, change: dict[str, Any], field: str
) -> None:
    booking = new_booking()
    before = tier_counters(stack)
    body = {**WORKED, "booking_id": booking, "tier_id": "recommended"} | change

    answer = api.call("POST", "/v1/tier-selections", body, user=user)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert anchoring(stack).get_selection(selection_id_for(user, str(body["booking_id"]))) is None
    assert tier_counters(stack) == before


def test_an_inactive_tier_cannot_be_selected(api: Api, stack: LocalStack, user: str) -> None:
    with temporary_tier(api) as tier:
        pass  # deactivated on leaving
    booking = new_booking()
    before = tier_counters(stack)

    answer = select(api, user, booking, tier=tier["tier_id"])

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "tier_id", "problem": f"no active tier '{tier['tier_id']}'"}]
    assert anchoring(stack).get_selection(selection_id_for(user, booking)) is None
    assert tier_counters(stack) == before


# Settling a selection


def _pending(api: Api, user: str, tier: str = "recommended") -> dict[str, Any]:
    answer = select(api, user, new_booking(), tier=tier)
    assert answer.status == 200
    assert answer.body["status"] == "pending"
    return dict(answer.body)


def test_a_completed_selection_counts_once_and_stays_completed(api: Api, stack: LocalStack, user: str) -> None:
    pending = _pending(api, user, tier="premium")
    before = tier_counters(stack)

    completed = settle(api, pending["selection_id"], "completed", user)

    assert completed.status == 200
    assert completed.body["status"] == "completed"
    assert datetime.fromisoformat(completed.body["updated_at"]) > datetime.fromisoformat(pending["updated_at"])
    assert {k: v for k, v in completed.body.items() if k not in ("status", "updated_at")} == {
        k: v for k, v in pending.items() if k not in ("status", "updated_at")
    }
    assert delta(before, tier_counters(stack)) == {"conversions__premium": 1}
    stored = anchoring(stack).get_selection(pending["selection_id"])
    assert stored is not None
    assert stored.status == "completed"

    repeated = settle(api, pending["selection_id"], "completed", user)
    assert (repeated.status, repeated.body) == (200, completed.body)
    cancelled = settle(api, pending["selection_id"], "cancelled", user)
    assert cancelled.status == 409
    assert cancelled.body["error"]["code"] == "conflict"
    assert delta(before, tier_counters(stack)) == {"conversions__premium": 1}
    # Posting the same choice again returns the settled selection, not a new pending one.
    again = select(api, user, pending["booking_id"], tier="premium")
    assert (again.status, again.body["status"]) == (200, "completed")


def test_a_cancelled_selection_is_not_a_conversion(api: Api, stack: LocalStack, user: str) -> None:
    pending = _pending(api, user)
    before = tier_counters(stack)

    cancelled = settle(api, pending["selection_id"], "cancelled", user)

    assert (cancelled.status, cancelled.body["status"]) == (200, "cancelled")
    assert settle(api, pending["selection_id"], "cancelled", user).status == 200
    assert settle(api, pending["selection_id"], "completed", user).status == 409
    assert tier_counters(stack) == before
    stored = anchoring(stack).get_selection(pending["selection_id"])
    assert stored is not None
    assert stored.status == "cancelled"


def test_selection_ids_are_keyed_with_the_stacks_secret(api: Api, user: str) -> None:
    import hashlib

    pending = _pending(api, user)
    guessable = hashlib.sha256(f"{user}\n{pending['booking_id']}".encode()).hexdigest()[:32]
    assert pending["selection_id"] != guessable
    assert pending["selection_id"] == selection_id_for(user, pending["booking_id"])


def test_only_its_user_or_an_admin_may_settle_a_selection(api: Api, stack: LocalStack, user: str) -> None:
    pending = _pending(api, user)

    other = settle(api, pending["selection_id"], "completed", "someone-else")
    absent = settle(api, "0" * 32, "completed", "someone-else")

    # Another user's selection looks exactly like one that does not exist.
    assert (other.status, other.body) == (404, absent.body)
    stored = anchoring(stack).get_selection(pending["selection_id"])
    assert stored is not None
    assert stored.status == "pending"
    admin = settle(api, pending["selection_id"], "cancelled", ADMIN, admin=True)
    assert (admin.status, admin.body["status"], admin.body["user_id"]) == (200, "cancelled", user)


@pytest.mark.parametrize(
    ("selection_id", "body", "status", "field"),
    [
        pytest.param("0" * 32, {"status": "completed"}, 404, "selection_id", id="unknown-id"),
        pytest.param("not-a-selection", {"status": "completed"}, 422, "selection_id", id="malformed-id"),
        pytest.param("A" * 32, {"status": "completed"}, 422, "selection_id", id="upper-case-id"),
        pytest.param(None, {"status": "refunded"}, 422, "status", id="unknown-status"),
        pytest.param(None, {"status": "pending"}, 422, "status", id="back-to-pending"),
        pytest.param(None, {}, 422, "status", id="no-status"),
    ],
)
def test_bad_settlements(
    api: Api, stack: LocalStack, user: str, selection_id: str | None, body: dict[str, Any], status: int, field: str
) -> None:
    pending = _pending(api, user)
    before = tier_counters(stack)

    answer = api.call("PATCH", f"/v1/tier-selections/{selection_id or pending['selection_id']}", body, user=user)

    assert answer.status == status
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    stored = anchoring(stack).get_selection(pending["selection_id"])
    assert stored is not None
    assert stored.status == "pending"
    assert tier_counters(stack) == before


# Savings


def savings(api: Api, **fields: Any) -> Answer:
    return api.call("POST", "/v1/savings", {"offer_price": 329, "anchor_price": 2835} | fields, user="alice")


def test_the_worked_saving_in_every_format(api: Api) -> None:
    both = savings(api)
    amount = savings(api, format="amount")
    percentage = savings(api, format="percentage")

    assert both.status == amount.status == percentage.status == 200
    assert both.body == {
        "savings_amount": 2506.0,
        "savings_percentage": 88.39,
        "formatted_amount": "$2,506.00",
        "formatted_percentage": "88%",
        "formatted_combined": "$2,506.00 (88% off)",
        "is_saving": True,
        "saving_tier": "massive",
        "display_message": "Save $2,506.00 (88% off!) - Incredible value",
        "currency": "USD",
        "format": "both",
    }
    assert (
        amount.body["formatted_amount"],
        amount.body["formatted_percentage"],
        amount.body["formatted_combined"],
    ) == (
        "$2,506.00",
        None,
        None,
    )
    assert amount.body["display_message"] == "Save $2,506.00! - Incredible value"
    assert (
        percentage.body["formatted_amount"],
        percentage.body["formatted_percentage"],
        percentage.body["formatted_combined"],
    ) == (None, "88%", None)
    assert percentage.body["display_message"] == "Save 88% off! - Incredible value"


@pytest.mark.parametrize(
    ("fields", "currency", "amount", "combined"),
    [
        ({"currency": "EUR"}, "EUR", "€2,506.00", "€2,506.00 (88% off)"),
        ({"currency": "GBP"}, "GBP", "£2,506.00", "£2,506.00 (88% off)"),
        ({"currency": "JPY"}, "JPY", "¥2,506", "¥2,506 (88% off)"),
        # 999.50 yen rounds half-up to a whole yen; 49.97% to 50%
        ({"currency": "JPY", "offer_price": 1000.50, "anchor_price": 2000}, "JPY", "¥1,000", "¥1,000 (50% off)"),
        ({"currency": "CHF", "offer_price": 10, "anchor_price": 1_234_567}, "CHF", "CHF 1,234,557.00", None),
    ],
)
def test_savings_are_formatted_in_the_currency(
    api: Api, fields: dict[str, Any], currency: str, amount: str, combined: str | None
) -> None:
    answer = savings(api, **fields)

    assert answer.status == 200
    assert (answer.body["currency"], answer.body["formatted_amount"]) == (currency, amount)
    if combined:
        assert answer.body["formatted_combined"] == combined


@pytest.mark.parametrize(
    ("offer_price", "anchor_price", "tier", "message"),
    [
        (25.00, 100, "great", "Save $75.00 (75% off) - Great deal"),
        (24.99, 100, "massive", "Save $75.01 (75% off!) - Incredible value"),
        (50.00, 100, "good", "Save $50.00 (50% off) - Good value"),
        (90.00, 100, "small", "Save $10.00 (10% off)"),
        (100.00, 100, "none", "Same price as the reference price"),
    ],
)
def test_the_saving_tier_and_message(api: Api, offer_price: float, anchor_price: int, tier: str, message: str) -> None:
    answer = savings(api, offer_price=offer_price, anchor_price=anchor_price)

    assert answer.status == 200
    assert (answer.body["saving_tier"], answer.body["display_message"]) == (tier, message)


def test_an_offer_above_the_anchor_is_not_a_saving(api: Api) -> None:
    answer = savings(api, offer_price=495, anchor_price=450)

    assert answer.status == 200
    assert answer.body == {
        "savings_amount": -45.0,
        "savings_percentage": -10.0,
        "formatted_amount": "-$45.00",
        "formatted_percentage": "-10%",
        "formatted_combined": "-$45.00 (-10%)",
        "is_saving": False,
        "saving_tier": "none",
        "display_message": "Costs $45.00 (10%) more than the reference price",
        "currency": "USD",
        "format": "both",
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"currency": "XYZ"}, "currency", id="unknown-currency"),
        pytest.param({"currency": "DOLLARS"}, "currency", id="long-currency"),
        pytest.param({"anchor_price": 0}, "anchor_price", id="zero-anchor"),
        pytest.param({"anchor_price": -10}, "anchor_price", id="negative-anchor"),
        pytest.param({"offer_price": -1}, "offer_price", id="negative-offer"),
        pytest.param({"format": "words"}, "format", id="unknown-format"),
        pytest.param({"locale": "en"}, "locale", id="unknown-field"),
    ],
)
def test_invalid_savings_requests_are_422(api: Api, fields: dict[str, Any], field: str) -> None:
    answer = savings(api, **fields)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]


@pytest.mark.parametrize("currency", ["XYZ", "usd"])
def test_an_unknown_currency_names_the_supported_ones(api: Api, currency: str) -> None:
    from nudge.money import CURRENCIES

    answer = savings(api, currency=currency)

    assert answer.body["error"]["fields"] == [
        {"field": "currency", "problem": f"unsupported currency; supported: {', '.join(sorted(CURRENCIES))}"}
    ]


# Analytics


def analytics(api: Api, start: date, end: date) -> dict[str, dict[str, Any]]:
    answer = api.call("GET", f"/v1/analytics/tiers?start={start}&end={end}", user=ADMIN, admin=True)
    assert answer.status == 200
    assert (answer.body["start"], answer.body["end"]) == (start.isoformat(), end.isoformat())
    return {stats["tier_id"]: stats for stats in answer.body["tiers"]}


def test_analytics_per_tier_are_exact_for_a_tier_of_our_own(api: Api, stack: LocalStack, user: str) -> None:
    start, end = today() - timedelta(days=1), today() + timedelta(days=1)
    with temporary_tier(api, multiplier=1.07) as tier:
        tier_id = tier["tier_id"]
        first, second, third = new_booking(), new_booking(), new_booking()
        earlier = datetime.now(UTC) - timedelta(seconds=300)
        shown = ShownTier(tier_id=tier_id, calculated_price=Decimal("481.50"), multiplier=Decimal("1.07"))
        impression = Impression(
            user_id=user,
            booking_id=first,
            session_id=None,
            shown_at=earlier,
            base_price=Decimal(450),
            anchor_price=Decimal(2835),
            anchor_type="buyout",
            tiers=[shown],
            recommended_tier_id=None,
            archetype=None,
            urgency=None,
            experiment_id=None,
            variant_id=None,
        )
        assert anchoring(stack).record_impression(impression, new_assignment=False, also=[])  # 1 impression
        assert tier_id in [t["tier_id"] for t in offered(api, user, first)["tiers"]]  # 2
        offered(api, user, second, base_price=200, anchor_price=1000)  # 3
        offered(api, user, third)  # 4, never selected

        # 450 x 1.07 = 481.50 + 5 = 486.50 against 2835: 2348.50, 82.83%
        one = select(api, user, first, tier=tier_id)
        # 200 x 1.07 = 214.00 + 0.10 = 214.10 against 1000: 785.90, 78.59%
        two = select(api, user, second, tier=tier_id, base_price=200, anchor_price=1000, platform_fee=0.10)
        assert (one.status, two.status) == (200, 200)
        assert (one.body["savings_amount"], one.body["savings_percentage"]) == (2348.50, 82.83)
        assert (two.body["savings_amount"], two.body["savings_percentage"]) == (785.90, 78.59)
        assert settle(api, one.body["selection_id"], "completed", user).status == 200
        assert settle(api, two.body["selection_id"], "cancelled", user).status == 200

        stats = analytics(api, start, end)[tier_id]

    seconds = [one.body["seconds_from_impression"], two.body["seconds_from_impression"]]
    assert 300 <= seconds[0] < 360
    assert 0 <= seconds[1] < 30
    average_seconds = stats.pop("average_seconds_to_selection")
    assert average_seconds == pytest.approx(sum(seconds) / 2, abs=0.1)
    assert stats == {
        "tier_id": tier_id,
        "impressions": 4,
        "selections": 2,
        "completed": 1,
        "conversion_rate": 0.5,
        "average_savings_amount": 1567.20,
        "average_savings_percentage": 80.71,
    }


def test_analytics_count_the_default_tiers_of_the_day(api: Api, user: str) -> None:
    before = analytics(api, today(), today())
    booking = new_booking()
    offered(api, user, booking)
    chosen = select(api, user, booking, tier="budget", platform_fee=0)
    assert chosen.status == 200
    assert settle(api, chosen.body["selection_id"], "completed", user).status == 200

    after = analytics(api, today(), today())

    def moved(tier: str, name: str) -> int:
        return int(after[tier][name]) - int(before.get(tier, {}).get(name) or 0)

    assert [moved(tier, "impressions") for tier in ("premium", "recommended", "budget")] == [1, 1, 1]
    assert [moved(tier, "selections") for tier in ("premium", "recommended", "budget")] == [0, 0, 1]
    assert [moved(tier, "completed") for tier in ("premium", "recommended", "budget")] == [0, 0, 1]
    budget = after["budget"]
    assert budget["conversion_rate"] == round(budget["selections"] / budget["impressions"], 4)


def test_analytics_of_days_without_data_are_empty(api: Api) -> None:
    assert analytics(api, date(2001, 2, 3), date(2001, 3, 3)) == {}


def test_tier_analytics_are_for_admins_only(api: Api, user: str) -> None:
    answer = api.call("GET", f"/v1/analytics/tiers?start={today()}&end={today()}", user=user)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("start=2026-03-02&end=2026-03-01", "end", id="reversed"),
        pytest.param("end=2026-03-01", "start", id="missing-start"),
        pytest.param("start=2026-03-01", "end", id="missing-end"),
        pytest.param("start=2024-01-01&end=2026-01-01", "end", id="too-long"),
        pytest.param("start=yesterday&end=2026-03-01", "start", id="malformed"),
    ],
)
def test_an_invalid_analytics_range_is_422(api: Api, query: str, field: str) -> None:
    answer = api.call("GET", f"/v1/analytics/tiers?{query}", user=ADMIN, admin=True)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
