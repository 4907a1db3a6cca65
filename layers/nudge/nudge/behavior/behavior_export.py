"""What the behavior table holds about a user, as an export shows it (loaded only by the export)."""

from datetime import datetime
from functools import cache
from typing import Any

from pydantic import Field

from nudge.behavior.events import BehavioralEvent, DateChangeRequestAnswered, DateChangeRequestCreated
from nudge.behavior.signals import SignalAggregates
from nudge.engagement.engagement_events import NotificationClick, ProductEvent, SurveyEvent
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.models import NudgeModel
from nudge.users.personal_data import ExportSection


class StoredEvent(NudgeModel):
    event: BehavioralEvent
    ingested_at: datetime | None
    expires_at: datetime = Field(description="When the raw event is deleted (EventRetentionDays after it occurred)")


class ExperimentAssignment(NudgeModel):
    variant_id: str
    assigned_at: datetime


class BehaviorExport(ExportSection):
    signals: SignalAggregates | None = Field(
        default=None, description="The stored counts and sums the signals derive from"
    )
    engagement: EngagementAggregates | None = Field(
        default=None, description="The engagement score's daily points, the interest weights, the totals"
    )
    events: list[StoredEvent] = Field(description="Every raw event still retained")
    archetype: dict[str, Any] | None = Field(
        default=None, description="The last computed archetype, as the defaults capability stores it"
    )
    archetype_override: dict[str, Any] | None = Field(
        default=None, description="An administrator's override, as the defaults capability stores it"
    )
    recommendation_feedback: dict[str, Any] | None = Field(
        default=None, description="Categories the user removed from their product recommendations"
    )
    experiment_assignments: dict[str, ExperimentAssignment] = Field(description="experiment_id -> variant")
    other_items: list[dict[str, Any]] = Field(
        description="Items of a kind this export does not name yet, as stored, so an export is never short"
    )


@cache
def event_fields() -> frozenset[str]:
    """The stored attributes of a raw event that are the event's own fields."""
    models = (DateChangeRequestCreated, DateChangeRequestAnswered, ProductEvent, SurveyEvent, NotificationClick)
    return frozenset(name for model in models for name in model.model_fields)
