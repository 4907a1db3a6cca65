"""POST /v1/transaction-recommendations, POST /v1/recommendations/{id}/selection and
GET /v1/analytics/recommendations against DynamoDB (moto).

Prices follow the documented formula (nudge/defaults/default_selection.py):
price = nightly x nights x option factor (buyout 1.00, crash 0.50, swap 0.15) x archetype multiplier
x urgency multiplier, rounded half-up to cents; fee = 1.5% of the price; total = price + fee.

The session's tables are shared by every test, so counters are compared as deltas around a test's own
calls, or read for a day no other test writes to.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.defaults.recommendation_log import RecommendationRecord
from nudge.defaults.recommendation_table import RecommendationTable
from tests.builders import answered, created
from tests.integration.conftest import Answer, Api

PAST_DAY = date(2001, 2, 3)  # only test_follow_rates_of_a_day_are_exact logs recommendations on this day


def log_table(stack: LocalStack) -> RecommendationTable:
    return RecommendationTable(stack.template.ref("RecommendationTable"), stack.emulator.client("dynamodb"))


def logged_for(stack: LocalStack, user: str) -> int:
    """How many log entries the table holds for this user."""
    client = stack.emulator.client("dynamodb")
    paginator = client.get_paginator("scan")
    pages = paginator.paginate(
        TableName=stack.template.ref("RecommendationTable"),
        FilterExpression="user_id = :user",
        ExpressionAttributeValues={":user": {"S": user}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def today() -> date:
    return datetime.now(UTC).date()


def counters_today(stack: LocalStack) -> dict[str, int]:
    return log_table(stack).counters(today(), today())


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Counters that moved, and by how much."""
    names = set(before) | set(after)
    moved = {name: after.get(name, 0) - before.get(name, 0) for name in names}
    return {name: change for name, change in moved.items() if change}


def become_big_spender(api: Api, user: str) -> None:
    """Four requests well above list price, answered within five minutes: a big spender."""
    events = [created(f"r{i}", offered="600.00", listed="450.00", amount="700.00") for i in range(4)]
    events += [answered(f"a{i}", "accepted", response_time=300) for i in range(2)]
    assert api.call("POST", "/v1/events", {"events": events}, user=user).status == 200


def recommend(api: Api, user: str, **fields: Any) -> Answer:
    body = {"listing_id": "listing-1", "nightly_price": 100, "nights": 2, "days_until_check_in": 20} | fields
    return api.call("POST", "/v1/transaction-recommendations", body, user=user)


def recommendation_id(api: Api, user: str, **fields: Any) -> str:
    answer = recommend(api, user, **fields)
    assert answer.status == 200
    return str(answer.body["recommendation_id"])


def select(api: Api, rec_id: str, option: str, user: str, admin: bool = False) -> Answer:
    path = f"/v1/recommendations/{rec_id}/selection"
    return api.call("POST", path, {"selected_option": option}, user=user, admin=admin)


def option(answer: Answer, option_type: str) -> dict[str, Any]:
    return next(dict(found) for found in answer.body["options"] if found["type"] == option_type)


def prices(answer: Answer) -> list[tuple[str, int, float, float, float]]:
    return [
        (found["type"], found["priority"], found["price"], found["platform_fee"], found["total_cost"])
        for found in answer.body["options"]
    ]


# Recommendations


