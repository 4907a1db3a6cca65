"""Idempotency-Key on POST /v1/events: Powertools idempotency persisted in the template's table."""

from tests.builders import created
from tests.integration.conftest import Api


def test_a_replay_returns_the_first_response_and_changes_nothing(api: Api, user: str) -> None:
    body = {"events": [created("r1"), created("r2")]}
    first = api.call("POST", "/v1/events", body, user=user, headers={"idempotency-key": "k-1"})
    version_after_first = api.signals(user)["version"]

    replay = api.call("POST", "/v1/events", body, user=user, headers={"idempotency-key": "k-1"})

    assert first.status == replay.status == 200
    assert replay.body == first.body
    assert replay.body["accepted_event_ids"] == ["r1", "r2"]  # not "duplicates": the stored answer
    assert api.signals(user)["version"] == version_after_first


def test_the_same_key_with_another_body_is_refused(api: Api, user: str) -> None:
    api.call("POST", "/v1/events", {"events": [created("r1")]}, user=user, headers={"idempotency-key": "k-2"})

    answer = api.call("POST", "/v1/events", {"events": [created("r9")]}, user=user, headers={"idempotency-key": "k-2"})

    assert answer.status == 422
    assert answer.body["error"]["code"] == "idempotency_key_reused"
    assert api.signals(user)["requests_created"] == 1


def test_keys_are_scoped_to_the_caller(api: Api, user: str) -> None:
    other = f"{user}-other"
    body = {"events": [created("r1")]}
    api.call("POST", "/v1/events", body, user=user, headers={"idempotency-key": "shared"})

    answer = api.call("POST", "/v1/events", body, user=other, headers={"idempotency-key": "shared"})

    assert answer.status == 200
    assert answer.body["user_id"] == other
    assert api.signals(other)["events_count"] == 1


def test_a_rejected_request_does_not_burn_its_key(api: Api, user: str) -> None:
    rejected = api.call(
        "POST",
        "/v1/events",
        {"user_id": "someone", "events": [created("r1")]},
        user=user,
        headers={"idempotency-key": "k-3"},
    )
    assert rejected.status == 403

    accepted = api.call(
        "POST",
        "/v1/events",
        {"user_id": "someone", "events": [created("r1")]},
        user=user,
        admin=True,
        headers={"idempotency-key": "k-3"},
    )
    assert accepted.status == 200


def test_an_overlong_key_is_a_clear_422(api: Api, user: str) -> None:
    answer = api.call(
        "POST", "/v1/events", {"events": [created("r1")]}, user=user, headers={"idempotency-key": "k" * 129}
    )
    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "Idempotency-Key"
    assert api.signals(user)["events_count"] == 0
