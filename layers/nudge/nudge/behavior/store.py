"""The port ingestion writes through; `behavior_table` is the DynamoDB adapter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # Types only: readers of signals should not load the event models.
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.signals import SignalAggregates


class BatchRejected(Exception):
    """Nothing of the batch was written: some events were seen before, or the aggregates moved on."""

    def __init__(self, duplicate_event_ids: frozenset[str], stale: bool) -> None:
        super().__init__(f"duplicates={sorted(duplicate_event_ids)} stale={stale}")
        self.duplicate_event_ids = duplicate_event_ids
        self.stale = stale


class BehaviorStore(Protocol):
    @property
    def retention(self) -> timedelta:
        """How long raw events are kept: older events are refused, they would expire on arrival."""

    def get_signals(self, user_id: str) -> SignalAggregates | None:
        """The user's aggregates, or None before their first event."""

    def save_batch(
        self,
        user_id: str,
        events: Sequence[BehavioralEvent],
        previous_version: int,
        aggregates: SignalAggregates,
    ) -> None:
        """Store new raw events and the aggregates that include them, all or nothing.

        Raises BatchRejected when an event id is already stored for the user or the stored
        aggregates are no longer at `previous_version`.
        """
