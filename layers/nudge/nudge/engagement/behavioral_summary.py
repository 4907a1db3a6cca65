"""What Nudge derived about a user, as their profile shows it (read-only)."""

from datetime import datetime

from pydantic import Field

from nudge.engagement.engagement_score import (
    ActivityLevel,
    EngagementAggregates,
    activity_level,
    engagement_score,
    interest_vector,
)
from nudge.models import NudgeModel


class PreferredCategory(NudgeModel):
    category: str
    score: float = Field(ge=0, le=1, description="1 for the category the user engages with most")


class BehavioralSummary(NudgeModel):
    engagement_score: float = Field(ge=0, le=100)
    activity_level: ActivityLevel = Field(description="high from 50, medium from 20, low below")
    last_active_at: datetime | None
    total_surveys: int
    total_product_views: int
    preferred_categories: list[PreferredCategory] = Field(description="Most preferred first")


def behavioral_summary(data: EngagementAggregates, now: datetime) -> BehavioralSummary:
    score = engagement_score(data, now)
    return BehavioralSummary.model_construct(
        engagement_score=score,
        activity_level=activity_level(score),
        last_active_at=data.last_active_at,
        total_surveys=data.total_surveys,
        total_product_views=data.total_product_views,
        preferred_categories=[
            PreferredCategory.model_construct(category=name, score=value) for name, value in interest_vector(data)
        ],
    )
