"""Requests are parsed strictly: JSON numbers and booleans only, dates and times within sane bounds, one
list of currencies, and a rejected request writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.builders import created
from tests.integration.conftest import Api

RECOMMENDATION = {"listing_id": "listing-1", "nightly_price": 80, "nights": 2, "days_until_check_in": 10}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nightly_price": "1_000"}, "nightly_price"),
        ({"nightly_price": "  12  "}, "nightly_price"),
        ({"nightly_price": "\u0661\u0662"}, "nightly_price"),
        ({"nightly_price": True}, "nightly_price"),
        ({"nights": True}, "nights"),
        ({"nights": "2"}, "nights"),
        ({"nights": 2.0}, "nights"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"days_until_check_in": None, "check_in_date": "9999-12-31"}, "check_in_date"),
        ({"days_until_check_in": None, "check_in_date": "2027-01-05T10:00:00"}, "check_in_date"),
        ({"days_until_check_in": 1096}, "days_until_check_in"),
    ],
)
def test_recommendation_requests_are_strict(api: Api, user: str, change: dict[str, Any], field: str) -> None:
    body = {key: value for key, value in (RECOMMENDATION | change).items() if value is not None}
    answer = api.call("POST", "/v1/transaction-recommendations", body, user=user)
    assert answer.status == 422, answer.body
    assert answer.body["error"]["fields"][0]["field"] == field


def test_a_check_in_three_years_ahead_is_still_priced(api: Api, user: str) -> None:
    check_in = (datetime.now(UTC).date() + timedelta(days=1095)).isoformat()
    body = {key: value for key, value in RECOMMENDATION.items() if key != "days_until_check_in"}
    answer = api.call("POST", "/v1/transaction-recommendations", body | {"check_in_date": check_in}, user=user)
    assert answer.status == 200, answer.body
    late = (date.fromisoformat(check_in) + timedelta(days=1)).isoformat()
    assert api.call("POST", "/v1/transaction-recommendations", body | {"check_in_date": late}, user=user).status == 422


@pytest.mark.parametrize(
    ("occurred_at", "problem"),
    [
        (1764547200, "Input should be a valid datetime"),
        ("0001-01-01T00:00:00+14:00", "must not be before 2000-01-01"),
    ],
)
def test_event_times_are_strict(api: Api, user: str, occurred_at: Any, problem: str) -> None:
    answer = api.call("POST", "/v1/events", {"events": [created("e1") | {"occurred_at": occurred_at}]}, user=user)
    assert answer.status == 422, answer.body
    field = answer.body["error"]["fields"][0]
    assert field["field"] == "events[0].occurred_at"
    assert problem in field["problem"]
    assert api.signals(user)["events_count"] == 0


def test_events_older_than_the_retention_window_are_refused(api: Api, user: str) -> None:
    recent = created("e1") | {"occurred_at": (datetime.now(UTC) - timedelta(days=399)).isoformat()}
    old = created("e2") | {"occurred_at": (datetime.now(UTC) - timedelta(days=401)).isoformat()}
    answer = api.call("POST", "/v1/events", {"events": [recent, old]}, user=user)
    assert answer.status == 422
    assert answer.body["error"]["fields"] == [
        {"field": "events[1].occurred_at", "problem": "must be within the 400-day event retention window"}
    ]
    assert api.signals(user)["events_count"] == 0
    assert api.call("POST", "/v1/events", {"events": [recent]}, user=user).status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"base_price": "450", "anchor_price": 2835, "booking_id": "b-1"},
        {"base_price": 450, "anchor_price": 2835, "booking_id": "b-1", "days_until_check_in": "5"},
    ],
)
def test_tier_offers_are_strict(api: Api, user: str, body: dict[str, Any]) -> None:
    assert api.call("POST", "/v1/pricing-tiers", body, user=user).status == 422


def test_duplicate_keys_are_400_and_nothing_is_written(api: Api, user: str) -> None:
    raw = '{"events": [], "events": [{"event_id": "x"}]}'
    answer = api.call("POST", "/v1/events", raw, user=user)
    assert answer.status == 400
    assert "appears more than once" in answer.body["error"]["fields"][0]["problem"]
    assert api.signals(user)["events_count"] == 0


def test_subjects_of_other_identity_providers_read_their_own_data(api: Api) -> None:
    for subject in (
        "auth0|abc123",
        "google-oauth2|1098765",
        "ana.lima+test@example.com",
        "3f2a9c4e-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
    ):
        assert api.call("POST", "/v1/events", {"events": [created("e1")]}, user=subject).status == 200
        answer = api.call("GET", f"/v1/users/{subject}/signals", user=subject)
        assert answer.status == 200, answer.body
        assert answer.body["events_count"] >= 1


def test_user_ids_keep_a_length_bound_and_no_key_separator(api: Api) -> None:
    assert api.call("GET", f"/v1/users/{'a' * 129}/signals", admin=True).status == 422
    assert api.call("GET", "/v1/users/a#b/signals", admin=True).status == 422


@pytest.mark.parametrize("multiplier", ["1.2", "", True])
def test_a_tier_multiplier_is_a_json_number(api: Api, multiplier: Any) -> None:
    tier = {
        "tier_id": "strict_multiplier",
        "name": "Strict",
        "multiplier": multiplier,
        "badge": None,
        "description": "d",
        "acceptance_rate": 0.5,
        "response_time_hours": 4,
        "display_order": 9,
        "features": [],
        "active": True,
    }
    answer = api.call("POST", "/v1/admin/pricing-tiers", tier, user="ops", admin=True)
    assert answer.status == 422
    assert answer.body["error"]["fields"][0] == {"field": "multiplier", "problem": "must be a JSON number"}
