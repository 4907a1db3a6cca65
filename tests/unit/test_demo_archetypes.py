"""The seeded demo users land in the archetypes the demo promises (local_runtime/seed.py)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from local_runtime import seed
from nudge.behavior.events import TransactionEvent
from nudge.behavior.signals import SignalAggregates, apply_events, describe
from nudge.defaults.archetype_detection import detect_archetype

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EXPECTED = {
    "demo-user": "average_user",
    "demo-big-spender": "big_spender",
    "demo-flexible": "high_flexibility",
    "demo-average": "average_user",
}
_adapter: TypeAdapter[list[TransactionEvent]] = TypeAdapter(list[TransactionEvent])


def test_every_profile_has_an_expected_archetype() -> None:
    assert sorted(profile[0] for profile in seed._PROFILES) == sorted(EXPECTED)


@pytest.mark.parametrize("profile", seed._PROFILES, ids=lambda profile: str(profile[0]))
def test_seeded_profile_archetype(profile: tuple[str, int, Decimal, int, float, int, bool]) -> None:
    events = _adapter.validate_python(seed._events(profile, NOW))
    signals = describe(profile[0], apply_events(SignalAggregates(), events, NOW))

    assert detect_archetype(signals).archetype == EXPECTED[profile[0]]


def test_new_demo_user_has_no_events_and_is_new() -> None:
    assert seed.DEMO_NEW_USER == "demo-new-user"
    assert seed.DEMO_NEW_USER not in EXPECTED
    assert detect_archetype(describe(seed.DEMO_NEW_USER, SignalAggregates())).archetype == "new_user"


def test_seeding_returns_the_new_user_without_ingesting_for_them(monkeypatch: pytest.MonkeyPatch) -> None:
    ingested: list[str] = []
    monkeypatch.setattr("nudge.behavior.ingestion_tables.ingestion_tables", lambda: None)
    monkeypatch.setattr("nudge.behavior.ingestion.ingest_events", lambda _store, user, *_: ingested.append(user))
    monkeypatch.setattr(seed, "seed_profiles", lambda _now: None)
    monkeypatch.setattr(seed, "seed_notifications", lambda _now: None)
    monkeypatch.setattr(seed, "seed_catalog", lambda _now: None)

    users = seed.seed_demo_data(NOW)

    assert users == [*EXPECTED, seed.DEMO_NEW_USER]
    assert ingested == list(EXPECTED)
