import pytest

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_api import IngestEventsRequest, ingest_for_actor
from nudge.behavior.signals import SignalAggregates
from nudge.behavior.store import BatchRejected, BatchWrite
from nudge.errors import Conflict, Forbidden
from nudge.users.actor import Actor
from tests.builders import NOW, answered, created, engaged, event
from tests.fakes import InMemoryBehaviorStore


def test_new_events_are_counted_and_stored(store: InMemoryBehaviorStore) -> None:
    result = ingest_events(store, "u1", [event(created("r1")), event(answered("a1"))], NOW)

    assert result.accepted_event_ids == ["r1", "a1"]
    assert result.duplicate_event_ids == []
    assert result.aggregates.events_count == 2
    assert set(store.events["u1"]) == {"r1", "a1"}
    assert (store.reads, store.writes) == (1, 1)


def test_resent_events_are_not_counted_twice(store: InMemoryBehaviorStore) -> None:
    ingest_events(store, "u1", [event(created("r1")), event(created("r2"))], NOW)

    result = ingest_events(store, "u1", [event(created("r2")), event(created("r3"))], NOW)

    assert result.accepted_event_ids == ["r3"]
    assert result.duplicate_event_ids == ["r2"]
    assert result.aggregates.requests_created == 3
    assert store.signals["u1"].version == 2


def test_a_fully_duplicate_batch_changes_nothing(store: InMemoryBehaviorStore) -> None:
    ingest_events(store, "u1", [event(created("r1"))], NOW)
    before = store.signals["u1"]

    result = ingest_events(store, "u1", [event(created("r1"))], NOW)

    assert result.accepted_event_ids == []
    assert result.duplicate_event_ids == ["r1"]
    assert store.signals["u1"] == before


def test_same_event_id_for_two_users_is_two_events(store: InMemoryBehaviorStore) -> None:
    ingest_events(store, "u1", [event(created("r1"))], NOW)
    result = ingest_events(store, "u2", [event(created("r1"))], NOW)
    assert result.accepted_event_ids == ["r1"]


def test_batches_beyond_one_transaction_are_split(store: InMemoryBehaviorStore) -> None:
    result = ingest_events(store, "u1", [event(created(f"r{i}")) for i in range(100)], NOW)

    assert len(result.accepted_event_ids) == 100
    assert result.aggregates.requests_created == 100
    assert store.writes == 2
    assert store.signals["u1"].version == 2