def test_a_big_spender_with_check_in_in_five_days_gets_a_buyout(api: Api, user: str) -> None:
    become_big_spender(api, user)

    answer = recommend(api, user, nightly_price=315, nights=6, days_until_check_in=5)

    assert answer.status == 200
    body = answer.body
    assert (body["primary_recommendation"], body["rule"]) == ("buyout", "big_spender_urgent")
    assert body["archetype"]["type"] == "big_spender"
    assert body["archetype"]["source"] == "computed"
    assert body["archetype"]["default_price_multiplier"] == 1.2
    assert body["urgency"] == {
        "level": "high",
        "days_until_check_in": 5,
        "multiplier": 1.25,
        "message": "Check-in in 5 days — act soon",
        "show_warning": True,
    }
    # 315 x 6 = 1890; x 1.2 (big spender) x 1.25 (high urgency) = 2835.00 for the buyout
    assert prices(answer) == [
        ("buyout", 1, 2835.00, 42.53, 2877.53),  # fee 42.525 rounds half-up
        ("crash", 2, 1417.50, 21.26, 1438.76),
        ("swap", 3, 425.25, 6.38, 431.63),
    ]
    confidence = body["archetype"]["confidence"]
    assert 0 < confidence <= 1
    options = body["options"]
    assert [found["recommended"] for found in options] == [True, False, False]
    assert [found["confidence"] for found in options] == [
        confidence,
        round(confidence * 0.6, 2),
        round(confidence * 0.3, 2),
    ]
    assert [found["estimated_acceptance_probability"] for found in options] == [0.9, 0.65, 0.35]


def test_a_new_user_gets_a_crash_by_the_new_user_rule(api: Api, user: str) -> None:
    answer = recommend(api, user, nightly_price=100, nights=2, days_until_check_in=20)

    assert answer.status == 200
    body = answer.body
    assert (body["primary_recommendation"], body["rule"]) == ("crash", "new_user")
    assert body["archetype"]["type"] == "new_user"
    assert body["archetype"]["confidence"] == 0.5
    assert body["archetype"]["default_price_multiplier"] == 1.0
    assert body["urgency"]["level"] == "low"
    assert body["urgency"]["multiplier"] == 1.0
    assert body["urgency"]["show_warning"] is False
    assert prices(answer) == [
        ("crash", 1, 100.00, 1.50, 101.50),
        ("swap", 2, 30.00, 0.45, 30.45),
        ("buyout", 3, 200.00, 3.00, 203.00),
    ]


def test_a_check_in_date_gives_the_days_until_check_in(api: Api, user: str) -> None:
    check_in = today() + timedelta(days=10)

    answer = api.call(
        "POST",
        "/v1/transaction-recommendations",
        {"listing_id": "listing-1", "nightly_price": 80.00, "nights": 3, "check_in_date": check_in.isoformat()},
        user=user,
    )

    assert answer.status == 200
    assert answer.body["urgency"]["days_until_check_in"] == 10
    assert answer.body["urgency"]["level"] == "medium"
    # 80 x 3 = 240 x 1.0 (new user) x 1.1 (medium): crash 132.00, fee 1.98
    assert prices(answer)[0] == ("crash", 1, 132.00, 1.98, 133.98)
    assert option(answer, "crash")["reasons"][2] == "Medium urgency: Check-in in 10 days"


def test_check_in_today_is_critical_not_past(api: Api, user: str) -> None:
    answer = recommend(api, user, days_until_check_in=None, check_in_date=today().isoformat())

    assert answer.status == 200
    assert answer.body["urgency"]["level"] == "critical"
    assert answer.body["urgency"]["days_until_check_in"] == 0
    assert answer.body["urgency"]["message"] == "Check-in is today — act now"
    # 100 x 2 x 1.0 x 1.5 = 300; crash 150.00, fee 2.25
    assert prices(answer)[0] == ("crash", 1, 150.00, 2.25, 152.25)


def test_every_recommendation_is_logged_under_the_returned_id(api: Api, stack: LocalStack, user: str) -> None:
    before = counters_today(stack)

    answer = recommend(api, user, nightly_price=120, nights=1, days_until_check_in=9)

    assert answer.status == 200
    record = log_table(stack).get(answer.body["recommendation_id"])
    assert record is not None
    assert record.user_id == user
    assert record.model_dump(mode="json") == answer.body
    assert record.primary_recommendation == "crash"
    assert record.archetype.type == "new_user"
    assert record.urgency.level == "medium"
    assert [found.type for found in record.options] == ["crash", "swap", "buyout"]
    assert record.selection is None
    assert logged_for(stack, user) == 1
    assert delta(before, counters_today(stack)) == {
        "recommended__all": 1,
        "recommended__archetype__new_user": 1,
        "recommended__urgency__medium": 1,
    }


