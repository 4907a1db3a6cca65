"""Optimistic locking on the aggregates and the consent, against DynamoDB's real conditional transactions."""

import pytest

from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_tables import IngestionTables, ingestion_tables
from nudge.behavior.store import BatchWrite
from nudge.profiles.consent import ConsentSettings, apply_consent
from nudge.profiles.profile_table import profile_table
from tests.builders import NOW, created, engaged, event

pytestmark = pytest.mark.usefixtures("stack")


class _InterleavedWriter(IngestionTables):
    """Lets another request's batch land between this one's read and its write, once."""

    def __init__(self, user: str) -> None:
        tables = ingestion_tables()
        super().__init__(tables._behavior, tables._profiles, tables._catalog, tables._client)
        self._user = user
        self._raced = False

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        if not self._raced:
            self._raced = True
            self.interleave()
        super().save_batch(user_id, write)

    def interleave(self) -> None:
        ingest_events(ingestion_tables(), self._user, [event(created("theirs"))], NOW)


class _ConsentWithdrawal(_InterleavedWriter):
    def interleave(self) -> None:
        set_tracking(self._user, False)


def set_tracking(user: str, allowed: bool) -> None:
    profiles = profile_table()
    current = profiles.get_consent(user)
    update = apply_consent(current, ConsentSettings(behavioral_tracking=allowed), NOW, "", "", "test")
    assert profiles.save_consent(user, update.record, current.version, update.changes)


def test_a_write_that_lost_the_race_is_retried_and_both_batches_count(user: str) -> None:
    result = ingest_events(_InterleavedWriter(user), user, [event(created("mine"))], NOW)

    assert result.accepted_event_ids == ["mine"]
    stored = behavior_table().get_signals(user)
    assert stored is not None
    assert (stored.requests_created, stored.version) == (2, 2)


def test_duplicates_inside_a_transaction_are_reported_by_dynamodb(user: str) -> None:
    tables = ingestion_tables()
    ingest_events(tables, user, [event(created("r1"))], NOW)

    result = ingest_events(tables, user, [event(created("r0")), event(created("r1")), event(created("r2"))], NOW)

    assert result.accepted_event_ids == ["r0", "r2"]
    assert result.duplicate_event_ids == ["r1"]
    stored = behavior_table().get_signals(user)
    assert stored is not None
    assert stored.requests_created == 3


def test_consent_withdrawn_between_the_read_and_the_write_stops_the_engagement(user: str) -> None:
    set_tracking(user, True)

    result = ingest_events(_ConsentWithdrawal(user), user, [event(created("r1")), event(engaged("v1"))], NOW)

    assert (result.accepted_event_ids, result.not_tracked_event_ids) == (["r1"], ["v1"])
    exported = behavior_table().export_user(user)
    assert [stored.event.event_id for stored in exported.events] == ["r1"]
    assert exported.engagement is None
