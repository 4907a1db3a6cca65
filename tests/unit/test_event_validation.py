from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from nudge.behavior.ingestion_api import IngestEventsRequest
from tests.builders import answered, created


def _problems(payload: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        IngestEventsRequest.model_validate(payload)
    return {".".join(str(part) for part in problem["loc"]): problem["type"] for problem in caught.value.errors()}


def test_a_valid_batch_parses_into_typed_events() -> None:
    request = IngestEventsRequest.model_validate({"events": [created("r1"), answered("a1", "countered")]})
    assert [event.type for event in request.events] == ["date_change_request.created", "date_change_request.countered"]


@pytest.mark.parametrize(
    ("change", "location", "problem"),
    [
        ({"amount": "-1"}, "events.0.date_change_request.created.amount", "greater_than"),
        ({"amount": "0"}, "events.0.date_change_request.created.amount", "greater_than"),
        ({"offered_price": "1.234"}, "events.0.date_change_request.created.offered_price", "decimal_max_places"),
        ({"currency": "usd"}, "events.0.date_change_request.created.currency", "currency"),
        ({"currency": "XYZ"}, "events.0.date_change_request.created.currency", "currency"),
        ({"event_id": ""}, "events.0.date_change_request.created.event_id", "string_too_short"),
        ({"occurred_at": "2026-01-01T00:00:00"}, "events.0.date_change_request.created.occurred_at", "timezone_aware"),
        ({"unexpected": 1}, "events.0.date_change_request.created.unexpected", "extra_forbidden"),
        ({"response_time_seconds": 5}, "events.0.date_change_request.created.response_time_seconds", "extra_forbidden"),
        ({"type": "date_change_request.deleted"}, "events.0", "union_tag_invalid"),
    ],
)
def test_bad_event_fields_are_named(change: dict[str, object], location: str, problem: str) -> None:
    assert _problems({"events": [{**created("r1"), **change}]}) == {location: problem}


def test_an_answer_needs_its_response_time() -> None:
    payload = answered("a1")
    del payload["response_time_seconds"]
    assert _problems({"events": [payload]}) == {
        "events.0.date_change_request.accepted.response_time_seconds": "missing"
    }


def test_events_from_the_future_are_refused_beyond_clock_skew() -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    IngestEventsRequest.model_validate({"events": [created("r1", occurred_at=soon)]})
    assert _problems({"events": [created("r1", occurred_at=tomorrow)]}) == {
        "events.0.date_change_request.created.occurred_at": "value_error"
    }


def test_batch_size_is_one_to_one_hundred() -> None:
    assert _problems({"events": []}) == {"events": "too_short"}
    assert _problems({"events": [created(f"r{i}") for i in range(101)]}) == {"events": "too_long"}
    assert len(IngestEventsRequest.model_validate({"events": [created(f"r{i}") for i in range(100)]}).events) == 100


def test_an_event_id_twice_in_one_batch_is_refused() -> None:
    assert _problems({"events": [created("same"), answered("same")]}) == {"events": "value_error"}


def test_unknown_top_level_fields_are_refused() -> None:
    assert _problems({"events": [created("r1")], "extra": True}) == {"extra": "extra_forbidden"}