def test_an_admin_override_changes_the_recommendation(api: Api, user: str) -> None:
    assert recommend(api, user, days_until_check_in=5).body["primary_recommendation"] == "crash"
    override = api.call(
        "PUT",
        f"/v1/users/{user}/archetype",
        {"archetype": "big_spender", "reason": "VIP guest"},
        user="ops",
        admin=True,
    )
    assert override.status == 200

    answer = recommend(api, user, nightly_price=315, nights=6, days_until_check_in=5)

    assert answer.status == 200
    assert (answer.body["primary_recommendation"], answer.body["rule"]) == ("buyout", "big_spender_urgent")
    assert answer.body["archetype"]["type"] == "big_spender"
    assert answer.body["archetype"]["source"] == "override"
    assert answer.body["archetype"]["confidence"] == 1.0
    assert answer.body["archetype"]["reasons"] == ["Set by an administrator: VIP guest"]
    assert prices(answer)[0] == ("buyout", 1, 2835.00, 42.53, 2877.53)
    assert [found["confidence"] for found in answer.body["options"]] == [1.0, 0.6, 0.3]


def test_without_verified_claims_the_answer_is_401(api: Api) -> None:
    answer = api.call(
        "POST",
        "/v1/transaction-recommendations",
        {"listing_id": "l1", "nightly_price": 10, "days_until_check_in": 1},
        user=None,
    )
    assert answer.status == 401


BAD_REQUESTS = [
    pytest.param({"nightly_price": -5}, "nightly_price", id="negative-price"),
    pytest.param({"nightly_price": 0}, "nightly_price", id="zero-price"),
    pytest.param({"nightly_price": "12.345"}, "nightly_price", id="fractional-cents"),
    pytest.param({"nights": 0}, "nights", id="zero-nights"),
    pytest.param({"days_until_check_in": -1}, "days_until_check_in", id="negative-days"),
    pytest.param({"request_type": "upgrade"}, "request_type", id="unknown-request-type"),
    pytest.param({"priority": "high"}, "priority", id="unknown-field"),
    pytest.param({"listing_id": "bad id"}, "listing_id", id="malformed-listing-id"),
    pytest.param({"currency": "usd"}, "currency", id="malformed-currency"),
]


@pytest.mark.parametrize(("change", "field"), BAD_REQUESTS)
def test_invalid_fields_are_422_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, change: dict[str, Any], field: str
) -> None:
    before = counters_today(stack)

    answer = recommend(api, user, **change)

    assert answer.status == 422
    assert answer.body["error"]["code"] == "validation_error"
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert logged_for(stack, user) == 0
    assert counters_today(stack) == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"check_in_date": "2026-01-01"}, id="both"),
        pytest.param({"days_until_check_in": None}, id="neither"),
    ],
)
def test_exactly_one_check_in_is_required(api: Api, stack: LocalStack, user: str, change: dict[str, Any]) -> None:
    body = {"listing_id": "listing-1", "nightly_price": 100, "days_until_check_in": 5} | change
    body = {name: value for name, value in body.items() if value is not None}

    answer = api.call("POST", "/v1/transaction-recommendations", body, user=user)

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [
        {"field": "check_in_date", "problem": "give exactly one of check_in_date and days_until_check_in"}
    ]
    assert logged_for(stack, user) == 0


def test_a_check_in_date_in_the_past_is_422_and_nothing_is_written(api: Api, stack: LocalStack, user: str) -> None:
    before = counters_today(stack)
    yesterday = today() - timedelta(days=1)

    answer = recommend(api, user, days_until_check_in=None, check_in_date=yesterday.isoformat())

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [
        {"field": "check_in_date", "problem": f"check_in_date {yesterday.isoformat()} is in the past"}
    ]
    assert logged_for(stack, user) == 0
    assert counters_today(stack) == before


