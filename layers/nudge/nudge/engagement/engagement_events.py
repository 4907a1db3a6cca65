"""The engagement events Nudge tracks, with the user's behavioral-tracking consent only."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from nudge.behavior.event_base import TimedEvent
from nudge.identifiers import Identifier
from nudge.profiles.categories import Category

MAX_DURATION_SECONDS = 24 * 3600

Source = Literal["email", "app", "notification", "sms", "whatsapp"]


class _EngagementEvent(TimedEvent):
    product_id: Identifier | None = None
    survey_id: Identifier | None = None
    category: Category | None = Field(default=None, description="What the product or survey is about")
    duration_seconds: int | None = Field(default=None, ge=0, le=MAX_DURATION_SECONDS, description="Time spent")
    source: Source | None = Field(default=None, description="Where the user came from")
    session_id: Identifier | None = None


class ProductEvent(_EngagementEvent):
    type: Literal["product_view", "product_bookmark"]
    product_id: Identifier


class SurveyEvent(_EngagementEvent):
    type: Literal["survey_start", "survey_complete", "survey_response"]
    survey_id: Identifier


class NotificationClick(_EngagementEvent):
    type: Literal["notification_click"]
    notification_id: Identifier = Field(description="The notification the user clicked")


EngagementEvent = ProductEvent | SurveyEvent | NotificationClick
ENGAGEMENT_MODELS = (ProductEvent, SurveyEvent, NotificationClick)
ENGAGEMENT_TYPES: frozenset[str] = frozenset(
    name for model in ENGAGEMENT_MODELS for name in get_args(model.model_fields["type"].annotation)
)