class _RacingStore(InMemoryBehaviorStore):
    """Another writer lands between our read and our write, `races` times."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        if self.races:
            self.races -= 1
            competing = event(created(f"other-{self.races}"))
            current = self.signals.get(user_id, SignalAggregates())
            self.signals[user_id] = current.model_copy(
                update={"version": current.version + 1, "requests_created": current.requests_created + 1}
            )
            self.events.setdefault(user_id, {})[competing.event_id] = competing
        super().save_batch(user_id, write)


def test_a_concurrent_write_is_retried_on_fresh_aggregates() -> None:
    store = _RacingStore(races=1)

    result = ingest_events(store, "u1", [event(created("mine"))], NOW)

    assert result.accepted_event_ids == ["mine"]
    assert store.signals["u1"].requests_created == 2  # the competitor's and ours
    assert store.reads == 2


def test_endless_contention_is_a_conflict_and_writes_nothing() -> None:
    store = _RacingStore(races=100)

    with pytest.raises(Conflict):
        ingest_events(store, "u1", [event(created("mine"))], NOW)
    assert "mine" not in store.events["u1"]


def test_an_unexpected_store_rejection_without_cause_is_retried() -> None:
    class FlakyStore(InMemoryBehaviorStore):
        failures = 1

        def save_batch(self, user_id: str, write: BatchWrite) -> None:
            if self.failures:
                self.failures -= 1
                raise BatchRejected(duplicate_event_ids=frozenset(), stale=True)
            super().save_batch(user_id, write)

    store = FlakyStore()
    assert ingest_events(store, "u1", [event(created("r1"))], NOW).accepted_event_ids == ["r1"]


def test_callers_post_their_own_events(store: InMemoryBehaviorStore) -> None:
    request = IngestEventsRequest.model_validate({"events": [created("r1")]})
    result = ingest_for_actor(store, Actor("alice", is_admin=False), request)
    assert result.user_id == "alice"


def test_a_user_cannot_post_for_someone_else(store: InMemoryBehaviorStore) -> None:
    request = IngestEventsRequest.model_validate({"user_id": "bob", "events": [created("r1")]})
    with pytest.raises(Forbidden):
        ingest_for_actor(store, Actor("alice", is_admin=False), request)
    assert store.writes == 0


def test_an_admin_may_post_for_any_user(store: InMemoryBehaviorStore) -> None:
    request = IngestEventsRequest.model_validate({"user_id": "bob", "events": [created("r1")]})
    assert ingest_for_actor(store, Actor("root", is_admin=True), request).user_id == "bob"
    assert "bob" in store.signals


def test_engagement_without_consent_is_neither_stored_nor_counted(store: InMemoryBehaviorStore) -> None:
    result = ingest_events(store, "u1", [event(created("r1")), event(engaged("v1"))], NOW)

    assert (result.accepted_event_ids, result.not_tracked_event_ids) == (["r1"], ["v1"])
    assert set(store.events["u1"]) == {"r1"}
    assert "u1" not in store.engagement


def test_engagement_with_consent_is_stored_and_counted_in_one_read_and_one_write(
    store: InMemoryBehaviorStore,
) -> None:
    store.allow_tracking("u1")

    result = ingest_events(store, "u1", [event(engaged(f"v{i}", category="PETS")) for i in range(10)], NOW)

    assert result.not_tracked_event_ids == []
    assert len(store.events["u1"]) == 10
    assert store.engagement["u1"].total_product_views == 10
    assert "u1" not in store.signals  # no transaction event: the signals are not written
    assert (store.reads, store.writes) == (1, 1)


def test_withdrawn_consent_takes_effect_on_the_next_batch(store: InMemoryBehaviorStore) -> None:
    store.allow_tracking("u1")
    ingest_events(store, "u1", [event(engaged("v1"))], NOW)
    store.allow_tracking("u1", allowed=False)

    result = ingest_events(store, "u1", [event(engaged("v2"))], NOW)

    assert result.not_tracked_event_ids == ["v2"]
    assert store.engagement["u1"].total_product_views == 1


class _WithdrawingStore(InMemoryBehaviorStore):
    """The user withdraws consent between our read and our write."""

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        if write.engagement is not None and self.consent[user_id].settings.behavioral_tracking:
            self.allow_tracking(user_id, allowed=False)
        super().save_batch(user_id, write)


def test_consent_withdrawn_during_the_write_is_honoured() -> None:
    store = _WithdrawingStore()
    store.allow_tracking("u1")

    result = ingest_events(store, "u1", [event(created("r1")), event(engaged("v1"))], NOW)

    assert (result.accepted_event_ids, result.not_tracked_event_ids) == (["r1"], ["v1"])
    assert set(store.events["u1"]) == {"r1"}
    assert "u1" not in store.engagement


def _start(event_id: str, survey_id: str = "s1") -> BehavioralEvent:
    return event(engaged(event_id, "survey_start", survey_id=survey_id))


def test_an_analytics_sharing_users_first_start_of_a_survey_is_counted_once(store: InMemoryBehaviorStore) -> None:
    store.allow_tracking("u1", sharing=True)

    ingest_events(store, "u1", [_start("a"), _start("b"), _start("c", "s2")], NOW)
    ingest_events(store, "u1", [_start("d"), _start("a")], NOW)  # a start again, and one redelivered

    assert store.funnel_starts == ["s1", "s2"]
    assert store.engagement["u1"].started_survey_ids == ["s2", "s1"]
    assert set(store.events["u1"]) == {"a", "b", "c", "d"}


def test_a_user_not_sharing_analytics_has_their_starts_remembered_but_not_counted(
    store: InMemoryBehaviorStore,
) -> None:
    store.allow_tracking("u1")

    ingest_events(store, "u1", [_start("a")], NOW)
    store.allow_tracking("u1", sharing=True)
    ingest_events(store, "u1", [_start("b"), _start("c", "s2")], NOW)

    assert store.engagement["u1"].started_survey_ids == ["s1", "s2"]
    assert store.funnel_starts == ["s2"]  # s1 was first started without the consent: never counted


def test_an_untracked_start_is_neither_remembered_nor_counted(store: InMemoryBehaviorStore) -> None:
    result = ingest_events(store, "u1", [_start("a")], NOW)

    assert result.not_tracked_event_ids == ["a"]
    assert store.funnel_starts == []
    assert "u1" not in store.engagement


class _StartingElsewhereStore(InMemoryBehaviorStore):
    """The same user's other batch, starting the same survey, lands between our read and our write."""

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        if self.writes == 0:
            self.writes += 1
            self.engagement[user_id] = write.engagement.model_copy(deep=True)  # type: ignore[union-attr]
            self.funnel_starts += write.funnel_starts
        super().save_batch(user_id, write)


def test_a_start_raced_by_another_batch_of_the_same_survey_is_counted_once() -> None:
    store = _StartingElsewhereStore()
    store.allow_tracking("u1", sharing=True)

    ingest_events(store, "u1", [_start("a")], NOW)

    assert store.funnel_starts == ["s1"]
    assert store.engagement["u1"].version == 2
