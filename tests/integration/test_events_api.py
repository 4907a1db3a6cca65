"""POST /v1/events and GET /v1/users/{user_id}/signals against DynamoDB (moto)."""

from __future__ import annotations

from nudge.behavior.events import DateChangeRequestAnswered, DateChangeRequestCreated
from tests.builders import answered, created
from tests.integration.conftest import Api


def test_ingested_events_update_the_signals(api: Api, user: str) -> None:
    answer = api.call(
        "POST",
        "/v1/events",
        {"events": [created("r1", offered="540.00"), answered("a1", "rejected", response_time=120)]},
        user=user,
    )

    assert answer.status == 200
    assert answer.body["accepted_event_ids"] == ["r1", "a1"]
    signals = api.signals(user)
    assert signals["events_count"] == 2
    assert signals["requests_created"] == 1
    assert signals["price_rejection_rate"] == 1.0
    assert signals["average_response_time_seconds"] == 120.0
    assert signals["above_list_offer_rate"] == 1.0
    assert signals["transaction_values"] == [{"currency": "USD", "count": 1, "total": 540.0, "average": 540.0}]


def test_resending_events_never_counts_them_twice(api: Api, user: str) -> None:
    api.call("POST", "/v1/events", {"events": [created("r1"), created("r2")]}, user=user)

    again = api.call("POST", "/v1/events", {"events": [created("r2"), created("r3")]}, user=user)

    assert again.status == 200
    assert again.body["accepted_event_ids"] == ["r3"]
    assert again.body["duplicate_event_ids"] == ["r2"]
    assert api.signals(user)["requests_created"] == 3


def test_a_full_batch_of_one_hundred_is_stored_in_two_transactions(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"events": [created(f"r{i}") for i in range(100)]}, user=user)

    assert answer.status == 200
    assert len(answer.body["accepted_event_ids"]) == 100
    signals = api.signals(user)
    assert (signals["requests_created"], signals["version"]) == (100, 2)


def test_a_new_user_has_zero_signals_not_an_error(api: Api, user: str) -> None:
    signals = api.signals(user)
    assert signals["events_count"] == 0
    assert signals["acceptance_rate"] is None


def test_users_cannot_read_each_others_signals(api: Api, user: str) -> None:
    answer = api.call("GET", f"/v1/users/{user}/signals", user="mallory")
    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"


def test_admins_read_anyones_signals(api: Api, user: str) -> None:
    api.call("POST", "/v1/events", {"events": [created("r1")]}, user=user)
    answer = api.call("GET", f"/v1/users/{user}/signals", user="ops", admin=True)
    assert answer.status == 200
    assert answer.body["events_count"] == 1


def test_users_cannot_post_for_someone_else_and_nothing_is_written(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"user_id": user, "events": [created("r1")]}, user="mallory")

    assert answer.status == 403
    assert api.signals(user)["events_count"] == 0
    assert api.signals("mallory")["events_count"] == 0


def test_admins_post_for_any_user(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"user_id": user, "events": [created("r1")]}, user="ops", admin=True)

    assert answer.status == 200
    assert answer.body["user_id"] == user
    assert api.signals(user)["events_count"] == 1


def test_without_verified_claims_the_function_answers_401(api: Api) -> None:
    assert api.call("POST", "/v1/events", {"events": [created("r1")]}, user=None).status == 401
    assert api.call("GET", "/v1/users/alice/signals", user=None).status == 401


def test_an_invalid_event_rejects_the_whole_batch(api: Api, user: str) -> None:
    bad = {**created("r2"), "amount": -5}

    answer = api.call("POST", "/v1/events", {"events": [created("r1"), bad]}, user=user)

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [
        {"field": "events[1].amount", "problem": "Input should be greater than 0"}
    ]
    assert api.signals(user)["events_count"] == 0


def test_unknown_fields_are_refused(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", {"events": [created("r1")], "priority": "high"}, user=user)
    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "priority"


def test_malformed_json_is_400_and_writes_nothing(api: Api, user: str) -> None:
    answer = api.call("POST", "/v1/events", '{"events": [', user=user)
    assert answer.status == 400
    assert api.signals(user)["events_count"] == 0


def test_a_malformed_user_id_in_the_path_is_422(api: Api) -> None:
    answer = api.call("GET", "/v1/users/bad%20id/signals", admin=True)
    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "user_id"


def test_raw_events_are_kept_with_a_ttl_and_rebuild_the_same_aggregates(api: Api, user: str) -> None:
    from datetime import UTC, datetime, timedelta

    from nudge.behavior.behavior_table import behavior_table
    from nudge.behavior.signals import SignalAggregates, apply_events

    payload = [created("r1", offered="540.00"), created("r2"), answered("a1", "countered", accommodated=True)]
    api.call("POST", "/v1/events", {"events": payload[:2]}, user=user)
    api.call("POST", "/v1/events", {"events": payload[1:]}, user=user)

    exported = behavior_table().export_user(user)
    stored = exported.events
    assert sorted(item.event.event_id for item in stored) == ["a1", "r1", "r2"]
    for item in stored:
        assert item.expires_at == (item.event.occurred_at + timedelta(days=400)).replace(microsecond=0)
    incremental = exported.signals
    assert incremental is not None
    transactions = [
        item.event for item in stored if isinstance(item.event, DateChangeRequestCreated | DateChangeRequestAnswered)
    ]
    rebuilt = apply_events(SignalAggregates(), transactions, datetime.now(UTC))
    assert rebuilt.model_dump(exclude={"version", "updated_at"}) == incremental.model_dump(
        exclude={"version", "updated_at"}
    )
