"""The events API (`POST /v1/events`): who may post whose events, and what the response says of them.
Ingesting them is nudge/behavior/ingestion.py."""

from typing import Literal

from pydantic import Field, field_validator

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.ingestion import MAX_BATCH, ingest_events
from nudge.behavior.signals import UserSignals, describe
from nudge.behavior.store import BehaviorStore
from nudge.identifiers import UserId
from nudge.models import NudgeModel
from nudge.users.actor import Actor


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


class NotTracked(NudgeModel):
    event_id: str
    reason: Literal["no_consent"] = Field(description="no_consent: the user has not consented to behavioral tracking")


class IngestEventsResponse(NudgeModel):
    user_id: str
    accepted_event_ids: list[str]
    duplicate_event_ids: list[str] = Field(description="Events stored before; not counted again")
    not_tracked: list[NotTracked] = Field(description="Engagement events neither stored nor counted")
    signals: UserSignals


def ingest_for_actor(store: BehaviorStore, actor: Actor, request: IngestEventsRequest) -> IngestEventsResponse:
    """The API entry point: the user comes from the token, or from the body for an admin."""
    user_id = request.user_id or actor.user_id
    actor.ensure_can_access(user_id)
    result = ingest_events(store, user_id, request.events)
    return IngestEventsResponse(
        user_id=user_id,
        accepted_event_ids=result.accepted_event_ids,
        duplicate_event_ids=result.duplicate_event_ids,
        not_tracked=[NotTracked(event_id=event_id, reason="no_consent") for event_id in result.not_tracked_event_ids],
        signals=describe(user_id, result.aggregates),
    )