def test_an_oversized_body_is_413_and_nothing_is_written(api: Api, stack: LocalStack, user: str) -> None:
    before = counters_today(stack)
    body = {"listing_id": "listing-1", "nightly_price": 100, "days_until_check_in": 5, "note": "x" * (64 * 1024)}

    answer = api.call("POST", "/v1/transaction-recommendations", body, user=user)

    assert answer.status == 413
    assert answer.body["error"]["code"] == "payload_too_large"
    assert logged_for(stack, user) == 0
    assert counters_today(stack) == before


def test_malformed_json_is_400_and_nothing_is_written(api: Api, stack: LocalStack, user: str) -> None:
    before = counters_today(stack)

    answer = api.call("POST", "/v1/transaction-recommendations", '{"listing_id": "l1", "nightly_price": ', user=user)

    assert answer.status == 400
    assert answer.body["error"]["code"] == "malformed_request"
    assert logged_for(stack, user) == 0
    assert counters_today(stack) == before


# Selections


def test_choosing_the_recommended_option_is_followed(api: Api, stack: LocalStack, user: str) -> None:
    rec_id = recommendation_id(api, user, days_until_check_in=20)  # new user: crash
    before = counters_today(stack)

    answer = select(api, rec_id, "crash", user=user)

    assert answer.status == 200
    assert answer.body["recommendation_id"] == rec_id
    assert answer.body["primary_recommendation"] == "crash"
    assert answer.body["selected_option"] == "crash"
    assert answer.body["followed_recommendation"] is True
    record = log_table(stack).get(rec_id)
    assert record is not None
    assert record.selection is not None
    assert (record.selection.selected_option, record.selection.followed_recommendation) == ("crash", True)
    assert record.selection.selected_by == user
    assert delta(before, counters_today(stack)) == {
        f"{stage}__{group}": 1
        for stage in ("selected", "followed")
        for group in ("all", "archetype__new_user", "urgency__low")
    }


def test_choosing_another_option_is_not_followed(api: Api, stack: LocalStack, user: str) -> None:
    rec_id = recommendation_id(api, user, days_until_check_in=20)
    before = counters_today(stack)

    answer = select(api, rec_id, "swap", user=user)

    assert answer.status == 200
    assert answer.body["followed_recommendation"] is False
    assert answer.body["selected_option"] == "swap"
    record = log_table(stack).get(rec_id)
    assert record is not None
    assert record.selection is not None
    assert record.selection.followed_recommendation is False
    assert delta(before, counters_today(stack)) == {
        "selected__all": 1,
        "selected__archetype__new_user": 1,
        "selected__urgency__low": 1,
    }


def test_a_second_selection_is_409_and_keeps_the_first(api: Api, stack: LocalStack, user: str) -> None:
    rec_id = recommendation_id(api, user)
    assert select(api, rec_id, "swap", user=user).status == 200
    first = log_table(stack).get(rec_id)
    before = counters_today(stack)

    again = select(api, rec_id, "crash", user=user)

    assert again.status == 409
    assert again.body["error"]["code"] == "conflict"
    assert log_table(stack).get(rec_id) == first
    assert counters_today(stack) == before


def test_another_user_may_not_select_and_nothing_changes(api: Api, stack: LocalStack, user: str) -> None:
    rec_id = recommendation_id(api, user)
    before = counters_today(stack)

    answer = select(api, rec_id, "crash", user=f"{user}-other")
    absent = select(api, "0" * 32, "crash", user=f"{user}-other")

    # Another user's recommendation looks exactly like one that does not exist.
    assert (answer.status, answer.body) == (404, absent.body)
    record = log_table(stack).get(rec_id)
    assert record is not None
    assert record.selection is None
    assert counters_today(stack) == before
    assert select(api, rec_id, "crash", user=user).status == 200  # the owner still can


def test_an_admin_may_select_for_the_user(api: Api, stack: LocalStack, user: str) -> None:
    rec_id = recommendation_id(api, user)

    answer = select(api, rec_id, "buyout", user="ops", admin=True)

    assert answer.status == 200
    assert answer.body["followed_recommendation"] is False
    record = log_table(stack).get(rec_id)
    assert record is not None
    assert record.selection is not None
    assert (record.selection.selected_option, record.selection.selected_by) == ("buyout", "ops")


