"""The port ingestion writes through; `ingestion_tables` is the DynamoDB adapter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    # Types only: readers of signals should not load the event models.
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.signals import SignalAggregates
    from nudge.engagement.engagement_score import EngagementAggregates
    from nudge.profiles.profile_table import TrackingConsent


class BatchRejected(Exception):
    """Nothing of the batch was written: some events were seen before, or what it was computed from
    (aggregates, consent) changed meanwhile."""

    def __init__(self, duplicate_event_ids: frozenset[str], stale: bool) -> None:
        super().__init__(f"duplicates={sorted(duplicate_event_ids)} stale={stale}")
        self.duplicate_event_ids = duplicate_event_ids
        self.stale = stale


class IngestionState(NamedTuple):
    """What a batch is computed from, read together: version 0 means no item yet."""

    signals: SignalAggregates
    engagement: EngagementAggregates
    consent: TrackingConsent


class BatchWrite(NamedTuple):
    events: Sequence[BehavioralEvent]
    signals: SignalAggregates | None  # None: the batch has no transaction event, the signals stay as read
    engagement: EngagementAggregates | None  # None: no engagement event is tracked in this batch
    read: IngestionState  # the versions the write holds on to
    at: datetime
    # The surveys to add 1 to in their funnel's survey_started: first starts, only of an analytics-sharing user.
    funnel_starts: Sequence[str] = ()


class BehaviorStore(Protocol):
    @property
    def retention(self) -> timedelta:
        """How long raw events are kept: older events are refused, they would expire on arrival."""

    def read_state(self, user_id: str) -> IngestionState:
        """The user's aggregates and consent, in one read."""

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        """Store the new raw events, the aggregates that include them and the user's activity, all or nothing.

        Raises BatchRejected when an event id is already stored for the user, or the aggregates or (when
        engagement is written) the consent are no longer at the versions read.
        """
