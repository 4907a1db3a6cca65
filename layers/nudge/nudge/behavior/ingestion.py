"""Ingesting a batch of a user's behavioral events into their signal aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, field_validator

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.signals import SignalAggregates, UserSignals, apply_events, describe
from nudge.behavior.store import BatchRejected, BehaviorStore
from nudge.errors import Conflict, RequestInvalid
from nudge.identifiers import UserId
from nudge.models import NudgeModel
from nudge.observability import metrics
from nudge.users.actor import Actor

MAX_BATCH = 100
# A DynamoDB transaction holds at most 100 items: the aggregates item plus 99 events.
EVENTS_PER_TRANSACTION = 99
MAX_ATTEMPTS = 5


class IngestEventsRequest(NudgeModel):
    user_id: UserId | None = Field(
        default=None, description="Admins only: whose events these are. Others always post their own."
    )
    events: list[BehavioralEvent] = Field(min_length=1, max_length=MAX_BATCH)

    @field_validator("events")
    @classmethod
    def _unique_ids(cls, events: list[BehavioralEvent]) -> list[BehavioralEvent]:
        seen: set[str] = set()
        for event in events:
            if event.event_id in seen:
                raise ValueError(f"event_id '{event.event_id}' appears more than once in this batch")
            seen.add(event.event_id)
        return events


class IngestEventsResponse(NudgeModel):
    user_id: str
    accepted_event_ids: list[str]
    duplicate_event_ids: list[str] = Field(description="Events stored before; not counted again")
    signals: UserSignals


class Ingestion(NamedTuple):
    accepted_event_ids: list[str]
    duplicate_event_ids: list[str]
    aggregates: SignalAggregates


def ingest_for_actor(store: BehaviorStore, actor: Actor, request: IngestEventsRequest) -> IngestEventsResponse:
    """The API entry point: the user comes from the token, or from the body for an admin."""
    user_id = request.user_id or actor.user_id
    actor.ensure_can_access(user_id)
    result = ingest_events(store, user_id, request.events)
    return IngestEventsResponse(
        user_id=user_id,
        accepted_event_ids=result.accepted_event_ids,
        duplicate_event_ids=result.duplicate_event_ids,
        signals=describe(user_id, result.aggregates),
    )


def ingest_events(
    store: BehaviorStore,
    user_id: str,
    events: Sequence[BehavioralEvent],
    now: datetime | None = None,
) -> Ingestion:
    """Add new events to the user's aggregates; events whose id was stored before are skipped. Events
    older than the store's retention window are refused: they would expire on arrival."""
    now = now or datetime.now(UTC)
    _within_retention(events, now - store.retention, store.retention)
    aggregates = None
    accepted: list[str] = []
    duplicates: list[str] = []
    for start in range(0, len(events), EVENTS_PER_TRANSACTION):
        chunk = events[start : start + EVENTS_PER_TRANSACTION]
        aggregates, written, skipped = _ingest_chunk(store, user_id, chunk, now)
        accepted += [event.event_id for event in written]
        duplicates += [event.event_id for event in chunk if event.event_id in skipped]
    metrics().add_metric(name="EventsIngested", unit=MetricUnit.Count, value=len(accepted))
    metrics().add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=len(duplicates))
    return Ingestion(accepted, duplicates, aggregates or SignalAggregates())


def _within_retention(events: Sequence[BehavioralEvent], oldest: datetime, retention: timedelta) -> None:
    problems = [
        (f"events[{index}].occurred_at", f"must be within the {retention.days}-day event retention window")
        for index, event in enumerate(events)
        if event.occurred_at < oldest
    ]
    if problems:
        raise RequestInvalid(problems)


def _ingest_chunk(
    store: BehaviorStore, user_id: str, chunk: Sequence[BehavioralEvent], now: datetime
) -> tuple[SignalAggregates, list[BehavioralEvent], frozenset[str]]:
    """Optimistic write: read the aggregates once, retry only on what the store rejected."""
    current = store.get_signals(user_id) or SignalAggregates()
    skipped: frozenset[str] = frozenset()
    for _ in range(MAX_ATTEMPTS):
        fresh = [event for event in chunk if event.event_id not in skipped]
        if not fresh:
            return current, [], skipped
        updated = apply_events(current, fresh, now)
        try:
            store.save_batch(user_id, fresh, current.version, updated)
        except BatchRejected as rejected:
            skipped |= rejected.duplicate_event_ids
            if rejected.stale:
                current = store.get_signals(user_id) or SignalAggregates()
            continue
        return updated, fresh, skipped
    raise Conflict("the user's signals kept changing while these events were written; retry the request")
