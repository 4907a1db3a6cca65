"""Demo data: a few users whose behaviour differs enough to tell them apart, ingested through
the same domain code the API uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import TypeAdapter

DEMO_USER = "demo-user"
DEMO_ADMIN = "demo-admin"
# No events at all: detected as new_user.
DEMO_NEW_USER = "demo-new-user"

# (user, requests created, offer/list ratio, answers, accepted share, response seconds, accommodates)
# Detected archetypes: demo-user and demo-average average_user, demo-big-spender big_spender,
# demo-flexible high_flexibility (tests/unit/test_demo_archetypes.py keeps this true).
_PROFILES = [
    ("demo-user", 4, Decimal("1.00"), 4, 0.5, 14400, True),
    ("demo-big-spender", 8, Decimal("1.25"), 6, 0.8, 600, False),
    ("demo-flexible", 3, Decimal("0.90"), 10, 0.9, 1800, True),
    ("demo-average", 5, Decimal("1.00"), 5, 0.6, 7200, True),
]


def _events(profile: tuple[str, int, Decimal, int, float, int, bool], now: datetime) -> list[dict[str, object]]:
    user, created, ratio, answers, accepted_share, response_seconds, accommodates = profile
    listed = Decimal("450.00")
    base = {
        "currency": "USD",
        # JSON numbers, as a client posts them (the amounts have at most two decimals, so floats are exact text)
        "listed_price": float(listed),
        "offered_price": float(listed * ratio),
        "amount": float(listed * ratio),
    }
    events: list[dict[str, object]] = []
    for index in range(created):
        occurred = now - timedelta(days=60 - index * 7)
        events.append(
            {
                **base,
                "event_id": f"{user}-req-{index}",
                "type": "date_change_request.created",
                "occurred_at": occurred.isoformat(),
            }
        )
    for index in range(answers):
        outcome = "accepted" if index < round(answers * accepted_share) else ("rejected" if index % 2 else "countered")
        events.append(
            {
                **base,
                "event_id": f"{user}-ans-{index}",
                "type": f"date_change_request.{outcome}",
                "occurred_at": (now - timedelta(days=50 - index * 4)).isoformat(),
                "response_time_seconds": response_seconds,
                "accommodated": accommodates and outcome == "accepted",
            }
        )
    return events


def seed_demo_data(now: datetime | None = None) -> list[str]:
    """Ingest the demo users' events (idempotent: event ids are fixed). Returns the user ids,
    including DEMO_NEW_USER, who has no events."""
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.ingestion import ingest_events
    from nudge.behavior.ingestion_tables import ingestion_tables
    from nudge.observability import metrics

    now = now or datetime.now(UTC)
    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    store = ingestion_tables()
    for profile in _PROFILES:
        ingest_events(store, profile[0], adapter.validate_python(_events(profile, now)), now)
    metrics().clear_metrics()  # seeding is not traffic: keep it out of the first request's metrics
    return [*(profile[0] for profile in _PROFILES), DEMO_NEW_USER]
