"""Optimistic locking on the aggregates item, against DynamoDB's real conditional transactions."""

from collections.abc import Sequence

import pytest

from nudge.behavior.behavior_table import BehaviorTable, behavior_table
from nudge.behavior.events import BehavioralEvent
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.signals import SignalAggregates
from tests.builders import NOW, created, event

pytestmark = pytest.mark.usefixtures("stack")


class _InterleavedWriter(BehaviorTable):
    """Lets another request's batch land between this one's read and its write, once."""

    def __init__(self, table: BehaviorTable, user: str) -> None:
        super().__init__(table._table, table._client, table._retention)
        self._user = user
        self._raced = False

    def save_batch(
        self, user_id: str, events: Sequence[BehavioralEvent], previous_version: int, aggregates: SignalAggregates
    ) -> None:
        if not self._raced:
            self._raced = True
            ingest_events(behavior_table(), self._user, [event(created("theirs"))], NOW)
        super().save_batch(user_id, events, previous_version, aggregates)


def test_a_write_that_lost_the_race_is_retried_and_both_batches_count(user: str) -> None:
    racing = _InterleavedWriter(behavior_table(), user)

    result = ingest_events(racing, user, [event(created("mine"))], NOW)

    assert result.accepted_event_ids == ["mine"]
    stored = behavior_table().get_signals(user)
    assert stored is not None
    assert (stored.requests_created, stored.version) == (2, 2)


def test_duplicates_inside_a_transaction_are_reported_by_dynamodb(user: str) -> None:
    table = behavior_table()
    ingest_events(table, user, [event(created("r1"))], NOW)

    result = ingest_events(table, user, [event(created("r0")), event(created("r1")), event(created("r2"))], NOW)

    assert result.accepted_event_ids == ["r0", "r2"]
    assert result.duplicate_event_ids == ["r1"]
    stored = table.get_signals(user)
    assert stored is not None
    assert stored.requests_created == 3