def test_an_unknown_recommendation_is_404(api: Api, stack: LocalStack, user: str) -> None:
    before = counters_today(stack)

    answer = select(api, uuid.uuid4().hex, "crash", user=user)

    assert answer.status == 404
    assert answer.body["error"]["fields"][0]["field"] == "recommendation_id"
    assert counters_today(stack) == before


@pytest.mark.parametrize("bad_id", ["not-a-recommendation", "ABCDEF0123456789ABCDEF0123456789", "0" * 33])
def test_a_malformed_recommendation_id_is_422(api: Api, user: str, bad_id: str) -> None:
    answer = select(api, bad_id, "crash", user=user)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == ["recommendation_id"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"selected_option": "upgrade"}, id="unknown-option"),
        pytest.param({}, id="missing-option"),
        pytest.param({"selected_option": "crash", "followed": True}, id="unknown-field"),
    ],
)
def test_an_invalid_selection_is_422_and_changes_nothing(
    api: Api, stack: LocalStack, user: str, body: dict[str, Any]
) -> None:
    rec_id = recommendation_id(api, user)
    before = counters_today(stack)

    answer = api.call("POST", f"/v1/recommendations/{rec_id}/selection", body, user=user)

    assert answer.status == 422
    assert answer.body["error"]["code"] == "validation_error"
    record = log_table(stack).get(rec_id)
    assert record is not None
    assert record.selection is None
    assert counters_today(stack) == before


# Analytics


def analytics(api: Api, start: date, end: date) -> dict[str, Any]:
    answer = api.call("GET", f"/v1/analytics/recommendations?start={start}&end={end}", user="ops", admin=True)
    assert answer.status == 200
    return dict(answer.body)


def counts(rate: dict[str, Any] | None) -> tuple[int, int, int]:
    if rate is None:
        return (0, 0, 0)
    return (rate["recommended"], rate["selected"], rate["followed"])


