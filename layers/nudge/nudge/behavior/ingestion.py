"""Ingesting a batch of a user's behavioral events: marketplace transactions into their signal aggregates,
and engagement events, with the user's behavioral-tracking consent only, into their engagement
aggregates.

Without that consent an engagement event is neither stored nor counted anywhere, and the response
lists it as not tracked. Transaction events are not gated: they are the marketplace's record of the
user's own date-change requests, which the host platform sends to get the defaults and prices it
shows the user in that same transaction (README, Engagement tracking).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from nudge.behavior.signals import SignalAggregates, apply_events
from nudge.behavior.store import BatchRejected, BatchWrite, BehaviorStore, IngestionState
from nudge.engagement.engagement_events import ENGAGEMENT_MODELS, EngagementEvent
from nudge.engagement.engagement_score import apply_engagement, newly_started
from nudge.errors import Conflict, RequestInvalid
from nudge.observability import metrics

if TYPE_CHECKING:
    # Types only: a survey response ingests its completion without loading the marketplace's event models.
    from nudge.behavior.events import BehavioralEvent, TransactionEvent

MAX_BATCH = 100
# A DynamoDB transaction holds at most 100 items: activity, signals, engagement, the consent check, the pending
# product views and 95 more: the events, one survey reminder per survey the chunk starts or completes, and one
# funnel count per survey it starts (counted whether or not the start is the user's first).
EVENTS_PER_TRANSACTION = 95
MAX_ATTEMPTS = 5


class Ingestion(NamedTuple):
    accepted_event_ids: list[str]
    duplicate_event_ids: list[str]
    not_tracked_event_ids: list[str]
    aggregates: SignalAggregates


class _Chunk(NamedTuple):
    state: IngestionState
    written: list[BehavioralEvent]
    skipped: frozenset[str]
    not_tracked: list[str]


def ingest_events(
    store: BehaviorStore,
    user_id: str,
    events: Sequence[BehavioralEvent],
    now: datetime | None = None,
) -> Ingestion:
    """Add new events to the user's aggregates; events whose id was stored before are skipped, engagement
    events without consent are left out. Events older than the store's retention window are refused: they
    would expire on arrival."""
    now = now or datetime.now(UTC)
    _within_retention(events, now - store.retention, store.retention)
    signals = None
    accepted: list[str] = []
    duplicates: list[str] = []
    not_tracked: list[str] = []
    for chunk in chunks(events):
        done = _ingest_chunk(store, user_id, chunk, now)
        signals = done.state.signals
        accepted += [event.event_id for event in done.written]
        duplicates += [event.event_id for event in chunk if event.event_id in done.skipped]
        not_tracked += done.not_tracked
    metrics().add_metric(name="EventsIngested", unit=MetricUnit.Count, value=len(accepted))
    metrics().add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=len(duplicates))
    metrics().add_metric(name="EventsNotTracked", unit=MetricUnit.Count, value=len(not_tracked))
    return Ingestion(accepted, duplicates, not_tracked, signals or SignalAggregates())


def chunks(events: Sequence[BehavioralEvent]) -> list[Sequence[BehavioralEvent]]:
    """The events in order, in chunks whose events, survey reminders and funnel counts fit one transaction."""
    found: list[Sequence[BehavioralEvent]] = []
    start, surveys = 0, dict[str, int]()
    for index, event in enumerate(events):
        added = _survey_items(event)
        merged = surveys | {survey: max(items, surveys.get(survey, 0)) for survey, items in added.items()}
        if index - start + 1 + sum(merged.values()) > EVENTS_PER_TRANSACTION:
            found.append(events[start:index])
            start, surveys = index, added
        else:
            surveys = merged
    return [*found, events[start:]] if events else found


def _survey_items(event: BehavioralEvent) -> dict[str, int]:
    """survey_id -> the transaction items the event may add: its reminder, and for a start its funnel count."""
    survey = getattr(event, "survey_id", None)
    if event.type not in ("survey_start", "survey_complete") or not isinstance(survey, str):
        return {}
    return {survey: 2 if event.type == "survey_start" else 1}


def _within_retention(events: Sequence[BehavioralEvent], oldest: datetime, retention: timedelta) -> None:
    problems = [
        (f"events[{index}].occurred_at", f"must be within the {retention.days}-day event retention window")
        for index, event in enumerate(events)
        if event.occurred_at < oldest
    ]
    if problems:
        raise RequestInvalid(problems)


def _is_engagement(event: BehavioralEvent) -> bool:
    return isinstance(event, ENGAGEMENT_MODELS)


def _ingest_chunk(store: BehaviorStore, user_id: str, chunk: Sequence[BehavioralEvent], now: datetime) -> _Chunk:
    """Optimistic write: read once, retry only on what the store rejected."""
    state = store.read_state(user_id)
    skipped: frozenset[str] = frozenset()
    for _ in range(MAX_ATTEMPTS):
        tracking = state.consent.allowed
        not_tracked = [] if tracking else [event.event_id for event in chunk if _is_engagement(event)]
        fresh = [e for e in chunk if e.event_id not in skipped and e.event_id not in not_tracked]
        if not fresh:
            return _Chunk(state, [], skipped, not_tracked)
        write = _batch_write(state, fresh, now)
        try:
            store.save_batch(user_id, write)
        except BatchRejected as rejected:
            skipped |= rejected.duplicate_event_ids
            if rejected.stale:
                state = store.read_state(user_id)
            continue
        updated = state._replace(
            signals=write.signals or state.signals, engagement=write.engagement or state.engagement
        )
        return _Chunk(updated, fresh, skipped, not_tracked)
    raise Conflict("the user's data kept changing while these events were written; retry the request")


def _batch_write(state: IngestionState, events: list[BehavioralEvent], now: datetime) -> BatchWrite:
    engagement: list[EngagementEvent] = [e for e in events if isinstance(e, ENGAGEMENT_MODELS)]
    transactions: list[TransactionEvent] = [e for e in events if not isinstance(e, ENGAGEMENT_MODELS)]
    aggregates = apply_engagement(state.engagement, engagement, now) if engagement else None
    # Brands' analytics count only analytics-sharing users, as a survey response's contribution does; the
    # consent ConditionCheck of the engagement write holds this decision to the version read.
    sharing = aggregates is not None and state.consent.analytics_sharing
    starts = newly_started(state.engagement, aggregates) if aggregates is not None and sharing else []
    return BatchWrite(
        events=events,
        signals=apply_events(state.signals, transactions, now) if transactions else None,
        engagement=aggregates,
        read=state,
        at=now,
        funnel_starts=starts,
    )
