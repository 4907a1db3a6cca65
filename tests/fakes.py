"""In-memory stand-ins behind the same ports the product code uses (unit tests only)."""

from __future__ import annotations

from datetime import timedelta

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.signals import SignalAggregates
from nudge.behavior.store import BatchRejected, BatchWrite, IngestionState
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile_table import TrackingConsent


class InMemoryBehaviorStore:
    """Implements BehaviorStore with the same all-or-nothing and version rules as the tables."""

    retention = timedelta(days=400)

    def __init__(self) -> None:
        self.signals: dict[str, SignalAggregates] = {}
        self.engagement: dict[str, EngagementAggregates] = {}
        self.consent: dict[str, ConsentRecord] = {}
        self.events: dict[str, dict[str, BehavioralEvent]] = {}
        self.active_at: dict[str, object] = {}
        self.reads = 0
        self.writes = 0
        self.funnel_starts: list[str] = []  # survey_started + 1 of the funnel, one entry per survey and write

    def allow_tracking(self, user_id: str, allowed: bool = True, sharing: bool = False) -> None:
        """The user's consent changes, as PUT .../consent would change it."""
        current = self.consent.get(user_id, ConsentRecord())
        settings = ConsentSettings(behavioral_tracking=allowed, analytics_sharing=sharing)
        self.consent[user_id] = current.model_copy(update={"settings": settings, "version": current.version + 1})

    def read_state(self, user_id: str) -> IngestionState:
        self.reads += 1
        return IngestionState(
            signals=self.signals.get(user_id, SignalAggregates()).model_copy(deep=True),
            engagement=self.engagement.get(user_id, EngagementAggregates()).model_copy(deep=True),
            consent=self._tracking(user_id),
        )

    def _tracking(self, user_id: str) -> TrackingConsent:
        record = self.consent.get(user_id, ConsentRecord())
        return TrackingConsent(
            allowed=record.settings.behavioral_tracking,
            version=record.version,
            analytics_sharing=record.settings.analytics_sharing,
        )

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        self.writes += 1
        stored_events = self.events.setdefault(user_id, {})
        duplicates = frozenset(event.event_id for event in write.events if event.event_id in stored_events)
        if duplicates or self._stale(user_id, write):
            raise BatchRejected(duplicate_event_ids=duplicates, stale=self._stale(user_id, write))
        stored_events.update({event.event_id: event for event in write.events})
        if write.signals is not None:
            self.signals[user_id] = write.signals.model_copy(deep=True)
        if write.engagement is not None:
            self.engagement[user_id] = write.engagement.model_copy(deep=True)
        self.active_at[user_id] = write.at
        self.funnel_starts += write.funnel_starts

    def _stale(self, user_id: str, write: BatchWrite) -> bool:
        now = self.read_state(user_id)
        self.reads -= 1  # a check inside the write, not a read of the caller's
        if write.signals is not None and now.signals.version != write.read.signals.version:
            return True
        if write.engagement is None:
            return False
        return (now.engagement.version, now.consent.version) != (
            write.read.engagement.version,
            write.read.consent.version,
        )
