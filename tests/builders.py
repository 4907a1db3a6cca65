"""Test data: behavioral events and API Gateway requests, valid unless a test says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from nudge.behavior.events import BehavioralEvent, TransactionEvent

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_adapter: TypeAdapter[BehavioralEvent] = TypeAdapter(BehavioralEvent)
_transaction_adapter: TypeAdapter[TransactionEvent] = TypeAdapter(TransactionEvent)


def number(amount: str | float) -> float:
    """An amount as a request carries it: a JSON number (exact decimal text in, e.g. "12.34" -> 12.34)."""
    return float(amount)


def created(
    event_id: str, offered: str = "500.00", listed: str = "450.00", amount: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "date_change_request.created",
        "occurred_at": (NOW - timedelta(days=1)).isoformat(),
        "amount": number(amount or offered),
        "currency": "USD",
        "offered_price": number(offered),
        "listed_price": number(listed),
        **extra,
    }


def answered(
    event_id: str, outcome: str = "accepted", response_time: int = 600, accommodated: bool = False, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": f"date_change_request.{outcome}",
        "occurred_at": (NOW - timedelta(hours=1)).isoformat(),
        "amount": 450.0,
        "currency": "USD",
        "offered_price": 450.0,
        "listed_price": 450.0,
        "response_time_seconds": response_time,
        "accommodated": accommodated,
        **extra,
    }


ENGAGEMENT_TARGETS = {
    "product_view": "product_id",
    "product_bookmark": "product_id",
    "survey_start": "survey_id",
    "survey_complete": "survey_id",
    "survey_response": "survey_id",
    "notification_click": "notification_id",
}


def engaged(
    event_id: str, kind: str = "product_view", at: datetime | None = None, category: str | None = None, **extra: Any
) -> dict[str, Any]:
    """An engagement event as a client posts it (an hour before NOW unless `at` says otherwise)."""
    payload = {
        "event_id": event_id,
        "type": kind,
        "occurred_at": (at or NOW - timedelta(hours=1)).isoformat(),
        ENGAGEMENT_TARGETS[kind]: f"{kind}-target",
        **extra,
    }
    return payload | ({"category": category} if category else {})


def event(payload: dict[str, Any]) -> BehavioralEvent:
    return _adapter.validate_python(payload)


def transaction(payload: dict[str, Any]) -> TransactionEvent:
    """A marketplace transaction event, typed as one (what the signals and archetypes take)."""
    return _transaction_adapter.validate_python(payload)