def moved(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[int, ...]:
    return tuple(new - old for old, new in zip(counts(before), counts(after), strict=True))


def test_analytics_count_todays_recommendations_and_selections(api: Api, user: str) -> None:
    spender = f"{user}-spender"
    become_big_spender(api, spender)
    before = analytics(api, today(), today())

    followed = recommendation_id(api, spender, days_until_check_in=5)  # big spender, high: buyout
    ignored = recommendation_id(api, user, days_until_check_in=20)  # new user, low: crash
    unselected = recommendation_id(api, user, days_until_check_in=20)
    assert select(api, followed, "buyout", user=spender).body["followed_recommendation"] is True
    assert select(api, ignored, "swap", user=user).body["followed_recommendation"] is False
    assert unselected
    after = analytics(api, today(), today())

    assert (after["start"], after["end"]) == (today().isoformat(), today().isoformat())
    assert moved(before["overall"], after["overall"]) == (3, 2, 1)
    archetypes_before, archetypes_after = before["by_archetype"], after["by_archetype"]
    assert moved(archetypes_before.get("big_spender"), archetypes_after["big_spender"]) == (1, 1, 1)
    assert moved(archetypes_before.get("new_user"), archetypes_after["new_user"]) == (2, 1, 0)
    urgency_before, urgency_after = before["by_urgency"], after["by_urgency"]
    assert moved(urgency_before.get("high"), urgency_after["high"]) == (1, 1, 1)
    assert moved(urgency_before.get("low"), urgency_after["low"]) == (2, 1, 0)
    overall = after["overall"]
    assert overall["follow_rate"] == round(overall["followed"] / overall["selected"], 4)
    assert overall["selection_rate"] == round(overall["selected"] / overall["recommended"], 4)


def _log_on(stack: LocalStack, template: RecommendationRecord, archetype: str, level: str) -> str:
    """A copy of a real logged recommendation, made on PAST_DAY with the given archetype and urgency."""
    record = template.model_copy(
        update={
            "recommendation_id": uuid.uuid4().hex,
            "created_at": datetime(PAST_DAY.year, PAST_DAY.month, PAST_DAY.day, 12, tzinfo=UTC),
            "archetype": template.archetype.model_copy(update={"type": archetype}),
            "urgency": template.urgency.model_copy(update={"level": level}),
        }
    )
    log_table(stack).log(record)
    return record.recommendation_id


def test_follow_rates_of_a_day_are_exact(api: Api, stack: LocalStack, user: str) -> None:
    template = log_table(stack).get(recommendation_id(api, user))  # primary: crash
    assert template is not None
    logged = [
        ("big_spender", "high", "crash"),  # followed
        ("big_spender", "high", "buyout"),
        ("big_spender", "low", "crash"),  # followed
        ("high_flexibility", "low", None),  # never selected
        ("average_user", "medium", "crash"),  # followed
        ("average_user", "medium", "swap"),
    ]
    for archetype, level, chosen in logged:
        rec_id = _log_on(stack, template, archetype, level)
        if chosen:
            assert select(api, rec_id, chosen, user=user).status == 200

    body = analytics(api, PAST_DAY, PAST_DAY)

    assert body["overall"] == {
        "recommended": 6,
        "selected": 5,
        "followed": 3,
        "selection_rate": 0.8333,
        "follow_rate": 0.6,
    }
    assert body["by_archetype"] == {
        "average_user": {"recommended": 2, "selected": 2, "followed": 1, "selection_rate": 1.0, "follow_rate": 0.5},
        "big_spender": {"recommended": 3, "selected": 3, "followed": 2, "selection_rate": 1.0, "follow_rate": 0.6667},
        "high_flexibility": {
            "recommended": 1,
            "selected": 0,
            "followed": 0,
            "selection_rate": 0.0,
            "follow_rate": None,
        },
    }
    assert body["by_urgency"] == {
        "high": {"recommended": 2, "selected": 2, "followed": 1, "selection_rate": 1.0, "follow_rate": 0.5},
        "low": {"recommended": 2, "selected": 1, "followed": 1, "selection_rate": 0.5, "follow_rate": 1.0},
        "medium": {"recommended": 2, "selected": 2, "followed": 1, "selection_rate": 1.0, "follow_rate": 0.5},
    }
    next_day = analytics(api, PAST_DAY + timedelta(days=1), PAST_DAY + timedelta(days=2))
    assert counts(next_day["overall"]) == (0, 0, 0)
    assert next_day["overall"]["follow_rate"] is None
    assert next_day["by_archetype"] == {}
    wider = analytics(api, PAST_DAY - timedelta(days=30), PAST_DAY + timedelta(days=30))
    assert wider["overall"] == body["overall"]


def test_analytics_are_for_admins_only(api: Api, user: str) -> None:
    answer = api.call("GET", f"/v1/analytics/recommendations?start={today()}&end={today()}", user=user)
    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "field", "problem"),
    [
        pytest.param("start=2026-03-02&end=2026-03-01", "end", "must not be before start", id="reversed"),
        pytest.param("end=2026-03-01", "start", "Field required", id="missing-start"),
        pytest.param("start=2026-03-01", "end", "Field required", id="missing-end"),
        pytest.param("start=2024-01-01&end=2026-01-01", "end", "the range may span at most 366 days", id="too-long"),
        pytest.param("start=2025-01-01&end=2026-01-02", "end", "the range may span at most 366 days", id="367-days"),
    ],
)
def test_an_invalid_range_is_422(api: Api, query: str, field: str, problem: str) -> None:
    answer = api.call("GET", f"/v1/analytics/recommendations?{query}", user="ops", admin=True)

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": field, "problem": problem}]


def test_a_leap_year_of_366_days_is_one_range(api: Api) -> None:
    answer = api.call("GET", "/v1/analytics/recommendations?start=2024-01-01&end=2024-12-31", user="ops", admin=True)
    assert answer.status == 200


def test_a_malformed_date_is_422(api: Api) -> None:
    answer = api.call("GET", "/v1/analytics/recommendations?start=yesterday&end=2026-03-01", user="ops", admin=True)

    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == ["start"]
