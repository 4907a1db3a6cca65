"""In-memory stand-ins behind the same ports the product code uses (unit tests only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.signals import SignalAggregates
from nudge.behavior.store import BatchRejected


class InMemoryBehaviorStore:
    """Implements BehaviorStore with the same all-or-nothing and version rules as the table."""

    retention = timedelta(days=400)

    def __init__(self) -> None:
        self.signals: dict[str, SignalAggregates] = {}
        self.events: dict[str, dict[str, BehavioralEvent]] = {}
        self.reads = 0
        self.writes = 0

    def get_signals(self, user_id: str) -> SignalAggregates | None:
        self.reads += 1
        stored = self.signals.get(user_id)
        return stored.model_copy(deep=True) if stored else None

    def save_batch(
        self,
        user_id: str,
        events: Sequence[BehavioralEvent],
        previous_version: int,
        aggregates: SignalAggregates,
    ) -> None:
        self.writes += 1
        stored_events = self.events.setdefault(user_id, {})
        duplicates = frozenset(event.event_id for event in events if event.event_id in stored_events)
        current_version = self.signals[user_id].version if user_id in self.signals else 0
        stale = current_version != previous_version
        if duplicates or stale:
            raise BatchRejected(duplicate_event_ids=duplicates, stale=stale)
        stored_events.update({event.event_id: event for event in events})
        self.signals[user_id] = aggregates.model_copy(deep=True)
